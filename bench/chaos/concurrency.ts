/**
 * Scenario d: two clients (or one client's retries) doing the same thing at the same moment. Starting a
 * period's cycle, approving an invoice, saving rules that exclude each other, claiming one alias: the
 * outcome must be what one of them alone would have got, never both.
 */
import { mapLimit, must, submitPurchases } from './http';
import { runScenario, type ChaosContext, type Recorder } from './scenario';
import type { ScenarioResult } from './result';
import type { CatalogueItem, CycleView, WireInvoice } from './wire';
import { accountId, billableCatalogue, enc, listAll, newTenant, OCTOBER, purchaseOf, settle, waitCycle, type Tenant } from './world';

export interface ConcurrencyOptions {
  /** Concurrent copies of each racing request. */
  readonly racers: number;
  /** Rounds of each overlapping save. */
  readonly rounds: number;
  readonly customers: number;
  readonly cycleTimeoutMs: number;
}

export const CONCURRENCY_FULL: ConcurrencyOptions = { racers: 8, rounds: 10, customers: 5, cycleTimeoutMs: 120_000 };

export function concurrencyScenario(ctx: ChaosContext, o: ConcurrencyOptions): Promise<ScenarioResult> {
  return runScenario(
    ctx,
    'concurrency',
    'Concurrent starts, approvals and overlapping saves',
    `${o.racers} concurrent POST /billing-cycles for the same period; ${o.racers} concurrent approvals of one invoice; ` +
      `${o.rounds} rounds each of two ambiguous price rules, two overlapping routing rules and two product clusters claiming one alias, saved at the same moment.`,
    (rec) => run(ctx, rec, o),
  );
}

async function run(ctx: ChaosContext, rec: Recorder, o: ConcurrencyOptions) {
  const t = await newTenant(ctx.client, ctx.adminKey, accountId('chaos-race'));
  await billableCatalogue(ctx.client, t, o.customers);
  await cyclesAndApprovals(ctx, rec, t, o);
  await overlappingSaves(ctx, rec, t, o);
}

export async function cyclesAndApprovals(ctx: ChaosContext, rec: Recorder, t: Tenant, o: ConcurrencyOptions) {
  const { client } = ctx;
  const purchases = Array.from({ length: o.customers * 4 }, (_, n) => purchaseOf('cc', n, o.customers));
  await must(submitPurchases(client, `${t.base}/purchases`, purchases, t.key), 'purchases');
  const ready = await settle(
    client,
    t,
    purchases.map((p) => p.reference),
    120_000,
  );
  if (ready.seconds === null) throw new Error(`${ready.stillReceived.length} purchases still received`);

  const starts = await Promise.all(Array.from({ length: o.racers }, () => client.request('POST', `${t.base}/billing-cycles`, OCTOBER, t.key)));
  rec.tally.replays += o.racers - 1;
  const ids = new Set(starts.filter((s) => s.status === 202).map((s) => (s.body as CycleView).id));
  const notAccepted = starts.filter((s) => s.status !== 202).map((s) => s.status);
  const cycles = (await listAll<CycleView>(client, t, '/billing-cycles')).filter((c) => c.periodStart === OCTOBER.periodStart);
  rec.figure(
    'concurrent cycle starts: answered 202 / distinct ids / cycles listed for the period',
    `${o.racers - notAccepted.length} / ${ids.size} / ${cycles.length}`,
  );
  rec.expect(
    'concurrent starts of one period make one cycle, and every start answers it',
    notAccepted.length === 0 && ids.size === 1 && cycles.length === 1,
    `${ids.size} ids, ${cycles.length} cycles, other statuses [${notAccepted.join(', ')}]`,
  );

  const [id] = ids;
  const { cycle } = await waitCycle(client, t, id!, o.cycleTimeoutMs);
  if (!rec.expect('the cycle completes', cycle?.status === 'completed', cycle?.status ?? 'unreadable')) return;
  const invoices = await listAll<WireInvoice>(client, t, `/invoices?periodStart=${OCTOBER.periodStart}`);
  rec.figure('invoices of the cycle', `${invoices.length} for ${o.customers} customers`);
  if (!rec.expect('one invoice per customer', invoices.length === o.customers, invoices.length)) return;

  const target = invoices[0]!;
  const approvals = await Promise.all(
    Array.from({ length: o.racers }, () => client.request('POST', `${t.base}/invoices/${enc(target.id)}/approve`, undefined, t.key)),
  );
  rec.tally.replays += o.racers - 1;
  const ok = approvals.filter((a) => a.status === 200).length;
  const conflicts = approvals.filter((a) => a.status === 409).length;
  const others = approvals.filter((a) => a.status !== 200 && a.status !== 409).map((a) => a.status);
  rec.figure('concurrent approvals: 200 / 409 / other', `${ok} / ${conflicts} / ${others.length ? others.join(', ') : 0}`);
  rec.expect(
    'concurrent approvals: exactly one 200, the others 409',
    ok === 1 && conflicts === o.racers - 1,
    `${ok} × 200, ${conflicts} × 409, others [${others.join(', ')}]`,
  );
  const after = await must<WireInvoice>(client.request('GET', `${t.base}/invoices/${enc(target.id)}`, undefined, t.key), 'invoice');
  rec.expect('the approved invoice reads approved', after.status === 'approved', after.status);
}

