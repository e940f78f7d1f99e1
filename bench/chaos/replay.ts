/**
 * Scenario a: a client that retries at once. Every request of purchases goes out `copies` times
 * concurrently (a timeout retry racing the original), then `changed` of its references are sent again
 * with another quantity 2–4 s later. The answers, the stored purchases and the invoices of the period
 * must all tell the same story: each reference accepted once, with the content first accepted, billed once.
 */
import Decimal from 'decimal.js';
import { mapLimit, must, sleep, submitPurchases } from './http';
import { runScenario, type ChaosContext, type Recorder } from './scenario';
import type { ScenarioResult } from './result';
import type { CycleView, IngestAnswer, StoredPurchase } from './wire';
import {
  accountId,
  billableCatalogue,
  checkInvoices,
  listAll,
  newTenant,
  OCTOBER,
  purchaseOf,
  UNIT_PRICE,
  quantityPerCustomer,
  readPurchases,
  settle,
  waitCycle,
  type PurchaseInput,
  type Tenant,
} from './world';

export interface ReplayOptions {
  readonly requests: number;
  readonly perRequest: number;
  readonly copies: number;
  readonly changed: number;
  readonly customers: number;
  readonly settleTimeoutMs: number;
  readonly cycleTimeoutMs: number;
}

export const REPLAY_FULL: ReplayOptions = {
  requests: 5,
  perRequest: 1000,
  copies: 3,
  changed: 200,
  customers: 50,
  settleTimeoutMs: 180_000,
  cycleTimeoutMs: 180_000,
};

interface Answers {
  accepted: number;
  duplicates: number;
  conflicts: number;
  otherRejections: number;
}

export function replayScenario(ctx: ChaosContext, o: ReplayOptions): Promise<ScenarioResult> {
  const total = o.requests * o.perRequest;
  return runScenario(
    ctx,
    'replay',
    `Immediate replay ×${o.copies} with changed resends`,
    `${o.requests} requests of ${o.perRequest.toLocaleString('en-US')} purchases (${o.customers} customers), each sent ${o.copies} times at once; ` +
      `2–4 s after the answers, ${o.changed} of the references again with another quantity. Then every purchase is read back ` +
      `(GET /purchases/{reference}) and listed (GET /purchases), and October is billed (POST /billing-cycles) and its invoices compared with the first-accepted content.`,
    (rec) => run(ctx, rec, o, total),
  );
}

