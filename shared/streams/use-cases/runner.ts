import { isRefusal, ValidationError, type DomainError } from '../../kernel/errors';
import { toWire } from '../../kernel/money';
import type { BillingPeriod } from '../../kernel/periods';
import { ratedRowOf } from '../../billing/domain/period-rows';
import type { PurchaseRecord } from '../../ingest/domain/purchase';
import { derivedBatchId, inboundId, runningBatch, type BatchRecord, type InboundRecord } from '../domain/batch';
import { BatchReader, BatchWriter, type BatchDescription } from '../domain/batch-format';
import type { Column, InputRow } from '../domain/columns';
import { compilePipeline, type ErrorRow, type Pipeline } from '../domain/pipeline';
import { rowRater } from '../domain/row-rating';
import { PurchaseColumnCollector, purchaseRow, sharingTarget, type PurchaseRowSource } from '../domain/rows';
import { isComputedSource, parseStreamDefinition, type StreamDefinition } from '../domain/stream';
import { objects } from '../../storage/keys';
import { logger } from '../../kernel/logger';
import type { AccountStore } from '../../platform/ports';
import type { CatalogStore } from '../../catalog/ports';
import type { ChunkStore, PurchaseStore } from '../../ingest/ports';
import type { StreamBus, StreamFiles, StreamStore } from '../ports';
import { purchasesOfPeriod } from '../../billing/use-cases/period-purchases';
import { allCustomers, type RatingContextLoader } from '../../pricing/use-cases/rating';
import type { RunTables } from './stream-tables';
import { batchFileRows, BufferedUpload, csvRecords, linesOf } from './io';
import { errorText, heartbeatEveryMs, recoveryPolicy, withHeartbeat, type RecoveryPolicy } from '../../platform/use-cases/reconcile';
import { launchRun } from './launch';

export interface StreamRunnerDeps {
  streams: StreamStore;
  files: StreamFiles;
  bus: StreamBus;
  chunks: ChunkStore;
  purchases: PurchaseStore;
  catalog: CatalogStore;
  accounts: AccountStore;
  rating: RatingContextLoader;
  tables: { forRun(accountId: string, lookupTableIds: readonly string[]): Promise<RunTables> };
  /** How often a run or share writes its heartbeat follows from the reconciler's threshold. */
  policy?: RecoveryPolicy;
  now?: () => Date;
}

/** Thrown inside a run that learned a newer attempt took over: it stops without finishing anything. */
class Superseded extends Error {}

/** Where a run reads its rows: the input columns and the rows, or the input's unreadable records. */
interface RunInput {
  columns: Column[];
  /** Releases the input when the run stops before reading its rows. */
  close(): void;
  rows: AsyncIterable<{ row: InputRow } | { unreadable: string; record: number; fields: readonly (string | null)[] }>;
}

/**
 * Runs streams and shares published batches (docs/product.md §5), one StreamsQueue message at a time.
 *
 * A run streams its input (the period's purchases, an uploaded CSV, or the rows a partner shared) row by
 * row through the compiled stages into the batch's rows file and error file in S3: memory stays
 * O(columns + currencies + aggregate groups) whatever the row count. The batch record moves
 * `running` → `draft` conditionally, so a redelivered message finds it done and does nothing.
 *
 * Sharing splits a published batch's rows by the partner account of each row's customer into one inbound
 * batch per partner, then starts that partner's computed streams on this source; every id on the way is
 * derived from the upstream batch, so a redelivery repeats nothing.
 */
export class StreamRunner {
  private readonly now: () => Date;
  private readonly heartbeatMs: number;

  constructor(private readonly deps: StreamRunnerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.heartbeatMs = heartbeatEveryMs(deps.policy ?? recoveryPolicy());
  }

  // ------------------------------------------------------------------------------------------- run