async function overlappingSaves(ctx: ChaosContext, rec: Recorder, t: Tenant, o: ConcurrencyOptions) {
  const { client } = ctx;
  const put = (path: string, body: unknown) => client.request('PUT', `${t.base}${path}`, body, t.key);
  let priceBoth = 0;
  let routingBoth = 0;
  let aliasBoth = 0;
  let pricePrecheck = 0;
  const statuses = new Map<string, number>();
  const count = (s: number) => statuses.set(String(s), (statuses.get(String(s)) ?? 0) + 1);
  await mapLimit(
    Array.from({ length: o.rounds }, (_, r) => r),
    2,
    async (r) => {
      await must(put(`/product-clusters/race-${r}`, { name: `Race ${r}`, aliases: [`race-label-${r}`] }), 'product cluster');
      await must(put(`/customer-clusters/race-${r}`, { name: `Race ${r}`, parent: 'all' }), 'customer cluster');
      // Two price rules with the same scope and priority: whichever is saved second is ambiguous.
      const rule = {
        productCluster: `race-${r}`,
        customerCluster: `race-${r}`,
        currency: 'EUR',
        validFrom: '2026-01-01',
        model: { type: 'standard', unitPrice: '1' },
      };
      const prices = await Promise.all([
        put(`/price-rules/race-${r}-a`, rule),
        put(`/price-rules/race-${r}-b`, { ...rule, model: { type: 'standard', unitPrice: '2' } }),
      ]);
      // Two routing rules for the same clusters, to different payers: they overlap.
      const routes = await Promise.all([
        put(`/routing-rules/race-${r}-a`, { customerCluster: `race-${r}`, productCluster: `race-${r}`, targetCustomer: 'C0' }),
        put(`/routing-rules/race-${r}-b`, { customerCluster: `race-${r}`, productCluster: `race-${r}`, targetCustomer: 'C1' }),
      ]);
      // Two product clusters claiming the same new alias.
      const aliases = await Promise.all([
        put(`/product-clusters/race-${r}-a`, { name: 'A', aliases: [`race-shared-${r}`] }),
        put(`/product-clusters/race-${r}-b`, { name: 'B', aliases: [`race-shared-${r}`] }),
      ]);
      for (const x of [...prices, ...routes, ...aliases]) count(x.status);
      const saved = (xs: { status: number }[]) => xs.filter((x) => x.status === 200 || x.status === 201).length;
      if (saved(prices) > 1) priceBoth++;
      if (saved(routes) > 1) routingBoth++;
      if (saved(aliases) > 1) aliasBoth++;
      // Control: saved one after the other, the second of each pair is refused.
      const third = await put(`/price-rules/race-${r}-c`, { ...rule, model: { type: 'standard', unitPrice: '3' } });
      if (third.status === 409) pricePrecheck++;
    },
  );
  rec.tally.replays += o.rounds * 3;
  const rules = await listAll<CatalogueItem>(client, t, '/price-rules');
  const routing = await listAll<CatalogueItem>(client, t, '/routing-rules');
  const clusters = await listAll<CatalogueItem>(client, t, '/product-clusters');
  const storedPairs = (items: CatalogueItem[], pick: (x: CatalogueItem) => string | undefined) => {
    const per = new Map<string, number>();
    for (const x of items) {
      const k = pick(x);
      if (k) per.set(k, (per.get(k) ?? 0) + 1);
    }
    return [...per.values()].filter((n) => n > 1).length;
  };
  const ambiguousStored = storedPairs(rules, (x) => (/^race-\d+-[abc]$/.test(x.id) ? x.productCluster : undefined));
  const overlappingStored = storedPairs(routing, (x) => (/^race-\d+-[ab]$/.test(x.id) ? x.productCluster : undefined));
  const sharedStored = storedPairs(clusters, (x) => (x.aliases ?? []).find((a) => a.startsWith('race-shared-')));
  rec.figure('overlapping saves: statuses', [...statuses].map(([s, n]) => `${n} × ${s}`).join(', '));
  rec.figure('rounds where both were saved: price rules / routing rules / alias', `${priceBoth} / ${routingBoth} / ${aliasBoth} of ${o.rounds}`);
  rec.figure(
    'stored afterwards: ambiguous price-rule pairs / overlapping routing pairs / aliases on two clusters',
    `${ambiguousStored} / ${overlappingStored} / ${sharedStored}`,
  );
  rec.expect(
    'of two ambiguous price rules saved at once, at most one is accepted',
    priceBoth === 0 && ambiguousStored === 0,
    `${priceBoth} rounds both, ${ambiguousStored} ambiguous pairs stored`,
  );
  rec.expect(
    'of two overlapping routing rules saved at once, at most one is accepted',
    routingBoth === 0 && overlappingStored === 0,
    `${routingBoth} rounds both, ${overlappingStored} overlapping pairs stored`,
  );
  rec.expect(
    'an alias claimed by two clusters at once belongs to one',
    aliasBoth === 0 && sharedStored === 0,
    `${aliasBoth} rounds both, ${sharedStored} aliases on two clusters`,
  );
  rec.expect('control: an ambiguous rule saved afterwards is refused (409)', pricePrecheck === o.rounds, `${pricePrecheck} of ${o.rounds}`);
}
