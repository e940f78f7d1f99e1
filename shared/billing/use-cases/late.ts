import { coversPeriod, isBillable } from '../domain/period-rows';
import type { PurchaseRecord } from '../../ingest/domain/purchase';
import type { BillingBus, CycleStore } from '../ports';
import { periodOf } from './cycle/steps';

/**
 * Notices purchases stored for a period that already has a cycle (a CDR that arrives days after the month
 * closed) and asks the BillingQueue to regenerate that cycle's drafts (CycleWorker `cycle-late`).
 */
export class LatePurchases {
  constructor(
    private readonly cycles: CycleStore,
    private readonly bus: BillingBus,
  ) {}

  /** `storedAt`: when the purchases and their journal lines were written (a run started later reads them). */
  async notice(accountId: string, records: readonly PurchaseRecord[], storedAt: string): Promise<void> {
    const billable = records.filter(isBillable);
    if (!billable.length) return;
    // an account has a dozen cycles a year: one query of its cycle partition
    const cycles = await this.cycles.startingBetween(accountId, '0000-01-01', '9999-12-31');
    const affected = cycles.filter((cycle) => cycle.status !== 'failed' && billable.some((r) => coversPeriod(r, periodOf(cycle))));
    if (affected.length)
      await this.bus.send(affected.map((cycle) => ({ type: 'cycle-late' as const, accountId, cycleId: cycle.id, arrivedAt: storedAt })));
  }
}
