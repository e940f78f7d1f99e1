import { createHash } from 'node:crypto';
import { renderInvoicePdf } from '../documents/pdf';
import { ConflictError, NotFoundError, PayloadTooLargeError } from '../../kernel/errors';
import { approve, creditNote } from '../domain/invoice';
import { objects } from '../../storage/keys';
import { logger } from '../../kernel/logger';
import type { BillingFiles, InvoiceFilter, InvoiceStore, PurchaseInvoicing, StoredInvoice } from '../ports';
import type { Page, PageRequest } from '../../kernel/page';
import type { RuleStore } from '../../pricing/ports';
import { mapLimit } from '../../kernel/concurrency';
import { documentKeys, documentVersion, invoiceView, itemRecord, loadInvoice, loadRows, parties, ruleLookup, writeDocuments } from './documents';

/** What one API response can carry (Lambda's 6 MB payload limit, base64 for binary). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

const APPROVE_ATTEMPTS = 3;

export type DocumentFormat = 'pdf' | 'csv';

/** The credit note of an invoice: one full credit per invoice, so a retried request finds the same one. */
export function creditNoteId(accountId: string, invoiceId: string, periodStart: string): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(['credit-note', accountId, invoiceId]))
    .digest('base64url')
    .slice(0, 16);
  return `cn_${periodStart.replaceAll('-', '')}_${digest}`;
}

/**
 * Invoices after their cycle: reading and listing them, approval (freezes the invoice, completes its
 * purchases), documents, and credit notes (the only correction of an approved invoice).
 */
export class InvoiceService {
  private readonly now: () => Date;

  constructor(
    private readonly deps: { invoices: InvoiceStore; files: BillingFiles; marks: PurchaseInvoicing; rules: RuleStore },
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
  }

  async get(accountId: string, id: string) {
    const stored = await this.stored(accountId, id);
    return invoiceView(await loadInvoice(this.deps.files, stored), stored);
  }

  async list(accountId: string, filter: InvoiceFilter, page: PageRequest): Promise<Page<Awaited<ReturnType<InvoiceService['get']>>>> {
    const result = await this.deps.invoices.list(accountId, filter, page);
    const items = await mapLimit(result.items, 8, async (stored) => invoiceView(await loadInvoice(this.deps.files, stored), stored));
    return { items, next: result.next };
  }

  /**
   * Approves a draft: the approved record (with its own PDF, no DRAFT mark) replaces the draft only if the
   * draft is still the revision read, so an approval never freezes something it did not see. Then every
   * purchase on the invoice is completed; `completion` stays `pending` until that is done, and a repeated
   * approval (409) finishes it.
   */
  async approve(accountId: string, id: string) {
    for (let attempt = 0; attempt < APPROVE_ATTEMPTS; attempt++) {
      const stored = await this.stored(accountId, id);
      if (stored.record.status === 'approved') {
        if (stored.completion === 'pending') await this.completePurchases(accountId, stored);
        throw new ConflictError('invoice_approved', `invoice ${id} is already approved`, [`approvedAt: ${stored.record.approvedAt}`]);
      }
      const approved = approve(await loadInvoice(this.deps.files, stored), this.now().toISOString());
      const revision = stored.revision + 1;
      const pdf = objects.invoiceDocument(accountId, id, documentVersion(revision), 'pdf');
      await this.deps.files.put(pdf, await renderInvoicePdf(approved, parties(approved)), 'application/pdf');
      const next: StoredInvoice = {
        ...stored,
        record: itemRecord(approved, stored.linesKey),
        revision,
        documents: { ...stored.documents, pdf },
        completion: 'pending',
        updatedAt: this.now().toISOString(),
      };
      if (!(await this.deps.invoices.save(accountId, next, stored.revision))) {
        await this.deps.files.delete([pdf]); // regenerated or approved meanwhile: look again
        continue;
      }
      await this.quietly(() => this.deps.files.delete([stored.documents.pdf]));
      await this.completePurchases(accountId, next);
      return invoiceView(approved, { ...next, completion: 'done' });
    }
    throw new ConflictError('concurrent_change', `invoice ${id} kept changing while it was approved; try again`);
  }

