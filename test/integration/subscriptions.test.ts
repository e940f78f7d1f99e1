import { api, newAccount, type Account } from './harness';

/**
 * Catalogues, offers and subscriptions over HTTP on the local stack (docs/api.md "Catalogue, offers,
 * subscriptions"): saves checked field by field, idempotent subscription PUTs, currency checks, the
 * operations with effective dates and the status they lead to, roles, and hostile ids.
 */

type ErrorBody = { error: { code: string; message: string; details: string[] } };
type Subscription = {
  id: string;
  customer: string;
  offer: string;
  quantity: string;
  startDate: string;
  endDate: string | null;
  status: string;
  chargedThrough: string | null;
  history: { type: string; effectiveDate: string; appliesFrom?: string; policy?: string }[];
};
type List<T> = { items: T[]; next: string | null };

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const basic = {
  catalogue: 'main',
  name: 'Basic',
  currency: 'EUR',
  parameters: { includedMinutes: 100 },
  charges: [
    {
      id: 'base',
      type: 'recurring',
      productCluster: 'plans',
      price: '24.95',
      period: 'month',
      timing: 'in-advance',
      floorPrice: '20',
      maxDiscount: 10,
    },
    { id: 'setup', type: 'one-off', productCluster: 'plans', price: '50.00' },
    { id: 'calls', type: 'usage', productCluster: 'voice', model: { type: 'standard', unitPrice: '0.10' }, scope: 'period' },
    { id: 'commit', type: 'minimum', amount: '100.00' },
  ],
};

