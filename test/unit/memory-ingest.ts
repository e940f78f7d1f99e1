/** Small in-memory implementations of the ingest ports, for the use-case tests. */
import Decimal from 'decimal.js';
import type { PurchaseInput, PurchaseRecord } from '../../shared/ingest/domain/purchase';
import type { RatingDecision } from '../../shared/ingest/domain/rating';
import type { ChunkStore, IngestChunk, InsertOutcome, JournalLine, PurchaseReplacement, PurchaseStore, ReevaluationCount } from '../../shared/ingest/ports';
import type { Page } from '../../shared/kernel/page';

/** A purchase store with DynamoDB's semantics for what acceptance relies on: a conditional insert per reference. */
export class MemoryPurchases implements PurchaseStore {
  readonly items = new Map<string, PurchaseRecord>();
  /** Insert calls yield before they decide, so concurrent acceptances really interleave. */
  async insert(record: PurchaseRecord): Promise<InsertOutcome> {
    await new Promise((r) => setImmediate(r));
    const existing = this.items.get(record.reference);
    if (existing) return { kind: 'exists', contentHash: existing.contentHash, chunkId: existing.chunkId };
    this.items.set(record.reference, structuredClone(record));
    return { kind: 'created' };
  }
  async replaceAll(replacements: readonly PurchaseReplacement[]): Promise<Set<string>> {
    const written = new Set<string>();
    for (const { record, expectedVersion } of replacements) {
      if (this.items.get(record.reference)?.version !== expectedVersion) continue;
      this.items.set(record.reference, structuredClone(record));
      written.add(record.reference);
    }
    return written;
  }
  async get(_: string, reference: string) {
    return this.items.get(reference) ?? null;
  }
  async getMany(_: string, references: readonly string[]) {
    return new Map(references.flatMap((r) => (this.items.has(r) ? [[r, this.items.get(r)!] as const] : [])));
  }
  async unmapped(): Promise<Page<PurchaseRecord>> {
    return { items: [], next: null };
  }
}

export class MemoryChunks implements ChunkStore {
  readonly inflight = new Map<string, { chunk: IngestChunk; writtenAt: Date }>();
  readonly journal = new Map<string, JournalLine[]>();
  /** Set to make the next journal write fail, as a crash after the claims would. */
  failJournal = false;
  async putInflight(chunk: IngestChunk) {
    const key = `ingest/inflight/${chunk.accountId}/${chunk.chunkId}.json`;
    this.inflight.set(key, { chunk: structuredClone(chunk), writtenAt: new Date() });
    return key;
  }
  async getInflight(key: string) {
    return this.inflight.get(key)?.chunk ?? null;
  }
  async deleteInflight(key: string) {
    this.inflight.delete(key);
  }
  async *listInflight() {
    for (const [key, { writtenAt }] of this.inflight) yield { key, writtenAt };
  }
  async putJournal(accountId: string, month: string, chunkId: string, lines: readonly JournalLine[]) {
    if (this.failJournal) {
      this.failJournal = false;
      throw new Error('the machine died');
    }
    this.journal.set(`journal/${accountId}/${month}/${chunkId}.jsonl`, [...lines]);
  }
  async journalMonths() {
    return [];
  }
  async *journalKeys() {}
  async readJournal(key: string) {
    return this.journal.get(key) ?? [];
  }
  /** Every reference the journal lists, once per line. */
  journaled(): string[] {
    return [...this.journal.values()].flat().map((l) => l.reference);
  }
}

/** The decision of a catalogue that prices every purchase at `unitPrice` a unit. */
export function ratedAt(unitPrice: string) {
  return (p: PurchaseInput): RatingDecision => ({
    status: 'rated',
    reason: null,
    customer: p.customerCode,
    billedTo: p.customerCode,
    productCluster: 'voice',
    routingRule: null,
    priceRule: 'voice',
    amount: new Decimal(p.quantity).mul(unitPrice).toFixed(),
    currency: 'EUR',
    pricing: 'purchase',
    ratingError: null,
  });
}

/** Prices every purchase at 0.05 a unit: enough to see which content was rated and stored. */
export const rater = {
  async rater() {
    return ratedAt('0.05');
  },
};

/** The account's re-evaluation count, moved by hand where a test plays a catalogue change. */
export class MemoryReevaluationCount implements ReevaluationCount {
  count = 0;
  async started() {
    return this.count;
  }
}
