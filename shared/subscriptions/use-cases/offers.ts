import { NotFoundError, ValidationError } from '../../kernel/errors';
import type { Page, PageRequest } from '../../kernel/page';
import type { CatalogStore } from '../../catalog/ports';
import { parseOffer, type CatalogueInput, type CatalogueRecord, type OfferRecord, offerProductClusters } from '../domain/offer';
import type { Reevaluations } from '../../ingest/use-cases/reevaluation';
import type { SubscriptionStore } from '../ports';

/** Customers per re-evaluation message when a replaced offer re-rates its subscribers. */
const CUSTOMERS_PER_REEVALUATION = 500;

export interface Saved<T> {
  created: boolean;
  record: T;
}

/**
 * Catalogues and offers. A PUT creates or replaces (201 / 200). An offer's catalogue and the product
 * clusters its charges name must exist (400 naming the field, as for price rules). A replaced offer re-rates
 * the purchases of the customers subscribed to it (its usage charges and parameters price them).
 */
export class OfferService {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly catalog: Pick<CatalogStore, 'getProductCluster'>,
    private readonly now: () => Date = () => new Date(),
    private readonly reevaluations: Pick<Reevaluations, 'start'> = { start: async () => [] },
  ) {}

  async putCatalogue(accountId: string, id: string, input: CatalogueInput): Promise<Saved<CatalogueRecord>> {
    const record: CatalogueRecord = { id, name: input.name, description: input.description ?? null, updatedAt: this.now().toISOString() };
    return { created: await this.store.putCatalogue(accountId, record), record };
  }

  async getCatalogue(accountId: string, id: string): Promise<CatalogueRecord> {
    return found(await this.store.getCatalogue(accountId, id), `catalogue '${id}'`);
  }

  listCatalogues(accountId: string, page: PageRequest): Promise<Page<CatalogueRecord>> {
    return this.store.listCatalogues(accountId, page);
  }

  async putOffer(accountId: string, id: string, body: unknown): Promise<Saved<OfferRecord>> {
    const offer = parseOffer(body);
    const clusters = offerProductClusters(offer);
    const distinct = [...new Set(clusters.map((c) => c.productCluster))];
    const [catalogue, ...products] = await Promise.all([
      this.store.getCatalogue(accountId, offer.catalogue),
      ...distinct.map((p) => this.catalog.getProductCluster(accountId, p)),
    ]);
    const missing = new Set(distinct.filter((_, i) => !products[i]));
    const problems: string[] = [];
    if (!catalogue) problems.push(`catalogue: catalogue '${offer.catalogue}' does not exist`);
    for (const c of clusters) if (missing.has(c.productCluster)) problems.push(`${c.field}: product cluster '${c.productCluster}' does not exist`);
    if (problems.length) throw new ValidationError('invalid offer', problems);
    const record: OfferRecord = { id, ...offer, updatedAt: this.now().toISOString() };
    const created = await this.store.putOffer(accountId, record);
    if (!created) await this.rerateSubscribers(accountId, id);
    return { created, record };
  }

  /** Every customer with a subscription that has (or changes to) the offer is re-rated; a new offer has none. */
  private async rerateSubscribers(accountId: string, offer: string): Promise<void> {
    const customers = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.store.listSubscriptions(accountId, {}, { limit: 1000, cursor });
      for (const sub of page.items) {
        if (sub.offer === offer || sub.history.some((e) => e.type === 'change' && e.offer === offer)) customers.add(sub.customer);
      }
      cursor = page.next ?? undefined;
    } while (cursor);
    const all = [...customers];
    const works = [];
    for (let i = 0; i < all.length; i += CUSTOMERS_PER_REEVALUATION) {
      works.push({ kind: 'reevaluate' as const, scope: { customers: all.slice(i, i + CUSTOMERS_PER_REEVALUATION), followRouting: true } });
    }
    await this.reevaluations.start(accountId, works);
  }

  async getOffer(accountId: string, id: string): Promise<OfferRecord> {
    return found(await this.store.getOffer(accountId, id), `offer '${id}'`);
  }

  listOffers(accountId: string, filter: { catalogue?: string }, page: PageRequest): Promise<Page<OfferRecord>> {
    return this.store.listOffers(accountId, filter, page);
  }
}

export function found<T>(value: T | null, what: string): T {
  if (value === null) throw new NotFoundError(`${what} not found`);
  return value;
}
