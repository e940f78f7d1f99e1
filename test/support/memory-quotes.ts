import type { Page, PageRequest } from '../../shared/kernel/page';
import { ConflictError } from '../../shared/kernel/errors';
import type { StoredStatus } from '../../shared/quotes/domain/quote';
import type { QuoteRecord, QuoteStore, StoredVersion, SubscriptionMaker } from '../../shared/quotes/ports';
import type { SubscriptionTerms } from '../../shared/subscriptions/domain/subscription';

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The quote store in memory, with the adapter's conditions: a version is written only on the revision read
 * (or when the quote does not exist), status changes only on the revision read. `beforeWrite` lets a test
 * slip another write in between a read and a write.
 */
export class MemoryQuotes implements QuoteStore {
  readonly quotes = new Map<string, QuoteRecord>();
  readonly versions = new Map<string, StoredVersion[]>();
  beforeWrite: (() => Promise<void>) | null = null;

  private key = (accountId: string, id: string) => `${accountId}/${id}`;

  async getQuote(accountId: string, id: string) {
    const held = this.quotes.get(this.key(accountId, id));
    return held ? clone(held) : null;
  }

  async saveVersion(accountId: string, quote: QuoteRecord, expectedRevision: number | null, previousStatus: StoredStatus | null) {
    await this.hook();
    const key = this.key(accountId, quote.id);
    const held = this.quotes.get(key);
    if (expectedRevision === null ? held !== undefined : held?.revision !== expectedRevision) return false;
    const versions = this.versions.get(key) ?? [];
    if (versions.some((v) => v.version === quote.latest.version)) return false;
    const previous = versions.find((v) => v.version === quote.latest.version - 1);
    if (previous && previousStatus !== null) previous.status = previousStatus;
    versions.push({ ...clone(quote.latest), status: 'draft' });
    this.versions.set(key, versions);
    this.quotes.set(key, clone(quote));
    return true;
  }

  async updateQuote(accountId: string, quote: QuoteRecord, expectedRevision: number) {
    await this.hook();
    const key = this.key(accountId, quote.id);
    if (this.quotes.get(key)?.revision !== expectedRevision) return false;
    this.quotes.set(key, clone(quote));
    return true;
  }

  async listVersions(accountId: string, id: string, page: PageRequest): Promise<Page<StoredVersion>> {
    const all = this.versions.get(this.key(accountId, id)) ?? [];
    const start = page.cursor ? Number(page.cursor) : 0;
    const items = all.slice(start, start + page.limit).map(clone);
    return { items, next: start + page.limit < all.length ? String(start + page.limit) : null };
  }

  async listQuotes(accountId: string, filter: { customer?: string }, page: PageRequest, keep?: (q: QuoteRecord) => boolean) {
    const all = [...this.quotes.entries()]
      .filter(([k, q]) => k.startsWith(`${accountId}/`) && (filter.customer === undefined || q.latest.terms.customer === filter.customer))
      .map(([, q]) => clone(q))
      .filter((q) => !keep || keep(q))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const start = page.cursor ? Number(page.cursor) : 0;
    return { items: all.slice(start, start + page.limit), next: start + page.limit < all.length ? String(start + page.limit) : null };
  }

  private async hook() {
    const hook = this.beforeWrite;
    this.beforeWrite = null;
    if (hook) await hook();
  }
}

/** Subscriptions made from quotes, created once per id like SubscriptionService.createFromQuote (same terms and prices: unchanged; others: 409). */
export class MemorySubscriptionMaker implements SubscriptionMaker {
  readonly made = new Map<string, { id: string; terms: SubscriptionTerms; prices: Record<string, string> }>();
  refuse: string | null = null;
  calls = 0;

  async createFromQuote(accountId: string, id: string, terms: SubscriptionTerms, prices: Record<string, string>) {
    this.calls++;
    if (this.refuse === id) throw new ConflictError('subscription_exists', `subscription '${id}' exists with other terms or prices`);
    const key = `${accountId}/${id}`;
    const held = this.made.get(key);
    const record = { id, terms: clone(terms), prices: clone(prices) };
    if (!held) {
      this.made.set(key, record);
      return { created: true, record };
    }
    if (JSON.stringify([held.terms, held.prices]) !== JSON.stringify([record.terms, record.prices])) {
      throw new ConflictError('subscription_exists', `subscription '${id}' exists with other terms or prices`);
    }
    return { created: false, record: held };
  }
}
