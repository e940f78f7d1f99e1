import { createHash, randomBytes } from 'node:crypto';
import type { Column } from './columns';
import type { StreamKind, WireStream } from './stream';

/**
 * A stream run's batch (docs/product.md §5) as the platform keeps it: the record (here) and its files in S3
 * (rows CSV, error file). Status moves `running` → `draft` (or `failed`) → `published`; nothing else.
 */

export const BATCH_STATUSES = ['running', 'draft', 'published', 'failed'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** Where a batch's rows came from. */
export type BatchSource =
  | { readonly purchases: true }
  | { readonly upload: true }
  /** A partner's published rows shared with this account (an inbound batch). */
  | { readonly inbound: string; readonly account: string; readonly stream: string; readonly batch: string };

export interface BatchRecord {
  id: string;
  accountId: string;
  stream: string;
  kind: StreamKind;
  status: BatchStatus;
  periodStart: string;
  periodEnd: string;
  source: BatchSource;
  /** The stream as it was when the run started: a redelivered run message runs the same stages. */
  definition: WireStream;
  rows: number;
  errors: number;
  /** Rows filter stages removed on purpose (counted, never silently lost). */
  filtered: number;
  totals: Record<string, string>;
  columns: Column[];
  checksum: string | null;
  failure: string | null;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  /**
   * The run attempt (1 unless the reconciler re-drove a stopped run). Each attempt writes its own files
   * (`objects.batchFile`), and only the attempt the record names can finish it, so a slow earlier attempt
   * never replaces the files a later one finished with. Absent on batches written before attempts existed.
   */
  attempt?: number;
}

/** A batch about to run: nothing counted yet. */
export function runningBatch(input: {
  id: string;
  accountId: string;
  stream: string;
  definition: WireStream;
  period: { start: string; end: string };
  source: BatchSource;
  at: string;
}): BatchRecord {
  return {
    id: input.id,
    accountId: input.accountId,
    stream: input.stream,
    kind: input.definition.kind,
    status: 'running',
    periodStart: input.period.start,
    periodEnd: input.period.end,
    source: input.source,
    definition: input.definition,
    rows: 0,
    errors: 0,
    filtered: 0,
    totals: {},
    columns: [],
    checksum: null,
    failure: null,
    createdAt: input.at,
    updatedAt: input.at,
    publishedAt: null,
    attempt: 1,
  };
}

/** The wire shape of `GET /batches/{id}` (docs/api.md), with the period and provenance besides. */
export function batchView(b: BatchRecord) {
  return {
    id: b.id,
    stream: b.stream,
    kind: b.kind,
    status: b.status,
    periodStart: b.periodStart,
    periodEnd: b.periodEnd,
    source: b.source,
    rows: b.rows,
    errors: b.errors,
    filtered: b.filtered,
    totals: b.totals,
    columns: b.columns,
    checksum: b.checksum,
    failure: b.failure,
    createdAt: b.createdAt,
    publishedAt: b.publishedAt,
  };
}

/** A partner's rows of a published batch, shared with that partner's account. */
export interface InboundRecord {
  id: string;
  /** The receiving (partner) account. */
  accountId: string;
  /** The upstream account, stream and batch. */
  fromAccount: string;
  stream: string;
  batch: string;
  kind: StreamKind;
  /** The upstream stream's currency (rows without a currency value are in it). */
  currency: string;
  periodStart: string;
  periodEnd: string;
  rows: number;
  totals: Record<string, string>;
  columns: Column[];
  checksum: string;
  sharedAt: string;
}

export function inboundView(r: InboundRecord) {
  return {
    id: r.id,
    account: r.fromAccount,
    stream: r.stream,
    batch: r.batch,
    kind: r.kind,
    currency: r.currency,
    periodStart: r.periodStart,
    periodEnd: r.periodEnd,
    rows: r.rows,
    totals: r.totals,
    columns: r.columns,
    checksum: r.checksum,
    sharedAt: r.sharedAt,
  };
}

const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17);

/** `bat_<utc timestamp ms>_<random>`: ids sort by creation. */
export function newBatchId(at: Date): string {
  return `bat_${stamp(at)}_${randomBytes(5).toString('hex')}`;
}

/**
 * The batch a computed stream makes from one inbound batch: the same id however often the share is
 * redelivered, so a share never runs a downstream stream twice.
 */
export function derivedBatchId(inboundId: string, stream: string, sharedAt: Date): string {
  return `bat_${stamp(sharedAt)}_${createHash('sha256').update(`${inboundId}\n${stream}`).digest('hex').slice(0, 10)}`;
}

/**
 * The inbound id of one partner's share of one upstream batch: the upstream batch's time and suffix first,
 * so a partner's inbound batches list in the order they were made upstream.
 */
export function inboundId(fromAccount: string, batchId: string): string {
  return `in_${batchId.slice(4)}_${createHash('sha256').update(`${fromAccount}\n${batchId}`).digest('hex').slice(0, 12)}`;
}
