import { randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '../domain/errors';
import { instant } from '../domain/fields';
import { checkRows, settleAgainstStored, type CandidateRow, type Triage } from '../domain/ingest';
import { journalMonths, purchaseMonth, purchaseView, receivedView, type PurchaseInput, type PurchaseRecord, type PurchaseStatus } from '../domain/purchase';
import { isBillable } from '../domain/period-rows';
import { sameRating } from '../domain/rating';
import type { ChunkStore, IngestChunk, JournalLine, MessageBus, Page, PageRequest, PurchaseReplacement, PurchaseStore } from '../ports';
import { mapLimit } from './concurrency';
import type { RatingContextLoader } from './rating';

export interface IngestDeps {
  purchases: PurchaseStore;
  chunks: ChunkStore;
  rating: RatingContextLoader;
  bus: MessageBus;
  now?: () => Date;
  /** Told which purchases a chunk stored, once they are journaled (billing regenerates the drafts of their cycles). */
  onStored?: (accountId: string, records: readonly PurchaseRecord[], storedAt: string) => Promise<void>;
}

export interface ChunkOutcome {
  created: number;
  redelivered: number;
  conflicts: number;
  unmapped: number;
}

export type WaitingFor = { customer: string } | { label: string };

export interface PurchaseFilter {
  status?: PurchaseStatus;
  customer?: string;
  from?: string;
  to?: string;
}

/** Time-sortable, so that journal objects list in arrival order. */
export function newChunkId(at: Date): string {
  return `${at.getTime().toString(36).padStart(9, '0')}-${randomBytes(6).toString('base64url')}`;
}

/**
 * The ingest pipeline (docs/architecture.md): accept → chunk in S3 + one message → map and write each
 * purchase once → journal. Every step is idempotent, so retries and redeliveries are harmless.
 */
export class IngestService {
  private readonly now: () => Date;

  constructor(private readonly deps: IngestDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Validates rows, settles duplicates against the request and the store, and hands the accepted rows to
   * the pipeline as one chunk. Once this returns, what it calls accepted is durable.
   */
  async accept(accountId: string, rows: readonly CandidateRow[], source: string, chunkId?: string): Promise<Triage> {
    const checked = checkRows(rows);
    const stored = checked.accepted.length
      ? await this.deps.purchases.fingerprints(accountId, checked.accepted.map((p) => p.reference))
      : new Map<string, string>();
    const triage = settleAgainstStored(checked, stored);
    if (triage.accepted.length) {
      const receivedAt = this.now();
      const chunk: IngestChunk = { accountId, chunkId: chunkId ?? newChunkId(receivedAt), source, receivedAt: receivedAt.toISOString(), purchases: triage.accepted };
      const key = await this.deps.chunks.putInflight(chunk);
      await this.deps.bus.send('ingest', [{ type: 'chunk', accountId, key }]);
    }
    return triage;
  }

  /** Maps and stores one in-flight chunk. Safe to run again on the same chunk at any point. */
  async processChunk(key: string): Promise<ChunkOutcome> {
    const outcome: ChunkOutcome = { created: 0, redelivered: 0, conflicts: 0, unmapped: 0 };
    const chunk = await this.deps.chunks.getInflight(key);
    if (!chunk) return outcome; // already processed and removed by an earlier delivery
    const { accountId, purchases } = chunk;

    const decide = await this.deps.rating.rater(accountId, purchases);
    const at = this.now().toISOString();
    const owned: typeof purchases = [];
    const stored: PurchaseRecord[] = [];
    await mapLimit(purchases, 16, async (p) => {
      const record: PurchaseRecord = {
        ...p,
        ...decide(p),
        accountId,
        invoice: null,
        chunkId: chunk.chunkId,
        receivedAt: chunk.receivedAt,
        updatedAt: at,
        version: 1,
      };
      const result = await this.deps.purchases.insert(record);
      if (result.kind === 'created') {
        outcome.created += 1;
        owned.push(p);
        stored.push(record);
        if (record.status === 'unmapped') outcome.unmapped += 1;
      } else if (result.contentHash === p.contentHash) {
        // Ours from an earlier delivery of this chunk, or a concurrent identical resend that got there first.
        outcome.redelivered += 1;
        if (result.chunkId === chunk.chunkId) {
          owned.push(p);
          stored.push(record);
        }
      } else {
        // A resend with other content that raced past the synchronous check: never overwrite, keep a trace.
        outcome.conflicts += 1;
        await this.deps.purchases.recordConflict(accountId, p.reference, chunk.chunkId, p.contentHash);
      }
    });
    // Journal only what this chunk stored, so a purchase resent concurrently is listed once.
    await this.writeJournal(chunk, owned);
    // A catalogue change saved while this chunk was being rated planned its re-evaluation from a journal
    // that did not list these purchases yet. Now that it does, rate them once more against what is stored:
    // whatever changed before this point is seen here, whatever changes after it will find them.
    await this.reevaluateRecords(accountId, stored);
    if (stored.length && this.deps.onStored) await this.deps.onStored(accountId, stored, this.now().toISOString());
    await this.deps.chunks.deleteInflight(key);
    return outcome;
  }

  /** Re-maps the open unmapped purchases waiting for one customer code or product label. */
  async remap(accountId: string, waitingFor: WaitingFor): Promise<number> {
    let changed = 0;
    let cursor: string | undefined;
    do {
      const page = await this.deps.purchases.unmapped(accountId, waitingFor, { limit: 200, cursor });
      changed += await this.reevaluateRecords(accountId, page.items);
      cursor = page.next ?? undefined;
    } while (cursor);
    return changed;
  }

  /**
   * Re-maps, re-routes and re-prices the given purchases against the current catalogue. Completed
   * purchases never change; a purchase changed meanwhile by someone else is left to that writer.
   */
  async reevaluate(accountId: string, references: readonly string[]): Promise<number> {
    const records = await this.deps.purchases.getMany(accountId, references);
    return this.reevaluateRecords(accountId, [...records.values()]);
  }

  private async reevaluateRecords(accountId: string, records: readonly PurchaseRecord[]): Promise<number> {
    const open = records.filter((r) => r.status !== 'completed');
    if (!open.length) return 0;
    const decide = await this.deps.rating.rater(accountId, open);
    const now = this.now().toISOString();
    const replacements: PurchaseReplacement[] = [];
    for (const record of open) {
      const decision = decide(record);
      // A purchase on a draft invoice stays `invoiced` while it is still priced; only its price may change.
      if (record.status === 'invoiced' && decision.status === 'rated') decision.status = 'invoiced';
      if (sameRating(record, decision)) continue;
      replacements.push({ record: { ...record, ...decision, updatedAt: now, version: record.version + 1 }, expectedVersion: record.version });
    }
    if (!replacements.length) return 0;
    const written = await this.deps.purchases.replaceAll(replacements);
    const before = new Map(open.map((r) => [r.reference, r]));
    // Drafts of a period with a cycle are rebuilt when a purchase joins, leaves or changes price.
    const affectingInvoices: PurchaseRecord[] = [];
    for (const { record: next } of replacements) {
      if (!written.has(next.reference)) continue;
      const record = before.get(next.reference)!;
      if (isBillable(next)) affectingInvoices.push(next);
      else if (isBillable(record)) affectingInvoices.push(record);
    }
    if (affectingInvoices.length && this.deps.onStored) await this.deps.onStored(accountId, affectingInvoices, now);
    return written.size;
  }

  /** Re-sends the message of every in-flight chunk older than `olderThanMs`: lost messages never lose purchases. */
  async sweep(olderThanMs: number): Promise<number> {
    const before = this.now().getTime() - olderThanMs;
    const stale: { type: 'chunk'; accountId: string; key: string }[] = [];
    for await (const { key, writtenAt } of this.deps.chunks.listInflight(null)) {
      if (writtenAt.getTime() < before) stale.push({ type: 'chunk', accountId: key.split('/')[2] ?? '', key });
    }
    if (stale.length) await this.deps.bus.send('ingest', stale);
    return stale.length;
  }

  async get(accountId: string, reference: string) {
    const record = await this.deps.purchases.get(accountId, reference);
    if (record) return purchaseView(record);
    for await (const { key } of this.deps.chunks.listInflight(accountId)) {
      const chunk = await this.deps.chunks.getInflight(key);
      const purchase = chunk?.purchases.find((p) => p.reference === reference);
      if (purchase) {
        const { contentHash: _hash, ...input } = purchase;
        return receivedView(input);
      }
    }
    throw new NotFoundError(`purchase '${reference}' not found`);
  }

  /**
   * Lists purchases by status, customer and purchase-date range. Open unmapped purchases come from their
   * index; everything else walks the journal of the months asked for, reading only the purchases whose
   * journal line matches, in journal order (month, then arrival).
   */
  async list(accountId: string, filter: PurchaseFilter, page: PageRequest): Promise<Page<ReturnType<typeof purchaseView>>> {
    if (filter.status === 'unmapped') {
      const result = await this.deps.purchases.unmapped(accountId, null, page);
      return { items: result.items.filter((r) => matches(r, filter)).map(purchaseView), next: result.next };
    }
    const items: ReturnType<typeof purchaseView>[] = [];
    let batch: { line: JournalLine; position: string }[] = [];
    const flush = async (): Promise<string | null> => {
      const records = await this.deps.purchases.getMany(accountId, [...new Set(batch.map((b) => b.line.reference))]);
      for (const { line, position } of batch) {
        const record = records.get(line.reference);
        if (record && matches(record, filter)) {
          items.push(purchaseView(record));
          if (items.length === page.limit) return position;
        }
      }
      batch = [];
      return null;
    };
    for await (const entry of walkJournal(this.deps.chunks, accountId, filter, decodePosition(page.cursor))) {
      batch.push(entry);
      if (batch.length >= 200) {
        const stop = await flush();
        if (stop) return { items, next: stop };
      }
    }
    const stop = batch.length ? await flush() : null;
    return { items, next: stop };
  }

  private async writeJournal(chunk: IngestChunk, purchases: readonly IngestChunk['purchases'][number][]): Promise<void> {
    const byMonth = new Map<string, JournalLine[]>();
    for (const p of purchases) {
      for (const month of journalMonths(p)) {
        const lines = byMonth.get(month) ?? [];
        lines.push({ reference: p.reference, customerCode: p.customerCode, productLabel: p.productLabel, purchaseDate: p.purchaseDate, endDate: p.endDate });
        byMonth.set(month, lines);
      }
    }
    await Promise.all([...byMonth].map(([month, lines]) => this.deps.chunks.putJournal(chunk.accountId, month, chunk.chunkId, lines)));
  }
}

function matches(r: PurchaseRecord, f: PurchaseFilter): boolean {
  if (f.status && r.status !== f.status) return false;
  if (f.customer && r.customerCode !== f.customer) return false;
  return inRange(r.purchaseDate, f);
}

function inRange(date: string, f: PurchaseFilter): boolean {
  const t = instant(date);
  return (!f.from || t >= instant(f.from)) && (!f.to || t < instant(f.to));
}

interface JournalPosition {
  month: string;
  key: string;
  line: number;
}

function encodePosition(p: JournalPosition): string {
  return Buffer.from(JSON.stringify([p.month, p.key, p.line])).toString('base64url');
}

function decodePosition(cursor: string | undefined): JournalPosition | null {
  if (!cursor) return null;
  try {
    const [month, key, line] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string, number];
    if (typeof month === 'string' && typeof key === 'string' && Number.isInteger(line)) return { month, key, line };
  } catch {
    // reported below
  }
  throw new ValidationError('invalid cursor', ['cursor: not a cursor this API returned']);
}

/** Journal lines matching the customer and date filters, each with the cursor that resumes after it. */
async function* walkJournal(chunks: ChunkStore, accountId: string, f: PurchaseFilter, from: JournalPosition | null) {
  const firstMonth = f.from ? new Date(instant(f.from)).toISOString().slice(0, 7) : '';
  const lastMonth = f.to ? new Date(instant(f.to) - 1).toISOString().slice(0, 7) : '9999-99';
  const months = (await chunks.journalMonths(accountId)).filter((m) => m >= firstMonth && m <= lastMonth && (!from || m >= from.month));
  for (const month of months) {
    const resume = from && from.month === month ? from : null;
    const keys = resume ? prepend(resume.key, chunks.journalKeys(accountId, month, resume.key)) : chunks.journalKeys(accountId, month);
    for await (const key of keys) {
      const lines = await chunks.readJournal(key);
      const start = resume && key === resume.key ? resume.line : 0;
      for (let i = start; i < lines.length; i++) {
        const line = lines[i];
        if (purchaseMonth(line) !== month) continue; // listed once, in its home month
        if (f.customer && line.customerCode !== f.customer) continue;
        if (!inRange(line.purchaseDate, f)) continue;
        yield { line, position: encodePosition({ month, key, line: i + 1 }) };
      }
    }
  }
}

async function* prepend(first: string, rest: AsyncIterable<string>): AsyncIterable<string> {
  yield first;
  yield* rest;
}