async function run(ctx: ChaosContext, rec: Recorder, o: ReplayOptions, total: number) {
  const { client } = ctx;
  const t = await newTenant(client, ctx.adminKey, accountId('chaos-replay'));
  await billableCatalogue(client, t, o.customers);
  const originals: PurchaseInput[] = Array.from({ length: total }, (_, n) => purchaseOf('rp', n, o.customers));
  const requests = Array.from({ length: o.requests }, (_, r) => originals.slice(r * o.perRequest, (r + 1) * o.perRequest));
  const answers = new Map<string, Answers>(originals.map((p) => [p.reference, { accepted: 0, duplicates: 0, conflicts: 0, otherRejections: 0 }]));
  const tally = (body: Partial<IngestAnswer>) => {
    for (const ref of body.accepted ?? []) answers.get(ref)!.accepted++;
    for (const ref of body.duplicates ?? []) answers.get(ref)!.duplicates++;
    for (const r of body.rejected ?? []) {
      const a = answers.get(r.reference);
      if (!a) continue;
      if (r.code === 'duplicate_conflict') a.conflicts++;
      else a.otherRejections++;
    }
  };

  // Every copy of every request at once.
  const started = Date.now();
  const sends = await Promise.all(
    requests.flatMap((batch) => Array.from({ length: o.copies }, () => submitPurchases(client, `${t.base}/purchases`, batch, t.key))),
  );
  const resentRows = sends.reduce((n, s) => n + s.resent, 0);
  const sendSeconds = (Date.now() - started) / 1000;
  for (const s of sends) if (s.status === 202) tally(s.body as Partial<IngestAnswer>);
  rec.tally.replays += total * (o.copies - 1);
  const failedSends = sends.filter((s) => s.status !== 202).length;

  // Changed resends: spread over the requests and the customers, quantity + 1000, 2–4 s later.
  const step = Math.max(1, Math.floor(total / o.changed));
  const changed = Array.from({ length: o.changed }, (_, i) => originals[(i * step + (i % step)) % total]!).map((p) => ({
    ...p,
    quantity: String(Number(p.quantity) + 1000),
  }));
  await sleep(2000 + Math.floor(Math.random() * 2000));
  const inFlight = readPurchases(
    client,
    t,
    changed.map((p) => p.reference),
  );
  const resendBodies = await mapLimit(chunks(changed, Math.ceil(o.changed / o.requests)), 8, (batch) =>
    must<IngestAnswer>(submitPurchases(client, `${t.base}/purchases`, batch, t.key), 'changed resend'),
  );
  const stillReceived = [...(await inFlight).stored.values()].filter((p) => p.status === 'received').length;
  rec.tally.replays += o.changed;
  const changedRefs = new Set(changed.map((p) => p.reference));
  let changedAccepted = 0;
  let changedConflicts = 0;
  let changedDuplicates = 0;
  for (const body of resendBodies) {
    changedAccepted += body.accepted.filter((r) => changedRefs.has(r)).length;
    changedDuplicates += body.duplicates.filter((r) => changedRefs.has(r)).length;
    changedConflicts += body.rejected.filter((r) => r.code === 'duplicate_conflict' && changedRefs.has(r.reference)).length;
  }

  const all = [...answers.values()];
  const acceptedOnce = all.filter((a) => a.accepted === 1).length;
  const acceptedMore = all.filter((a) => a.accepted > 1).length;
  const acceptedNever = all.filter((a) => a.accepted === 0).length;
  const identicalRejected = all.reduce((n, a) => n + a.conflicts + a.otherRejections, 0);
  const duplicates = all.reduce((n, a) => n + a.duplicates, 0);
  rec.figure(
    'purchases sent',
    `${total.toLocaleString('en-US')} × ${o.copies} copies in ${o.requests * o.copies} concurrent requests (answered in ${sendSeconds.toFixed(1)} s; ${failedSends} not 202)`,
  );
  rec.figure('rows answered not_processed and sent again by the client', resentRows);
  rec.figure('references reported accepted exactly once', `${acceptedOnce} of ${total}`);
  rec.figure('references reported accepted more than once', acceptedMore);
  rec.figure('references never reported accepted', acceptedNever);
  rec.figure('identical copies reported as duplicates', `${duplicates} of ${total * (o.copies - 1)}`);
  rec.figure('identical copies rejected', identicalRejected);
  rec.figure('changed resends whose original still read received when resent', `${stillReceived} of ${o.changed}`);
  rec.figure(
    'changed resends: accepted / duplicates / rejected duplicate_conflict',
    `${changedAccepted} / ${changedDuplicates} / ${changedConflicts}`,
  );
  rec.expect(
    'each reference is reported accepted exactly once over all copies',
    acceptedOnce === total,
    `${acceptedOnce} of ${total} (more than once: ${acceptedMore}, never: ${acceptedNever})`,
  );
  rec.expect(
    'the identical copies are reported as duplicates',
    duplicates === total * (o.copies - 1) && identicalRejected === 0,
    `${duplicates} duplicates, ${identicalRejected} rejected, of ${total * (o.copies - 1)}`,
  );
  rec.expect(
    'every changed resend is rejected with duplicate_conflict',
    changedConflicts === o.changed,
    `${changedConflicts} of ${o.changed} (accepted: ${changedAccepted})`,
  );

  // Stored content.
  const settled = await settle(
    client,
    t,
    originals.map((p) => p.reference),
    o.settleTimeoutMs,
  );
  rec.figure(
    'seconds until no purchase reads received',
    settled.seconds === null ? `> ${o.settleTimeoutMs / 1000} (${settled.stillReceived.length} still received)` : settled.seconds.toFixed(1),
  );
  const { stored, missing } = await readPurchases(
    client,
    t,
    originals.map((p) => p.reference),
  );
  const overwritten = originals.filter((p) => stored.has(p.reference) && !sameContent(stored.get(p.reference)!, p));
  const listed = await listAll<StoredPurchase>(client, t, '/purchases');
  const seen = new Map<string, number>();
  for (const p of listed) seen.set(p.reference, (seen.get(p.reference) ?? 0) + 1);
  const duplicated = [...seen.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  const notListed = originals.filter((p) => !seen.has(p.reference)).length;
  rec.tally.lost += missing.length;
  rec.tally.overwritten += overwritten.length;
  rec.tally.duplicated += duplicated;
  rec.figure('purchases lost (404)', missing.length);
  rec.figure('purchases overwritten (stored content ≠ first accepted)', overwritten.length);
  rec.figure('purchases duplicated (listed more than once)', duplicated);
  rec.figure('purchases missing from the list', notListed);
  rec.expect('nothing accepted is lost', missing.length === 0, `${missing.length} lost`);
  rec.expect(
    'the stored content is the first accepted',
    overwritten.length === 0,
    `${overwritten.length} overwritten${overwritten.length ? ` (e.g. ${overwritten[0]!.reference}: quantity ${stored.get(overwritten[0]!.reference)!.quantity})` : ''}`,
  );
  rec.expect('each purchase is stored once', duplicated === 0 && notListed === 0, `${duplicated} listed twice, ${notListed} not listed`);

  // Billing.
  await bill(ctx, rec, t, originals, o.cycleTimeoutMs);
}

/** Bills October and compares every invoice with the first-accepted content. */
async function bill(ctx: ChaosContext, rec: Recorder, t: Tenant, originals: readonly PurchaseInput[], timeoutMs: number) {
  const { client } = ctx;
  const started = await must<CycleView>(client.request('POST', `${t.base}/billing-cycles`, OCTOBER, t.key), 'cycle');
  const { seconds, cycle } = await waitCycle(client, t, started.id, timeoutMs);
  rec.figure('cycle', `${cycle?.status ?? 'unreadable'} after ${seconds.toFixed(1)} s`);
  if (!rec.expect('the cycle completes', cycle?.status === 'completed', cycle?.status ?? 'unreadable')) return;
  const expected = quantityPerCustomer(originals);
  const invoices = await checkInvoices(client, t, expected);
  rec.tally.invoicesMissing += invoices.missing.length;
  rec.tally.invoicesDuplicated += invoices.duplicated;
  const billed = [...invoices.byCustomer.values()].flat().reduce((s, i) => s.plus(i.total), new Decimal(0));
  const owed = [...expected.values()].reduce((s, q) => s.plus(q), new Decimal(0)).times(UNIT_PRICE);
  rec.figure('invoices', `${invoices.invoices} for ${expected.size} customers`);
  rec.figure(
    'invoices missing / duplicated / amount mismatches',
    `${invoices.missing.length} / ${invoices.duplicated} / ${invoices.mismatched.length}`,
  );
  rec.figure('invoiced total vs first-accepted total (EUR)', `${billed.toFixed(2)} vs ${owed.toFixed(2)}`);
  rec.expect(
    'one invoice per customer, billing exactly the first-accepted content',
    invoices.missing.length === 0 && invoices.duplicated === 0 && invoices.mismatched.length === 0,
    `${invoices.missing.length} missing, ${invoices.duplicated} duplicated, ${invoices.mismatched.length} mismatched${invoices.mismatched.length ? ` (e.g. ${invoices.mismatched[0]})` : ''}`,
  );
}

export function sameContent(stored: StoredPurchase, p: PurchaseInput): boolean {
  return (
    new Decimal(stored.quantity).eq(p.quantity) &&
    stored.customerCode === p.customerCode &&
    stored.productLabel === p.productLabel &&
    Date.parse(stored.purchaseDate) === Date.parse(p.purchaseDate)
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
