import type { BillingMessage, CycleRecord } from '../ports';
import { errorText, heartbeatEveryMs, recoveryPolicy, withHeartbeat } from '../../platform/use-cases/reconcile';
import { failCycleRun } from './cycle-recovery';
import { collectBatches } from './cycle/collect-batches';
import { collectPurchases } from './cycle/collect-purchases';
import { afterCollected, collectorDone } from './cycle/dispatch';
import { invoice } from './cycle/invoice';
import { regenerateLate } from './cycle/late';
import { plan } from './cycle/plan';
import { collectSource } from './cycle/plan-file';
import { currentRun, type CycleWorkerDeps, type StepDeps } from './cycle/steps';

export {
  CUSTOMERS_PER_PARTITION,
  KEYS_PER_COLLECTOR,
  MAX_PARTITIONS,
  PURCHASES_PER_PARTITION,
  ROWS_PER_PIECE,
  periodOf,
  type CycleWorkerDeps,
} from './cycle/steps';

type CycleMessage = Exclude<BillingMessage, { type: 'export' }>;
/** The messages of one run of a cycle. */
export type RunMessage = Extract<BillingMessage, { type: 'cycle-start' | 'cycle-collect' | 'cycle-invoice' }>;
type CollectMessage = Extract<BillingMessage, { type: 'cycle-collect' }>;

/**
 * Runs a billing cycle through the BillingQueue (docs/architecture.md, "Billing cycles"); each step is
 * its own file under cycle/:
 *
 * 1. `cycle-start` (plan.ts) lists the journal objects of the period's months, or the billing streams'
 *    batches, and records a plan (collectors, partitions) on the cycle, first writer wins; the plan's
 *    slices go out as `cycle-collect` messages that say which kind of source their keys are.
 * 2. Each collector (collect-purchases.ts, collect-batches.ts) reads its purchases or batch rows, writes
 *    the billable (and held) ones as rows into one S3 file per partition of paying customers, counts the
 *    rest by reason, then joins the run's `collected` set. The collector that completes the set sends one
 *    `cycle-invoice` per partition (dispatch.ts).
 * 3. Each invoicer (invoice.ts, draft.ts) reads its partition, builds one draft per customer and currency
 *    (deterministic id; an approved invoice is never touched), writes the documents and the item, puts the
 *    purchases on it, and joins the `invoiced` set. The invoicer that completes it merges the partial
 *    reports into the cycle (finalize.ts).
 *
 * Every message is safe to receive twice, and messages of a superseded run are ignored.
 */
export class CycleWorker {
  private readonly steps: StepDeps;
  private readonly heartbeatMs: number;

  constructor(private readonly deps: CycleWorkerDeps) {
    const { policy, now, ...rest } = deps;
    this.steps = { ...rest, now: now ?? (() => new Date()) };
    this.heartbeatMs = heartbeatEveryMs(policy ?? recoveryPolicy());
  }

  async handle(message: CycleMessage): Promise<void> {
    if (message.type === 'cycle-late') return regenerateLate(this.steps, message.accountId, message.cycleId, message.arrivedAt);
    const { accountId, cycleId, run } = message;
    // A step tells the reconciler it is alive when it starts and while it runs (docs/architecture.md).
    const beat = () => this.deps.cycles.beat(accountId, cycleId, run, this.steps.now().toISOString());
    if (!(await beat())) return; // a finished or superseded run: nothing to do
    await withHeartbeat(this.heartbeatMs, beat, () => {
      switch (message.type) {
        case 'cycle-start':
          return plan(this.steps, accountId, cycleId, run);
        case 'cycle-collect':
          return this.collect(message);
        case 'cycle-invoice':
          return invoice(this.steps, accountId, cycleId, run, message.partition);
      }
    });
  }

  /** A delivery of a run's message failed: the error is kept, so that a give-up can say what went wrong. */
  async noteFailure(message: RunMessage, error: unknown): Promise<void> {
    await this.deps.cycles.noteError(message.accountId, message.cycleId, message.run, `${describeStep(message)}: ${errorText(error)}`);
  }

  /**
   * The last delivery of a message failed: the run ends `failed`, with what is known so far and the error
   * (or with the error alone, when what is known cannot be merged).
   */
  async fail(message: RunMessage, error: unknown): Promise<void> {
    await failCycleRun(this.deps.cycles, message, `${describeStep(message)}: ${errorText(error)}`, this.steps.now().toISOString());
  }

  /** `cycle-collect`: the collector of the message's source kind; its report joins the run's. */
  private async collect(message: CollectMessage): Promise<void> {
    const cycle: CycleRecord | null = await currentRun(this.steps, message.accountId, message.cycleId, message.run);
    if (!cycle) return;
    if (cycle.collected.includes(message.collector)) return afterCollected(this.steps, cycle);
    const collector = collectSource(message) === 'batches' ? collectBatches : collectPurchases;
    const report = await collector(this.steps, cycle, message.collector, message.keys);
    await collectorDone(this.steps, cycle, message.collector, report);
  }
}

function describeStep(message: RunMessage): string {
  return message.type === 'cycle-collect'
    ? `cycle-collect ${message.collector}`
    : message.type === 'cycle-invoice'
      ? `cycle-invoice ${message.partition}`
      : message.type;
}
