import { CsvError } from 'csv-parse';
import { ConflictError, NotFoundError, ValidationError } from '../../kernel/errors';
import { parseBillingPeriod } from '../../kernel/periods';
import { batchView, inboundView, newBatchId, runningBatch, type BatchRecord, type InboundRecord } from '../domain/batch';
import { BatchReader, parseHeader } from '../domain/batch-format';
import { rowToWire, type Row } from '../domain/columns';
import { compilePipeline } from '../domain/pipeline';
import { priceRulesFromRows } from '../domain/price-list';
import { PURCHASE_COLUMNS } from '../domain/rows';
import { isComputedSource, parseStreamDefinition, toWireStream, type StreamDefinition, type WireStream } from '../domain/stream';
import { objects } from '../../storage/keys';
import type { Page, PageRequest } from '../../kernel/page';
import type { StoredStream, StreamBus, StreamFiles, StreamStore } from '../ports';
import type { Saved } from '../../catalog/use-cases/catalog';
import type { RunTables } from './stream-tables';
import { batchFileRows, csvRecords, linesOf } from './io';
import { launchRun } from './launch';

/** What API Gateway can return in one response, with room for headers. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/** The largest CSV accepted through `PUT /streams/{id}/upload` (Lambda's request limit is 6 MB). */
export const MAX_UPLOAD_BYTES = 6 * 1024 * 1024;

export interface StreamServiceDeps {
  streams: StreamStore;
  files: StreamFiles;
  bus: StreamBus;
  tables: { forRun(accountId: string, lookupTableIds: readonly string[]): Promise<RunTables> };
  /** Saves one price rule as `PUT /price-rules/{id}` does (RulesService.putPriceRule). */
  putPriceRule: (accountId: string, id: string, body: unknown) => Promise<{ created: boolean }>;
  now?: () => Date;
}

/** The most rows one pricing batch may turn into price rules (each is one rule-set save). */
export const MAX_PRICE_LIST_ROWS = 1000;

export interface AppliedPriceList {
  batch: string;
  rules: { id: string; created: boolean }[];
}

export type StreamView = WireStream & { id: string; updatedAt: string };

const streamView = (s: StoredStream): StreamView => ({ id: s.id, ...s.definition, updatedAt: s.updatedAt });

/**
 * The streams API (docs/api.md "Streams and batches"): stream definitions, uploads, runs (queued), batches
 * and their rows, publishing, inbound batches and applying a pricing batch as price rules.
 */
export class StreamService {
  private readonly now: () => Date;

