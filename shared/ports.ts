import type { Account, Role } from './domain/access';
import type { ClusterNode } from './domain/catalog';
import type { AcceptedPurchase } from './domain/ingest';
import type { InvoiceRecord } from './domain/invoicing/invoice';
import type { WireCycleReport } from './domain/invoicing/report';
import type { PurchaseRecord } from './domain/purchase';
import type { WirePriceRule } from './domain/pricing/rules';
import type { RoutingRule } from './domain/pricing/rules';
import type { ExchangeRate, LookupTable } from './domain/streams/tables';
import type { BatchRecord, BatchStatus, InboundRecord } from './domain/streams/batch';
import type { WireStream } from './domain/streams/stream';

/**
 * The ports the services ask for. Adapters in shared/adapters implement them on DynamoDB, S3 and SQS;
 * nothing here knows about the AWS SDK.
 */

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface ApiKeyRecord {
  accountId: string | null;
  role: Role;
  createdAt: string;
}

export interface AccountStore {
  /** Creates the account; false when the id is taken. */
  create(account: Account): Promise<boolean>;
  get(id: string): Promise<Account | null>;
  putKey(hash: string, key: ApiKeyRecord): Promise<void>;
  getKey(hash: string): Promise<ApiKeyRecord | null>;
}

export interface CustomerRecord {
  code: string;
  name: string;
  cluster: string;
  currency: string;
  partnerAccount: string | null;
  billingDay: number;
  onHold: boolean;
  taxRate: string | null;
  country: string | null;
  updatedAt: string;
}

export interface ProductClusterRecord extends ClusterNode {
  aliases: string[];
  updatedAt: string;
}

export interface CustomerClusterRecord extends ClusterNode {
  updatedAt: string;
}

export interface CatalogStore {
  putCustomerCluster(accountId: string, cluster: CustomerClusterRecord): Promise<void>;
  getCustomerCluster(accountId: string, id: string): Promise<CustomerClusterRecord | null>;
  listCustomerClusters(accountId: string, page: PageRequest): Promise<Page<CustomerClusterRecord>>;
  allCustomerClusters(accountId: string): Promise<CustomerClusterRecord[]>;

  putCustomer(accountId: string, customer: CustomerRecord): Promise<void>;
  getCustomer(accountId: string, code: string): Promise<CustomerRecord | null>;
  getCustomers(accountId: string, codes: readonly string[]): Promise<Map<string, CustomerRecord>>;
  listCustomers(accountId: string, page: PageRequest): Promise<Page<CustomerRecord>>;

  putProductCluster(accountId: string, cluster: ProductClusterRecord): Promise<void>;
  getProductCluster(accountId: string, id: string): Promise<ProductClusterRecord | null>;
  listProductClusters(accountId: string, page: PageRequest): Promise<Page<ProductClusterRecord>>;
  allProductClusters(accountId: string): Promise<ProductClusterRecord[]>;

  /** Claims `label` for `clusterId`; returns the cluster that already holds it, or null when claimed. */
  claimAlias(accountId: string, label: string, clusterId: string): Promise<string | null>;
  /** Releases `label` if `clusterId` still holds it. */
  releaseAlias(accountId: string, label: string, clusterId: string): Promise<void>;
  /** label → product cluster id, for the labels that are aliases. */
  resolveAliases(accountId: string, labels: readonly string[]): Promise<Map<string, string>>;
}

export type InsertOutcome = { kind: 'created' } | { kind: 'exists'; contentHash: string; chunkId: string };

/** A re-evaluated purchase and the version it was read at. */
export interface PurchaseReplacement {
  record: PurchaseRecord;
  expectedVersion: number;
}

export interface PurchaseStore {
  /** Writes a new purchase only if its reference is not stored yet. */
  insert(record: PurchaseRecord): Promise<InsertOutcome>;
  /**
   * Replaces each purchase that still has its `expectedVersion`; returns the references written. A
   * purchase someone else changed first is left to that writer.
   */
  replaceAll(replacements: readonly PurchaseReplacement[]): Promise<Set<string>>;
  get(accountId: string, reference: string): Promise<PurchaseRecord | null>;
  getMany(accountId: string, references: readonly string[]): Promise<Map<string, PurchaseRecord>>;
  /** Open unmapped purchases, optionally only those waiting for one customer code or product label. */
  unmapped(accountId: string, waitingFor: { customer: string } | { label: string } | null, page: PageRequest): Promise<Page<PurchaseRecord>>;
}

