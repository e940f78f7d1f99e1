import type { BillingFiles } from '../billing/ports';
import type { Page, PageRequest } from '../kernel/page';
import type { BatchRecord, BatchStatus, InboundRecord } from './domain/batch';
import type { WireStream } from './domain/stream';
import type { ExchangeRate, LookupTable } from './domain/tables';
import type { StreamMessage } from './messages';

/** Messages of the StreamsQueue (their schema and type: messages.ts). */
export type { StreamMessage } from './messages';

/**
 * The streams ports: what the streams use cases ask of storage and queues. Adapters beside them implement them on
 * DynamoDB, S3 and SQS; nothing here knows about the AWS SDK.
 */

/** Stream definitions, batch records and inbound batches (docs/product.md §5). */
export interface StreamStore {
  putStream(accountId: string, id: string, definition: WireStream, updatedAt: string): Promise<{ created: boolean }>;
  getStream(accountId: string, id: string): Promise<StoredStream | null>;
  listStreams(accountId: string, page: PageRequest): Promise<Page<StoredStream>>;
  allStreams(accountId: string): Promise<StoredStream[]>;
  /** Creates the batch unless one with its id exists; false when it does. */
  createBatch(record: BatchRecord): Promise<boolean>;
  getBatch(accountId: string, id: string): Promise<BatchRecord | null>;
  /** Replaces the batch if its status is still `from`; false when it is not. */
  updateBatch(record: BatchRecord, from: BatchStatus): Promise<boolean>;
  /** The stream's batches, newest first. */
  streamBatches(accountId: string, stream: string, page: PageRequest): Promise<Page<BatchRecord>>;
  /**
   * Open work of streams: a running batch (its run) and a published batch until its share is done. The
   * store keeps a small index item per open batch in step with the status writes above (created with a
   * running batch, moved to `share` when it is published, removed when the run ends or the share is
   * done); `updateBatch` of a running batch also requires the record's `attempt`, so only the attempt that
   * the record names can finish it.
   */
  openWork(before: string): AsyncIterable<OpenBatchWork[]>;
  getWork(accountId: string, batchId: string): Promise<OpenBatchWork | null>;
  /** The heartbeat of a live run or share; false when that attempt is no longer the open one. */
  beat(accountId: string, batchId: string, phase: OpenBatchWork['phase'], attempt: number, at: string): Promise<boolean>;
  noteError(accountId: string, batchId: string, error: string): Promise<void>;
  /**
   * Re-drives open work the reconciler found stuck, if it is still as read (`work`): a run moves the
   * batch to the next attempt (record and index together), a share counts the resume. The record of the
   * new attempt, or null when something changed meanwhile.
   */
  redrive(work: OpenBatchWork, at: string): Promise<BatchRecord | null>;
  /** Removes the index item of a batch's open run or share (a share done or given up; an item its batch outlived). */
  closeWork(accountId: string, batchId: string, phase: OpenBatchWork['phase']): Promise<void>;
  /** Creates the inbound batch unless it exists; false when it does. */
  createInbound(record: InboundRecord): Promise<boolean>;
  getInbound(accountId: string, id: string): Promise<InboundRecord | null>;
  listInbound(accountId: string, page: PageRequest): Promise<Page<InboundRecord>>;
}

/** A batch whose run or share is open work (see StreamStore.openWork). */
export interface OpenBatchWork {
  accountId: string;
  batchId: string;
  phase: 'run' | 'share';
  attempt: number;
  heartbeatAt: string;
  resumes: number;
  lastError: string | null;
}

export interface StoredStream {
  id: string;
  definition: WireStream;
  updatedAt: string;
}

/** Objects streamed in and out of the data bucket (batch rows, error files, uploads). */
export interface StreamFiles extends BillingFiles {
  /** The object's bytes as a stream, or null when there is none. Read it to the end or stop iterating: either closes it. */
  open(key: string): Promise<AsyncIterable<Buffer> | null>;
  /** The object's size in bytes, or null when there is none (nothing is downloaded). */
  size(key: string): Promise<number | null>;
}

export interface StreamBus {
  send(messages: readonly StreamMessage[]): Promise<void>;
}

/** An exchange rate as stored and shown: one entry of a pair per validFrom, the rate as decimal text. */
export interface ExchangeRateRecord extends ExchangeRate {
  /** `<FROM>-<TO>`. */
  readonly pair: string;
  readonly rate: string;
}

/** What a list of lookup tables shows: the index entry, without the rows. */
export interface LookupTableSummary {
  id: string;
  key: string;
  rowCount: number;
  updatedAt: string;
}

/** The exchange rates and lookup tables that stream stages read. */
export interface StreamTablesStore {
  /** Creates or replaces the entry of the rate's pair from its validFrom; `created` is false when one was replaced. */
  putExchangeRate(accountId: string, rate: ExchangeRateRecord): Promise<{ created: boolean }>;
  /** Every entry of every pair of the account (what a run needs). */
  exchangeRates(accountId: string): Promise<ExchangeRateRecord[]>;
  /** The entries of one pair (`EUR-USD`), oldest validFrom first. */
  exchangeRatesOf(accountId: string, pair: string): Promise<ExchangeRateRecord[]>;
  listExchangeRates(accountId: string, page: PageRequest): Promise<Page<ExchangeRateRecord>>;
  /** Creates or replaces a table: its rows first, then its index entry. */
  putLookupTable(accountId: string, id: string, table: LookupTable, updatedAt: string): Promise<{ created: boolean }>;
  lookupTable(accountId: string, id: string): Promise<{ table: LookupTable; updatedAt: string } | null>;
  listLookupTables(accountId: string, page: PageRequest): Promise<Page<LookupTableSummary>>;
}