  async document(accountId: string, id: string, format: DocumentFormat): Promise<{ content: Buffer; contentType: string; filename: string }> {
    const stored = await this.stored(accountId, id);
    const key = format === 'pdf' ? stored.documents.pdf : stored.documents.csv;
    const content = await this.deps.files.get(key);
    if (!content) throw new NotFoundError(`the ${format} document of invoice ${id} is missing`);
    if (content.length > MAX_DOCUMENT_BYTES) {
      throw new PayloadTooLargeError(`the ${format} document of invoice ${id} is ${content.length} bytes, more than one response carries`, [
        `object: ${key}`,
      ]);
    }
    return { content, contentType: format === 'pdf' ? 'application/pdf' : 'text/csv; charset=utf-8', filename: `${id}.${format}` };
  }

  /**
   * A draft credit note reversing an approved invoice in full (credit-note lines, tax at the invoice's
   * frozen rate), with its own PDF and itemised CSV. One per invoice: 409 once the invoice is credited.
   */
  async creditNote(accountId: string, id: string, reason: unknown) {
    const stored = await this.stored(accountId, id);
    const invoice = await loadInvoice(this.deps.files, stored);
    const noteId = creditNoteId(accountId, id, invoice.periodStart);
    const note = creditNote(invoice, noteId, typeof reason === 'string' ? reason : '');
    if (stored.creditedBy)
      throw new ConflictError('invoice_credited', `invoice ${id} is already credited by ${stored.creditedBy}`, [`creditNote: ${stored.creditedBy}`]);

    const existing = await this.deps.invoices.get(accountId, noteId);
    if (!existing) {
      const [rows, rules] = await Promise.all([loadRows(this.deps.files, stored), ruleLookup(this.deps.rules, accountId)]);
      const { documents, linesKey } = await writeDocuments(this.deps.files, note, documentVersion(1), rows, rules, { keepRows: false });
      const record: StoredInvoice = {
        record: itemRecord(note, linesKey),
        revision: 1,
        cycleId: stored.cycleId,
        run: null,
        rowsDigest: null,
        documents,
        linesKey,
        completion: null,
        creditedBy: null,
        updatedAt: this.now().toISOString(),
      };
      if (!(await this.deps.invoices.save(accountId, record, 0))) await this.deps.files.delete(documentKeys(record)); // a concurrent request won
    }
    // Marked after the note exists: a request that failed in between is completed by its retry.
    await this.deps.invoices.markCredited(accountId, id, noteId);
    const saved = await this.stored(accountId, noteId);
    return invoiceView(await loadInvoice(this.deps.files, saved), saved);
  }

  private async completePurchases(accountId: string, stored: StoredInvoice): Promise<void> {
    // rows of a billing stream's batch are not purchases of this account: nothing to complete
    const rows = (await loadRows(this.deps.files, stored)).filter((row) => !row.batch);
    const at = this.now().toISOString();
    const outcomes = await mapLimit(rows, 16, (row) => this.deps.marks.complete(accountId, row.reference, stored.record.id, at));
    const moved = outcomes.filter((done) => !done).length;
    if (moved) logger.warn('purchases of an approved invoice were no longer on it', { invoice: stored.record.id, moved });
    await this.deps.invoices.setCompletion(accountId, stored.record.id, 'done');
  }

  private async stored(accountId: string, id: string): Promise<StoredInvoice> {
    const stored = await this.deps.invoices.get(accountId, id);
    if (!stored) throw new NotFoundError(`invoice '${id}' not found`);
    return stored;
  }

  private async quietly(step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (error) {
      logger.warn('could not remove a superseded invoice document', { error: error as Error });
    }
  }
}
