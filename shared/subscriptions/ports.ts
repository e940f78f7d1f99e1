import type { Page, PageRequest } from '../kernel/page';
import type { CatalogueRecord, OfferRecord } from './domain/offer';
import type { SubscriptionRecord } from './domain/subscription';

/**
 * The subscriptions ports: what the catalogue, offer and subscription use cases ask of storage. The
 * DynamoDB adapter beside them implements them; nothing here knows about the AWS SDK.
 */

export type { CatalogueRecord, OfferRecord, SubscriptionRecord };

export interface SubscriptionStore {
  /** Creates or replaces; true when it created it (the item did not exist before this write). */
  putCatalogue(accountId: string, catalogue: CatalogueRecord): Promise<boolean>;
  getCatalogue(accountId: string, id: string): Promise<CatalogueRecord | null>;
  listCatalogues(accountId: string, page: PageRequest): Promise<Page<CatalogueRecord>>;

  /** Creates or replaces; true when it created it. */
  putOffer(accountId: string, offer: OfferRecord): Promise<boolean>;
  getOffer(accountId: string, id: string): Promise<OfferRecord | null>;
  getOffers(accountId: string, ids: readonly string[]): Promise<Map<string, OfferRecord>>;
  /** One page of the account's offers, or of one catalogue's. */
  listOffers(accountId: string, filter: { catalogue?: string }, page: PageRequest): Promise<Page<OfferRecord>>;

  /** Writes a new subscription unless the id is taken: null when created, else the stored one (never overwritten). */
  createSubscription(accountId: string, subscription: SubscriptionRecord): Promise<SubscriptionRecord | null>;
  getSubscription(accountId: string, id: string): Promise<SubscriptionRecord | null>;
  /** Writes `subscription` (its version already bumped) only if the stored version is still `expectedVersion`; false when another write came first. */
  updateSubscription(accountId: string, subscription: SubscriptionRecord, expectedVersion: number): Promise<boolean>;
  /** Billing's: the day before which the subscription's recurring charges are on invoices (not a version change). */
  setChargedThrough(accountId: string, id: string, chargedThrough: string | null): Promise<void>;
  /** `setChargedThrough` of many subscriptions (a subscription that is gone is skipped). */
  setChargedThroughMany(accountId: string, updates: readonly { id: string; chargedThrough: string | null }[]): Promise<void>;
  /**
   * One page of the account's subscriptions, or of one customer's, keeping those `keep` accepts: the store
   * reads on until the page holds `page.limit` kept items or the list ends, and `next` continues after the
   * last item returned.
   */
  listSubscriptions(
    accountId: string,
    filter: { customer?: string },
    page: PageRequest,
    keep?: (subscriptions: SubscriptionRecord[]) => Promise<boolean[]>,
  ): Promise<Page<SubscriptionRecord>>;
}
