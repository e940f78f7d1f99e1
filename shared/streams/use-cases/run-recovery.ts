import type { BatchRecord } from '../domain/batch';
import { logger } from '../../kernel/logger';
import type { OpenBatchWork, StreamBus, StreamMessage, StreamStore } from '../ports';
import {
  errorText,
  giveUpReason,
  reconcileStale,
  stallVerdict,
  type Reconciler,
  type ReconcileAction,
  type RecoveryPolicy,
} from '../../platform/use-cases/reconcile';

export type BatchDecision =
  | { action: 'none'; why: 'alive' }
  /** The index item outlived its work (the batch moved on): remove it. */
  | { action: 'close' }
  | { action: 'resume'; phase: OpenBatchWork['phase'] }
  | { action: 'give-up'; phase: OpenBatchWork['phase']; reason: string };

/** Pure: what the reconciler does with a batch's open run or share at `now`. */
export function decideBatch(work: OpenBatchWork, batch: BatchRecord | null, now: Date, policy: RecoveryPolicy): BatchDecision {
  const open =
    batch !== null && (work.phase === 'run' ? batch.status === 'running' && (batch.attempt ?? 1) === work.attempt : batch.status === 'published');
  if (!open) return { action: 'close' };
  const verdict = stallVerdict(work.heartbeatAt, work.resumes, now, policy);
  if (verdict === 'alive') return { action: 'none', why: 'alive' };
  if (verdict === 'give-up') return { action: 'give-up', phase: work.phase, reason: giveUpReason(work.resumes, work.lastError) };
  return { action: 'resume', phase: work.phase };
}

/** Pure: the message that resumes it: a run as its next attempt (with the stored record), or the share again. */
export function redriveMessage(phase: OpenBatchWork['phase'], batch: BatchRecord): StreamMessage {
  return phase === 'run'
    ? { type: 'stream-run', accountId: batch.accountId, batchId: batch.id, attempt: batch.attempt ?? 1, batch }
    : { type: 'batch-share', accountId: batch.accountId, batchId: batch.id };
}

export interface StreamReconcilerDeps {
  streams: Pick<StreamStore, 'openWork' | 'getWork' | 'getBatch' | 'updateBatch' | 'redrive' | 'closeWork'>;
  bus: StreamBus;
  policy: RecoveryPolicy;
}

/**
 * The reconciler's part for streams. A running batch whose run stopped (no heartbeat for the threshold)
 * is re-driven as its next attempt with its stored record (definition snapshot and source); the attempt
 * writes files of its own and only it can finish the record, so a slow earlier attempt changes nothing.
 * A published batch whose share stopped is shared again (derived ids: nothing twice). After `maxResumes`
 * fruitless resumes a run ends `failed`, a share is given up with the reason on the (published) batch.
 */
export class StreamReconciler implements Reconciler {
  readonly name = 'stream-batches';

  constructor(private readonly deps: StreamReconcilerDeps) {}

  reconcile(now: Date): Promise<{ resumed: number; failed: number }> {
    return reconcileStale(
      now,
      this.deps.policy,
      (before) => this.deps.streams.openWork(before),
      (work) => this.reconcileOne(work, now),
      {
        message: 'could not resume a stream batch',
        describe: (work) => ({ accountId: work.accountId, batchId: work.batchId, phase: work.phase }),
      },
    );
  }

  private async reconcileOne(seen: OpenBatchWork, now: Date): Promise<ReconcileAction> {
    const { streams, bus, policy } = this.deps;
    // the index is read eventually consistent: decide on the item and the record as they are now
    const work = await streams.getWork(seen.accountId, seen.batchId);
    if (!work) return 'none';
    const batch = await streams.getBatch(work.accountId, work.batchId);
    const decision = decideBatch(work, batch, now, policy);
    const at = now.toISOString();
    switch (decision.action) {
      case 'none':
        return 'none';
      case 'close':
        await streams.closeWork(work.accountId, work.batchId, work.phase);
        return 'none';
      case 'give-up': {
        logger.error('stream batch given up', { accountId: work.accountId, batchId: work.batchId, phase: work.phase, reason: decision.reason });
        if (decision.phase === 'run') {
          const failed: BatchRecord = { ...batch!, status: 'failed', failure: errorText(decision.reason), updatedAt: at };
          return (await streams.updateBatch(failed, 'running')) ? 'failed' : 'none';
        }
        // a published batch stays published; its failure says that its partners did not get their rows
        const noted: BatchRecord = { ...batch!, failure: errorText(`sharing with partner accounts ${decision.reason}`), updatedAt: at };
        await streams.updateBatch(noted, 'published');
        await streams.closeWork(work.accountId, work.batchId, 'share');
        return 'failed';
      }
      case 'resume': {
        const record = await streams.redrive(work, at);
        if (!record) return 'none'; // it progressed, or another reconciler took it
        await bus.send([redriveMessage(decision.phase, record)]);
        logger.warn('stream batch stopped making progress; re-driven', {
          accountId: work.accountId,
          batchId: work.batchId,
          phase: work.phase,
          attempt: record.attempt ?? 1,
          resume: work.resumes + 1,
          heartbeatAt: work.heartbeatAt,
        });
        return 'resumed';
      }
    }
  }
}
