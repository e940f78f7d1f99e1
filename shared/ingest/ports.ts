import type { Readable } from 'node:stream';
import type { Page, PageRequest } from '../kernel/page';
import type { DropResult } from './domain/drop';
import type { AcceptedPurchase } from './domain/ingest';
import type { PurchaseReason, PurchaseRecord, PurchaseStatus } from './domain/purchase';
import type { PipelineMessage, ReevaluationScope, WaitingFor } from './messages';

/** The remap queue's messages and the scope they carry: their schema and types are in messages.ts. */
export type { PipelineMessage, ReevaluationScope, WaitingFor } from './messages';

/**
 * The ingest ports: what the ingest use cases ask of storage and queues. Adapters beside them implement them on
 * DynamoDB, S3 and SQS; nothing here knows about the AWS SDK.
 */

export type InsertOutcome = { kind: 'created' } | { kind: 'exists'; contentHash: string; chunkId: string };

/** A re-evaluated purchase and the version it was read at. */
export interface PurchaseReplacement {
  record: PurchaseRecord;
  expectedVersion: number;
}

export interface PurchaseStore {
  /** Writes a new purchase only if its reference is not stored yet. */
  insert(record: PurchaseRecord): Promise<InsertOutcome>;
  /** `insert` of each record, in fewer round trips; outcomes in the order of `records`. */
  insertMany(records: readonly PurchaseRecord[]): Promise<InsertOutcome[]>;
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

/** Where a waiting purchase stands: what the counts of `GET /purchase-counts` add up. */
export interface PurchaseStanding {
  status: PurchaseStatus;
  reason: PurchaseReason | null;
  purchaseDate: string;
}

/**
 * The standing of every waiting purchase (unmapped, not-invoiced) of an account dated in [from, to) (either
 * bound optional), page by page, from the sparse indexes that hold them: only status, reason and date are read
 * back, never whole purchases. A page may also hold an entry left on a purchase rated since; the counts skip it.
 */
export interface PurchaseStandings {
  standings(accountId: string, range: { from?: string; to?: string }): AsyncIterable<readonly PurchaseStanding[]>;
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
 * What one re-evaluation does: re-rate the purchases a scope names (planned from the journal and fanned
 * out in parts), or re-map the unmapped purchases waiting for a new customer code or product label.
 */
export type ReevaluationWork = { kind: 'reevaluate'; scope: ReevaluationScope } | { kind: 'remap'; waitingFor: WaitingFor };

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

/** A dropped file and the result written beside it (S3). */
export interface DropFiles {
  open(key: string): Promise<Readable | null>;
  writeResult(accountId: string, name: string, result: DropResult): Promise<void>;
}

/** A drop begun and not finished, as the recovery finds it. */
export interface OpenDrop {
  accountId: string;
  key: string;
  etag: string;
  /** When its last chunk was accepted (or it began). */
  progressAt: string;
}

/** The marker of each drop (DynamoDB): one run at a time, progress for the recovery, the result once done. */
export interface DropLedger {
  /** Opens the drop's marker, or finds it open; null when the drop is finished. `startedAt` is the first run's. */
  begin(accountId: string, key: string, etag: string, at: string): Promise<{ startedAt: string } | null>;
  progress(accountId: string, key: string, etag: string, at: string): Promise<void>;
  markDone(accountId: string, key: string, etag: string, result: DropResult): Promise<void>;
  /** Drops begun and not finished. */
  open(): Promise<OpenDrop[]>;
}
