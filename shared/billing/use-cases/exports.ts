import { randomBytes } from 'node:crypto';
import { streamInvoicesCsv, streamInvoicesJsonLines, streamLinesCsv, streamLinesJsonLines } from '../documents/csv';
import { ConflictError, NotFoundError, PayloadTooLargeError } from '../../kernel/errors';
import type { Invoice } from '../domain/invoice';
import { parseBillingPeriod } from '../../kernel/periods';
import { parseInput } from '../../kernel/validation';
import { exportSchema } from '../domain/requests';
import { objects } from '../../storage/keys';
import type { BillingBus, BillingFiles, CycleStore, ExportRecord, ExportStore, InvoiceStore } from '../ports';
import { mapLimit } from '../../kernel/concurrency';
import { heartbeatEveryMs, recoveryPolicy, withHeartbeat, type RecoveryPolicy } from '../../platform/use-cases/reconcile';
import { loadInvoice } from './documents';
import { MAX_DOCUMENT_BYTES } from './invoices';

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson' } as const;

const STREAMS = {
  invoices: { csv: streamInvoicesCsv, jsonl: streamInvoicesJsonLines },
  lines: { csv: streamLinesCsv, jsonl: streamLinesJsonLines },
} as const;

/** Time-sortable, unguessable export ids. */
function newExportId(at: Date): string {
  return `exp_${at.getTime().toString(36)}_${randomBytes(6).toString('base64url')}`;
}

/**
 * ERP/BI exports (docs/product.md §7): the invoices and credit notes of the periods starting in
 * [periodStart, periodEnd), or their lines, as CSV or JSON Lines, written to
 * `exports/<account>/<id>.<ext>` by the billing consumer (an export can outgrow one API call).
 */
export class ExportService {
  private readonly now: () => Date;
  private readonly heartbeatMs: number;

  constructor(
    private readonly deps: { exports: ExportStore; cycles: CycleStore; invoices: InvoiceStore; files: BillingFiles; bus: BillingBus },
    now?: () => Date,
    policy?: RecoveryPolicy,
  ) {
    this.now = now ?? (() => new Date());
    this.heartbeatMs = heartbeatEveryMs(policy ?? recoveryPolicy());
  }

  async create(accountId: string, body: unknown) {
    const input = parseInput(exportSchema, body);
    const period = parseBillingPeriod({ periodStart: input.periodStart, periodEnd: input.periodEnd });
    const at = this.now();
    const id = newExportId(at);
    const record: ExportRecord = {
      id,
      accountId,
      kind: input.kind,
      format: input.format,
      periodStart: period.start,
      periodEnd: period.end,
      status: 'running',
      rows: null,
      key: objects.exportFile(accountId, id, input.format),
      error: null,
      createdAt: at.toISOString(),
      completedAt: null,
      heartbeatAt: at.toISOString(),
      resumes: 0,
    };
    // The record first: a message lost after it (a crash, a failed send) is sent again by the reconciler.
    await this.deps.exports.create(record);
    await this.deps.bus.send([{ type: 'export', accountId, exportId: id }]);
    return exportView(record);
  }

  async get(accountId: string, id: string): Promise<ExportRecord> {
    const record = await this.deps.exports.get(accountId, id);
    if (!record) throw new NotFoundError(`export '${id}' not found`);
    return record;
  }

  /** The file of a completed export; null while it runs; 409 when it failed. */
  async download(accountId: string, id: string): Promise<{ record: ExportRecord; content: Buffer | null; contentType: string }> {
    const record = await this.get(accountId, id);
    if (record.status === 'failed') throw new ConflictError('export_failed', `export ${id} failed: ${record.error ?? 'unknown error'}`);
    if (record.status === 'running') return { record, content: null, contentType: CONTENT_TYPES[record.format] };
    const content = await this.deps.files.get(record.key);
    if (!content) throw new NotFoundError(`the file of export ${id} is missing`);
    if (content.length > MAX_DOCUMENT_BYTES) {
      throw new PayloadTooLargeError(`export ${id} is ${content.length} bytes, more than one response carries`, [`object: ${record.key}`]);
    }
    return { record, content, contentType: CONTENT_TYPES[record.format] };
  }

  /**
   * Writes the export (the billing consumer), beating its heartbeat while it runs so the reconciler knows
   * it is alive. Throws on failure, so the message is retried. Idempotent: a second run (a redelivery, a
   * resume) writes the same file, and only the first finish counts.
   */
  async run(accountId: string, id: string): Promise<void> {
    const record = await this.deps.exports.get(accountId, id);
    if (record?.status !== 'running') return;
    await this.deps.exports.heartbeat(accountId, id, this.now().toISOString());
    await withHeartbeat(
      this.heartbeatMs,
      () => this.deps.exports.heartbeat(accountId, id, this.now().toISOString()),
      () => this.write(record),
    );
  }

  private async write(record: ExportRecord): Promise<void> {
    const { accountId, id } = record;
    const upload = this.deps.files.upload(record.key, CONTENT_TYPES[record.format]);
    const stream = STREAMS[record.kind][record.format];
    let rows = 0;
    let first = true;
    try {
      const cycles = await this.deps.cycles.startingBetween(accountId, record.periodStart, record.periodEnd);
      for (const periodStart of [...new Set(cycles.map((c) => c.periodStart))].sort()) {
        for await (const page of this.deps.invoices.ofPeriodStart(accountId, periodStart)) {
          const invoices: Invoice[] = await mapLimit(page, 8, (stored) => loadInvoice(this.deps.files, stored));
          invoices.sort((a, b) => (a.id < b.id ? -1 : 1));
          const lines = [...stream(invoices)];
          // CSV streams start with their header: written once, at the top of the file
          const body = record.format === 'csv' && !first ? lines.slice(1) : lines;
          rows += record.format === 'csv' ? lines.length - 1 : lines.length;
          if (body.length) await upload.write(body.join(''));
          first = false;
        }
      }
      if (first && record.format === 'csv') await upload.write([...stream([])].join('')); // header only
      await upload.close();
    } catch (error) {
      await upload.abort();
      throw error;
    }
    await this.deps.exports.finish(accountId, id, { status: 'completed', rows, error: null, completedAt: this.now().toISOString() });
  }

  /** The last delivery of an export message failed. */
  async fail(accountId: string, id: string, error: unknown): Promise<void> {
    await this.deps.exports.finish(accountId, id, {
      status: 'failed',
      rows: null,
      error: (error as Error)?.message ?? String(error),
      completedAt: this.now().toISOString(),
    });
  }
}

export function exportView(record: ExportRecord) {
  return {
    id: record.id,
    kind: record.kind,
    format: record.format,
    periodStart: record.periodStart,
    periodEnd: record.periodEnd,
    status: record.status,
    rows: record.rows,
    key: record.key,
    createdAt: record.createdAt,
    completedAt: record.completedAt,
    error: record.error,
  };
}
