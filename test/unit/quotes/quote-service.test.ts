import type { CustomerRecord } from '../../../shared/catalog/ports';
import { parseOffer, type OfferRecord } from '../../../shared/subscriptions/domain/offer';
import { QuoteService } from '../../../shared/quotes/use-cases/quotes';
import { MemoryQuotes, MemorySubscriptionMaker } from '../../support/memory-quotes';

/** QuoteService on in-memory ports: versioning, concurrent edits and submits, accept once (raced, retried, refused). */

const team: OfferRecord = {
  id: 'team',
  updatedAt: '2026-01-01T00:00:00Z',
  ...parseOffer({
    catalogue: 'main',
    name: 'Team',
    currency: 'EUR',
    charges: [
      { id: 'base', type: 'recurring', productCluster: 'plans', price: '24.95', period: 'month', timing: 'in-advance', approvalAbove: 10 },
      { id: 'setup', type: 'one-off', productCluster: 'plans', price: '50' },
    ],
  }),
};
// a cast: the catalog adds fields to customers; these are the ones quotes read
const customer = {
  code: 'C1',
  name: 'One',
  cluster: 'all',
  currency: 'EUR',
  partnerAccount: null,
  billingDay: 1,
  onHold: false,
  taxRate: null,
  country: null,
  updatedAt: '2026-01-01T00:00:00Z',
} as CustomerRecord;

function setup(today = '2026-02-10') {
  const store = new MemoryQuotes();
  const subscriptions = new MemorySubscriptionMaker();
  const service = new QuoteService(
    store,
    { getOffer: async (_a, id) => (id === 'team' ? team : null) },
    { getCustomer: async (_a, code) => (code === 'C1' ? customer : null) },
    subscriptions,
    () => new Date(`${today}T12:00:00Z`),
  );
  return { store, subscriptions, service };
}

const body = (discount: number, extra: Record<string, unknown> = {}) => ({
  customer: 'C1',
  offer: 'team',
  validUntil: '2026-02-28',
  lines: [
    { charge: 'base', quantity: '5', discount },
    { charge: 'setup', quantity: '5', unitPrice: '10' },
  ],
  ...extra,
});