  /**
   * Runs attempt `attempt` of the batch; `record` (from the message) creates it when its sender stopped
   * before writing it. A message of another attempt than the record's does nothing (the reconciler re-drove
   * the run as a new attempt). The run writes its heartbeat while it goes, and stops quietly once it
   * learns that a newer attempt took over.
   */
  async run(accountId: string, batchId: string, record?: BatchRecord, attempt = 1): Promise<void> {
    let batch = await this.deps.streams.getBatch(accountId, batchId);
    if (!batch && record && record.id === batchId && record.accountId === accountId) {
      await this.deps.streams.createBatch(record);
      batch = await this.deps.streams.getBatch(accountId, batchId);
    }
    if (batch?.status !== 'running' || (batch.attempt ?? 1) !== attempt) return;
    const running = batch;
    await this.deps.streams.beat(accountId, batchId, 'run', attempt, this.now().toISOString());
    await withHeartbeat(
      this.heartbeatMs,
      async () => (await this.deps.streams.beat(accountId, batchId, 'run', attempt, this.now().toISOString())) || this.stillOurs(running),
      (superseded) => this.runAttempt(running, superseded),
    );
  }

  /** A heartbeat that did not hold: the run is still ours unless the record moved on (another attempt, or finished). */
  private async stillOurs(batch: BatchRecord): Promise<boolean> {
    const current = await this.deps.streams.getBatch(batch.accountId, batch.id);
    return current?.status === 'running' && (current.attempt ?? 1) === (batch.attempt ?? 1);
  }

  private async runAttempt(batch: BatchRecord, superseded: () => boolean): Promise<void> {
    const { accountId, id: batchId } = batch;
    const definition = parseStreamDefinition(batch.definition);
    let pipeline: Pipeline;
    let input: RunInput;
    try {
      pipeline = await this.compile(accountId, definition);
      input = await this.input(batch);
    } catch (error) {
      if (isRefusal(error)) {
        await this.fail(batch, describe(error));
        return;
      }
      throw error;
    }
    let columns: Column[];
    try {
      columns = pipeline.columns(input.columns);
    } catch (error) {
      input.close();
      if (error instanceof ValidationError) {
        await this.fail(batch, describe(error));
        return;
      }
      throw error;
    }

    const writer = new BatchWriter(columns, { currency: definition.currency });
    // each attempt writes its own files: a slow earlier attempt can never replace what a later one finished with
    const rowsOut = new BufferedUpload(this.deps.files.upload(objects.batchFile(accountId, batchId, 'rows.csv', batch.attempt), 'text/csv'));
    const errorsOut = new BufferedUpload(
      this.deps.files.upload(objects.batchFile(accountId, batchId, 'errors.jsonl', batch.attempt), 'application/x-ndjson'),
    );
    const lastStage = Math.max(0, definition.stages.length - 1);
    let unreadable = 0;
    const emit = async (row: Parameters<BatchWriter['row']>[0]) => {
      let line: string;
      try {
        line = writer.row(row);
      } catch (error) {
        // a value that does not fit its column's type is that row's error, not the run's
        await errorsOut.write(
          writer.error({
            row: row as ErrorRow['row'],
            stage: lastStage,
            type: definition.stages[lastStage]?.type ?? 'copy',
            reason: (error as Error).message,
          }),
        );
        return;
      }
      await rowsOut.write(line);
    };
    try {
      await rowsOut.write(writer.header());
      for await (const item of input.rows) {
        if (superseded()) throw new Superseded();
        if ('unreadable' in item) {
          await errorsOut.write(
            `${JSON.stringify({ stage: null, type: 'input', reason: `record ${item.record}: ${item.unreadable}`, fields: item.fields })}\n`,
          );
          unreadable += 1;
          continue;
        }
        const outcome = pipeline.push(item.row);
        if (outcome.kind === 'row') await emit(outcome.row);
        else if (outcome.kind === 'error') await errorsOut.write(writer.error(outcome.error));
      }
      const rest = pipeline.finish();
      for (const row of rest.rows) await emit(row);
      for (const error of rest.errors) await errorsOut.write(writer.error(error));
      await rowsOut.close();
      await errorsOut.close();
    } catch (error) {
      await Promise.all([rowsOut.abort(), errorsOut.abort()]);
      if (error instanceof Superseded) {
        logger.info('stream run stopped: a newer attempt took over', { accountId, batchId, attempt: batch.attempt ?? 1 });
        return;
      }
      throw error;
    }
    const description = writer.describe();
    await this.finish(batch, description, unreadable, pipeline.stats.filtered);
  }

