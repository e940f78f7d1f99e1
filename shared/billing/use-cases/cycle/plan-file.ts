import { objects } from '../../../storage/keys';
import type { BillingFiles, CollectSource, CycleRecord } from '../../ports';
import type { PayerLinks } from '../rows';

/**
 * The plan file of a run: the collectors' slices (one list of keys each), what the plan found missing,
 * and which kind of source the keys are. It is written before the plan is recorded on the cycle, so
 * whoever finds the plan (a redelivered start, the reconciler) can send the slices again.
 */
export interface PlanFile {
  slices: string[][];
  notes: string[];
  /** Absent in plan files written before the plan said it (the collector then infers it from the keys). */
  source?: CollectSource;
  /** Linked customers invoiced to a parent, and who pays for them (absent: none, or written before links). */
  links?: PayerLinks;
}

type RunRef = Pick<CycleRecord, 'accountId' | 'id' | 'run'>;

export async function writePlanFile(files: Pick<BillingFiles, 'put'>, cycle: RunRef, planId: string, plan: Required<PlanFile>): Promise<void> {
  const body = { slices: plan.slices, notes: plan.notes, source: plan.source, links: plan.links };
  await files.put(objects.cyclePlan(cycle.accountId, cycle.id, cycle.run, planId), JSON.stringify(body), 'application/json');
}

/** The plan file of the cycle's recorded plan; null when it is gone. */
export async function readPlanFile(files: Pick<BillingFiles, 'getText'>, cycle: RunRef & Pick<CycleRecord, 'plan'>): Promise<PlanFile | null> {
  const text = await files.getText(objects.cyclePlan(cycle.accountId, cycle.id, cycle.run, cycle.plan!.planId));
  if (text === null) return null;
  const stored = JSON.parse(text) as { slices: string[][]; notes?: string[]; source?: CollectSource; links?: PayerLinks };
  return { slices: stored.slices, notes: stored.notes ?? [], ...(stored.source ? { source: stored.source } : {}), links: stored.links ?? {} };
}

/** The run's payer links (none when its plan file says none). */
export async function planLinks(files: Pick<BillingFiles, 'getText'>, cycle: RunRef & Pick<CycleRecord, 'plan'>): Promise<PayerLinks> {
  return (await readPlanFile(files, cycle))?.links ?? {};
}

/**
 * The source of a collector's keys: what its message says, else (a message queued before messages said
 * it) what the keys' folder says, as the collector used to decide.
 */
export function collectSource(message: { keys: readonly string[]; source?: CollectSource }): CollectSource {
  if (message.source) return message.source;
  return message.keys.some((key) => objects.isUnderBatches(key)) ? 'batches' : 'journal';
}