describe('subscriptions: catalogues, offers, subscriptions and their operations', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = (p: string, body: unknown, key = acct.key) => api('PUT', path(p), body, key);
  const post = (p: string, body: unknown, key = acct.key) => api('POST', path(p), body, key);
  const get = (p: string, key = acct.key) => api('GET', path(p), undefined, key);

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customers/C1', { name: 'One', cluster: 'all', currency: 'EUR' });
    await put('/customers/USD1', { name: 'Dollar', cluster: 'all', currency: 'USD' });
    await put('/product-clusters/plans', { name: 'Plans', aliases: [] });
    await put('/product-clusters/voice', { name: 'Voice', aliases: [] });
    expect((await put('/catalogues/main', { name: 'Main', description: 'Everything' })).status).toBe(201);
    expect((await put('/offers/basic', basic)).status).toBe(201);
    expect((await put('/offers/pro', { ...basic, name: 'Pro', trialDays: 14 })).status).toBe(201);
  });

  test('catalogues and offers: PUT creates (201) then replaces (200); GET and lists, by catalogue', async () => {
    expect((await put('/catalogues/main', { name: 'Main' })).status).toBe(200);
    expect((await get('/catalogues/main')).body).toMatchObject({ id: 'main', name: 'Main', description: null });
    expect((await put('/catalogues/other', { name: 'Other' })).status).toBe(201);
    expect((await put('/offers/other-1', { ...basic, catalogue: 'other' })).status).toBe(201);
    expect((await put('/offers/basic', basic)).status).toBe(200);

    const offer = (await get('/offers/basic')).body;
    expect(offer).toMatchObject({
      id: 'basic',
      catalogue: 'main',
      currency: 'EUR',
      trialDays: 0,
      parameters: { includedMinutes: '100' },
      charges: [
        { id: 'base', price: '24.95', prices: null, listPrice: '24.95', floorPrice: '20', maxDiscount: '10', period: 'month', timing: 'in-advance' },
        { id: 'setup', type: 'one-off', price: '50' },
        { id: 'calls', type: 'usage', model: { type: 'standard', unitPrice: '0.1' }, scope: 'period' },
        { id: 'commit', type: 'minimum', amount: '100' },
      ],
    });
    const all = (await get('/offers')).body as List<{ id: string }>;
    expect(all.items.map((o) => o.id)).toEqual(['basic', 'other-1', 'pro']);
    const ofOther = (await get('/offers?catalogue=other')).body as List<{ id: string }>;
    expect(ofOther.items.map((o) => o.id)).toEqual(['other-1']);
    expect(((await get('/catalogues')).body as List<{ id: string }>).items.map((c) => c.id)).toEqual(['main', 'other']);
    expect((await get('/offers/nope')).status).toBe(404);
  });

  test('an offer: every bad field named, references checked (400)', async () => {
    const bad = await put('/offers/bad', {
      ...basic,
      trialDays: 1.5,
      charges: [
        {
          id: 'base',
          type: 'recurring',
          productCluster: 'plans',
          price: '10',
          prices: [{ validFrom: '2026-01-01', price: '1' }],
          period: 'month',
          timing: 'soon',
        },
        { id: 'base', type: 'one-off', productCluster: 'plans', price: '-5' },
        { id: 'calls', type: 'usage', productCluster: 'voice', model: { type: 'graduated', tiers: [] } },
        { id: 'x', type: 'one-off', productCluster: 'plans', price: '5', floorPrice: '6', approvalAbove: '101' },
      ],
    });
    expect(bad.status).toBe(400);
    const details = (bad.body as ErrorBody).error.details;
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^trialDays: /),
        expect.stringMatching(/^charges\.0\.timing: /),
        'charges.1.price: must not be negative',
        expect.stringMatching(/^charges\.2\.model\.tiers/),
        'charges.3.approvalAbove: must be a percentage from 0 to 100',
      ]),
    );
    const dated = await put('/offers/bad', {
      ...basic,
      charges: [
        {
          id: 'base',
          type: 'recurring',
          productCluster: 'plans',
          prices: [
            { validFrom: '2026-03-01', price: '30' },
            { validFrom: '2026-01-01', price: '60' },
          ],
          period: 'year',
          timing: 'in-arrears',
        },
        { id: 'base', type: 'minimum', amount: '1' },
      ],
    });
    expect((dated.body as ErrorBody).error.details).toEqual([
      'charges.0.prices.1.validFrom: must be after prices.0.validFrom (2026-03-01)',
      "charges.1.id: charge 'base' is also charges.0; charge ids are unique within an offer",
    ]);
    const refs = await put('/offers/bad', {
      ...basic,
      catalogue: 'nowhere',
      charges: [{ id: 'a', type: 'one-off', productCluster: 'ghost', price: '1' }],
    });
    expect(refs.status).toBe(400);
    expect((refs.body as ErrorBody).error.details).toEqual([
      "catalogue: catalogue 'nowhere' does not exist",
      "charges.0.productCluster: product cluster 'ghost' does not exist",
    ]);
    expect((await get('/offers/bad')).status).toBe(404);
  });

  test('PUT /subscriptions: created 201, the same body again 200 unchanged, another body 409 subscription_exists', async () => {
    const body = { customer: 'C1', offer: 'basic', startDate: '2020-01-15', parameters: { seats: 3 } };
    const first = await put('/subscriptions/s-idem', body);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: 's-idem',
      customer: 'C1',
      offer: 'basic',
      quantity: '1',
      startDate: '2020-01-15',
      endDate: null,
      status: 'active',
      chargedThrough: null,
      parameters: { seats: '3' },
      prices: null,
      history: [],
    });
    const again = await put('/subscriptions/s-idem', { ...body, quantity: '1.00' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await put('/subscriptions/s-idem', { ...body, quantity: '2' });
    expect(other.status).toBe(409);
    expect((other.body as ErrorBody).error.code).toBe('subscription_exists');
    expect(((await get('/subscriptions/s-idem')).body as Subscription).quantity).toBe('1');

    // concurrent creates of one id with different bodies: exactly one wins, the others are 409
    const racers = await Promise.all(['1', '2', '3', '4'].map((q) => put('/subscriptions/s-race', { ...body, quantity: q })));
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  test('references and currency: unknown customer or offer 400, an offer in another currency 409 currency_mismatch', async () => {
    const unknown = await put('/subscriptions/s-bad', { customer: 'C404', offer: 'ghost', startDate: '2026-01-01' });
    expect(unknown.status).toBe(400);
    expect((unknown.body as ErrorBody).error.details).toEqual(["customer: customer 'C404' does not exist", "offer: offer 'ghost' does not exist"]);
    const mismatch = await put('/subscriptions/s-usd', { customer: 'USD1', offer: 'basic', startDate: '2026-01-01' });
    expect(mismatch.status).toBe(409);
    expect((mismatch.body as ErrorBody).error).toMatchObject({ code: 'currency_mismatch', details: [expect.stringMatching(/^offer: .*EUR.*USD/)] });
    const fields = await put('/subscriptions/s-bad', { customer: 'C1', offer: 'basic', startDate: '2026-02-30', quantity: '-1' });
    expect((fields.body as ErrorBody).error.details).toEqual(
      expect.arrayContaining(['startDate: not a calendar date (YYYY-MM-DD)', 'quantity: must be a decimal greater than 0']),
    );
    expect((await get('/subscriptions/s-bad')).status).toBe(404);
  });

  test('status as of today: pending, trial, active, ended', async () => {
    await put('/subscriptions/s-future', { customer: 'C1', offer: 'basic', startDate: day(30) });
    await put('/subscriptions/s-trial', { customer: 'C1', offer: 'pro', startDate: day(-3) });
    await put('/subscriptions/s-ended', { customer: 'C1', offer: 'basic', startDate: '2020-01-01', endDate: '2021-01-01' });
    expect(((await get('/subscriptions/s-future')).body as Subscription).status).toBe('pending');
    expect(((await get('/subscriptions/s-trial')).body as Subscription).status).toBe('trial');
    expect(((await get('/subscriptions/s-ended')).body as Subscription).status).toBe('ended');
    const late = await post('/subscriptions/s-ended/pause', { effectiveDate: '2021-02-01' });
    expect(late.status).toBe(409);
    expect((late.body as ErrorBody).error.code).toBe('subscription_ended');
  });

  test('pause and resume with effective dates; transitions refused with 409, dates before the start 400', async () => {
    await put('/subscriptions/s-pause', { customer: 'C1', offer: 'basic', startDate: '2020-01-15' });
    const paused = await post('/subscriptions/s-pause/pause', { effectiveDate: day(-10) });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'paused', history: [{ type: 'pause', effectiveDate: day(-10) }] });
    expect(((await post('/subscriptions/s-pause/pause', { effectiveDate: day(-5) })).body as ErrorBody).error.code).toBe('subscription_paused');
    const early = await post('/subscriptions/s-pause/resume', { effectiveDate: '2019-12-01' });
    expect(early.status).toBe(400);
    expect((early.body as ErrorBody).error.details).toEqual(["effectiveDate: must not be before the subscription's startDate (2020-01-15)"]);
    // a resume in the future: still paused today
    const resumed = await post('/subscriptions/s-pause/resume', { effectiveDate: day(5) });
    expect(resumed.body).toMatchObject({ status: 'paused', history: [{ type: 'pause' }, { type: 'resume', effectiveDate: day(5) }] });
    expect(((await post('/subscriptions/s-pause/resume', { effectiveDate: day(6) })).body as ErrorBody).error.code).toBe('subscription_not_paused');
    expect((await post('/subscriptions/s-pause/pause', { effectiveDate: 'tomorrow' })).status).toBe(400);
    expect((await post('/subscriptions/s-nope/pause', { effectiveDate: day(0) })).status).toBe(404);
  });

  test('changes: immediate quantity change, end-of-term offer change; concurrent operations are all kept', async () => {
    await put('/subscriptions/s-change', { customer: 'C1', offer: 'basic', startDate: '2020-01-15' });
    const seats = await post('/subscriptions/s-change/changes', { effectiveDate: day(-1), quantity: '5', policy: 'immediate' });
    expect(seats.status).toBe(200);
    expect(seats.body).toMatchObject({ offer: 'basic', quantity: '5' });
    const upgrade = await post('/subscriptions/s-change/changes', { effectiveDate: day(0), offer: 'pro', policy: 'end-of-term' });
    const entry = (upgrade.body as Subscription).history[1]!;
    expect(entry).toMatchObject({ type: 'change', policy: 'end-of-term', offer: 'pro', quantity: null });
    // billing day 1, monthly terms: the next first of a month
    expect(entry.appliesFrom).toMatch(/^\d{4}-\d{2}-01$/);
    expect(entry.appliesFrom! > day(0)).toBe(true);
    expect((upgrade.body as Subscription).offer).toBe('basic');
    expect(((await post('/subscriptions/s-change/changes', { effectiveDate: day(0), policy: 'immediate' })).body as ErrorBody).error.details).toEqual(
      ['offer: a change needs an offer, a quantity or both'],
    );
    await put('/offers/usd', { ...basic, currency: 'USD' });
    const usd = await post('/subscriptions/s-change/changes', { effectiveDate: day(0), offer: 'usd', policy: 'immediate' });
    expect([usd.status, (usd.body as ErrorBody).error.code]).toEqual([409, 'currency_mismatch']);

    // ten concurrent quantity changes: none is lost (optimistic concurrency on the version)
    const changes = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post('/subscriptions/s-change/changes', { effectiveDate: day(-2), quantity: String(i + 10), policy: 'immediate' }),
      ),
    );
    expect(changes.map((c) => c.status)).toEqual(Array(10).fill(200));
    expect(((await get('/subscriptions/s-change')).body as Subscription).history).toHaveLength(12);
  });

  test('cancel: immediate ends today, end-of-term at the end of the term; nothing after a cancellation', async () => {
    await put('/subscriptions/s-cancel', { customer: 'C1', offer: 'basic', startDate: '2020-01-15' });
    const cancelled = await post('/subscriptions/s-cancel/cancel', { effectiveDate: day(0), policy: 'immediate' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', history: [{ type: 'cancel', policy: 'immediate', appliesFrom: day(0) }] });
    expect(((await post('/subscriptions/s-cancel/pause', { effectiveDate: day(1) })).body as ErrorBody).error.code).toBe('subscription_cancelled');
    expect(((await post('/subscriptions/s-cancel/cancel', { effectiveDate: day(-1), policy: 'immediate' })).body as ErrorBody).error.code).toBe(
      'subscription_cancelled',
    );

    await put('/subscriptions/s-eot', { customer: 'C1', offer: 'basic', startDate: '2020-01-15' });
    const eot = await post('/subscriptions/s-eot/cancel', { effectiveDate: day(0), policy: 'end-of-term' });
    expect(eot.body).toMatchObject({ status: 'active', history: [{ type: 'cancel', policy: 'end-of-term' }] });
    expect((await post('/subscriptions/s-eot/cancel', { effectiveDate: day(0), policy: 'later' })).status).toBe(400);
  });

  test('lists: by customer and by status, paged with sealed cursors', async () => {
    await put('/customers/C2', { name: 'Two', cluster: 'all', currency: 'EUR' });
    for (const id of ['l1', 'l2', 'l3']) await put(`/subscriptions/${id}`, { customer: 'C2', offer: 'basic', startDate: '2020-01-01' });
    await put('/subscriptions/l4', { customer: 'C2', offer: 'basic', startDate: day(100) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await get(`/subscriptions?customer=C2&status=active&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`))
        .body as List<Subscription>;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(['l1', 'l2', 'l3']);
    expect(((await get('/subscriptions?customer=C2&status=pending')).body as List<Subscription>).items.map((s) => s.id)).toEqual(['l4']);
    const paused = ((await get('/subscriptions?status=paused')).body as List<Subscription>).items.map((s) => s.id);
    expect(paused).toEqual(['s-pause']);
    expect((await get('/subscriptions?status=sleeping')).status).toBe(400);
    const first = (await get('/subscriptions?customer=C2&limit=1')).body as List<Subscription>;
    expect((await get(`/subscriptions?customer=C1&cursor=${encodeURIComponent(first.next!)}`)).status).toBe(400);
  });

  test('roles: a viewer reads but cannot write (403); another account sees nothing (404)', async () => {
    const viewer = ((await api('POST', `/v1/accounts/${acct.id}/keys`, { role: 'viewer' }, acct.key)).body as { key: string }).key;
    expect((await get('/subscriptions/s-idem', viewer)).status).toBe(200);
    expect((await get('/offers', viewer)).status).toBe(200);
    expect((await put('/catalogues/v', { name: 'V' }, viewer)).status).toBe(403);
    expect((await put('/offers/v', basic, viewer)).status).toBe(403);
    expect((await put('/subscriptions/v', { customer: 'C1', offer: 'basic', startDate: '2026-01-01' }, viewer)).status).toBe(403);
    expect((await post('/subscriptions/s-idem/pause', { effectiveDate: day(0) }, viewer)).status).toBe(403);
    const billing = ((await api('POST', `/v1/accounts/${acct.id}/keys`, { role: 'billing' }, acct.key)).body as { key: string }).key;
    expect((await put('/catalogues/b', { name: 'B' }, billing)).status).toBe(201);

    const stranger = await newAccount();
    expect((await api('GET', path('/subscriptions/s-idem'), undefined, stranger.key)).status).toBe(404);
    expect((await api('GET', `/v1/accounts/${stranger.id}/subscriptions/s-idem`, undefined, stranger.key)).status).toBe(404);
  });

  test('hostile ids are stored as given and stay inside their account', async () => {
    const ids = ['../main', 'a/b', '%2F..', 'ü.ñ', 'x y'];
    const stranger = await newAccount();
    for (const id of ids) {
      const enc = encodeURIComponent(id);
      expect((await put(`/catalogues/${enc}`, { name: id })).status).toBe(201);
      expect((await put(`/offers/${enc}`, { ...basic, catalogue: id })).status).toBe(201);
      const created = await put(`/subscriptions/${enc}`, { customer: 'C1', offer: id, startDate: '2020-01-01' });
      expect([created.status, (created.body as Subscription).id, (created.body as Subscription).offer]).toEqual([201, id, id]);
      expect(((await get(`/offers?catalogue=${enc}`)).body as List<{ id: string }>).items.map((o) => o.id)).toEqual([id]);
      expect((await api('GET', `/v1/accounts/${stranger.id}/subscriptions/${enc}`, undefined, stranger.key)).status).toBe(404);
      expect((await api('GET', `/v1/accounts/${stranger.id}/offers/${enc}`, undefined, stranger.key)).status).toBe(404);
    }
    expect(((await get(`/subscriptions/${encodeURIComponent('../main')}`)).body as Subscription).id).toBe('../main');
    expect(((await api('GET', `/v1/accounts/${stranger.id}/subscriptions`, undefined, stranger.key)).body as List<Subscription>).items).toEqual([]);
    expect((await put(`/subscriptions/${encodeURIComponent('bad#id')}`, { customer: 'C1', offer: 'basic', startDate: '2020-01-01' })).status).toBe(
      400,
    );
  });
});