  constructor(private readonly deps: StreamServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Saves a stream. Every stage is checked at save: its shape, and its tables and columns where they are
   * known (lookup tables must exist; a purchase-sourced stream's stages must read columns that exist).
   */
  async putStream(accountId: string, id: string, body: unknown): Promise<Saved<StreamView>> {
    const definition = parseStreamDefinition(body);
    if (isComputedSource(definition.source) && definition.source.account === accountId) {
      throw new ValidationError('invalid stream', [
        'source.account: a computed stream reads what another account shares; use {"purchases":true} for your own purchases',
      ]);
    }
    await this.checkStages(accountId, definition);
    const wire = toWireStream(definition);
    const updatedAt = this.now().toISOString();
    const { created } = await this.deps.streams.putStream(accountId, id, wire, updatedAt);
    return { created, record: { id, ...wire, updatedAt } };
  }

  private async checkStages(accountId: string, definition: StreamDefinition): Promise<void> {
    const lookups = definition.stages.flatMap((s, i) => (s.type === 'lookup' ? [[i, s.table] as const] : []));
    const tables = await this.deps.tables.forRun(
      accountId,
      lookups.map(([, table]) => table),
    );
    const missing = lookups
      .filter(([, table]) => !tables.lookupTables.has(table))
      .map(([i, table]) => `stages.${i}.table: lookup table '${table}' does not exist`);
    if (missing.length) throw new ValidationError('invalid stream', missing);
    const pipeline = compilePipeline(definition.stages, { rater: () => ({ error: 'not rating at save' }), ...tables });
    if ('purchases' in definition.source) pipeline.columns(PURCHASE_COLUMNS); // throws naming each stage field that reads no column
  }

  async getStream(accountId: string, id: string): Promise<StreamView> {
    return streamView(await this.stream(accountId, id));
  }

  async listStreams(accountId: string, page: PageRequest): Promise<Page<StreamView>> {
    const result = await this.deps.streams.listStreams(accountId, page);
    return { items: result.items.map(streamView), next: result.next };
  }

  /** Stores the CSV a `{"upload":true}` stream runs on (header: column names, `name:type` optional). */
  async upload(
    accountId: string,
    id: string,
    body: string,
  ): Promise<{ stream: string; bytes: number; columns: { name: string; type: string }[]; uploadedAt: string }> {
    const stream = await this.stream(accountId, id);
    if (!('upload' in stream.definition.source)) {
      throw new ConflictError(
        'not_an_upload_stream',
        `stream '${id}' takes its rows from ${JSON.stringify(stream.definition.source)}, not from an upload`,
      );
    }
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes === 0) throw new ValidationError('invalid upload', ['body: a CSV file with a header line is required']);
    if (bytes > MAX_UPLOAD_BYTES) throw new ValidationError('invalid upload', [`body: at most ${MAX_UPLOAD_BYTES} bytes`]);
    const header = await checkedHeader(body);
    if (header === null) throw new ValidationError('invalid upload', ['body: a CSV file with a header line is required']);
    const columns = parseHeader(header, { untyped: true });
    await this.deps.files.put(objects.streamUpload(accountId, id), body, 'text/csv');
    return { stream: id, bytes, columns, uploadedAt: this.now().toISOString() };
  }

  /**
   * Queues a run for the period (end exclusive) and returns its batch id. A computed stream runs on the
   * latest batch its upstream shared for exactly that period.
   */
  async startRun(accountId: string, id: string, body: unknown): Promise<{ batch: string }> {
    const period = parseBillingPeriod(body);
    const stream = await this.stream(accountId, id);
    const definition = stream.definition;
    let source: BatchRecord['source'];
    if (isComputedSource(definition.source)) {
      const { account, stream: upstream } = definition.source;
      const inbound = await this.latestInbound(accountId, account, upstream, period.start, period.end);
      if (!inbound) {
        throw new ConflictError(
          'no_inbound_batch',
          `account '${account}' has not shared a batch of stream '${upstream}' for ${period.start}..${period.end} with this account`,
        );
      }
      source = { inbound: inbound.id, account, stream: upstream, batch: inbound.batch };
    } else if ('upload' in definition.source) {
      if ((await this.deps.files.size(objects.streamUpload(accountId, id))) === null) {
        throw new ConflictError('no_upload', `stream '${id}' has no uploaded file yet: PUT /streams/${id}/upload first`);
      }
      source = { upload: true };
    } else {
      source = { purchases: true };
    }
    const batch = runningBatch({ id: newBatchId(this.now()), accountId, stream: id, definition, period, source, at: this.now().toISOString() });
    await launchRun(this.deps, batch);
    return { batch: batch.id };
  }

  async getBatch(accountId: string, id: string) {
    return batchView(await this.batch(accountId, id));
  }

  async streamBatches(accountId: string, stream: string, page: PageRequest) {
    await this.stream(accountId, stream);
    const result = await this.deps.streams.streamBatches(accountId, stream, page);
    return { items: result.items.map(batchView), next: result.next };
  }

  /** The batch's rows file as written (typed CSV header), for downloads. */
  async rowsCsv(accountId: string, id: string): Promise<string> {
    const batch = await this.finished(accountId, id);
    const key = objects.batchFile(accountId, batch.id, 'rows.csv', batch.attempt);
    const size = await this.deps.files.size(key);
    if (size === null) throw new NotFoundError(`batch '${id}' has no rows file`);
    if (size > MAX_RESPONSE_BYTES) {
      throw new ConflictError(
        'too_large',
        `batch '${id}' is ${size} bytes as CSV, more than one response carries; page through it with ?format=json&limit=&cursor=`,
      );
    }
    return (await this.deps.files.getText(key)) ?? '';
  }

  /** One page of the batch's rows as JSON objects (decimals as strings); the cursor is the next row's index. */
  async rowsJson(accountId: string, id: string, page: PageRequest): Promise<Page<Record<string, string | boolean | null>>> {
    const batch = await this.finished(accountId, id);
    return this.readRows(objects.batchFile(accountId, batch.id, 'rows.csv', batch.attempt), page);
  }

  /** One page of the error rows (`{stage, type, reason, row}`); the cursor is the next line's index. */
  async errors(accountId: string, id: string, page: PageRequest): Promise<Page<unknown>> {
    const batch = await this.finished(accountId, id);
    const bytes = await this.deps.files.open(objects.batchFile(accountId, batch.id, 'errors.jsonl', batch.attempt));
    return offsetPage(nonEmpty(bytes ? linesOf(bytes) : []), page, (line) => JSON.parse(line) as unknown);
  }

  /** draft → published; the partner rows are shared (and downstream streams run) through the queue. */
  async publish(accountId: string, id: string) {
    const batch = await this.batch(accountId, id);
    if (batch.status !== 'draft') throw new ConflictError('batch_not_draft', `batch '${id}' is ${batch.status}; only a draft batch can be published`);
    const at = this.now().toISOString();
    const published: BatchRecord = { ...batch, status: 'published', publishedAt: at, updatedAt: at };
    if (!(await this.deps.streams.updateBatch(published, 'draft'))) {
      const current = await this.batch(accountId, id);
      throw new ConflictError('batch_not_draft', `batch '${id}' is ${current.status}; only a draft batch can be published`);
    }
    await this.deps.bus.send([{ type: 'batch-share', accountId, batchId: id }]);
    return batchView(published);
  }

  async inbound(accountId: string, page: PageRequest) {
    const result = await this.deps.streams.listInbound(accountId, page);
    return { items: result.items.map(inboundView), next: result.next };
  }

  async inboundBatch(accountId: string, id: string) {
    return inboundView(await this.received(accountId, id));
  }

  /** One page of an inbound batch's rows as JSON objects. */
  async inboundRows(accountId: string, id: string, page: PageRequest) {
    await this.received(accountId, id);
    return this.readRows(objects.inboundRows(accountId, id), page);
  }

  /** Saves each row of a finished pricing batch as a standard price rule of this account. */
  async apply(accountId: string, id: string): Promise<AppliedPriceList> {
    const batch = await this.finished(accountId, id);
    if (batch.kind !== 'pricing')
      throw new ConflictError('not_a_pricing_batch', `batch '${id}' is a ${batch.kind} batch; only pricing batches become price rules`);
    const rules = await this.applyRows(accountId, objects.batchFile(accountId, id, 'rows.csv', batch.attempt), `batch ${id}`, {
      stream: batch.stream,
      currency: batch.definition.currency,
      validFrom: batch.periodStart,
    });
    return { batch: id, rules };
  }

  /** The same for a pricing batch a partner shared, as received (no stream of this account in between). */
  async applyInbound(accountId: string, id: string): Promise<AppliedPriceList> {
    const inbound = await this.received(accountId, id);
    if (inbound.kind !== 'pricing')
      throw new ConflictError('not_a_pricing_batch', `inbound batch '${id}' is a ${inbound.kind} batch; only pricing batches become price rules`);
    const rules = await this.applyRows(accountId, objects.inboundRows(accountId, id), `inbound batch ${id}`, {
      stream: inbound.stream,
      currency: inbound.currency,
      validFrom: inbound.periodStart,
    });
    return { batch: id, rules };
  }

  private async applyRows(accountId: string, key: string, name: string, defaults: { stream: string; currency: string; validFrom: string }) {
    const rows: Row[] = [];
    const bytes = await this.deps.files.open(key);
    if (!bytes) throw new NotFoundError(`${name} has no rows file`);
    for await (const row of batchFileRows(bytes, name)) {
      rows.push(row);
      if (rows.length > MAX_PRICE_LIST_ROWS)
        throw new ValidationError('the pricing batch cannot be applied as price rules', [
          `rows: at most ${MAX_PRICE_LIST_ROWS} price rules per batch`,
        ]);
    }
    const rules = priceRulesFromRows(rows, defaults);
    const saved: { id: string; created: boolean }[] = [];
    for (const [row, rule] of rules.entries()) {
      try {
        saved.push({ id: rule.id, created: (await this.deps.putPriceRule(accountId, rule.id, rule.body)).created });
      } catch (error) {
        if (error instanceof ValidationError || error instanceof ConflictError) {
          throw new ValidationError(
            `row ${row} (price rule '${rule.id}') cannot be saved: ${error.message}; ${saved.length} rule(s) before it were saved`,
            error.details.map((d) => `rows.${row}.${d}`),
          );
        }
        throw error;
      }
    }
    return saved;
  }

  // ------------------------------------------------------------------------------------------ reads

  private async readRows(key: string, page: PageRequest): Promise<Page<Record<string, string | boolean | null>>> {
    const bytes = await this.deps.files.open(key);
    if (!bytes) throw new NotFoundError('the rows file does not exist');
    const reader = new BatchReader();
    return offsetPage(batchFileRows(bytes, key, reader), page, (row) => rowToWire(row, reader.columns));
  }

  private async latestInbound(accountId: string, from: string, stream: string, start: string, end: string) {
    let best: Awaited<ReturnType<StreamStore['getInbound']>> = null;
    let cursor: string | undefined;
    do {
      const page = await this.deps.streams.listInbound(accountId, { limit: 1000, cursor });
      for (const r of page.items) {
        if (r.fromAccount === from && r.stream === stream && r.periodStart === start && r.periodEnd === end && (!best || r.sharedAt > best.sharedAt))
          best = r;
      }
      cursor = page.next ?? undefined;
    } while (cursor);
    return best;
  }

  private async stream(accountId: string, id: string): Promise<StoredStream> {
    const stream = await this.deps.streams.getStream(accountId, id);
    if (!stream) throw new NotFoundError(`stream '${id}' not found`);
    return stream;
  }

  private async batch(accountId: string, id: string): Promise<BatchRecord> {
    const batch = await this.deps.streams.getBatch(accountId, id);
    if (!batch) throw new NotFoundError(`batch '${id}' not found`);
    return batch;
  }

  /** An inbound batch of this account: its key holds the receiving account, so another account's id is not found. */
  private async received(accountId: string, id: string): Promise<InboundRecord> {
    const inbound = await this.deps.streams.getInbound(accountId, id);
    if (!inbound) throw new NotFoundError(`inbound batch '${id}' not found`);
    return inbound;
  }

  /** A batch whose rows exist (draft or published). */
  private async finished(accountId: string, id: string): Promise<BatchRecord> {
    const batch = await this.batch(accountId, id);
    if (batch.status === 'running') throw new ConflictError('batch_running', `batch '${id}' is still running`);
    if (batch.status === 'failed') throw new ConflictError('batch_failed', `batch '${id}' failed: ${batch.failure ?? 'unknown reason'}`);
    return batch;
  }
}

/** One page of a stream of items; the cursor is the index of the page's first item. */
async function offsetPage<T, U>(items: AsyncIterable<T> | Iterable<T>, page: PageRequest, view: (item: T) => U): Promise<Page<U>> {
  const start = offsetOf(page.cursor);
  const out: U[] = [];
  let index = 0;
  for await (const item of items) {
    if (index >= start) {
      if (out.length === page.limit) return { items: out, next: String(index) };
      out.push(view(item));
    }
    index += 1;
  }
  return { items: out, next: null };
}

async function* nonEmpty(lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  for await (const line of lines) if (line) yield line;
}

function offsetOf(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  if (!/^\d{1,9}$/.test(cursor)) throw new ValidationError('invalid cursor', ['cursor: not a cursor of this list']);
  return Number(cursor);
}

/**
 * The header of an uploaded CSV, after reading the whole file once: a file csv-parse cannot read (a quote
 * not closed, a quote inside an unquoted field) is refused now with its line, not left to fail every run.
 */
async function checkedHeader(text: string): Promise<(string | null)[] | null> {
  let header: (string | null)[] | null = null;
  try {
    for await (const record of csvRecords([Buffer.from(text)])) header ??= record;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    throw new ValidationError('invalid upload', [`line ${error.lines}: ${error.message}`]);
  }
  return header;
}
