import { NotFoundError, ValidationError } from '../../kernel/errors';
import type { Page, PageRequest } from '../../kernel/page';
import type { CatalogStore } from '../../catalog/ports';
import { parseOffer, type CatalogueInput, type CatalogueRecord, type OfferRecord, offerProductClusters } from '../domain/offer';
import type { SubscriptionStore } from '../ports';

export interface Saved<T> {
  created: boolean;
  record: T;
}

/**
 * Catalogues and offers. A PUT creates or replaces (201 / 200). An offer's catalogue and the product
 * clusters its charges name must exist (400 naming the field, as for price rules).
 */
export class OfferService {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly catalog: Pick<CatalogStore, 'getProductCluster'>,
    private readonly now: () => Date = () => new Date(),
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
    return { created: await this.store.putOffer(accountId, record), record };
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
