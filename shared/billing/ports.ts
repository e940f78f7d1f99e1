import type { Page, PageRequest } from '../kernel/page';
import type { InvoiceStatus } from './domain/invoice';
import type { SpecRule } from './domain/lines';
import type { InvoiceRecord } from './domain/invoice-wire';
import type { WireCycleReport } from './domain/report';
import type { BillingMessage } from './messages';
import type { SubscriptionStore } from '../subscriptions/ports';

/**
 * The billing ports: what the billing use cases ask of storage and queues. Adapters beside them implement them on
 * DynamoDB, S3 and SQS; nothing here knows about the AWS SDK.
 */

/** Messages of the BillingQueue and a collector's source: their schema and types are in messages.ts. */
export type { BillingMessage, CollectSource } from './messages';

/** What a cycle reads of the subscriptions context, and the one thing it writes there (chargedThrough). */
export type CycleSubscriptions = Pick<SubscriptionStore, 'listSubscriptions' | 'getOffers' | 'setChargedThroughMany'>;

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
  finish(
    accountId: string,
    cycleId: string,
    run: number,
    status: 'completed' | 'failed',
    report: CycleRecord['report'],
    at: string,
  ): Promise<boolean>;
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
  /**
   * What the itemised CSV needs of the price rules its rows name, as they were when the draft was built:
   * a draft's CSV is rendered on its first request from the rows and these (absent: the CSV was written
   * with the invoice, as before drafts deferred it, and for credit notes).
   */
  specRules?: Readonly<Record<string, SpecRule>>;
}

/** Which invoices a list answers: every given filter applies (none: all of the account's). */
export interface InvoiceFilter {
  customer?: string;
  periodStart?: string;
  status?: InvoiceStatus;
  /** Invoices only, or credit notes only (those with a `creditOf`). */
  kind?: InvoiceKind;
}

export type InvoiceKind = 'invoice' | 'credit-note';

export interface InvoiceStore {
  get(accountId: string, id: string): Promise<StoredInvoice | null>;
  getMany(accountId: string, ids: readonly string[]): Promise<Map<string, StoredInvoice>>;
  /**
   * Writes the invoice if the stored one is still the draft at `expectedRevision` (0: nothing stored).
   * False when it is not: approved meanwhile, or rewritten by another writer.
   */
  save(accountId: string, invoice: StoredInvoice, expectedRevision: number): Promise<boolean>;
  /**
   * A subscriber's ledger (docs/architecture.md "Billing"): the version every guarded draft write of the
   * paying customer moves, and the ids of the drafts so written. Read consistently; version 0 when none yet.
   */
  subscriberLedger(accountId: string, customer: string): Promise<SubscriberLedger>;
  /** `subscriberLedger` of many customers at once (consistent batch reads), by customer. */
  subscriberLedgers(accountId: string, customers: readonly string[]): Promise<Map<string, SubscriberLedger>>;
  /**
   * `save`, and the customer's ledger moved from `ledger.version` to the next with the invoice's id and
   * `ledger.billedIds` added and `complete` set, all or nothing. False when either condition fails: the
   * draft is not the one read, or another draft of the customer was written since the ledger was read (its
   * subscription lines must be computed again).
   */
  saveGuarded(accountId: string, invoice: StoredInvoice, expectedRevision: number, ledger: LedgerGuard): Promise<boolean>;
  /** Deletes a draft still at `expectedRevision`; false otherwise. */
  deleteDraft(accountId: string, id: string, expectedRevision: number): Promise<boolean>;
  /** Marks an approved (or voided) invoice credited by `creditNoteId` unless it already is; false otherwise. */
  markCredited(accountId: string, id: string, creditNoteId: string): Promise<boolean>;
  /** The last sequence number the account gave out in `year` (0: none yet). */
  lastNumber(accountId: string, year: number): Promise<number>;
  /**
   * Approval with a legal number, all or nothing: the account's counter for `number.year` moves from
   * `number.sequence - 1` to `number.sequence` and the invoice (still the draft at `expectedRevision`) is
   * replaced by `invoice`, in one transaction. `number_taken`: the counter moved meanwhile (or a concurrent
   * transaction got in the way): read it again; `invoice_changed`: the draft is not the one read. Nothing is
   * written unless `saved`, so a failed approval never uses up a number.
   */
  saveNumbered(accountId: string, invoice: StoredInvoice, expectedRevision: number, number: InvoiceSequence): Promise<NumberedSave>;
  /** Replaces an approved invoice still at `expectedRevision` (voiding it); false otherwise. */
  replaceApproved(accountId: string, invoice: StoredInvoice, expectedRevision: number): Promise<boolean>;
  /** Sets the completion state of an approved invoice. */
  setCompletion(accountId: string, id: string, completion: 'pending' | 'done'): Promise<void>;
  list(accountId: string, filter: InvoiceFilter, page: PageRequest): Promise<Page<StoredInvoice>>;
  /**
   * The customer's drafts (as paying customer), and its approved invoices whose purchases are still being
   * completed, newest period first: its index partition, filtered.
   */
  openInvoicesOf(accountId: string, customer: string): Promise<StoredInvoice[]>;
  /** Every invoice and credit note of the periods starting on `periodStart`, a page at a time. */
  ofPeriodStart(accountId: string, periodStart: string): AsyncIterable<StoredInvoice[]>;
}

