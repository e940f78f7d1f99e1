import { logger } from '../../../kernel/logger';
import { objects } from '../../../storage/keys';
import { errorReport, fromWireReport, mergeAll, toWireReport, type CycleReport } from '../../domain/report';
import type { CycleRecord } from '../../ports';
import { documentKeys } from '../documents';
import { readPlanFile } from './plan-file';
import { removeQuietly, type StepDeps } from './steps';

/**
 * Merges the partial reports into the cycle and ends the run. A regeneration also removes the drafts
 * of this period that the run did not produce again (their customer has nothing left to invoice, is
 * held or failed): a draft never outlives the purchases it was built from.
 */
export async function finalize(deps: StepDeps, cycle: CycleRecord): Promise<void> {
  const { accountId, id: cycleId, run } = cycle;
  const partials = await deps.cycles.partials(accountId, cycleId, run);
  const report = mergeAll([...partials.map((p) => fromWireReport(p.report)), ...(await planNotes(deps, cycle))]);
  if (run > 1) await removeStaleDrafts(deps, cycle, new Set(partials.flatMap((p) => p.invoiceIds)));
  const finished = await deps.cycles.finish(accountId, cycleId, run, 'completed', toWireReport(report), deps.now().toISOString());
  if (!finished) return;
  logger.info('cycle completed', { accountId, cycleId, run, invoices: report.invoices, errors: report.errors.count });
  await removeQuietly(deps.files, await deps.files.list(objects.cycleRunPrefix(accountId, cycleId, run)));
}

/** What the plan found missing (billing streams without a batch of the period), as report errors. */
async function planNotes(deps: StepDeps, cycle: CycleRecord): Promise<CycleReport[]> {
  const notes = (await readPlanFile(deps.files, cycle))?.notes ?? [];
  return notes.map((message) => errorReport({ customer: null, code: 'stream_not_billed', message }));
}

async function removeStaleDrafts(deps: StepDeps, cycle: CycleRecord, produced: ReadonlySet<string>): Promise<void> {
  for await (const page of deps.invoices.ofPeriodStart(cycle.accountId, cycle.periodStart)) {
    for (const stored of page) {
      const { record } = stored;
      if (record.periodEnd !== cycle.periodEnd || record.status !== 'draft' || record.creditOf !== null || produced.has(record.id)) continue;
      if (await deps.invoices.deleteDraft(cycle.accountId, record.id, stored.revision)) await removeQuietly(deps.files, documentKeys(stored));
    }
  }
}
