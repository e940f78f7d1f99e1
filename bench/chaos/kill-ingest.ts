/**
 * Scenario b: the machine dies while purchases stream in. A client posts batches, the stack is killed
 * (SIGKILL, the whole process tree) after some of them were answered, and started again on the same
 * data dir. Every reference that got a 202 `accepted` must be stored with its content, and must be
 * listed (its acceptance journaled, recovery included) within seconds; the requests that got no answer are retried, as a client would.
 */
import { ConnectionError, mapLimit, submitPurchases } from './http';
import { sameContent } from './replay';
import { runScenario, type ChaosContext, type Recorder } from './scenario';
import type { ScenarioResult } from './result';
import type { IngestAnswer, StoredPurchase } from './wire';
import { accountId, billableCatalogue, listAll, newTenant, purchaseOf, settleListed, type PurchaseInput } from './world';

export interface KillIngestOptions {
  readonly batches: number;
  readonly perRequest: number;
  readonly parallel: number;
  /** SIGKILL once this many requests were answered. */
  readonly killAfterAnswers: number;
  readonly customers: number;
  /** Target for accepted purchases to settle after the restart. */
  readonly targetSeconds: number;
  readonly settleTimeoutMs: number;
}

export const KILL_INGEST_FULL: KillIngestOptions = {
  batches: 60,
  perRequest: 500,
  parallel: 4,
  killAfterAnswers: 12,
  customers: 20,
  targetSeconds: 30,
  settleTimeoutMs: 420_000,
};

export function killIngestScenario(ctx: ChaosContext, o: KillIngestOptions): Promise<ScenarioResult> {
  return runScenario(
    ctx,
    'kill-ingest',
    'SIGKILL during ingest',
    `${o.batches} requests of ${o.perRequest} purchases, ${o.parallel} at a time; after ${o.killAfterAnswers} answers the stack and everything it started get SIGKILL, ` +
      `then \`npm start\` runs again on the same data dir. Every reference answered \`accepted\` is read back; the requests that got no answer are sent again.`,
    (rec) => run(ctx, rec, o),
  );
}

async function run(ctx: ChaosContext, rec: Recorder, o: KillIngestOptions) {
  const { client } = ctx;
  if (!ctx.stack) throw new Error('this scenario needs a stack it may kill');
  const t = await newTenant(client, ctx.adminKey, accountId('chaos-kill-ingest'));
  await billableCatalogue(client, t, o.customers);
  const batches: PurchaseInput[][] = Array.from({ length: o.batches }, (_, b) =>
    Array.from({ length: o.perRequest }, (_, i) => purchaseOf('ki', b * o.perRequest + i, o.customers)),
  );
  const content = new Map(batches.flat().map((p) => [p.reference, p]));

  const accepted: string[] = [];
  const unanswered: PurchaseInput[][] = [];
  let answers = 0;
  let killing: Promise<void> | null = null;
  let killedAt = 0;
  let next = 0;
  const notSent: PurchaseInput[][] = [];
  await Promise.all(
    Array.from({ length: o.parallel }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        if (killing) {
          notSent.push(batch);
          continue;
        }
        try {
          const r = await submitPurchases(client, `${t.base}/purchases`, batch, t.key, 30_000);
          if (r.status === 202) accepted.push(...(r.body as IngestAnswer).accepted);
          else unanswered.push(batch);
          answers++;
          if (answers >= o.killAfterAnswers && !killing) {
            killedAt = Date.now();
            killing = ctx.stack!.kill();
          }
        } catch (error) {
          if (!(error instanceof ConnectionError)) throw error;
          unanswered.push(batch);
        }
      }
    }),
  );
  await killing;
  rec.tally.faults++;
  rec.figure('requests answered before the kill', `${answers} (${accepted.length.toLocaleString('en-US')} purchases accepted)`);
  rec.figure('requests cut off by the kill / never sent', `${unanswered.length} / ${notSent.length}`);

  const restartSeconds = await ctx.stack.restart();
  rec.figure('restart (npm start until listening)', `${restartSeconds.toFixed(1)} s`);
  const settled = await settleListed(client, t, accepted, o.settleTimeoutMs);
  const fromKill = (Date.now() - killedAt) / 1000;
  rec.figure(
    'seconds after restart until every accepted purchase is listed, none received',
    settled.seconds === null
      ? `> ${o.settleTimeoutMs / 1000} (${settled.stillReceived.length} still received)`
      : `${settled.seconds.toFixed(1)} (${fromKill.toFixed(1)} after the kill)`,
  );
  rec.expect(
    `accepted purchases settle within ${o.targetSeconds} s of the restart`,
    settled.seconds !== null && settled.seconds <= o.targetSeconds,
    settled.seconds === null
      ? `still ${settled.stillReceived.length} received after ${o.settleTimeoutMs / 1000} s`
      : `${settled.seconds.toFixed(1)} s`,
  );

  // Read back from the list (a thousand a request; GET one by one would take minutes over thousands).
  const stored = new Map((await listAll<StoredPurchase>(client, t, '/purchases')).map((p) => [p.reference, p]));
  const read = { stored, missing: accepted.filter((ref) => !stored.has(ref)) };
  const overwritten = accepted.filter((ref) => read.stored.has(ref) && !sameContent(read.stored.get(ref)!, content.get(ref)!));
  rec.tally.lost += read.missing.length;
  rec.tally.overwritten += overwritten.length;
  rec.figure('accepted purchases lost / overwritten', `${read.missing.length} / ${overwritten.length}`);
  rec.expect(
    'every purchase answered accepted is stored with its content',
    read.missing.length === 0 && overwritten.length === 0,
    `${read.missing.length} lost, ${overwritten.length} overwritten of ${accepted.length}`,
  );

  // The client retries what got no answer (and sends what it had not sent yet).
  const retry = [...unanswered, ...notSent];
  rec.tally.replays += unanswered.flat().length;
  const retried = await mapLimit(retry, o.parallel, (batch) => submitPurchases(client, `${t.base}/purchases`, batch, t.key));
  const rejected = retried.reduce((n, r) => n + (r.status === 202 ? (r.body as IngestAnswer).rejected.length : 0), 0);
  const notAnswered202 = retried.filter((r) => r.status !== 202).length;
  rec.figure('retried requests: not 202 / purchases rejected', `${notAnswered202} / ${rejected}`);
  rec.expect(
    'a retried request is accepted or reported duplicate, never rejected',
    notAnswered202 === 0 && rejected === 0,
    `${notAnswered202} not 202, ${rejected} purchases rejected`,
  );
  const everything = [...content.keys()];
  const settledAll = await settleListed(client, t, everything, 120_000);
  const listed = await listAll<StoredPurchase>(client, t, '/purchases');
  const seen = new Map<string, number>();
  for (const p of listed) seen.set(p.reference, (seen.get(p.reference) ?? 0) + 1);
  const duplicated = [...seen.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  const lostAfterRetry = everything.filter((ref) => !seen.has(ref)).length;
  rec.tally.duplicated += duplicated;
  rec.figure(
    'after the retries: purchases missing / listed twice / still received',
    `${lostAfterRetry} / ${duplicated} / ${settledAll.stillReceived.length}`,
  );
  rec.expect(
    'after the retries every purchase is stored once',
    lostAfterRetry === 0 && duplicated === 0,
    `${lostAfterRetry} missing, ${duplicated} listed twice`,
  );
}
