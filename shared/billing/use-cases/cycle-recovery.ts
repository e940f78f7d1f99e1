import { errorReport, fromWireReport, mergeAll, toWireReport } from '../domain/report';
import { logger } from '../../kernel/logger';
import type { BillingBus, BillingFiles, BillingMessage, CollectSource, CycleRecord, CycleStore } from '../ports';
import {
  giveUpReason,
  reconcileStale,
  stallVerdict,
  type Reconciler,
  type ReconcileAction,
  type RecoveryPolicy,
} from '../../platform/use-cases/reconcile';
import { readPlanFile } from './cycle/plan-file';

/** What a running run of a cycle needs next, read from its state alone. */
export type CycleStep =
  | { step: 'plan' }
  | { step: 'collect'; collectors: number[] }
  | { step: 'invoice'; partitions: number[] }
  | { step: 'finalize' };

/** Pure: the run's next step. No plan → plan; collectors not in `collected`; partitions not in `invoiced`; else finalize. */
export function nextStep(cycle: Pick<CycleRecord, 'plan' | 'collected' | 'invoiced'>): CycleStep {
  const plan = cycle.plan;
  if (!plan) return { step: 'plan' };
  const collectors = missing(plan.collectors, cycle.collected);
  if (collectors.length) return { step: 'collect', collectors };
  const partitions = missing(plan.partitions, cycle.invoiced);
  if (partitions.length) return { step: 'invoice', partitions };
  return { step: 'finalize' };
}

function missing(count: number, done: readonly number[]): number[] {
  const have = new Set(done);
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (!have.has(i)) out.push(i);
  return out;
}

export type CycleDecision =
  | { action: 'none'; why: 'not-running' | 'alive' }
  | { action: 'resume'; step: CycleStep }
  | { action: 'give-up'; reason: string };

/** Pure: what the reconciler does with a cycle at `now`. */
export function decideCycle(cycle: CycleRecord, now: Date, policy: RecoveryPolicy): CycleDecision {
  if (cycle.status !== 'running') return { action: 'none', why: 'not-running' };
  const verdict = stallVerdict(cycle.heartbeatAt ?? cycle.startedAt, cycle.resumes, now, policy);
  if (verdict === 'alive') return { action: 'none', why: 'alive' };
  if (verdict === 'give-up') return { action: 'give-up', reason: giveUpReason(cycle.resumes, cycle.lastError) };
  return { action: 'resume', step: nextStep(cycle) };
}

/**
 * Pure: the messages that resume a step. Collectors need their slices and, when the plan file says it,
 * their source (the plan file); the finishing step is a `cycle-start` of the planned run, which finds
 * every set complete and finalizes.
 */
export function resumeMessages(cycle: CycleRecord, step: CycleStep, slices: readonly string[][] | null, source?: CollectSource): BillingMessage[] {
  const ref = { accountId: cycle.accountId, cycleId: cycle.id, run: cycle.run };
  switch (step.step) {
    case 'plan':
    case 'finalize':
      return [{ type: 'cycle-start', ...ref }];
    case 'collect':
      if (!slices) throw new Error(`the plan of cycle ${cycle.id} run ${cycle.run} is missing`);
      return step.collectors.map((collector) => ({
        type: 'cycle-collect' as const,
        ...ref,
        collector,
        keys: [...(slices[collector] ?? [])],
        ...(source ? { source } : {}),
      }));
    case 'invoice':
      return step.partitions.map((partition) => ({ type: 'cycle-invoice' as const, ...ref, partition }));
  }
}

/**
 * Ends a run `failed` with `reason` and what its partial reports know. If merging them is what fails (a
 * partial too large, a read error), the run still ends failed, with the reason alone: the marker of a
 * failure must not be able to fail. False when the run is not the running one any more.
 */
export async function failCycleRun(
  cycles: CycleStore,
  ref: { accountId: string; cycleId: string; run: number },
  reason: string,
  at: string,
): Promise<boolean> {
  const { accountId, cycleId, run } = ref;
  const failure = errorReport({ customer: null, code: 'cycle_failed', message: reason });
  try {
    const partials = await cycles.partials(accountId, cycleId, run);
    const report = mergeAll([...partials.map((p) => fromWireReport(p.report)), failure]);
    return await cycles.finish(accountId, cycleId, run, 'failed', toWireReport(report), at);
  } catch (error) {
    logger.error('could not merge the failed run’s partial reports; failing it with the reason alone', {
      accountId,
      cycleId,
      run,
      error: error as Error,
    });
    return cycles.finish(accountId, cycleId, run, 'failed', toWireReport(mergeAll([failure])), at);
  }
}

export interface CycleReconcilerDeps {
  cycles: CycleStore;
  files: Pick<BillingFiles, 'getText'>;
  bus: BillingBus;
  policy: RecoveryPolicy;
}

/**
 * The reconciler's part for billing cycles: every running cycle whose heartbeat is older than the
 * threshold (the sparse open-work index) is resumed from its state: its missing steps are sent again,
 * each idempotent, after a conditional note of the resume (so two reconcilers never both resume it).
 * After `maxResumes` resumes without progress the run is failed with the reason.
 */
export class CycleReconciler implements Reconciler {
  readonly name = 'billing-cycles';

  constructor(private readonly deps: CycleReconcilerDeps) {}

  reconcile(now: Date): Promise<{ resumed: number; failed: number }> {
    return reconcileStale(
      now,
      this.deps.policy,
      (before) => this.deps.cycles.stale(before),
      (open) => this.reconcileOne(open.accountId, open.cycleId, now),
      {
        message: 'could not resume a billing cycle',
        describe: (open) => ({ accountId: open.accountId, cycleId: open.cycleId }),
      },
    );
  }

  private async reconcileOne(accountId: string, cycleId: string, now: Date): Promise<ReconcileAction> {
    const { cycles, bus, policy } = this.deps;
    const cycle = await cycles.get(accountId, cycleId);
    if (!cycle) return 'none';
    const decision = decideCycle(cycle, now, policy);
    const at = now.toISOString();
    if (decision.action === 'none') return 'none';
    if (decision.action === 'give-up') {
      const ended = await failCycleRun(cycles, { accountId, cycleId, run: cycle.run }, decision.reason, at);
      if (ended) logger.error('billing cycle given up', { accountId, cycleId, run: cycle.run, reason: decision.reason });
      return ended ? 'failed' : 'none';
    }
    const plan = decision.step.step === 'collect' ? await readPlanFile(this.deps.files, cycle) : null;
    if (decision.step.step === 'collect' && !plan) {
      // nothing can resume collectors whose plan is gone: the run ends failed, with the reason
      const reason = `the plan of run ${cycle.run} is missing; regenerate the cycle`;
      return (await failCycleRun(cycles, { accountId, cycleId, run: cycle.run }, reason, at)) ? 'failed' : 'none';
    }
    const messages = resumeMessages(cycle, decision.step, plan?.slices ?? null, plan?.source);
    if (!(await cycles.resumed(accountId, cycleId, cycle.run, cycle.heartbeatAt, at))) return 'none'; // progressed or resumed meanwhile
    await bus.send(messages);
    logger.warn('billing cycle stopped making progress; resumed', {
      accountId,
      cycleId,
      run: cycle.run,
      step: decision.step.step,
      messages: messages.length,
      resume: cycle.resumes + 1,
      heartbeatAt: cycle.heartbeatAt,
    });
    return 'resumed';
  }
}
