import type { Page, PageRequest } from '../kernel/page';
import type { CatalogStore } from '../catalog/ports';
import type { SubscriptionStore } from '../subscriptions/ports';
import type { SubscriptionTerms } from '../subscriptions/domain/subscription';
import type { QuoteRecord, QuoteVersion, StoredStatus } from './domain/quote';

/**
 * The quotes ports: the quote store (latest version and status on one item, every version on its own),
 * the offers and customers a quote is priced against, and the subscription an accepted quote becomes.
 */

export type { QuoteRecord, QuoteVersion };

/** A version as stored: the version and the status it had when a newer one replaced it (the latest shows the quote's). */
export interface StoredVersion extends QuoteVersion {
  status: StoredStatus;
}

export interface QuoteStore {
  getQuote(accountId: string, id: string): Promise<QuoteRecord | null>;
  /**
   * Writes a new latest version: the quote item (its revision bumped) only if the stored revision is still
   * `expectedRevision` (null: the quote must not exist yet), with the version's own item, and the previous
   * version marked with the status it leaves with. False when another write came first.
   */
  saveVersion(accountId: string, quote: QuoteRecord, expectedRevision: number | null, previousStatus: StoredStatus | null): Promise<boolean>;
  /** Writes the quote item (its revision bumped) only if the stored revision is still `expectedRevision`; false otherwise. */
  updateQuote(accountId: string, quote: QuoteRecord, expectedRevision: number): Promise<boolean>;
  /** The versions of a quote, oldest first. */
  listVersions(accountId: string, id: string, page: PageRequest): Promise<Page<StoredVersion>>;
  /** A page of the account's quotes, or one customer's, keeping those `keep` accepts (read on until the page is full). */
  listQuotes(accountId: string, filter: { customer?: string }, page: PageRequest, keep?: (quote: QuoteRecord) => boolean): Promise<Page<QuoteRecord>>;
}

export type OfferReader = Pick<SubscriptionStore, 'getOffer'>;
export type CustomerReader = Pick<CatalogStore, 'getCustomer'>;

/** What accepting needs of the subscriptions context (its `SubscriptionService.createFromQuote`). */
export interface SubscriptionMaker {
  createFromQuote(
    accountId: string,
    id: string,
    terms: SubscriptionTerms,
    prices: Record<string, string>,
  ): Promise<{ created: boolean; record: { id: string } }>;
}
