import { randomBytes } from 'node:crypto';
import { ConflictError } from '../../kernel/errors';
import { renderInvoiceCsv } from '../documents/csv';
import { renderInvoicePdf, type PdfParties } from '../documents/pdf';
import type { Invoice, InvoiceAddress } from '../domain/invoice';
import { fromInvoiceRecord, toInvoiceRecord, toWireInvoice } from '../domain/invoice-wire';
import type { RuleLookup, SpecRule } from '../domain/lines';
import { parsePriceRule, type PriceRule } from '../../pricing/domain/rules';
import { objects } from '../../storage/keys';
import type { BillingFiles, InvoiceDocuments, StoredInvoice } from '../ports';
import type { RuleStore } from '../../pricing/ports';
import { rowsFromJsonLines, rowsToJsonLines, toRatedRow, type CycleRow } from './rows';

/** Records above this size keep their lines in S3 (a DynamoDB item holds at most 400 KB). */
export const MAX_INLINE_RECORD_BYTES = 300_000;

/** The version part of document keys: the revision written, and a nonce that makes the keys this writer's own. */
export function documentVersion(revision: number): string {
  return `${revision}-${randomBytes(4).toString('hex')}`;
}

/**
 * The parties as the PDF prints them: legal name (else the name), address, VAT id. Approval freezes the
 * legal data from the account profile and the customer (docs/product.md §7); a draft shows what it has.
 */
export function parties(invoice: Invoice): PdfParties {
  const { seller, customer } = invoice;
  return {
    seller: { name: seller.legalName || seller.name, lines: [...addressLines(seller.address), ...vatLine(seller.vatId), `Account ${seller.id}`] },
    customer: { name: customer.legalName || customer.name, lines: [...addressLines(customer.address), ...vatLine(customer.vatId)] },
  };
}

const vatLine = (vatId: string | null | undefined) => (vatId ? [`VAT ID ${vatId}`] : []);

function addressLines(address: InvoiceAddress | null | undefined): string[] {
  if (!address) return [];
  return [address.line1, ...(address.line2 ? [address.line2] : []), `${address.postalCode} ${address.city}`, address.country];
}

/** The account's price rules, compiled, by id (what lines and the itemised CSV need to know of them). */
export async function ruleLookup(rules: RuleStore, accountId: string): Promise<Map<string, PriceRule>> {
  const lookup = new Map<string, PriceRule>();
  for (const { id, ...definition } of await rules.priceRules(accountId)) lookup.set(id, parsePriceRule(id, definition));
  return lookup;
}

/**
 * Writes the documents of one revision of an invoice: the rows (which purchases it holds), the lines when
 * the record is too large for its item, the itemised CSV and the PDF of an issued invoice. Keys carry the
 * revision, so a draft rewritten concurrently with an approval never replaces what the approval froze. A
 * draft's PDF is only a preview (approval renders the legal one, with its number): its key is reserved here
 * and it is rendered on its first request (`draftPdf`), so that a cycle does not render thousands of
 * previews nobody opens (a PDF costs about 8 ms of CPU, most of a small invoice's work). A draft's CSV is
 * deferred the same way (`deferredCsv`): its key is reserved and `specRules` keeps what of the rules it
 * needs, so that it reads the same whenever it is rendered, before or after approval. A cycle then writes
 * one object per invoice, its rows.
 */
export async function writeDocuments(
  files: BillingFiles,
  invoice: Invoice,
  version: string,
  rows: readonly CycleRow[],
  rules: RuleLookup,
  options: { keepRows: boolean } = { keepRows: true },
): Promise<{ documents: InvoiceDocuments; linesKey: string | null; specRules?: Record<string, SpecRule> }> {
  const { accountId, id } = invoice;
  const documents: InvoiceDocuments = {
    pdf: objects.invoiceDocument(accountId, id, version, 'pdf'),
    csv: objects.invoiceDocument(accountId, id, version, 'csv'),
    rows: options.keepRows ? objects.invoiceDocument(accountId, id, version, 'rows.jsonl') : null,
  };
  const deferCsv = invoice.status === 'draft' && documents.rows !== null;
  const linesKey = recordTooLarge(invoice) ? objects.invoiceDocument(accountId, id, version, 'lines.json') : null;
  await Promise.all([
    invoice.status === 'draft' ? Promise.resolve() : files.put(documents.pdf, await renderInvoicePdf(invoice, parties(invoice)), 'application/pdf'),
    deferCsv ? Promise.resolve() : files.put(documents.csv, renderInvoiceCsv(invoice, rows.map(toRatedRow), { rules }), 'text/csv; charset=utf-8'),
    documents.rows ? files.put(documents.rows, rowsToJsonLines(rows), 'application/x-ndjson') : Promise.resolve(),
    linesKey ? files.put(linesKey, JSON.stringify(toInvoiceRecord(invoice).lines), 'application/json') : Promise.resolve(),
  ]);
  return { documents, linesKey, ...(deferCsv ? { specRules: specRulesOf(rows, rules) } : {}) };
}