  private async finish(batch: BatchRecord, description: BatchDescription, unreadable: number, filtered: number): Promise<void> {
    const done: BatchRecord = {
      ...batch,
      status: 'draft',
      rows: description.rows,
      errors: description.errors + unreadable,
      filtered,
      totals: description.totals,
      columns: description.columns,
      checksum: description.checksum,
      updatedAt: this.now().toISOString(),
    };
    if (await this.deps.streams.updateBatch(done, 'running')) {
      logger.info('stream run finished', { accountId: batch.accountId, batchId: batch.id, rows: done.rows, errors: done.errors, filtered });
    }
  }

  /** A delivery of a run or share failed: the error is kept on the open work (what a give-up reports). */
  async noteFailure(accountId: string, batchId: string, error: unknown): Promise<void> {
    await this.deps.streams.noteError(accountId, batchId, errorText(error));
  }

  /** The last delivery of attempt `attempt` of a run failed: the batch ends `failed` with the error. */
  async failRun(accountId: string, batchId: string, reason: string, attempt = 1): Promise<void> {
    const batch = await this.deps.streams.getBatch(accountId, batchId);
    if (batch?.status === 'running' && (batch.attempt ?? 1) === attempt) await this.fail(batch, reason);
  }

  /**
   * Ends a run `failed` with the reason (the input or the stages cannot be run, the last delivery failed,
   * or the reconciler gave up). The reason is bounded, so the write that records it cannot fail for its size.
   */
  async fail(batch: BatchRecord, reason: string): Promise<boolean> {
    const failed: BatchRecord = { ...batch, status: 'failed', failure: errorText(reason), updatedAt: this.now().toISOString() };
    const ended = await this.deps.streams.updateBatch(failed, 'running');
    if (ended) logger.warn('stream run failed', { accountId: batch.accountId, batchId: batch.id, reason: failed.failure });
    return ended;
  }

  private async compile(accountId: string, definition: StreamDefinition): Promise<Pipeline> {
    const lookups = definition.stages.flatMap((s) => (s.type === 'lookup' ? [s.table] : []));
    const rates = definition.stages.some((s) => s.type === 'rate');
    const [tables, context] = await Promise.all([this.deps.tables.forRun(accountId, lookups), rates ? this.deps.rating.rowContext(accountId) : null]);
    return compilePipeline(definition.stages, {
      rater: context ? rowRater(context) : undefined,
      exchangeRates: tables.exchangeRates,
      lookupTables: tables.lookupTables,
    });
  }

  // ----------------------------------------------------------------------------------------- input

  private async input(batch: BatchRecord): Promise<RunInput> {
    const source = batch.source;
    if ('purchases' in source) return this.purchaseInput(batch);
    const key = 'upload' in source ? objects.streamUpload(batch.accountId, batch.stream) : objects.inboundRows(batch.accountId, source.inbound);
    const bytes = await this.deps.files.open(key);
    if (!bytes)
      throw new ValidationError(
        'upload' in source ? `stream '${batch.stream}' has no uploaded file` : `inbound batch '${source.inbound}' has no rows file`,
      );
    return csvInput(bytes, { untyped: 'upload' in source });
  }