/** What a subscriber's drafts were written under (InvoiceStore.subscriberLedger). */
export interface SubscriberLedger {
  readonly version: number;
  readonly invoiceIds: readonly string[];
  /**
   * `invoiceIds` holds every invoice of the customer that has subscription lines: set by a write that added
   * the ones its computation found in the customer's invoice index. Reading what was billed then needs no
   * index query. False for a ledger written before ledgers said so. A customer without a ledger has one of
   * version 0 that is complete: every draft with subscription lines is written under its payer's ledger
   * (saveGuarded), so a payer without one has no such invoice, and its first cycle reads no index either.
   */
  readonly complete: boolean;
}

/** The ledger condition of a guarded draft write, and the invoices with subscription lines it read (made complete). */
export interface LedgerGuard {
  readonly customer: string;
  readonly version: number;
  readonly billedIds: readonly string[];
}

/** One number of an account's per-year invoice sequence. */
export interface InvoiceSequence {
  year: number;
  sequence: number;
}

export type NumberedSave = 'saved' | 'invoice_changed' | 'number_taken';

/**
 * The invoicing writes on purchases. A cycle writes nothing on them: a draft's rows file records its
 * purchases and the versions they were collected at, and a purchase reads as `invoiced` while it is on a
 * draft at that version (DraftedPurchases). Approval writes each purchase once, voiding once more.
 */
export interface PurchaseInvoicing {
  /**
   * Completes a purchase of an approved invoice: still at `expectedVersion` (the version its row was
   * collected at) and not completed, or (marked by a cycle before drafts stopped marking) still on
   * `invoiceId`. True when it is completed on this invoice, also by an earlier call; false when it changed
   * since the draft was built, or is completed on another invoice.
   */
  complete(accountId: string, reference: string, invoiceId: string, expectedVersion: number, at: string): Promise<boolean>;
  /**
   * The reverse of `complete`, for a voided invoice: a purchase still on `invoiceId` (completed, or not yet)
   * goes back to `rated` on no invoice, so the next cycle bills it again. False when it is not on it.
   */
  reopen(accountId: string, reference: string, invoiceId: string, at: string): Promise<boolean>;
}

export interface BillingSchedule {
  /** 1–28, or 'customers': each day a billing period of one of the account's customers ends. */
  dayOfMonth: number | 'customers';
  updatedAt: string;
}

export interface ScheduleStore {
  get(accountId: string): Promise<BillingSchedule | null>;
  /** Replaces the schedule and moves the account to the new day's index; false when it changed meanwhile. */
  put(accountId: string, schedule: BillingSchedule, previous: BillingSchedule | null): Promise<boolean>;
  delete(accountId: string, previous: BillingSchedule): Promise<boolean>;
  /** Accounts whose billing day is `dayOfMonth` (or whose schedule follows their customers'). */
  accountsOnDay(dayOfMonth: number | 'customers'): AsyncIterable<string[]>;
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
  /** The last sign of progress of a running export (its creation, a heartbeat of its run, a resume). */
  heartbeatAt: string;
  /** Times the reconciler sent it again after it stopped making progress. */
  resumes: number;
}

export interface ExportStore {
  create(record: ExportRecord): Promise<void>;
  get(accountId: string, id: string): Promise<ExportRecord | null>;
  /** Records the outcome of a running export; false when it is no longer running. */
  finish(accountId: string, id: string, outcome: Pick<ExportRecord, 'status' | 'rows' | 'error' | 'completedAt'>): Promise<boolean>;
  /** A running export's sign of progress; false when it is no longer running. */
  heartbeat(accountId: string, id: string, at: string): Promise<boolean>;
  /** Running exports whose last progress is before `before` (the reconciler), page by page. */
  stale(before: string): AsyncIterable<ExportRecord[]>;
  /** Notes a resume, on condition that it made no progress since `seen` was read; the record as resumed, or null. */
  redrive(seen: ExportRecord, at: string): Promise<ExportRecord | null>;
}

/** A streamed upload (multipart above a few MB); `close` returns the bytes written. */
export interface UploadStream {
  write(text: string): Promise<void>;
  close(): Promise<number>;
  abort(): Promise<void>;
}

/** Objects of the data bucket that billing reads and writes (keys from shared/storage/keys.ts `objects`). */
export interface BillingFiles {
  put(key: string, body: string | Buffer, contentType: string): Promise<void>;
  /** The object's bytes, or null when there is none. */
  get(key: string): Promise<Buffer | null>;
  getText(key: string): Promise<string | null>;
  list(prefix: string): Promise<string[]>;
  delete(keys: readonly string[]): Promise<void>;
  upload(key: string, contentType: string): UploadStream;
}
