import { isRefusal } from '../../../kernel/errors';
import { invoiceId, type BillingPeriod } from '../../../kernel/periods';
import type { CustomerRecord } from '../../../catalog/ports';
import type { PriceRule } from '../../../pricing/domain/rules';
import { buildInvoice, toInvoiceRecord, type Invoice } from '../../domain/invoice';
import { buildLines } from '../../domain/lines';
import { customerReport, errorReport, heldReport, mergeAll, type CycleReport } from '../../domain/report';
import type { CycleRecord, StoredInvoice } from '../../ports';
import { documentKeys, documentVersion, itemRecord, loadInvoice, recordTooLarge, writeDocuments } from '../documents';
import { rowsDigest, toRatedRow, type CycleRow } from '../rows';
import { removeQuietly, type StepDeps } from './steps';

/** What every customer of a partition is invoiced with: the run, the period, the seller and the account's rules and clusters. */
export interface InvoicingContext {
  cycle: CycleRecord;
  period: BillingPeriod;
  seller: { id: string; name: string };
  rules: Map<string, PriceRule>;
  clusterNames: Map<string, string>;
}

export interface CustomerOutcome {
  report: CycleReport;
  invoiceIds: string[];
  /** The drafts written, with the purchases still to put on them (markDrafts). */
  drafts: DraftMarks[];
}

/** A draft whose item is written, and its purchases not yet on it. */
export interface DraftMarks {
  customer: string;
  invoiceId: string;
  rows: readonly CycleRow[];
}

/**
 * One paying customer of a partition: its drafts (one per currency; deterministic id, an approved
 * invoice is never touched), or why it has none. Each draft's documents and item are written; its
 * purchases are put on it by `markDrafts`, for many customers at once, after the item is written.
 */
