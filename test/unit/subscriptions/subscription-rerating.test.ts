import type { CustomerRecord } from '../../../shared/catalog/ports';
import type { ReevaluationWork } from '../../../shared/ingest/ports';
import type { Page, PageRequest } from '../../../shared/kernel/page';
import type { CatalogueRecord, OfferRecord } from '../../../shared/subscriptions/domain/offer';
import type { SubscriptionRecord, SubscriptionStore } from '../../../shared/subscriptions/ports';
import { OfferService } from '../../../shared/subscriptions/use-cases/offers';
import { SubscriberTermsReader } from '../../../shared/subscriptions/use-cases/subscriber-terms';
import { SubscriptionService } from '../../../shared/subscriptions/use-cases/subscriptions';

/**
 * The subscriptions side of rating: what the reader hands the rating context loader (the account read at once
 * or customer by customer), and the re-rating a subscription or offer change starts.
 */

/** A store over maps, paging by insertion order; counts its list queries. */
class FakeStore implements SubscriptionStore {
  readonly offers = new Map<string, OfferRecord>();
  readonly subs = new Map<string, SubscriptionRecord>();
  readonly queries: { customer?: string }[] = [];
  async putCatalogue() {
    return true;
  }
  async getCatalogue(_a: string, id: string): Promise<CatalogueRecord> {
    return { id, name: id, description: null, updatedAt: '' };
  }
  async listCatalogues(): Promise<Page<CatalogueRecord>> {
    return { items: [], next: null };
  }
  async putOffer(_a: string, offer: OfferRecord) {
    const created = !this.offers.has(offer.id);
    this.offers.set(offer.id, offer);
    return created;
  }
  async getOffer(_a: string, id: string) {
    return this.offers.get(id) ?? null;
  }
  async getOffers(_a: string, ids: readonly string[]) {
    return new Map(ids.filter((id) => this.offers.has(id)).map((id) => [id, this.offers.get(id)!] as const));
  }
  async listOffers(): Promise<Page<OfferRecord>> {
    return { items: [...this.offers.values()], next: null };
  }
  async createSubscription(_a: string, sub: SubscriptionRecord) {
    const held = this.subs.get(sub.id);
    if (held) return held;
    this.subs.set(sub.id, sub);
    return null;
  }
  async getSubscription(_a: string, id: string) {
    return this.subs.get(id) ?? null;
  }
  async updateSubscription(_a: string, sub: SubscriptionRecord, expected: number) {
    if (this.subs.get(sub.id)?.version !== expected) return false;
    this.subs.set(sub.id, sub);
    return true;
  }
  async setChargedThrough(_a: string, id: string, chargedThrough: string | null) {
    const sub = this.subs.get(id);
    if (sub) this.subs.set(id, { ...sub, chargedThrough });
  }
  async setChargedThroughMany(a: string, updates: readonly { id: string; chargedThrough: string | null }[]) {
    for (const { id, chargedThrough } of updates) await this.setChargedThrough(a, id, chargedThrough);
  }
  async listSubscriptions(_a: string, filter: { customer?: string }, page: PageRequest): Promise<Page<SubscriptionRecord>> {
    this.queries.push(filter);
    const all = [...this.subs.values()].filter((s) => filter.customer === undefined || s.customer === filter.customer);
    const start = Number(page.cursor ?? 0);
    const items = all.slice(start, start + page.limit);
    return { items, next: start + page.limit < all.length ? String(start + page.limit) : null };
  }
}

const customer = (code: string): CustomerRecord =>
  ({ code, name: code, cluster: 'all', currency: 'EUR', billingDay: 1, onHold: false }) as CustomerRecord;

function setUp() {
  const store = new FakeStore();
  const works: ReevaluationWork[] = [];
  const reevaluations = {
    start: async (_a: string, w: readonly ReevaluationWork[]) => {
      works.push(...w);
      return [];
    },
  };
  const catalog = { getCustomer: async (_a: string, code: string) => customer(code), getProductCluster: async () => ({}) as never };
  const now = () => new Date('2026-03-10T00:00:00Z');
  const subscriptions = new SubscriptionService(store, catalog, now, reevaluations);
  const offers = new OfferService(store, catalog, now, reevaluations);
  return { store, works, subscriptions, offers, reader: new SubscriberTermsReader(store) };
}

const talk = {
  catalogue: 'main',
  name: 'Talk',
  currency: 'EUR',
  parameters: { included: 100 },
  charges: [{ id: 'calls', type: 'usage', productCluster: 'voice', model: { type: 'standard', unitPrice: '0.02' } }],
};

const rerate = (...customers: string[]) => ({ kind: 'reevaluate', scope: { customers, followRouting: true } });

