import { randomBytes } from 'node:crypto';
import { NotFoundError, ValidationError } from '../../kernel/errors';
import { instant } from '../../kernel/fields';
import { checkRows, settleAgainstStored, type AcceptedPurchase, type CandidateRow, type Triage } from '../domain/ingest';
import { journalMonths, purchaseMonth, purchaseView, type PurchaseRecord, type PurchaseStatus } from '../domain/purchase';
import { isBillable } from '../../billing/domain/period-rows';
import { sameRating } from '../domain/rating';
import type { ChunkStore, IngestChunk, JournalLine, PurchaseReplacement, PurchaseStore, ReevaluationCount } from '../ports';
import type { Page, PageRequest } from '../../kernel/page';
import { mapLimit } from '../../kernel/concurrency';
import { logger } from '../../kernel/logger';
import type { Rater, RatingContextLoader } from '../../pricing/use-cases/rating';

export interface IngestDeps {
  purchases: PurchaseStore;
  chunks: ChunkStore;
  /** Rates purchases against the catalogue as stored at the moment of the call. */
  rating: Pick<RatingContextLoader, 'rater'>;
  /** Re-evaluations started per account: unchanged over an acceptance, its rating needs no second look. */
  reevaluations: ReevaluationCount;
  now?: () => Date;
  /** Told which purchases a chunk stored, once they are journaled (billing regenerates the drafts of their cycles). */
  onStored?: (accountId: string, records: readonly PurchaseRecord[], storedAt: string) => Promise<void>;
  /**
   * The purchases as a reader sees them (billing's DraftedPurchases): a cycle writes nothing on the
   * purchases it drafts, so a stored `rated` purchase reads `invoiced` while a draft holds it.
   */
  asRead?: (accountId: string, records: readonly PurchaseRecord[]) => Promise<PurchaseRecord[]>;
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

export interface AcceptOptions {
  /**
   * Given by a caller that may run the same chunk again (a redelivered drop), so that its own earlier
   * claims count as accepted rather than as duplicates.
   */
  chunkId?: string;
  /** Epoch ms after which no claim batch starts: what is left is answered `not_processed` (an HTTP request's budget). */
  claimUntil?: number;
  /** Epoch ms by which to answer: a completion (journal, re-rating) still running then is left to go on, and to the recovery. */
  answerBy?: number;
}

export interface RecoverOptions {
  /** How long one run may wait for young intents to turn stale (ms, default 0: only what is stale now). */
  waitUpToMs?: number;
  /**
   * Only intents at least this old are waited for (ms, default 0). A healthy acceptance lives a few seconds:
   * skipping the youngest keeps a run under steady ingest from waiting for intents about to be deleted.
   */
  waitForAgeMs?: number;
  /** The wait (tests pass one that moves their clock). */
  sleep?: (ms: number) => Promise<void>;
}

/** Whether `work` settles before the epoch ms `by` (its failure counts as settled: the caller meets it). */
async function finishedBy(work: Promise<void>, by: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, by - Date.now()));
  });
  const done = work.then(() => true as const);
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
    done.catch(() => undefined); // a late failure is the caller's to log
  }
}

/** Claims written by one call (one BatchExecuteStatement); before each, a look at what copies took, once one was met. */
const CLAIM_BATCH = 25;
/** Claim batches of one acceptance in flight at once: enough to keep DynamoDB busy, few enough to share it. */
const BATCHES_IN_FLIGHT = 8;

/**
 * The ingest pipeline (docs/architecture.md): a purchase is claimed — written once, mapped and rated, under
 * `attribute_not_exists` — before the answer names it accepted, so the answer is the truth whatever copies
 * race it. The chunk object written first is the intent from which the recovery finishes an acceptance a crash stopped.
 */
export class IngestService {
  private readonly now: () => Date;