export async function invoiceCustomer(
  deps: StepDeps,
  ctx: InvoicingContext,
  code: string,
  rows: CycleRow[],
  customer: CustomerRecord | null,
  existing: ReadonlyMap<string, StoredInvoice>,
): Promise<CustomerOutcome> {
  if (!customer) {
    return {
      report: errorReport({
        customer: code,
        code: 'unknown_customer',
        message: `customer '${code}' does not exist; ${rows.length} purchase(s) not invoiced`,
      }),
      invoiceIds: [],
      drafts: [],
    };
  }
  if (customer.onHold) return { report: heldReport(code, rows.length), invoiceIds: [], drafts: [] };

  const held = rows.filter((r) => r.held).length;
  const byCurrency = new Map<string, CycleRow[]>();
  for (const row of rows) {
    if (row.held) continue;
    const list = byCurrency.get(row.currency) ?? [];
    list.push(row);
    byCurrency.set(row.currency, list);
  }
  const invoices: Invoice[] = [];
  const invoiceIds: string[] = [];
  const drafts: DraftMarks[] = [];
  const problems: CycleReport[] = [];
  for (const [currency, currencyRows] of [...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const id = invoiceId(ctx.cycle.accountId, ctx.period, code, currency);
    const stored = existing.get(id) ?? null;
    if (stored?.record.status === 'approved') {
      invoices.push(await loadInvoice(deps.files, stored));
      invoiceIds.push(id);
      const late = currencyRows.filter((r) => !(r.status === 'completed' && r.invoice === id)).length;
      if (late)
        problems.push(
          errorReport({
            customer: code,
            code: 'invoice_approved',
            message: `${late} purchase(s) are not on invoice ${id}, approved before they arrived or changed`,
          }),
        );
      continue;
    }
    let invoice: Invoice;
    try {
      const lines = buildLines({
        customerCode: code,
        currency,
        rows: currencyRows.map(toRatedRow),
        rules: ctx.rules,
        productClusterNames: ctx.clusterNames,
      });
      invoice = buildInvoice({
        id,
        accountId: ctx.cycle.accountId,
        customer: { code, name: customer.name, taxRate: customer.taxRate, currency: customer.currency, country: customer.country },
        seller: ctx.seller,
        periodStart: ctx.period.start,
        periodEnd: ctx.period.end,
        currency,
        lines,
      });
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const details = error.details.length ? ` (${error.details.slice(0, 3).join('; ')})` : '';
      problems.push(errorReport({ customer: code, code: error.code, message: `${error.message}${details}` }));
      continue;
    }
    const written = await writeDraft(deps, ctx.cycle, invoice, currencyRows, stored, ctx.rules);
    if (written !== 'draft') {
      // approved while this draft was being built: the approved one stands
      invoices.push(await loadInvoice(deps.files, written));
      invoiceIds.push(id);
      continue;
    }
    drafts.push({ customer: code, invoiceId: id, rows: currencyRows.filter((r) => needsMark(r, id)) });
    invoices.push(invoice);
    invoiceIds.push(id);
  }
  return { report: mergeAll([customerReport({ invoices, notInvoiced: { 'on-hold': held } }), ...problems]), invoiceIds, drafts };
}

/**
 * Writes a draft unless the stored one is the same invoice built from the same rows. Documents go first
 * (under this write's own keys), then the item under a condition on the revision it replaces; the
 * superseded documents are removed after. Returns 'draft', or the approved invoice that got there first.
 */
async function writeDraft(
  deps: StepDeps,
  cycle: CycleRecord,
  invoice: Invoice,
  rows: CycleRow[],
  stored: StoredInvoice | null,
  rules: Map<string, PriceRule>,
): Promise<'draft' | StoredInvoice> {
  const digest = rowsDigest(rows);
  const same = (s: StoredInvoice) =>
    s.record.status === 'draft' &&
    s.rowsDigest === digest &&
    !s.linesKey &&
    !recordTooLarge(invoice) &&
    JSON.stringify(s.record) === JSON.stringify(toInvoiceRecord(invoice));
  if (stored && same(stored)) return 'draft';

  const { accountId } = cycle;
  const revision = (stored?.revision ?? 0) + 1;
  const { documents, linesKey } = await writeDocuments(deps.files, invoice, documentVersion(revision), rows, rules);
  const next: StoredInvoice = {
    record: itemRecord(invoice, linesKey),
    revision,
    cycleId: cycle.id,
    run: cycle.run,
    rowsDigest: digest,
    documents,
    linesKey,
    completion: null,
    creditedBy: null,
    updatedAt: deps.now().toISOString(),
  };
  if (await deps.invoices.save(accountId, next, stored?.revision ?? 0)) {
    if (stored) await removeQuietly(deps.files, documentKeys(stored));
    return 'draft';
  }
  await removeQuietly(deps.files, documentKeys(next));
  const current = await deps.invoices.get(accountId, invoice.id);
  if (current?.record.status === 'approved') return current;
  if (current && same(current)) return 'draft'; // a redelivery of this very message wrote it first
  throw new Error(`invoice ${invoice.id} changed while it was regenerated; the message will be retried`);
}

/** A purchase row (not a batch row) not yet on the invoice as collected, and not completed. */
function needsMark(row: CycleRow, id: string): boolean {
  return !row.batch && row.status !== 'completed' && !(row.status === 'invoiced' && row.invoice === id);
}

/**
 * Puts the drafts' purchases on them, each under the version it was collected at, all in one
 * `markInvoicedMany` (transactions of 100 marks, across drafts). A draft whose purchases changed since
 * they were collected is reported (`purchases_changed`): a regeneration invoices their current rating.
 */
export async function markDrafts(deps: StepDeps, accountId: string, drafts: readonly DraftMarks[]): Promise<CycleReport[]> {
  const marks = drafts.flatMap((d) => d.rows.map((r) => ({ reference: r.reference, invoiceId: d.invoiceId, expectedVersion: r.version })));
  if (!marks.length) return [];
  const outcomes = await deps.marks.markInvoicedMany(accountId, marks, deps.now().toISOString());
  const problems: CycleReport[] = [];
  let next = 0;
  for (const { customer, invoiceId, rows } of drafts) {
    const changed = outcomes.slice(next, next + rows.length).filter((o) => o === 'changed').length;
    next += rows.length;
    if (!changed) continue;
    problems.push(
      errorReport({
        customer,
        code: 'purchases_changed',
        message: `${changed} purchase(s) changed while invoice ${invoiceId} was built; regenerate the cycle to invoice their current rating`,
      }),
    );
  }
  return problems;
}