describe('re-rating when subscriptions change', () => {
  test('a subscription that takes no part in rating (no usage charge, no parameters) re-rates nothing; a change to an offer that does, does', async () => {
    const t = setUp();
    const plain = {
      catalogue: 'main',
      name: 'Plain',
      currency: 'EUR',
      charges: [{ id: 'base', type: 'recurring', productCluster: 'voice', price: '10', period: 'month', timing: 'in-advance' }],
    };
    await t.offers.putOffer('a', 'plain', plain);
    await t.offers.putOffer('a', 'talk', talk);
    await t.subscriptions.putSubscription('a', 'p1', { customer: 'C1', offer: 'plain', startDate: '2026-01-01' });
    await t.subscriptions.pause('a', 'p1', { effectiveDate: '2026-02-01' });
    expect(t.works).toEqual([]);
    await t.subscriptions.putSubscription('a', 'p2', { customer: 'C2', offer: 'plain', startDate: '2026-01-01', parameters: { included: 5 } });
    expect(t.works).toEqual([rerate('C2')]);
    await t.subscriptions.change('a', 'p1', { effectiveDate: '2026-03-01', offer: 'talk', policy: 'immediate' });
    expect(t.works).toEqual([rerate('C2'), rerate('C1')]);
  });

  test('create, the same PUT again and every operation re-rate the subscriber; a refused PUT does not', async () => {
    const t = setUp();
    await t.offers.putOffer('a', 'talk', talk);
    expect(t.works).toEqual([]); // a new offer has no subscribers
    await t.subscriptions.putSubscription('a', 's1', { customer: 'C1', offer: 'talk', startDate: '2026-01-01' });
    await t.subscriptions.putSubscription('a', 's1', { customer: 'C1', offer: 'talk', startDate: '2026-01-01' });
    await expect(t.subscriptions.putSubscription('a', 's1', { customer: 'C1', offer: 'talk', startDate: '2026-02-01' })).rejects.toThrow(/exists/);
    await t.subscriptions.pause('a', 's1', { effectiveDate: '2026-02-01' });
    await t.subscriptions.resume('a', 's1', { effectiveDate: '2026-02-10' });
    await t.subscriptions.change('a', 's1', { effectiveDate: '2026-02-15', quantity: '2', policy: 'immediate' });
    await expect(t.subscriptions.resume('a', 's1', { effectiveDate: '2026-02-20' })).rejects.toThrow(/not paused/);
    await t.subscriptions.cancel('a', 's1', { effectiveDate: '2026-04-01', policy: 'immediate' });
    expect(t.works).toEqual(Array.from({ length: 6 }, () => rerate('C1')));
  });

  test("a replaced offer re-rates the customers subscribed to it (also through a change of offer), not others'", async () => {
    const t = setUp();
    await t.offers.putOffer('a', 'talk', talk);
    await t.offers.putOffer('a', 'other', { ...talk, name: 'Other' });
    await t.subscriptions.putSubscription('a', 's1', { customer: 'C1', offer: 'talk', startDate: '2026-01-01' });
    await t.subscriptions.putSubscription('a', 's2', { customer: 'C2', offer: 'other', startDate: '2026-01-01' });
    await t.subscriptions.putSubscription('a', 's3', { customer: 'C3', offer: 'other', startDate: '2026-01-01' });
    await t.subscriptions.change('a', 's3', { effectiveDate: '2026-05-01', offer: 'talk', policy: 'immediate' });
    t.works.length = 0;
    await t.offers.putOffer('a', 'talk', { ...talk, parameters: { included: 200 } });
    expect(t.works).toEqual([rerate('C1', 'C3')]);
  });
});

describe('SubscriberTermsReader', () => {
  test("a small account is read in one query; only the named customers' subscriptions count", async () => {
    const t = setUp();
    await t.offers.putOffer('a', 'talk', talk);
    await t.subscriptions.putSubscription('a', 's1', { customer: 'C1', offer: 'talk', startDate: '2026-01-01', parameters: { included: 5 } });
    await t.subscriptions.putSubscription('a', 's2', { customer: 'C2', offer: 'talk', startDate: '2026-01-01' });
    t.store.queries.length = 0;
    const terms = await t.reader.subscriberTerms('a', ['C1', 'NOBODY']);
    expect(t.store.queries).toEqual([{}]);
    expect(terms.rules.map((r) => [r.id, r.customer, r.validFrom, r.validTo])).toEqual([['subscription#s1#talk#calls', 'C1', '2026-01-01', null]]);
    expect(terms.windows).toEqual([{ subscription: 's1', customer: 'C1', from: '2026-01-01', to: null, parameters: { included: '5' } }]);
    expect(await t.reader.subscriberTerms('a', [])).toEqual({ rules: [], windows: [] });
  });

  test('a large account is read customer by customer, with the offers the subscriptions change to', async () => {
    const t = setUp();
    await t.offers.putOffer('a', 'talk', talk);
    await t.offers.putOffer('a', 'plus', { ...talk, name: 'Plus', parameters: { included: 900 } });
    for (let i = 0; i < 205; i++) await t.subscriptions.putSubscription('a', `s${i}`, { customer: `C${i}`, offer: 'talk', startDate: '2026-01-01' });
    await t.subscriptions.change('a', 's7', { effectiveDate: '2026-06-01', offer: 'plus', policy: 'immediate' });
    t.store.queries.length = 0;
    const terms = await t.reader.subscriberTerms('a', ['C7', 'C200']);
    expect(t.store.queries).toEqual([{}, { customer: 'C7' }, { customer: 'C200' }]);
    expect(terms.rules.map((r) => r.id)).toEqual(['subscription#s7#talk#calls', 'subscription#s7#plus#calls', 'subscription#s200#talk#calls']);
    expect(terms.windows.find((w) => w.subscription === 's7' && w.from === '2026-06-01')?.parameters).toEqual({ included: '900' });

    // a chunk of many customers reads the partition page after page instead of one query per customer
    t.store.queries.length = 0;
    const many = await t.reader.subscriberTerms(
      'a',
      Array.from({ length: 120 }, (_, i) => `C${i * 2}`),
    );
    expect(t.store.queries).toEqual([{}, {}]);
    expect(many.rules.filter((r) => r.id.startsWith('subscription#s7#'))).toEqual([]);
    expect(new Set(many.rules.map((r) => r.customer)).size).toBe(103); // C0, C2, … C204: 103 of them subscribe

    const account = await t.reader.accountRules('a');
    expect(account.rules.size).toBe(206);
    expect(account.rules.get('subscription#s7#plus#calls')).toMatchObject({ customer: 'C7', productCluster: 'voice' });
    expect(account.scopes.get('subscription#s7#plus#calls')).toEqual({ 'subscription.included': '900' });
  });
});
