import { logger } from '../../../kernel/logger';
import { objects } from '../../../storage/keys';
import { consolidatedOf, errorReport, fromWireReport, mergeAll, toWireReport } from '../../domain/report';
import type { CycleRecord, StoredInvoice } from '../../ports';
import { documentKeys } from '../documents';
import { readPlanFile } from './plan-file';
import { removeQuietly, type StepDeps } from './steps';

/**
 * Merges the partial reports into the cycle (with what the plan found: billing streams without a batch as
 * errors, linked customers invoiced to a parent as `consolidated`) and ends the run. A regeneration also removes the drafts
 * of this period that the run did not produce again (their customer has nothing left to invoice, is
 * held or failed): a draft never outlives the purchases it was built from.
 */
export async function finalize(deps: StepDeps, cycle: CycleRecord): Promise<void> {
  const { accountId, id: cycleId, run } = cycle;
  const partials = await deps.cycles.partials(accountId, cycleId, run);
  const plan = await readPlanFile(deps.files, cycle);
  const notes = (plan?.notes ?? []).map((message) => errorReport({ customer: null, code: 'stream_not_billed', message }));
  const report = mergeAll([...partials.map((p) => fromWireReport(p.report)), ...notes]);
  if (run > 1) await removeStaleDrafts(deps, cycle, new Set(partials.flatMap((p) => p.invoiceIds)));
  const consolidated = consolidatedOf(plan?.links ?? {});
  const wire = { ...toWireReport(report), ...(consolidated ? { consolidated } : {}) };
  const finished = await deps.cycles.finish(accountId, cycleId, run, 'completed', wire, deps.now().toISOString());
  if (!finished) return;
  logger.info('cycle completed', { accountId, cycleId, run, invoices: report.invoices, errors: report.errors.count });
  await removeQuietly(deps.files, await deps.files.list(objects.cycleRunPrefix(accountId, cycleId, run)));
}

/**
 * Drafts of the cycle's period that this run did not produce, and drafts the previous run produced that this
 * one did not (a stub customer's period starts after the cycle's own).
 */
async function removeStaleDrafts(deps: StepDeps, cycle: CycleRecord, produced: ReadonlySet<string>): Promise<void> {
  const stale = (stored: StoredInvoice) =>
    stored.record.periodEnd === cycle.periodEnd &&
    stored.record.status === 'draft' &&
    stored.record.creditOf === null &&
    !produced.has(stored.record.id);
  const remove = async (stored: StoredInvoice) => {
    if (await deps.invoices.deleteDraft(cycle.accountId, stored.record.id, stored.revision)) await removeQuietly(deps.files, documentKeys(stored));
  };
  for await (const page of deps.invoices.ofPeriodStart(cycle.accountId, cycle.periodStart)) {
    for (const stored of page) if (stale(stored)) await remove(stored);
  }
  const before = (await deps.cycles.partials(cycle.accountId, cycle.id, cycle.run - 1)).flatMap((p) => p.invoiceIds);
  const elsewhere = [...new Set(before)].filter((id) => !produced.has(id));
  if (!elsewhere.length) return;
  for (const stored of (await deps.invoices.getMany(cycle.accountId, elsewhere)).values()) {
    if (stored.record.periodStart !== cycle.periodStart && stale(stored)) await remove(stored);
  }
}
