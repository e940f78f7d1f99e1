/**
 * Scenario c: the machine dies while a billing cycle runs. The cycle must finish by itself after the
 * restart, with exactly one draft per customer and currency, every billable purchase `invoiced` on it.
 */
import { must, sleep, submitPurchases, type ConnectionError } from './http';
import { runScenario, type ChaosContext, type Recorder } from './scenario';
import type { ScenarioResult } from './result';
import type { CycleView, ErrorAnswer } from './wire';
import {
  accountId,
  billableCatalogue,
  checkInvoices,
  enc,
  newTenant,
  OCTOBER,
  purchaseOf,
  quantityPerCustomer,
  readPurchases,
  settle,
  waitCycle,
} from './world';

export interface KillCycleOptions {
  readonly customers: number;
  readonly perCustomer: number;
  /** SIGKILL as soon as the cycle shows its first invoices, or this long after the start at the latest. */
  readonly killAfterMs: number;
  /** Target for the killed cycle to complete after the restart. */
  readonly targetSeconds: number;
  readonly completeTimeoutMs: number;
}

export const KILL_CYCLE_FULL: KillCycleOptions = {
  customers: 600,
  perCustomer: 3,
  killAfterMs: 3000,
  targetSeconds: 120,
  completeTimeoutMs: 300_000,
};

export function killCycleScenario(ctx: ChaosContext, o: KillCycleOptions): Promise<ScenarioResult> {
  return runScenario(
    ctx,
    'kill-cycle',
    'SIGKILL during a billing cycle',
    `${o.customers} customers with ${o.perCustomer} rated purchases each; POST /billing-cycles, SIGKILL of the stack as soon as the cycle reads its first invoices (${o.killAfterMs / 1000} s at the latest), restart on the same data dir. ` +
      `Measures the time until the cycle reads \`completed\`, then checks one draft per customer and currency and every purchase \`invoiced\` with its invoice id.`,
    (rec) => run(ctx, rec, o),
  );
}

async function run(ctx: ChaosContext, rec: Recorder, o: KillCycleOptions) {
  const { client } = ctx;
  if (!ctx.stack) throw new Error('this scenario needs a stack it may kill');
  const t = await newTenant(client, ctx.adminKey, accountId('chaos-kill-cycle'));
  await billableCatalogue(client, t, o.customers);
  const purchases = Array.from({ length: o.customers * o.perCustomer }, (_, n) => purchaseOf('kc', n, o.customers));
  for (let i = 0; i < purchases.length; i += 1000)
    await must(submitPurchases(client, `${t.base}/purchases`, purchases.slice(i, i + 1000), t.key), 'purchases');
  const refs = purchases.map((p) => p.reference);
  const ready = await settle(client, t, refs, 300_000);
  if (ready.seconds === null) throw new Error(`${ready.stillReceived.length} purchases still received before the cycle`);

  const started = await must<CycleView>(client.request('POST', `${t.base}/billing-cycles`, OCTOBER, t.key), 'cycle');
  // Kill in the middle: the first sign of invoicing, before the cycle can finish.
  const startedAt = Date.now();
  let killed: Partial<CycleView> | null = null;
  do {
    killed = (await client.request('GET', `${t.base}/billing-cycles/${enc(started.id)}`, undefined, t.key)).body as Partial<CycleView> | null;
    if (killed?.status !== 'running') break;
    if ((killed.report?.invoices ?? 0) > 0) break;
    await sleep(50);
  } while (Date.now() - startedAt < o.killAfterMs);
  await ctx.stack.kill();
  rec.tally.faults++;
  const killedAfter = (Date.now() - startedAt) / 1000;
  rec.figure(
    'cycle when killed',
    `${killed?.status} (${killed?.report?.invoices ?? 0} invoices so far), ${killedAfter.toFixed(1)} s after the start`,
  );
  rec.expect(
    'the kill lands while the cycle runs (else this scenario proves nothing)',
    killed?.status === 'running',
    `${killed?.status} with ${killed?.report?.invoices ?? 0} of ${o.customers} invoices`,
  );
  const restartSeconds = await ctx.stack.restart();
  rec.figure('restart (npm start until listening)', `${restartSeconds.toFixed(1)} s`);

  const { seconds, cycle } = await waitCycle(client, t, started.id, o.completeTimeoutMs);
  const completed = cycle?.status === 'completed' && !cycle.timedOut;
  rec.figure(
    'seconds after restart until the cycle reads completed',
    completed ? seconds.toFixed(1) : `never within ${o.completeTimeoutMs / 1000} (status ${cycle?.status}, ${cycle?.report?.invoices ?? 0} invoices)`,
  );
  rec.expect(
    `the killed cycle completes within ${o.targetSeconds} s of the restart`,
    completed && seconds <= o.targetSeconds,
    completed ? `${seconds.toFixed(1)} s` : `${cycle?.status ?? 'unreadable'} after ${o.completeTimeoutMs / 1000} s`,
  );
  if (!completed) {
    // What a user would try next: the same POST, and a regeneration.
    const again = await client
      .request('POST', `${t.base}/billing-cycles`, OCTOBER, t.key)
      .catch((e: ConnectionError) => ({ status: 0, body: String(e) }));
    const regenerate = await client.request('POST', `${t.base}/billing-cycles/${enc(started.id)}/regenerate`, undefined, t.key);
    const regenerated = regenerate.body as (Partial<CycleView> & ErrorAnswer) | null;
    rec.figure(
      'then: POST /billing-cycles again / regenerate',
      `${again.status} ${(again.body as Partial<CycleView> | null)?.status ?? ''} / ${regenerate.status} ${regenerated?.error?.code ?? regenerated?.status ?? ''}`,
    );
  }

  const invoices = await checkInvoices(client, t, quantityPerCustomer(purchases));
  const drafts = [...invoices.byCustomer.values()].flat().filter((i) => i.status === 'draft').length;
  rec.tally.invoicesMissing += invoices.missing.length;
  rec.tally.invoicesDuplicated += invoices.duplicated;
  rec.figure(
    'customers without an invoice / duplicated invoices / amount mismatches',
    `${invoices.missing.length} / ${invoices.duplicated} / ${invoices.mismatched.length} (${drafts} drafts for ${o.customers} customers)`,
  );
  rec.expect(
    'exactly one draft per customer and currency, with the right total',
    invoices.missing.length === 0 && invoices.duplicated === 0 && invoices.mismatched.length === 0 && drafts === o.customers,
    `${invoices.missing.length} missing, ${invoices.duplicated} duplicated, ${invoices.mismatched.length} mismatched`,
  );

  const invoiceOf = new Map([...invoices.byCustomer].map(([customer, list]) => [customer, new Set(list.map((i) => i.id))]));
  const read = await readPurchases(client, t, refs);
  const unmarked = purchases.filter((p) => {
    const s = read.stored.get(p.reference);
    return s?.status !== 'invoiced' || !s.invoice || !invoiceOf.get(p.customerCode)?.has(s.invoice);
  });
  rec.figure('billable purchases not marked invoiced on their invoice', `${unmarked.length} of ${purchases.length}`);
  rec.tally.lost += read.missing.length;
  rec.expect(
    'every billable purchase is invoiced, with its invoice id',
    unmarked.length === 0,
    `${unmarked.length} of ${purchases.length} not${unmarked.length ? ` (e.g. ${unmarked[0]!.reference}: ${read.stored.get(unmarked[0]!.reference)?.status})` : ''}`,
  );
}