/** A chunk of accepted purchases on its way through the pipeline (the claim check). */
export interface IngestChunk {
  accountId: string;
  chunkId: string;
  source: string;
  receivedAt: string;
  purchases: AcceptedPurchase[];
}

/** One line of the purchase journal: enough to find and filter purchases without reading them. */
export interface JournalLine {
  reference: string;
  customerCode: string;
  productLabel: string;
  purchaseDate: string;
  endDate: string | null;
}

export interface JournalPosition {
  month: string;
  key: string;
  line: number;
}

export interface ChunkStore {
  putInflight(chunk: IngestChunk): Promise<string>;
  getInflight(key: string): Promise<IngestChunk | null>;
  deleteInflight(key: string): Promise<void>;
  /** Keys of in-flight chunks (of one account, or all), with when they were written. */
  listInflight(accountId: string | null): AsyncIterable<{ key: string; writtenAt: Date }>;
  putJournal(accountId: string, month: string, chunkId: string, lines: readonly JournalLine[]): Promise<void>;
  journalMonths(accountId: string): Promise<string[]>;
  /** The journal objects of a month in arrival order, after `startAfter`. */
  journalKeys(accountId: string, month: string, startAfter?: string): AsyncIterable<string>;
  readJournal(key: string): Promise<JournalLine[]>;
}

/**
 * Which open purchases a catalogue change can affect. Product clusters stand for the labels aliased to
 * them or their descendants, customer clusters for the customers in them or below; with `followRouting`
 * the customers whose purchases are routed to those customers count too. A purchase is in scope when its
 * label is (if labels are named) and its customer is (if customers are named). Empty scope: all of them.
 */
export interface ReevaluationScope {
  productClusters?: string[];
  labels?: string[];
  customerClusters?: string[];
  customers?: string[];
  followRouting?: boolean;
}

/**
 * What one re-evaluation does: re-rate the purchases a scope names (planned from the journal and fanned
 * out in parts), or re-map the unmapped purchases waiting for a new customer code or product label.
 */
export type ReevaluationWork = { kind: 'reevaluate'; scope: ReevaluationScope } | { kind: 'remap'; waitingFor: { customer: string } | { label: string } };

/**
 * A re-evaluation's messages name its record and attempt (`reevaluationId`, `attempt`), and each fanned-out
 * part its number: the record counts the parts as they finish. Messages without them (sent before records
 * existed) are carried out untracked.
 */
export interface ReevaluationRef {
  reevaluationId?: string;
  attempt?: number;
}

export type PipelineMessage =
  | ({ type: 'remap'; accountId: string; waitingFor: { customer: string } | { label: string } } & ReevaluationRef)
  | ({ type: 'reevaluate'; accountId: string; scope: ReevaluationScope } & ReevaluationRef)
  | ({ type: 'reevaluate-purchases'; accountId: string; references: string[]; part?: number } & ReevaluationRef);

export type ReevaluationStatus = 'planned' | 'running' | 'done' | 'failed';

/**
 * The durable record of one re-evaluation, written before its first message: `planned` until its parts
 * are all sent (`parts` then says how many), `running` until every part finished (`finished`), then
 * `done`. Each attempt starts over (a re-driven re-evaluation is re-run whole); `failed` with `reason`
 * when the reconciler gave up. `heartbeatAt` moves with every sign of progress.
 */
export interface ReevaluationRecord {
  accountId: string;
  id: string;
  work: ReevaluationWork;
  status: ReevaluationStatus;
  attempt: number;
  parts: number | null;
  finished: number[];
  createdAt: string;
  heartbeatAt: string;
  completedAt: string | null;
  resumes: number;
  reason: string | null;
  lastError: string | null;
}

/** Re-evaluation records. Every transition is conditional on the attempt (and, where it matters, on what was read). */
/**
 * How many re-evaluations were ever started for an account. Every change that can alter a purchase's decision
 * starts one after writing its data; an acceptance that reads the same count before it loads its catalogue
 * and after it journals knows that no such change can have slipped between its rating and its journal.
 */
export interface ReevaluationCount {
  started(accountId: string): Promise<number>;
}

