import type { BillingPeriod } from '../../../kernel/periods';
import { logger } from '../../../kernel/logger';
import type { AccountStore } from '../../../platform/ports';
import type { RecoveryPolicy } from '../../../platform/use-cases/reconcile';
import type { CatalogStore } from '../../../catalog/ports';
import type { ChunkStore, PurchaseStore } from '../../../ingest/ports';
import type { RuleStore } from '../../../pricing/ports';
import type { CycleBatches } from '../../../streams/use-cases/billing-batches';
import type { BillingBus, BillingFiles, CycleRecord, CycleStore, CycleSubscriptions, InvoiceStore, PurchaseInvoicing } from '../../ports';

/**
 * What the steps of a cycle run share: the worker's dependencies (CycleWorkerDeps), and the few helpers
 * every step needs (is this run still the running one, the period, removing objects without failing).
 */

/**
 * Fan-out sizes. A journal object holds at most 1,000 purchases (one ingest chunk), so a collector reads
 * at most 8,000 purchases (80 BatchGetItem calls). A partition invoices about 100 customers (100 PDFs)
 * or 5,000 purchases, whichever needs more partitions: a few seconds each, so the partitions are the
 * cycle's parallelism, far inside the consumer's timeout.
 */
export const KEYS_PER_COLLECTOR = 8;
export const CUSTOMERS_PER_PARTITION = 100;
export const PURCHASES_PER_PARTITION = 5000;
export const MAX_PARTITIONS = 1000;
/** A batch collector writes its partition files every this many rows. */
export const ROWS_PER_PIECE = 20_000;

export interface CycleWorkerDeps {
  cycles: CycleStore;
  invoices: InvoiceStore;
  marks: PurchaseInvoicing;
  files: BillingFiles;
  bus: BillingBus;
  chunks: ChunkStore;
  purchases: PurchaseStore;
  catalog: CatalogStore;
  rules: RuleStore;
  accounts: AccountStore;
  /**
   * Re-rates purchases against the current catalogue (IngestService.reevaluate). A purchase dated after
   * the moment it was rated waits as `future-date`; once its period is invoiced that moment has passed.
   */
  rerate: (accountId: string, references: readonly string[]) => Promise<number>;
  /** The account's subscriptions and offers; without it a cycle bills purchases only. */
  subscriptions?: CycleSubscriptions;
  /** The billing streams' batches; without it (or without billing streams) the account's purchases are billed. */
  batches?: CycleBatches;
  /** How often a running step writes its heartbeat follows from the reconciler's threshold. */
  policy?: RecoveryPolicy;
  now?: () => Date;
}

/** The dependencies of a step: the worker's, with the clock settled. */
export type StepDeps = Omit<CycleWorkerDeps, 'now' | 'policy'> & { now: () => Date };

export function periodOf(cycle: Pick<CycleRecord, 'periodStart' | 'periodEnd'>): BillingPeriod {
  return { start: cycle.periodStart, end: cycle.periodEnd };
}

/** The cycle if `run` is its running run; null for a message of a finished or superseded run. */
export async function currentRun(deps: Pick<StepDeps, 'cycles'>, accountId: string, cycleId: string, run: number): Promise<CycleRecord | null> {
  const cycle = await deps.cycles.get(accountId, cycleId);
  return cycle && cycle.run === run && cycle.status === 'running' ? cycle : null;
}

/** Removes superseded objects; a failure is logged, never thrown (what they held is already replaced). */
export async function removeQuietly(files: Pick<BillingFiles, 'delete'>, keys: readonly string[]): Promise<void> {
  try {
    await files.delete(keys);
  } catch (error) {
    logger.warn('could not remove superseded billing objects', { keys: keys.slice(0, 5), error: error as Error });
  }
}