  /**
   * The period's mapped purchases as standard rows, each with its share of the period (as its invoice row
   * would count it). They are read from the journal and the table once, staged as JSON Lines in S3 while their metadata columns are
   * collected, and then streamed from the staged file: the header must know every column first.
   */
  private async purchaseInput(batch: BatchRecord): Promise<RunInput> {
    const { accountId } = batch;
    const staged = objects.batchFile(accountId, batch.id, 'input.jsonl', batch.attempt);
    const out = new BufferedUpload(this.deps.files.upload(staged, 'application/x-ndjson'));
    const collector = new PurchaseColumnCollector();
    try {
      const period = { start: batch.periodStart, end: batch.periodEnd };
      for await (const records of this.periodPurchases(accountId, period)) {
        for (const record of records) {
          collector.add(record);
          await out.write(`${JSON.stringify(rowSource(record, period))}\n`);
        }
      }
      await out.close();
    } catch (error) {
      await out.abort();
      throw error;
    }
    const columns = collector.columns();
    const files = this.deps.files;
    return {
      columns,
      close: () => undefined, // the staged file is opened when the rows are read
      rows: (async function* () {
        const bytes = await files.open(staged);
        if (!bytes) throw new Error(`staged input ${staged} vanished`);
        for await (const line of linesOf(bytes)) if (line) yield { row: purchaseRow(JSON.parse(line) as PurchaseRowSource, columns) };
      })(),
    };
  }

  /** The period's mapped purchases, read as a billing cycle reads them, each page in reference order. */
  private async *periodPurchases(accountId: string, period: BillingPeriod): AsyncGenerator<PurchaseRecord[]> {
    for await (const records of purchasesOfPeriod(this.deps, accountId, period, null)) {
      yield records.filter((r) => r.status !== 'unmapped').sort((a, b) => (a.reference < b.reference ? -1 : 1));
    }
  }

  // ----------------------------------------------------------------------------------------- share

  /**
   * Shares a published batch's partner rows and starts the partners' computed streams on them; the share
   * is open work (heartbeat while it goes) until it is done. Every id is derived, so a re-driven share
   * writes nothing twice.
   */
  async share(accountId: string, batchId: string): Promise<void> {
    const batch = await this.deps.streams.getBatch(accountId, batchId);
    if (batch?.status !== 'published') return;
    const work = await this.deps.streams.getWork(accountId, batchId);
    const beat = async () => {
      if (work?.phase === 'share') await this.deps.streams.beat(accountId, batchId, 'share', work.attempt, this.now().toISOString());
    };
    await beat();
    await withHeartbeat(this.heartbeatMs, beat, () => this.shareRows(batch));
    await this.deps.streams.closeWork(accountId, batchId, 'share');
  }

  private async shareRows(batch: BatchRecord): Promise<void> {
    const { accountId, id: batchId } = batch;
    const partners = new Map<string, string>();
    for (const customer of await allCustomers(this.deps.catalog, accountId)) {
      if (customer.partnerAccount && customer.partnerAccount !== accountId) partners.set(customer.code, customer.partnerAccount);
    }
    if (partners.size === 0) return;
    const bytes = await this.deps.files.open(objects.batchFile(accountId, batchId, 'rows.csv', batch.attempt));
    if (!bytes) throw new Error(`batch ${batchId} has no rows file`);

    const sharedAt = this.now().toISOString();
    // one id per upstream batch: each partner's share of it lives in that partner's own partition
    const shareId = inboundId(accountId, batchId);
    const shares = new Map<string, { writer: BatchWriter; out: BufferedUpload }>();
    const reader = new BatchReader();
    try {
      for await (const row of batchFileRows(bytes, `batch ${batchId}`, reader)) {
        const partner = sharingTarget(row, partners);
        if (partner === null) continue;
        let share = shares.get(partner);
        if (!share) {
          const writer = new BatchWriter(reader.columns, { currency: batch.definition.currency });
          const out = new BufferedUpload(this.deps.files.upload(objects.inboundRows(partner, shareId), 'text/csv'));
          await out.write(writer.header());
          share = { writer, out };
          shares.set(partner, share);
        }
        await share.out.write(share.writer.row(row));
      }
      for (const share of shares.values()) await share.out.close();
    } catch (error) {
      await Promise.all([...shares.values()].map((s) => s.out.abort()));
      throw error;
    }

    for (const [partner, share] of shares) {
      if (!(await this.deps.accounts.get(partner))) {
        logger.warn('batch rows name a partner account that does not exist; not shared', { accountId, batchId, partner });
        continue;
      }
      const description = share.writer.describe();
      const inbound: InboundRecord = {
        id: shareId,
        accountId: partner,
        fromAccount: accountId,
        stream: batch.stream,
        batch: batch.id,
        kind: batch.kind,
        currency: batch.definition.currency,
        periodStart: batch.periodStart,
        periodEnd: batch.periodEnd,
        rows: description.rows,
        totals: description.totals,
        columns: description.columns,
        checksum: description.checksum,
        sharedAt,
      };
      const stored = (await this.deps.streams.createInbound(inbound)) ? inbound : ((await this.deps.streams.getInbound(partner, shareId)) ?? inbound);
      await this.startComputed(stored);
    }
  }