export interface ReevaluationStore extends ReevaluationCount {
  /** Creates the record; false when it exists. */
  create(record: ReevaluationRecord): Promise<boolean>;
  /** Counts `n` more re-evaluations started for the account (before their messages are sent). */
  countStarted(accountId: string, n: number): Promise<void>;
  get(accountId: string, id: string): Promise<ReevaluationRecord | null>;
  /** Progress of an open attempt; false when the attempt is over or superseded. */
  beat(accountId: string, id: string, attempt: number, at: string): Promise<boolean>;
  /** All parts of the attempt are sent: `planned` → `running` with `parts`; the record after, or null. */
  planned(accountId: string, id: string, attempt: number, parts: number, at: string): Promise<ReevaluationRecord | null>;
  /** Part `part` of the attempt finished (idempotent); the record after, or null when the attempt is not open. */
  partDone(accountId: string, id: string, attempt: number, part: number, at: string): Promise<ReevaluationRecord | null>;
  /** Ends an open attempt `done`; false when it was not open. */
  complete(accountId: string, id: string, attempt: number, at: string): Promise<boolean>;
  /** Open re-evaluations (planned or running) whose last progress was before `before`, oldest first. */
  openWork(before: string): AsyncIterable<ReevaluationRecord[]>;
  /** Starts the next attempt of the record as read (same attempt and heartbeat); the new record, or null. */
  redrive(record: ReevaluationRecord, at: string): Promise<ReevaluationRecord | null>;
  /** Ends the record as read `failed` with `reason`; false when it changed meanwhile. */
  fail(record: ReevaluationRecord, reason: string, at: string): Promise<boolean>;
  /** Keeps the last error a part failed with (for the reason of a later give-up). */
  noteError(accountId: string, id: string, error: string): Promise<void>;
}

export interface MessageBus {
  send(queue: 'remap', messages: readonly PipelineMessage[]): Promise<void>;
}

/** Price rules are stored in their wire form and compiled when loaded. */
export interface RuleStore {
  priceRules(accountId: string): Promise<WirePriceRule[]>;
  getPriceRule(accountId: string, id: string): Promise<WirePriceRule | null>;
  listPriceRules(accountId: string, page: PageRequest): Promise<Page<WirePriceRule>>;
  routingRules(accountId: string): Promise<RoutingRule[]>;
  getRoutingRule(accountId: string, id: string): Promise<RoutingRule | null>;
  listRoutingRules(accountId: string, page: PageRequest): Promise<Page<RoutingRule>>;
  /** The rule set's version, read before the checks a save makes. */
  version(accountId: string): Promise<number>;
  /** Saves a rule if the rule set is still at `expectedVersion`; false when another save came first. */
  savePriceRule(accountId: string, rule: WirePriceRule, expectedVersion: number): Promise<boolean>;
  saveRoutingRule(accountId: string, rule: RoutingRule, expectedVersion: number): Promise<boolean>;
}

// ------------------------------------------------------------------------------------- billing (§7)

/** Messages of the BillingQueue: a cycle's fan-out (plan → collect → invoice) and exports. */
export type BillingMessage =
  | { type: 'cycle-start'; accountId: string; cycleId: string; run: number }
  | { type: 'cycle-collect'; accountId: string; cycleId: string; run: number; collector: number; keys: string[] }
  | { type: 'cycle-invoice'; accountId: string; cycleId: string; run: number; partition: number }
  /** Purchases of the cycle's period were stored at `arrivedAt`, after a run had started: regenerate. */
  | { type: 'cycle-late'; accountId: string; cycleId: string; arrivedAt: string }
  | { type: 'export'; accountId: string; exportId: string };

export interface BillingBus {
  /** `delaySeconds` (up to 900) holds the messages back, e.g. to retry once a running cycle has finished. */
  send(messages: readonly BillingMessage[], options?: { delaySeconds?: number }): Promise<void>;
}

export type CycleStatus = 'running' | 'completed' | 'failed';

/** How a run of a cycle is fanned out: collectors read journal slices, partitions group paying customers. */
export interface CyclePlan {
  planId: string;
  collectors: number;
  partitions: number;
}

/**
 * A billing cycle: one per account and period (its id is derived from both). Each (re)generation is a
 * new `run`; messages of an earlier run are ignored. `collected` and `invoiced` are the collectors and
 * partitions of the current run that are done.
 */
export interface CycleRecord {
  id: string;
  accountId: string;
  periodStart: string;
  periodEnd: string;
  status: CycleStatus;
  run: number;
  startedAt: string;
  completedAt: string | null;
  plan: CyclePlan | null;
  collected: number[];
  invoiced: number[];
  /** The merged report (WireCycleReport) once the run is completed or failed. */
  report: WireCycleReport | null;
  /**
   * The run's last sign of life (created, planned, a step done, or a heartbeat of a running step). While
   * the run is running the cycle is open work: the reconciler resumes it when this gets old.
   */
  heartbeatAt: string | null;
  /** Resumes of this run by the reconciler since its last progress (a step done); bounded. */
  resumes: number;
  /** The error of the run's last failed step delivery, if any (what a give-up reports). */
  lastError: string | null;
}