  constructor(private readonly deps: IngestDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Validates rows, claims each new reference with a conditional write of the mapped and rated purchase,
   * and journals what it claimed. A reference stored already is a duplicate (same content) or rejected
   * with `duplicate_conflict` (other content), never overwritten; its stored content stays the first accepted.
   * A reference whose claim could not start before `options.claimUntil` is rejected as `not_processed`.
   */
  async accept(accountId: string, rows: readonly CandidateRow[], source: string, options: AcceptOptions = {}): Promise<Triage> {
    const checked = checkRows(rows);
    if (!checked.accepted.length) return settleAgainstStored(checked, new Map());
    const receivedAt = this.now();
    const chunk: IngestChunk = {
      accountId,
      chunkId: options.chunkId ?? newChunkId(receivedAt),
      source,
      receivedAt: receivedAt.toISOString(),
      purchases: checked.accepted,
    };
    // The intent goes first: a crash after any claim leaves an object the recovery finishes from. The
    // count is read before the catalogue is: a change counted after it cannot be in the rating below.
    const rate = async () => {
      const count = await this.deps.reevaluations.started(accountId);
      return { count, decide: await this.deps.rating.rater(accountId, chunk.purchases) };
    };
    const [key, { count, decide }] = await Promise.all([this.deps.chunks.putInflight(chunk), rate()]);
    const { claimed, storedBefore, unclaimed } = await this.claim(chunk, decide, options.claimUntil);
    const completed = this.complete(key, chunk, claimed, count);
    if (options.answerBy === undefined) await completed;
    else if (!(await finishedBy(completed, options.answerBy))) {
      // Too slow to finish before the answer is due: the claims are stored and the intent stays, so the
      // completion goes on while this process lives and the recovery finishes it if it does not.
      completed.catch((error: unknown) => logger.warn('acceptance completion left to the recovery', { chunk: key, error: error as Error }));
    }
    return settleAgainstStored(checked, storedBefore, unclaimed);
  }

  /**
   * Writes each purchase of the chunk once, under `attribute_not_exists`. Returns the records this chunk
   * holds and, for references someone else holds, the content hash they hold them with.
   *
   * Copies of one request sent at once (a client retrying on a timeout) would each try every claim, and
   * the losers' failed writes cost the store as much as the winner's. So the claims go in a random order,
   * batch by batch, and once a claim is lost to another chunk each later batch of this one reads before it
   * writes (one `BatchGetItem`): what another copy claimed meanwhile is settled by the read,
   * and only what is still free is claimed. A request that meets no copy reads nothing; the conditional
   * write alone decides, so a read that is behind changes nothing but the cost.
   */
  private async claim(
    chunk: IngestChunk,
    decide: Rater,
    claimUntil: number | undefined,
  ): Promise<{ claimed: PurchaseRecord[]; storedBefore: Map<string, string>; unclaimed: Set<string> }> {
    const at = this.now().toISOString();
    const claimed: PurchaseRecord[] = [];
    const storedBefore = new Map<string, string>();
    const unclaimed = new Set<string>();
    let contested = false;
    const settleTaken = (p: AcceptedPurchase, holder: { contentHash: string; chunkId: string }, record: PurchaseRecord) => {
      // Held by this very chunk (an earlier run of it): ours, whatever was decided then.
      if (holder.chunkId === chunk.chunkId && holder.contentHash === p.contentHash) claimed.push(record);
      else {
        storedBefore.set(p.reference, holder.contentHash);
        contested = true;
      }
    };
    await mapLimit([...slices(shuffled(chunk.purchases), CLAIM_BATCH)], BATCHES_IN_FLIGHT, async (batch) => {
      if (claimUntil !== undefined && this.now().getTime() >= claimUntil) {
        for (const p of batch) unclaimed.add(p.reference);
        return;
      }
      let free = batch;
      if (contested) {
        const held = await this.deps.purchases.getMany(
          chunk.accountId,
          batch.map((p) => p.reference),
        );
        free = [];
        for (const p of batch) {
          const holder = held.get(p.reference);
          if (holder)
            settleTaken(p, holder, holder); // ours already: the stored record itself
          else free.push(p);
        }
      }
      const records = free.map((p) => this.recordOf(chunk, p, decide, at));
      const results = await this.deps.purchases.insertMany(records);
      results.forEach((result, i) => {
        if (result.kind === 'created') claimed.push(records[i]);
        else settleTaken(free[i], result, records[i]);
      });
    });
    return { claimed, storedBefore, unclaimed };
  }

  private recordOf(chunk: IngestChunk, p: AcceptedPurchase, decide: Rater, at: string): PurchaseRecord {
    return {
      ...p,
      ...decide(p),
      accountId: chunk.accountId,
      invoice: null,
      chunkId: chunk.chunkId,
      receivedAt: chunk.receivedAt,
      updatedAt: at,
      version: 1,
    };
  }

  /**
   * Journals what the chunk claimed, re-rates it if the catalogue may have changed since it was rated, and
   * removes the intent. Safe to run again: the journal object of a chunk is rewritten with the same lines.
   * `ratedAtCount`: the account's re-evaluation count read before the rating's catalogue (null: unknown).
   */
  private async complete(key: string, chunk: IngestChunk, claimed: readonly PurchaseRecord[], ratedAtCount: number | null): Promise<void> {
    await this.writeJournal(chunk, claimed);
    // A catalogue change saved while this chunk was being rated planned its re-evaluation from a journal
    // that did not list these purchases yet. Every such change counts a re-evaluation after writing its data
    // and before planning: if the count moved since the rating, rate them once more against what is stored
    // now. Whatever changed before this point is seen here, whatever changes after it will find them.
    if (claimed.length && (ratedAtCount === null || (await this.deps.reevaluations.started(chunk.accountId)) !== ratedAtCount)) {
      await this.reevaluateRecords(chunk.accountId, claimed);
    }
    if (claimed.length && this.deps.onStored) await this.deps.onStored(chunk.accountId, claimed, this.now().toISOString());
    await this.deps.chunks.deleteInflight(key);
  }

  /**
   * Finishes a chunk whose acceptance stopped after its intent was written (a crash, a timeout): journals
   * the purchases it had claimed — the stored ones that carry its chunk id — and nothing else, since a
   * reference it had not claimed yet was never answered as accepted. Safe to run at any point, any number of times.
   */
  async recoverChunk(key: string): Promise<number> {
    const chunk = await this.deps.chunks.getInflight(key);
    if (!chunk) return 0; // finished meanwhile
    const stored = await this.deps.purchases.getMany(
      chunk.accountId,
      chunk.purchases.map((p) => p.reference),
    );
    const claimed = [...stored.values()].filter((r) => r.chunkId === chunk.chunkId);
    await this.complete(key, chunk, claimed, null);
    return claimed.length;
  }

  /**
   * Finishes every in-flight chunk older than `olderThanMs` (an acceptance takes seconds). Returns how many.
   * With `waitUpToMs`, intents still too young are looked at again when the oldest of them turns stale, for
   * as long as that comes within the wait: an acceptance that died shortly before this run is finished by
   * it, not by the next one (a healthy acceptance deletes its intent meanwhile and is not seen again).
   */
  async recoverStale(olderThanMs: number, options: RecoverOptions = {}): Promise<number> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const giveUpAt = this.now().getTime() + (options.waitUpToMs ?? 0);
    let recovered = 0;
    for (;;) {
      const now = this.now().getTime();
      const before = now - olderThanMs;
      const stale: string[] = [];
      let oldestYoung = Number.POSITIVE_INFINITY;
      for await (const { key, writtenAt } of this.deps.chunks.listInflight(null)) {
        const at = writtenAt.getTime();
        if (at < before) stale.push(key);
        else if (now - at >= (options.waitForAgeMs ?? 0)) oldestYoung = Math.min(oldestYoung, at);
      }
      await mapLimit(stale, 4, (key) => this.recoverChunk(key));
      recovered += stale.length;
      // A store's write time may be cut to the second (S3's LastModified): one more second makes it surely stale.
      const due = oldestYoung + olderThanMs + 1000;
      if (!Number.isFinite(due) || due > giveUpAt) return recovered;
      await sleep(Math.max(0, due - this.now().getTime()));
    }
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

  async get(accountId: string, reference: string) {
    const record = await this.deps.purchases.get(accountId, reference);
    if (!record) throw new NotFoundError(`purchase '${reference}' not found`);
    const [read] = await this.asRead(accountId, [record]);
    return purchaseView(read!);
  }

  /** The records as a reader sees them: a `rated` purchase on a draft is `invoiced` on it (IngestDeps.asRead). */
  private async asRead(accountId: string, records: readonly PurchaseRecord[]): Promise<PurchaseRecord[]> {
    if (!this.deps.asRead || !records.some((r) => r.status === 'rated')) return [...records];
    return this.deps.asRead(accountId, records);
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
      const stored = await this.deps.purchases.getMany(accountId, [...new Set(batch.map((b) => b.line.reference))]);
      // only a `rated` or `invoiced` filter (or none) can depend on the drafts
      const reads = !filter.status || filter.status === 'rated' || filter.status === 'invoiced';
      const inFilter = [...stored.values()].filter((r) => inRange(r.purchaseDate, filter));
      const asRead = reads ? await this.asRead(accountId, inFilter) : inFilter;
      const records = new Map(asRead.map((r) => [r.reference, r]));
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

  private async writeJournal(chunk: IngestChunk, purchases: readonly PurchaseRecord[]): Promise<void> {
    const byMonth = new Map<string, JournalLine[]>();
    for (const p of purchases) {
      for (const month of journalMonths(p)) {
        const lines = byMonth.get(month) ?? [];
        lines.push({
          reference: p.reference,
          customerCode: p.customerCode,
          productLabel: p.productLabel,
          purchaseDate: p.purchaseDate,
          endDate: p.endDate,
        });
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

/** A random permutation (Fisher–Yates): concurrent copies of a request claim in different orders. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function* slices<T>(items: readonly T[], size: number): Iterable<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