/** What the CSV needs of each rule the rows name (a rule the account no longer has is left out: its rows count per purchase, as in lines). */
function specRulesOf(rows: readonly CycleRow[], rules: RuleLookup): Record<string, SpecRule> {
  const out: Record<string, SpecRule> = {};
  for (const row of rows) {
    const rule = row.priceRule === null ? undefined : rules.get(row.priceRule);
    if (rule && row.priceRule !== null && !Object.hasOwn(out, row.priceRule)) out[row.priceRule] = { scope: rule.scope, groupBy: rule.groupBy };
  }
  return out;
}

/** The CSV of an invoice whose CSV was deferred (writeDocuments), from its rows and rules as kept; null when it was not. */
export async function deferredCsv(files: BillingFiles, stored: StoredInvoice): Promise<Buffer | null> {
  if (!stored.specRules || !stored.documents.rows) return null;
  const [invoice, rows] = await Promise.all([loadInvoice(files, stored), loadRows(files, stored)]);
  const rules = new Map(Object.entries(stored.specRules));
  return Buffer.from(renderInvoiceCsv(invoice, rows.map(toRatedRow), { rules }));
}

/** Every object a stored invoice's documents occupy (to remove a superseded version). */
export function documentKeys(stored: Pick<StoredInvoice, 'documents' | 'linesKey'>): string[] {
  return [stored.documents.pdf, stored.documents.csv, stored.documents.rows, stored.linesKey].filter((k): k is string => typeof k === 'string');
}

export function recordTooLarge(invoice: Invoice): boolean {
  return Buffer.byteLength(JSON.stringify(toInvoiceRecord(invoice))) > MAX_INLINE_RECORD_BYTES;
}

/** The record to store in the item: without its lines when they live in S3. */
export function itemRecord(invoice: Invoice, linesKey: string | null) {
  const record = toInvoiceRecord(invoice);
  return linesKey ? { ...record, lines: [] } : record;
}

/** The full invoice of a stored record (lines fetched from S3 when they live there). */
export async function loadInvoice(files: BillingFiles, stored: StoredInvoice): Promise<Invoice> {
  if (!stored.linesKey) return fromInvoiceRecord(stored.record);
  const text = await files.getText(stored.linesKey);
  if (text === null) throw new SupersededRevisionError(`lines of invoice ${stored.record.id} missing at ${stored.linesKey}`);
  return fromInvoiceRecord({ ...stored.record, lines: JSON.parse(text) });
}

export async function loadRows(files: Pick<BillingFiles, 'getText'>, stored: StoredInvoice): Promise<CycleRow[]> {
  if (!stored.documents.rows) return [];
  const text = await files.getText(stored.documents.rows);
  if (text === null) throw new SupersededRevisionError(`rows of invoice ${stored.record.id} missing at ${stored.documents.rows}`);
  return rowsFromJsonLines(text);
}

/**
 * An object of a stored invoice's revision (its lines or rows) is gone: a regeneration wrote a new revision
 * and removed the old one's objects after the item was read. Reading the item again finds the new one.
 */
export class SupersededRevisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SupersededRevisionError';
  }
}

/** Reads of one invoice before a reader gives up on a draft that is regenerated again and again. */
const READ_ATTEMPTS = 4;

/**
 * `read` of the invoice as it stands: when a regeneration removed the revision's objects between the item
 * read and theirs, the item is read again (`fresh`) and `read` runs on the new revision; after
 * READ_ATTEMPTS a 409 `concurrent_change` (retry). `first`: the item already read.
 */
export async function readCurrentRevision<T>(
  fresh: () => Promise<StoredInvoice>,
  read: (stored: StoredInvoice) => Promise<T>,
  first?: StoredInvoice,
): Promise<T> {
  let stored = first ?? (await fresh());
  for (let attempt = 1; ; attempt++) {
    try {
      return await read(stored);
    } catch (error) {
      if (!(error instanceof SupersededRevisionError)) throw error;
      if (attempt >= READ_ATTEMPTS)
        throw new ConflictError('concurrent_change', `invoice ${stored.record.id} was regenerated while it was read; try again`);
      stored = await fresh();
    }
  }
}

/** docs/api.md `GET /invoices/{id}` (toWireInvoice) plus where it came from and what corrected it. */
export function invoiceView(invoice: Invoice, stored: StoredInvoice) {
  return { ...toWireInvoice(invoice), cycle: stored.cycleId, creditedBy: stored.creditedBy };
}