/** A running cycle as the open-work index lists it (oldest heartbeat first). */
export interface OpenCycle {
  accountId: string;
  cycleId: string;
  heartbeatAt: string;
}

/** The partial report of one collector or invoicer of a run, and the invoices the invoicer wrote. */
export interface PartialReport {
  kind: 'collector' | 'invoicer';
  index: number;
  report: WireCycleReport;
  invoiceIds: string[];
}

export interface CycleStore {
  /** Creates the cycle unless the account has it already; either way returns the stored cycle. */
  create(cycle: CycleRecord): Promise<{ created: boolean; cycle: CycleRecord }>;
  get(accountId: string, cycleId: string): Promise<CycleRecord | null>;
  list(accountId: string, page: PageRequest): Promise<Page<CycleRecord>>;
  /** Cycles whose period starts in [from, to), oldest first. */
  startingBetween(accountId: string, from: string, to: string): Promise<CycleRecord[]>;
  /** Starts the next run (running, no plan, no report); null when a run is still running. */
  restart(accountId: string, cycleId: string, at: string): Promise<CycleRecord | null>;
  /** Records the run's plan unless it has one; the cycle as stored afterwards, null when the run is over. */
  setPlan(accountId: string, cycleId: string, run: number, plan: CyclePlan): Promise<CycleRecord | null>;
  /** Stores a partial report once (a redelivery keeps the first). */
  putPartial(accountId: string, cycleId: string, run: number, partial: PartialReport): Promise<void>;
  partials(accountId: string, cycleId: string, run: number): Promise<PartialReport[]>;
  /** Adds a collector or partition to the run's done set; the cycle afterwards, null when the run is over. */
  markDone(accountId: string, cycleId: string, run: number, kind: 'collected' | 'invoiced', index: number): Promise<CycleRecord | null>;
  /** Ends a running run with its report; false when the run is not the running one any more. */
  finish(accountId: string, cycleId: string, run: number, status: 'completed' | 'failed', report: CycleRecord['report'], at: string): Promise<boolean>;
  /**
   * Open work. `setPlan` and `markDone` count as progress (heartbeat now, resumes back to 0); `beat` is
   * the heartbeat of a long step; `noteError` keeps a failed delivery's error; `resumed` records that the
   * reconciler resumes the run, only if nobody else did since it read `seenHeartbeatAt` (false otherwise).
   */
  beat(accountId: string, cycleId: string, run: number, at: string): Promise<boolean>;
  noteError(accountId: string, cycleId: string, run: number, error: string): Promise<void>;
  resumed(accountId: string, cycleId: string, run: number, seenHeartbeatAt: string | null, at: string): Promise<boolean>;
  /** Running cycles whose heartbeat is older than `before`, oldest first, a page at a time (a sparse index, no Scan). */
  stale(before: string): AsyncIterable<OpenCycle[]>;
}

/** Where an invoice's documents are (keys of the data bucket, per revision). */
export interface InvoiceDocuments {
  pdf: string;
  csv: string;
  /** The invoice's purchases as cycle rows (JSON Lines): which purchases approval completes. */
  rows: string | null;
}

/** An invoice or credit note as stored: the record (InvoiceRecord) and its bookkeeping. */
export interface StoredInvoice {
  record: InvoiceRecord;
  /** Bumped by every write; the version documents and conditional writes refer to. */
  revision: number;
  cycleId: string | null;
  run: number | null;
  /** Digest of the invoice's rows: an unchanged draft is not written again. */
  rowsDigest: string | null;
  documents: InvoiceDocuments;
  /** Lines kept in S3 when the record is too large for one item (the record then has none). */
  linesKey: string | null;
  /** `pending` from approval until every purchase of the invoice is completed. */
  completion: 'pending' | 'done' | null;
  /** The credit note issued for this (approved) invoice. */
  creditedBy: string | null;
  updatedAt: string;
}

export interface InvoiceFilter {
  customer?: string;
  periodStart?: string;
}