describe('QuoteService', () => {
  test('PUT: version 1 created, same body unchanged, another body version 2 in draft (an approval is reset); versions keep the status they left with', async () => {
    const { service } = setup();
    expect(await service.putQuote('a', 'q', body(5))).toMatchObject({ created: true, record: { version: 1, status: 'draft' } });
    expect(await service.putQuote('a', 'q', body(5))).toMatchObject({ created: false, record: { version: 1 } });
    expect((await service.submit('a', 'q')).status).toBe('approved');
    expect(await service.putQuote('a', 'q', body(20))).toMatchObject({ created: false, record: { version: 2, status: 'draft' } });
    expect((await service.submit('a', 'q')).status).toBe('pending-approval');
    const versions = await service.listVersions('a', 'q', { limit: 10 });
    expect(versions.items.map((v) => [v.version, v.status])).toEqual([
      [1, 'approved'],
      [2, 'pending-approval'],
    ]);
  });

  test('concurrent edits each become a version; a submit racing an edit decides on the version it wrote over or retries', async () => {
    const { store, service } = setup();
    await service.putQuote('a', 'q', body(5));
    // another edit lands between this PUT's read and its write: this one is written after it, as version 3
    store.beforeWrite = async () => {
      await service.putQuote('a', 'q', body(7));
    };
    expect((await service.putQuote('a', 'q', body(9))).record.version).toBe(3);
    expect((await service.listVersions('a', 'q', { limit: 10 })).items.map((v) => v.lines[0]!.discount)).toEqual(['5', '7', '9']);

    // a submit that read version 3 loses to an edit (version 4, 20 %): it decides again, on version 4
    store.beforeWrite = async () => {
      await service.putQuote('a', 'q', body(20));
    };
    expect(await service.submit('a', 'q')).toMatchObject({ version: 4, status: 'pending-approval' });
  });

  test('accept: claims the quote, creates the subscription with quantity and quoted unit prices; again → same, not a second', async () => {
    const { service, subscriptions } = setup();
    await service.putQuote('a', 'q', body(5));
    await service.submit('a', 'q');
    const first = await service.accept('a', 'q', { startDate: '2026-03-01' });
    expect(first.created).toBe(true);
    expect(subscriptions.made.get('a/q')).toEqual({
      id: 'q',
      terms: { customer: 'C1', offer: 'team', quantity: '5', startDate: '2026-03-01', endDate: null, parameters: {} },
      prices: { base: '23.7025', setup: '10' },
    });
    expect(await service.accept('a', 'q', { startDate: '2026-03-01' })).toMatchObject({ created: false, record: { id: 'q' } });
    await expect(service.accept('a', 'q', { startDate: '2026-04-01' })).rejects.toMatchObject({ code: 'quote_accepted' });
    await expect(service.putQuote('a', 'q', body(6))).rejects.toMatchObject({ code: 'quote_accepted' });
    expect(subscriptions.made.size).toBe(1);
    expect((await service.getQuote('a', 'q')).subscription).toBe('q');
  });

  test('two accepts racing: one claim wins, the other reads it accepted and answers the same subscription', async () => {
    const { store, service, subscriptions } = setup();
    await service.putQuote('a', 'q', body(5));
    await service.submit('a', 'q');
    let inner: Promise<unknown> = Promise.resolve();
    store.beforeWrite = async () => {
      inner = service.accept('a', 'q', { startDate: '2026-03-01', subscription: 's' });
      await inner;
    };
    const outer = await service.accept('a', 'q', { startDate: '2026-03-01', subscription: 's' });
    expect(outer).toMatchObject({ created: false, record: { id: 's' } });
    expect(await inner).toMatchObject({ created: true, record: { id: 's' } });
    expect([...subscriptions.made.keys()]).toEqual(['a/s']);
  });

  test('a claim whose subscription cannot be made is given back (the quote stays approved); a crash after the claim is finished by a retry', async () => {
    const { store, service, subscriptions } = setup();
    await service.putQuote('a', 'q', body(5));
    await service.submit('a', 'q');
    subscriptions.refuse = 'taken';
    await expect(service.accept('a', 'q', { startDate: '2026-03-01', subscription: 'taken' })).rejects.toMatchObject({ code: 'subscription_exists' });
    expect((await service.getQuote('a', 'q')).status).toBe('approved');

    // claimed, then the process stopped before the subscription was made
    const quote = (await store.getQuote('a', 'q'))!;
    await store.updateQuote(
      'a',
      { ...quote, status: 'accepted', acceptance: { subscription: 'q', startDate: '2026-03-01', acceptedAt: 'x' }, revision: quote.revision + 1 },
      quote.revision,
    );
    expect(subscriptions.made.size).toBe(0);
    expect(await service.accept('a', 'q', { startDate: '2026-03-01' })).toMatchObject({ created: true, record: { id: 'q' } });
  });

  test('expiry: past validUntil the quote reads expired and neither submits nor accepts; lists filter by status today', async () => {
    const early = setup('2026-02-10');
    await early.service.putQuote('a', 'q', body(5));
    await early.service.putQuote('a', 'r', body(5, { validUntil: '2026-12-31' }));
    await early.service.submit('a', 'q');
    const late = new QuoteService(
      early.store,
      { getOffer: async () => team },
      { getCustomer: async () => customer },
      early.subscriptions,
      () => new Date('2026-03-01T00:00:00Z'),
    );
    expect((await late.getQuote('a', 'q')).status).toBe('expired');
    await expect(late.accept('a', 'q', { startDate: '2026-03-01' })).rejects.toMatchObject({ code: 'quote_expired' });
    await expect(late.submit('a', 'q')).rejects.toMatchObject({ code: 'quote_expired' });
    expect((await late.listQuotes('a', { status: 'expired' }, { limit: 10 })).items.map((q) => q.id)).toEqual(['q']);
    expect((await late.listQuotes('a', { customer: 'C1', status: 'draft' }, { limit: 10 })).items.map((q) => q.id)).toEqual(['r']);
  });

  test('the document is a PDF', async () => {
    const { service } = setup();
    await service.putQuote('a', 'q', body(5, { notes: 'Thank you' }));
    expect((await service.document('a', 'q')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
