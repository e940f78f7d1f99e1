import { toWireReport, type CycleReport } from '../../domain/report';
import type { BillingMessage, CollectSource, CycleRecord } from '../../ports';
import { nextStep } from '../cycle-recovery';
import { finalize } from './finalize';
import { readPlanFile } from './plan-file';
import type { StepDeps } from './steps';

/**
 * Sends whatever the run still waits for (a redelivered start, a start that lost the race to plan, or
 * the reconciler's resume of a run whose finishing writer died): the same `nextStep` the reconciler reads.
 */
export async function resume(deps: StepDeps, cycle: CycleRecord): Promise<void> {
  const plan = cycle.plan!;
  const next = nextStep(cycle);
  if (next.step === 'collect') {
    const file = await readPlanFile(deps.files, cycle);
    if (file === null) throw new Error(`plan ${plan.planId} of cycle ${cycle.id} run ${cycle.run} is missing`);
    return dispatchCollectors(deps, cycle, file.slices, file.source);
  }
  if (next.step === 'invoice') return dispatchInvoicers(deps, cycle);
  return finalize(deps, cycle);
}

/** One `cycle-collect` per slice not collected yet; `source` is absent only for a plan file that does not say it. */
export async function dispatchCollectors(deps: StepDeps, cycle: CycleRecord, slices: string[][], source: CollectSource | undefined): Promise<void> {
  if (slices.length === 0) return dispatchInvoicers(deps, cycle); // nothing journaled in the period
  const done = new Set(cycle.collected);
  const { accountId, id: cycleId, run } = cycle;
  await deps.bus.send(
    slices.flatMap((keys, collector) =>
      done.has(collector) ? [] : [{ type: 'cycle-collect' as const, accountId, cycleId, run, collector, keys, ...(source ? { source } : {}) }],
    ),
  );
}

export async function dispatchInvoicers(deps: StepDeps, cycle: CycleRecord): Promise<void> {
  const done = new Set(cycle.invoiced);
  const { accountId, id: cycleId, run } = cycle;
  const messages: BillingMessage[] = [];
  for (let partition = 0; partition < cycle.plan!.partitions; partition++) {
    if (!done.has(partition)) messages.push({ type: 'cycle-invoice', accountId, cycleId, run, partition });
  }
  await deps.bus.send(messages);
}

/** A collector is done: its report is kept once, it joins the `collected` set, and the one that completes it starts the invoicers. */
export async function collectorDone(deps: StepDeps, cycle: CycleRecord, collector: number, report: CycleReport): Promise<void> {
  const { accountId, id: cycleId, run } = cycle;
  await deps.cycles.putPartial(accountId, cycleId, run, { kind: 'collector', index: collector, report: toWireReport(report), invoiceIds: [] });
  const after = await deps.cycles.markDone(accountId, cycleId, run, 'collected', collector);
  if (after) await afterCollected(deps, after);
}

export async function afterCollected(deps: StepDeps, cycle: CycleRecord): Promise<void> {
  if (cycle.collected.length >= cycle.plan!.collectors) await dispatchInvoicers(deps, cycle);
}
