import { logger } from '../../kernel/logger';
import type { MessageBus, ReevaluationRecord, ReevaluationStore } from '../ports';
import { startMessage } from './reevaluation';
import {
  giveUpReason,
  reconcileStale,
  stallVerdict,
  type Reconciler,
  type ReconcileAction,
  type RecoveryPolicy,
} from '../../platform/use-cases/reconcile';

export type ReevaluationDecision = { action: 'none' } | { action: 'resume' } | { action: 'give-up'; reason: string };

/** Pure: what the reconciler does with an open re-evaluation at `now`. */
export function decideReevaluation(record: ReevaluationRecord | null, now: Date, policy: RecoveryPolicy): ReevaluationDecision {
  if (!record || (record.status !== 'planned' && record.status !== 'running')) return { action: 'none' };
  const verdict = stallVerdict(record.heartbeatAt, record.resumes, now, policy);
  if (verdict === 'alive') return { action: 'none' };
  if (verdict === 'give-up') return { action: 'give-up', reason: giveUpReason(record.resumes, record.lastError) };
  return { action: 'resume' };
}

export interface ReevaluationReconcilerDeps {
  store: ReevaluationStore;
  bus: MessageBus;
  policy: RecoveryPolicy;
}

/**
 * The reconciler's part for re-evaluations. One whose record made no progress for the threshold (its start
 * message, a part or a remap was lost, or went to the DLQ) is re-run whole as its next attempt: planning
 * walks the journal again and every purchase in scope is re-rated, which writes only those whose decision
 * is still stale. After `maxResumes` fruitless attempts it ends `failed`, with the reason and the last error.
 */
export class ReevaluationReconciler implements Reconciler {
  readonly name = 're-evaluations';

  constructor(private readonly deps: ReevaluationReconcilerDeps) {}

  reconcile(now: Date): Promise<{ resumed: number; failed: number }> {
    return reconcileStale(
      now,
      this.deps.policy,
      (before) => this.deps.store.openWork(before),
      (seen) => this.reconcileOne(seen, now),
      {
        message: 'could not resume a re-evaluation',
        describe: (seen) => ({ accountId: seen.accountId, reevaluationId: seen.id }),
      },
    );
  }

  private async reconcileOne(seen: ReevaluationRecord, now: Date): Promise<ReconcileAction> {
    const { store, bus, policy } = this.deps;
    // the index is eventually consistent: decide on the record as it is now
    const record = await store.get(seen.accountId, seen.id);
    const decision = decideReevaluation(record, now, policy);
    const at = now.toISOString();
    switch (decision.action) {
      case 'none':
        return 'none';
      case 'give-up': {
        if (!(await store.fail(record!, decision.reason, at))) return 'none';
        logger.error('re-evaluation given up', {
          accountId: record!.accountId,
          reevaluationId: record!.id,
          work: record!.work,
          reason: decision.reason,
        });
        return 'failed';
      }
      case 'resume': {
        const next = await store.redrive(record!, at);
        if (!next) return 'none'; // it progressed meanwhile, or another reconciler took it
        await bus.send('remap', [startMessage(next)]);
        logger.warn('re-evaluation stopped making progress; re-run', {
          accountId: next.accountId,
          reevaluationId: next.id,
          attempt: next.attempt,
          heartbeatAt: record!.heartbeatAt,
          parts: record!.parts,
          finished: record!.finished.length,
        });
        return 'resumed';
      }
    }
  }
}
