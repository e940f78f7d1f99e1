import { createHash } from 'node:crypto';
import { renderInvoicePdf } from '../documents/pdf';
import { ConflictError, NotFoundError, PayloadTooLargeError } from '../../kernel/errors';
import { approve, creditNote, type Invoice, invoiceNumber, invoicePrefixOf, type LegalParty, legalDates, voidInvoice } from '../domain/invoice';
import type { CatalogStore } from '../../catalog/ports';
import { objects } from '../../storage/keys';
import { logger } from '../../kernel/logger';
import type { BillingFiles, InvoiceFilter, InvoiceStore, PurchaseInvoicing, StoredInvoice } from '../ports';
import type { Page, PageRequest } from '../../kernel/page';
import type { RuleStore } from '../../pricing/ports';
import { mapLimit } from '../../kernel/concurrency';
import {
  deferredCsv,
  documentKeys,
  documentVersion,
  invoiceView,
  itemRecord,
  loadInvoice,
  loadRows,
  parties,
  readCurrentRevision,
  ruleLookup,
  writeDocuments,
} from './documents';

/** What one API response can carry (Lambda's 6 MB payload limit, base64 for binary). */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** Approvals that found the draft rewritten meanwhile before giving up (409 concurrent_change). */
const APPROVE_ATTEMPTS = 3;
/** Rounds an approval waits for the next number while concurrent approvals of the account take theirs. */
const NUMBER_ATTEMPTS = 60;
/** Attempts of voiding an invoice whose record moved meanwhile (its completion, a credit note). */
const VOID_ATTEMPTS = 3;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What approval needs to know of the parties: the number prefix, the legal data, the payment terms. */
interface Legal {
  prefix: string;
  seller?: LegalParty;
  customer?: LegalParty;
  paymentTermsDays: number | null;
}

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
    private readonly deps: {
      invoices: InvoiceStore;
      files: BillingFiles;
      marks: PurchaseInvoicing;
      rules: RuleStore;
      /** The account profile (seller, number prefix) and the customer's legal data; without it: no legal data, the default prefix. */
      catalog?: Pick<CatalogStore, 'getAccountProfile' | 'getCustomer'>;
    },
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
  }

  async get(accountId: string, id: string) {
    return readCurrentRevision(
      () => this.stored(accountId, id),
      (stored) => this.view(stored),
    );
  }

  /** The invoice as `GET /invoices/{id}` answers it. */
  private async view(stored: StoredInvoice) {
    return invoiceView(await loadInvoice(this.deps.files, stored), stored);
  }

  async list(accountId: string, filter: InvoiceFilter, page: PageRequest): Promise<Page<Awaited<ReturnType<InvoiceService['get']>>>> {
    const result = await this.deps.invoices.list(accountId, filter, page);
    const items = await mapLimit(result.items, 8, async (stored) => {
      try {
        return await readCurrentRevision(
          () => this.stored(accountId, stored.record.id),
          (current) => this.view(current),
          stored,
        );
      } catch (error) {
        if (error instanceof NotFoundError) return null; // a stale draft removed by the regeneration that superseded it
        throw error;
      }
    });
    return { items: items.filter((i) => i !== null), next: result.next };
  }

  /**
   * Approves a draft (an invoice or a credit note) and gives it its legal number, issue date and due date
   * (docs/api.md "Invoices as legal documents"). The number is the account's next of the issue date's year:
   * the counter moves and the approved record (with its own PDF, no DRAFT mark) replaces the draft in one
   * transaction, only if the counter is still the value read and the draft still the revision read. So two
   * approvals never share a number, a failed approval uses none up (no gaps), and an approval never freezes
   * something it did not see. A number taken meanwhile by a concurrent approval is read again (bounded
   * rounds with jitter). Then every purchase on the invoice is completed; `completion` stays `pending`
   * until that is done, and a repeated approval (409) finishes it.
   */
  async approve(accountId: string, id: string) {
    let changed = 0;
    let legal: Legal | null = null;
    for (let round = 0; round < NUMBER_ATTEMPTS; round++) {
      const stored = await this.stored(accountId, id);
      if (stored.record.status !== 'draft') {
        if (stored.record.status === 'approved' && stored.completion === 'pending') await this.completePurchases(accountId, stored);
        throw new ConflictError(
          `invoice_${stored.record.status === 'voided' ? 'voided' : 'approved'}`,
          `invoice ${id} is already ${stored.record.status}`,
          [`approvedAt: ${stored.record.approvedAt}`, `number: ${stored.record.number ?? null}`],
        );
      }
      const draft = await loadInvoice(this.deps.files, stored);
      legal ??= await this.legal(accountId, draft);
      const at = this.now().toISOString();
      const { issueDate, dueDate } = legalDates(at, legal.paymentTermsDays);
      const year = Number(issueDate.slice(0, 4));
      const sequence = (await this.deps.invoices.lastNumber(accountId, year)) + 1;
      const approved = approve(draft, {
        at,
        number: invoiceNumber(legal.prefix, year, sequence),
        issueDate,
        dueDate,
        seller: legal.seller,
        customer: legal.customer,
      });
      const revision = stored.revision + 1;
      const pdf = objects.invoiceDocument(accountId, id, documentVersion(revision), 'pdf');
      await this.deps.files.put(pdf, await renderInvoicePdf(approved, parties(approved)), 'application/pdf');
      const next: StoredInvoice = {
        ...stored,
        record: itemRecord(approved, stored.linesKey),
        revision,
        documents: { ...stored.documents, pdf },
        completion: 'pending',
        updatedAt: at,
      };
      const outcome = await this.deps.invoices.saveNumbered(accountId, next, stored.revision, { year, sequence });
      if (outcome !== 'saved') {
        await this.quietly(() => this.deps.files.delete([pdf]));
        if (outcome === 'invoice_changed' && ++changed >= APPROVE_ATTEMPTS) break; // regenerated meanwhile, again and again
        if (outcome === 'number_taken') await pause(5 + Math.floor(Math.random() * Math.min(200, 10 * 2 ** Math.min(round, 5))));
        continue;
      }
      await this.quietly(() => this.deps.files.delete([stored.documents.pdf]));
      await this.completePurchases(accountId, next);
      return invoiceView(approved, { ...next, completion: 'done' });
    }
    throw new ConflictError('concurrent_change', `invoice ${id} kept changing while it was approved; try again`);
  }

  /**
   * Voids an approved invoice: its full credit note (the one already issued for it, else a new one through
   * `creditNote`) is approved with its own number, the invoice becomes `voided` (a VOID mark on its PDF), and
   * each of its purchases goes back to `rated` on no invoice, so the next cycle or regeneration bills it
   * again. Every step can be repeated: a retried void (also of a voided invoice) finishes what is missing
   * and answers 200 with the same invoice and credit note. 409 `invoice_not_approved` for a draft,
   * `credit_note_not_voidable` for a credit note.
   */
  async void(accountId: string, id: string) {
    for (let attempt = 0; attempt < VOID_ATTEMPTS; attempt++) {
      const stored = await this.stored(accountId, id);
      const invoice = await loadInvoice(this.deps.files, stored);
      if (invoice.creditOf !== null || invoice.status === 'draft') voidInvoice(invoice, this.now().toISOString()); // throws the 409
      const noteId = stored.creditedBy ?? (await this.creditNote(accountId, id, `Void of invoice ${invoice.number ?? id}`)).id;
      const note = await this.stored(accountId, noteId);
      if (note.record.status === 'draft') {
        try {
          await this.approve(accountId, noteId);
        } catch (error) {
          if (!(error instanceof ConflictError && error.code === 'invoice_approved')) throw error; // a concurrent void issued it
        }
      }
      let current = await this.stored(accountId, id);
      if (current.record.status === 'approved') {
        const voided = voidInvoice(await loadInvoice(this.deps.files, current), this.now().toISOString());
        const revision = current.revision + 1;
        const pdf = objects.invoiceDocument(accountId, id, documentVersion(revision), 'pdf');
        await this.deps.files.put(pdf, await renderInvoicePdf(voided, parties(voided)), 'application/pdf');
        const next: StoredInvoice = {
          ...current,
          record: itemRecord(voided, current.linesKey),
          revision,
          documents: { ...current.documents, pdf },
          updatedAt: this.now().toISOString(),
        };
        if (!(await this.deps.invoices.replaceApproved(accountId, next, current.revision))) {
          await this.quietly(() => this.deps.files.delete([pdf]));
          continue; // moved meanwhile (a concurrent void): look again
        }
        await this.quietly(() => this.deps.files.delete([current.documents.pdf]));
        current = next;
      }
      await this.reopenPurchases(accountId, current);
      return invoiceView(await loadInvoice(this.deps.files, current), current);
    }
    throw new ConflictError('concurrent_change', `invoice ${id} kept changing while it was voided; try again`);
  }

  /**
   * The preview PDF of a draft, rendered on its first request and kept at the key its revision reserved
   * (writeDocuments). A draft regenerated meanwhile has removed that revision's documents: the preview
   * written after that is removed again, so nothing is left behind for a revision that is gone.
   */
  private async draftPdf(accountId: string, stored: StoredInvoice): Promise<Buffer> {
    const invoice = await loadInvoice(this.deps.files, stored);
    const pdf = await renderInvoicePdf(invoice, parties(invoice));
    await this.deps.files.put(stored.documents.pdf, pdf, 'application/pdf');
    const current = await this.deps.invoices.get(accountId, stored.record.id);
    if (current?.revision !== stored.revision) await this.quietly(() => this.deps.files.delete([stored.documents.pdf]));
    return pdf;
  }

  /**
   * The CSV of an invoice whose draft deferred it (writeDocuments), rendered on its first request from the
   * rows and rules the draft kept, and kept at the key its revision reserved: the same bytes whenever it is
   * rendered, also after approval. As with `draftPdf`, one written for a revision regenerated meanwhile is removed.
   */
  private async firstCsv(accountId: string, stored: StoredInvoice): Promise<Buffer | null> {
    const csv = await deferredCsv(this.deps.files, stored);
    if (!csv) return null;
    await this.deps.files.put(stored.documents.csv, csv, 'text/csv; charset=utf-8');
    const current = await this.deps.invoices.get(accountId, stored.record.id);
    if (current?.documents.csv !== stored.documents.csv) await this.quietly(() => this.deps.files.delete([stored.documents.csv]));
    return csv;
  }

  async document(accountId: string, id: string, format: DocumentFormat): Promise<{ content: Buffer; contentType: string; filename: string }> {
    return readCurrentRevision(
      () => this.stored(accountId, id),
      (stored) => this.documentOf(accountId, stored, format),
    );
  }

  private async documentOf(
    accountId: string,
    stored: StoredInvoice,
    format: DocumentFormat,
  ): Promise<{ content: Buffer; contentType: string; filename: string }> {
    const { id } = stored.record;
    const key = format === 'pdf' ? stored.documents.pdf : stored.documents.csv;
    const content =
      (await this.deps.files.get(key)) ??
      (format === 'pdf'
        ? stored.record.status === 'draft'
          ? await this.draftPdf(accountId, stored)
          : null
        : await this.firstCsv(accountId, stored));
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
    const outcomes = await mapLimit(rows, 16, (row) => this.deps.marks.complete(accountId, row.reference, stored.record.id, row.version, at));
    const moved = outcomes.filter((done) => !done).length;
    if (moved)
      logger.warn('purchases of an approved invoice changed after its draft was built, or are completed elsewhere', {
        invoice: stored.record.id,
        moved,
      });
    await this.deps.invoices.setCompletion(accountId, stored.record.id, 'done');
  }

  /** The voided invoice's purchases back to `rated` on no invoice (those still on it: a repeat reopens nothing twice). */
  private async reopenPurchases(accountId: string, stored: StoredInvoice): Promise<void> {
    const rows = (await loadRows(this.deps.files, stored)).filter((row) => !row.batch);
    const at = this.now().toISOString();
    const outcomes = await mapLimit(rows, 16, (row) => this.deps.marks.reopen(accountId, row.reference, stored.record.id, at));
    const reopened = outcomes.filter(Boolean).length;
    if (reopened) logger.info('purchases of a voided invoice reopened', { invoice: stored.record.id, reopened, of: rows.length });
  }

  /** The seller's profile and the customer's legal data as they are now (frozen on the approved invoice). */
  private async legal(accountId: string, invoice: Invoice): Promise<Legal> {
    const catalog = this.deps.catalog;
    if (!catalog) return { prefix: invoicePrefixOf(accountId, null), paymentTermsDays: null };
    const [profile, customer] = await Promise.all([catalog.getAccountProfile(accountId), catalog.getCustomer(accountId, invoice.customer.code)]);
    return {
      prefix: invoicePrefixOf(accountId, profile?.invoicePrefix),
      seller: profile ? { legalName: profile.legalName, address: profile.address, vatId: profile.vatId } : invoice.seller,
      customer: customer ? { legalName: customer.legalName, address: customer.address, vatId: customer.vatId } : invoice.customer,
      paymentTermsDays: customer?.paymentTermsDays ?? null,
    };
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
