import { randomBytes } from 'node:crypto';
import { mapLimit } from '../../../kernel/concurrency';
import { logger } from '../../../kernel/logger';
import type { BillingPeriod } from '../../../kernel/periods';
import { objects } from '../../../storage/keys';
import type { BatchRecord } from '../../../streams/domain/batch';
import { readsFromMonth } from '../../domain/period-rows';
import type { CollectSource, CycleRecord } from '../../ports';
import { monthsOf } from '../period-purchases';
import { journalKeyMonth } from '../rows';
import { dispatchCollectors, resume } from './dispatch';
import { writePlanFile } from './plan-file';
import { allCustomers } from '../../../pricing/use-cases/rating';
import { payerLinks } from '../../domain/payers';
import { subscriptionsByCustomer, writeSubscriptionFiles } from './subscriptions';
import { CUSTOMERS_PER_PARTITION, KEYS_PER_COLLECTOR, MAX_PARTITIONS, PURCHASES_PER_PARTITION, currentRun, periodOf, type StepDeps } from './steps';

/** A cycle waiting for its billing streams' runs asks again this much later. */
const STREAM_WAIT_SECONDS = 5;

interface Census {
  /** The customers the journal lines name (original ones: an upper bound of who pays). */
  customers: ReadonlySet<string>;
  purchases: number;
}

/**
 * `cycle-start`: lists what the period bills (the billing streams' batches, else the journal objects of
 * the period's months; and the account's subscriptions, one file per partition) and records a plan
 * (collectors, partitions) on the cycle, first writer wins; the
 * plan's slices go out as `cycle-collect` messages. A run that has its plan already is resumed.
 */
export async function plan(deps: StepDeps, accountId: string, cycleId: string, run: number): Promise<void> {
  const cycle = await currentRun(deps, accountId, cycleId, run);
  if (!cycle) return;
  if (cycle.plan) return resume(deps, cycle);

  const streamed = deps.batches ? await deps.batches.forPeriod(accountId, periodOf(cycle)) : null;
  if (streamed?.waiting.length) {
    logger.info('cycle waits for its billing streams to run', { accountId, cycleId, run, streams: streamed.waiting });
    await deps.bus.send([{ type: 'cycle-start', accountId, cycleId, run }], { delaySeconds: STREAM_WAIT_SECONDS });
    return;
  }
  const source: CollectSource = streamed ? 'batches' : 'journal';
  const { slices, census } = streamed ? batchSlices(accountId, streamed.ready) : await journalSlices(deps, cycle);
  // subscribers are invoiced even without purchases: they count among the customers the partitions share
  const subscribers = deps.subscriptions ? await subscriptionsByCustomer(deps.subscriptions, accountId) : new Map<string, never[]>();
  // linked customers' rows and subscriptions go to the partition of the parent that pays for them
  const links = payerLinks(await allCustomers(deps.catalog, accountId));
  const customers = new Set([...census.customers, ...subscribers.keys()]).size;
  const { purchases } = census;
  const partitions = Math.min(
    MAX_PARTITIONS,
    Math.max(1, Math.ceil(customers / CUSTOMERS_PER_PARTITION), Math.ceil(purchases / PURCHASES_PER_PARTITION)),
  );
  const planId = randomBytes(6).toString('hex');
  // The slices (and subscriptions) are kept before the plan is recorded, so that whoever finds the plan can resend them.
  await writeSubscriptionFiles(deps.files, cycle, planId, partitions, subscribers, links);
  await writePlanFile(deps.files, cycle, planId, { slices, notes: streamed?.missing ?? [], source, links });
  const planned = await deps.cycles.setPlan(accountId, cycleId, run, { planId, collectors: slices.length, partitions });
  if (!planned) return;
  if (planned.plan?.planId !== planId) return resume(deps, planned); // a concurrent start planned first
  logger.info('cycle planned', {
    accountId,
    cycleId,
    run,
    source,
    customers,
    subscribers: subscribers.size,
    purchases,
    collectors: slices.length,
    partitions,
  });
  await dispatchCollectors(deps, planned, slices, source);
}

/** Invoices are views of the billing streams' batches: one collector per batch, sized by the batches' rows. */
function batchSlices(accountId: string, ready: readonly BatchRecord[]): { slices: string[][]; census: Census } {
  const slices = ready.map((batch) => [objects.batchFile(accountId, batch.id, 'rows.csv', batch.attempt)]);
  return { slices, census: { customers: new Set(), purchases: ready.reduce((n, b) => n + b.rows, 0) } };
}

/** The journal objects of the period's months, KEYS_PER_COLLECTOR to a collector. */
async function journalSlices(deps: StepDeps, cycle: CycleRecord): Promise<{ slices: string[][]; census: Census }> {
  const wanted = new Set(monthsOf(periodOf(cycle)));
  const keys: string[] = [];
  for (const month of await deps.chunks.journalMonths(cycle.accountId)) {
    if (!wanted.has(month)) continue;
    for await (const key of deps.chunks.journalKeys(cycle.accountId, month)) keys.push(key);
  }
  const slices: string[][] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_COLLECTOR) slices.push(keys.slice(i, i + KEYS_PER_COLLECTOR));
  return { slices, census: await census(deps, periodOf(cycle), keys) };
}

/**
 * How many customers (original ones: an upper bound of who pays) and purchases the period has, from the
 * journal lines alone: one GET per journal object, what sizes the partitions before anything is read.
 */
async function census(deps: StepDeps, period: BillingPeriod, keys: readonly string[]): Promise<Census> {
  const customers = new Set<string>();
  let purchases = 0;
  await mapLimit(keys, 16, async (key) => {
    const month = journalKeyMonth(key);
    for (const line of await deps.chunks.readJournal(key)) {
      if (!readsFromMonth(line, period, month)) continue;
      customers.add(line.customerCode);
      purchases += 1;
    }
  });
  return { customers, purchases };
}