  /** Starts every computed stream of the partner whose source is the shared stream, once per inbound batch. */
  private async startComputed(inbound: InboundRecord): Promise<void> {
    const streams = await this.deps.streams.allStreams(inbound.accountId);
    const at = this.now().toISOString();
    for (const stream of streams) {
      const source = stream.definition.source;
      if (!isComputedSource(source) || source.account !== inbound.fromAccount || source.stream !== inbound.stream) continue;
      const id = derivedBatchId(inbound.id, stream.id, new Date(inbound.sharedAt));
      // the batch keeps the upstream period
      const record = runningBatch({
        id,
        accountId: inbound.accountId,
        stream: stream.id,
        definition: stream.definition,
        period: { start: inbound.periodStart, end: inbound.periodEnd },
        source: { inbound: inbound.id, account: inbound.fromAccount, stream: inbound.stream, batch: inbound.batch },
        at,
      });
      const existing = await this.deps.streams.getBatch(inbound.accountId, id);
      if (existing && existing.status !== 'running') continue; // a redelivered share: this run happened
      await launchRun(this.deps, existing ?? record);
    }
  }
}

/**
 * What a stream row needs of a stored purchase: a purchase with an endDate counts with the share of its
 * days that falls in the period (quantity and amount prorated as its invoice row would be).
 */
function rowSource(record: PurchaseRecord, period: BillingPeriod): PurchaseRowSource {
  const { quantity, amount } = ratedRowOf(record, period);
  return {
    reference: record.reference,
    productLabel: record.productLabel,
    customerCode: record.customerCode,
    customer: record.customer,
    billedTo: record.billedTo,
    quantity: toWire(quantity),
    purchaseDate: record.purchaseDate,
    endDate: record.endDate,
    metadata: record.metadata,
    unitPrice: amount === null || quantity.isZero() ? null : toWire(amount.dividedBy(quantity)),
    amount: amount === null ? null : toWire(amount),
    currency: record.currency,
  };
}

function csvInput(bytes: AsyncIterable<Buffer>, options: { untyped: boolean }): Promise<RunInput> {
  const reader = new BatchReader({ untyped: options.untyped });
  const parser = csvRecords(bytes);
  const records = parser[Symbol.asyncIterator]();
  return (async () => {
    const first = await records.next();
    if (first.done) throw new ValidationError('the input file is empty (it needs a header line)');
    try {
      reader.read(first.value); // throws ValidationError naming each bad header column
    } catch (error) {
      parser.destroy();
      throw error;
    }
    return {
      columns: [...reader.columns],
      close: () => parser.destroy(),
      rows: (async function* () {
        for (let next = await records.next(); !next.done; next = await records.next()) {
          const read = reader.read(next.value)!;
          yield read.ok ? { row: read.row } : { unreadable: read.reason, record: read.record, fields: read.fields };
        }
      })(),
    };
  })();
}

function describe(error: DomainError): string {
  return error.details.length ? `${error.message}: ${error.details.join('; ')}` : error.message;
}
