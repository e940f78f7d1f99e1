import { logger } from '../../kernel/logger';
import {
  giveUpReason,
  reconcileStale,
  stallVerdict,
  type ReconcileAction,
  type Reconciler,
  type RecoveryPolicy,
} from '../../platform/use-cases/reconcile';
import type { BillingBus, ExportRecord, ExportStore } from '../ports';

export type ExportDecision = { action: 'none' } | { action: 'resume' } | { action: 'give-up'; reason: string };

/** Pure: what the reconciler does with an export at `now` (only a running one can have stopped). */
export function decideExport(record: ExportRecord | null, now: Date, policy: RecoveryPolicy): ExportDecision {
  if (record?.status !== 'running') return { action: 'none' };
  const verdict = stallVerdict(record.heartbeatAt, record.resumes, now, policy);
  if (verdict === 'alive') return { action: 'none' };
  if (verdict === 'give-up') return { action: 'give-up', reason: giveUpReason(record.resumes, null) };
  return { action: 'resume' };
}

export interface ExportReconcilerDeps {
  exports: ExportStore;
  bus: BillingBus;
  policy: RecoveryPolicy;
  now?: () => Date;
}

/**
 * The reconciler's part for exports. A running export that made no progress for the threshold (its
 * message was lost after the record was written, or went to the DLQ without its last delivery failing it)
 * is sent again, after a conditional note of the resume (two reconcilers never both send it); the run is
 * idempotent. After `maxResumes` fruitless resumes it is failed with the reason: `GET /exports/{id}` shows it.
 */
export class ExportReconciler implements Reconciler {
  readonly name = 'exports';

  constructor(private readonly deps: ExportReconcilerDeps) {}

  reconcile(now: Date): Promise<{ resumed: number; failed: number }> {
    return reconcileStale(
      now,
      this.deps.policy,
      (before) => this.deps.exports.stale(before),
      (seen) => this.reconcileOne(seen, now),
      { message: 'could not resume an export', describe: (seen) => ({ accountId: seen.accountId, exportId: seen.id }) },
    );
  }

  private async reconcileOne(seen: ExportRecord, now: Date): Promise<ReconcileAction> {
    const { exports, bus, policy } = this.deps;
    // the index is eventually consistent: decide on the record as it is now
    const record = await exports.get(seen.accountId, seen.id);
    const decision = decideExport(record, now, policy);
    if (decision.action === 'none') return 'none';
    if (decision.action === 'give-up') {
      const ended = await exports.finish(record!.accountId, record!.id, {
        status: 'failed',
        rows: null,
        error: decision.reason,
        completedAt: now.toISOString(),
      });
      if (ended) logger.error('export given up', { accountId: record!.accountId, exportId: record!.id, reason: decision.reason });
      return ended ? 'failed' : 'none';
    }
    const next = await exports.redrive(record!, now.toISOString());
    if (!next) return 'none'; // it progressed meanwhile, or another reconciler took it
    await bus.send([{ type: 'export', accountId: next.accountId, exportId: next.id }]);
    logger.warn('export stopped making progress; sent again', {
      accountId: next.accountId,
      exportId: next.id,
      resume: next.resumes,
      heartbeatAt: record!.heartbeatAt,
    });
    return 'resumed';
  }
}