export interface InvoiceStore {
  get(accountId: string, id: string): Promise<StoredInvoice | null>;
  getMany(accountId: string, ids: readonly string[]): Promise<Map<string, StoredInvoice>>;
  /**
   * Writes the invoice if the stored one is still the draft at `expectedRevision` (0: nothing stored).
   * False when it is not: approved meanwhile, or rewritten by another writer.
   */
  save(accountId: string, invoice: StoredInvoice, expectedRevision: number): Promise<boolean>;
  /** Deletes a draft still at `expectedRevision`; false otherwise. */
  deleteDraft(accountId: string, id: string, expectedRevision: number): Promise<boolean>;
  /** Marks an approved invoice credited by `creditNoteId` unless it already is; false otherwise. */
  markCredited(accountId: string, id: string, creditNoteId: string): Promise<boolean>;
  /** Sets the completion state of an approved invoice. */
  setCompletion(accountId: string, id: string, completion: 'pending' | 'done'): Promise<void>;
  list(accountId: string, filter: InvoiceFilter, page: PageRequest): Promise<Page<StoredInvoice>>;
  /** Every invoice and credit note of the periods starting on `periodStart`, a page at a time. */
  ofPeriodStart(accountId: string, periodStart: string): AsyncIterable<StoredInvoice[]>;
}

export type MarkOutcome = 'marked' | 'already' | 'changed';

/** The invoicing side of purchases: which invoice they are on, and completion on approval. */
export interface PurchaseInvoicing {
  /** Puts a purchase on a draft if it still has `expectedVersion` and is not completed. */
  markInvoiced(accountId: string, reference: string, invoiceId: string, expectedVersion: number, at: string): Promise<MarkOutcome>;
  /** Completes a purchase still on `invoiceId`; false when it is not (moved, completed, gone). */
  complete(accountId: string, reference: string, invoiceId: string, at: string): Promise<boolean>;
}

export interface BillingSchedule {
  dayOfMonth: number;
  updatedAt: string;
}

export interface ScheduleStore {
  get(accountId: string): Promise<BillingSchedule | null>;
  /** Replaces the schedule and moves the account to the new day's index; false when it changed meanwhile. */
  put(accountId: string, schedule: BillingSchedule, previous: BillingSchedule | null): Promise<boolean>;
  delete(accountId: string, previous: BillingSchedule): Promise<boolean>;
  /** Accounts whose billing day is `dayOfMonth`. */
  accountsOnDay(dayOfMonth: number): AsyncIterable<string[]>;
}

export type ExportKind = 'invoices' | 'lines';
export type ExportFormat = 'csv' | 'jsonl';

export interface ExportRecord {
  id: string;
  accountId: string;
  kind: ExportKind;
  format: ExportFormat;
  periodStart: string;
  periodEnd: string;
  status: 'running' | 'completed' | 'failed';
  rows: number | null;
  key: string;
  error: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface ExportStore {
  create(record: ExportRecord): Promise<void>;
  get(accountId: string, id: string): Promise<ExportRecord | null>;
  /** Records the outcome of a running export; false when it is no longer running. */
  finish(accountId: string, id: string, outcome: Pick<ExportRecord, 'status' | 'rows' | 'error' | 'completedAt'>): Promise<boolean>;
}

/** Stream definitions, batch records and inbound batches (PRODUCT.md §5). */
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

/** Messages of the StreamsQueue. */
export type StreamMessage =
  /**
   * Runs a batch. `batch` is the record to create when it does not exist yet: senders send first and write
   * the record after, so a crash in between never leaves a `running` batch that no message will run.
   * `attempt` (default 1) is the run attempt the message is for: a re-driven run is a new attempt, and a
   * message of an older attempt does nothing.
   */
  | { type: 'stream-run'; accountId: string; batchId: string; batch?: BatchRecord; attempt?: number }
  | { type: 'batch-share'; accountId: string; batchId: string };

export interface StreamBus {
  send(messages: readonly StreamMessage[]): Promise<void>;
}

/** A streamed upload (multipart above a few MB); `close` returns the bytes written. */
export interface UploadStream {
  write(text: string): Promise<void>;
  close(): Promise<number>;
  abort(): Promise<void>;
}

/** Objects of the data bucket that billing reads and writes (keys from shared/keys.ts `objects`). */
export interface BillingFiles {
  put(key: string, body: string | Buffer, contentType: string): Promise<void>;
  /** The object's bytes, or null when there is none. */
  get(key: string): Promise<Buffer | null>;
  getText(key: string): Promise<string | null>;
  list(prefix: string): Promise<string[]>;
  delete(keys: readonly string[]): Promise<void>;
  upload(key: string, contentType: string): UploadStream;
}

// ---------------------------------------------------------------------------- stream tables (§5)

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
