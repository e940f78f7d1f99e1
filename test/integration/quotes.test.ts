import { api, baseUrl, newAccount, type Account } from './harness';

/**
 * Quotes over HTTP on the local stack (docs/api.md "Quotes"): versions, pricing of lines, submit →
 * approved / pending-approval / 409 below_floor, approval by an admin key only, accept into a subscription
 * with the quoted unit prices (once, also when raced and retried), expiry, lists and the PDF.
 */

type ErrorBody = { error: { code: string; message: string; details: string[] } };
type Line = { charge: string; quantity: string; listPrice: string; discount: string; unitPrice: string; amount: string };
type Quote = { id: string; version: number; status: string; lines: Line[]; total: string; currency: string; subscription: string | null };
type List<T> = { items: T[]; next: string | null };

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const offer = {
  catalogue: 'main',
  name: 'Team',
  currency: 'EUR',
  charges: [
    {
      id: 'base',
      type: 'recurring',
      productCluster: 'plans',
      price: '24.95',
      period: 'month',
      timing: 'in-advance',
      floorPrice: '18',
      maxDiscount: 25,
      approvalAbove: 10,
    },
    { id: 'setup', type: 'one-off', productCluster: 'plans', price: '50.00', maxDiscount: 100, approvalAbove: 50 },
    { id: 'calls', type: 'usage', productCluster: 'plans', model: { type: 'standard', unitPrice: '0.10' } },
    { id: 'commit', type: 'minimum', amount: '100.00' },
  ],
};

describe('quotes: negotiate, submit, approve, accept into a subscription', () => {
  let acct: Account;
  let billingKey: string;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = (p: string, body: unknown, key = acct.key) => api('PUT', path(p), body, key);
  const post = (p: string, body: unknown = {}, key = acct.key) => api('POST', path(p), body, key);
  const get = (p: string, key = acct.key) => api('GET', path(p), undefined, key);
  const quote = (lines: unknown[], extra: Record<string, unknown> = {}) => ({ customer: 'C1', offer: 'team', validUntil: day(30), lines, ...extra });

  beforeAll(async () => {
    acct = await newAccount();
    billingKey = ((await post('/keys', { role: 'billing' })).body as { key: string }).key;
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customers/C1', { name: 'One GmbH', cluster: 'all', currency: 'EUR' });
    await put('/customers/USD1', { name: 'Dollar', cluster: 'all', currency: 'USD' });
    await put('/product-clusters/plans', { name: 'Plans', aliases: [] });
    await put('/catalogues/main', { name: 'Main' });
    expect((await put('/offers/team', offer)).status).toBe(201);
  });

  test('negotiate: versions, same body unchanged, priced lines; submit → pending-approval; billing key approve → 403; admin approve; accept → 201 subscription with prices; again → same', async () => {
    const v1 = await put('/quotes/q1', quote([{ charge: 'base', quantity: '10' }], { notes: 'first offer' }));
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      id: 'q1',
      version: 1,
      status: 'draft',
      currency: 'EUR',
      total: '249.50',
      lines: [{ charge: 'base', quantity: '10', listPrice: '24.95', discount: '0', unitPrice: '24.95', amount: '249.50' }],
    });
    const same = await put('/quotes/q1', quote([{ charge: 'base', quantity: '10.0' }], { notes: 'first offer' }));
    expect(same.status).toBe(200);
    expect((same.body as Quote).version).toBe(1);

    // 15 % off the base (over approvalAbove 10, within maxDiscount 25), the setup at a negotiated 20
    const v2 = await put(
      '/quotes/q1',
      quote([
        { charge: 'base', quantity: '10', discount: 15 },
        { charge: 'setup', quantity: '10', unitPrice: '20' },
      ]),
    );
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({
      version: 2,
      status: 'draft',
      // 24.95 × 0.85 = 21.2075 (exact), × 10 = 212.075 → 212.08 (one rounding, half-up)
      lines: [
        { charge: 'base', listPrice: '24.95', discount: '15', unitPrice: '21.2075', amount: '212.08' },
        { charge: 'setup', listPrice: '50', discount: '60', unitPrice: '20', amount: '200.00' },
      ],
      total: '412.08',
    });
    const versions = (await get('/quotes/q1/versions')).body as List<Quote>;
    expect(versions.items.map((v) => [v.version, v.status])).toEqual([
      [1, 'draft'],
      [2, 'draft'],
    ]);

    const submitted = await post('/quotes/q1/submit');
    expect(submitted.status).toBe(200);
    expect((submitted.body as Quote).status).toBe('pending-approval');
    expect((await post('/quotes/q1/accept', { startDate: day(1) })).status).toBe(409);

    const byBilling = await post('/quotes/q1/approve', {}, billingKey);
    expect(byBilling.status).toBe(403);
    expect((await post('/quotes/q1/decline', {}, billingKey)).status).toBe(403);
    expect(((await get('/quotes/q1')).body as Quote).status).toBe('pending-approval');
    const approved = await post('/quotes/q1/approve');
    expect(approved.status).toBe(200);
    expect((approved.body as Quote).status).toBe('approved');

    const startDate = day(1);
    const accepted = await post('/quotes/q1/accept', { startDate }, billingKey);
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({
      id: 'q1',
      customer: 'C1',
      offer: 'team',
      quantity: '10',
      startDate,
      status: 'pending',
      prices: { base: '21.2075', setup: '20' },
    });
    expect((await get('/subscriptions/q1')).body).toMatchObject({ prices: { base: '21.2075', setup: '20' } });
    const again = await post('/quotes/q1/accept', { startDate });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(accepted.body);
    const other = await post('/quotes/q1/accept', { startDate, subscription: 'elsewhere' });
    expect(other.status).toBe(409);
    expect((other.body as ErrorBody).error.code).toBe('quote_accepted');
    expect((await get('/subscriptions/elsewhere')).status).toBe(404);

    expect((await get('/quotes/q1')).body).toMatchObject({ status: 'accepted', subscription: 'q1', version: 2 });
    const edit = await put('/quotes/q1', quote([{ charge: 'base', quantity: '10' }]));
    expect(edit.status).toBe(409);
    expect((edit.body as ErrorBody).error.code).toBe('quote_accepted');
    expect((await get('/quotes?customer=C1&status=accepted')).body).toMatchObject({ items: [{ id: 'q1' }] });
  });

  test('within approvalAbove → approved at once; concurrent accepts create exactly one subscription', async () => {
    expect((await put('/quotes/q2', quote([{ charge: 'base', quantity: '2', discount: '10' }]))).status).toBe(201);
    const submitted = await post('/quotes/q2/submit', {}, billingKey);
    expect((submitted.body as Quote).status).toBe('approved');
    expect(((await post('/quotes/q2/submit')).body as Quote).status).toBe('approved');

    const startDate = day(0);
    const racers = await Promise.all(Array.from({ length: 6 }, () => post('/quotes/q2/accept', { startDate, subscription: 's-q2' })));
    expect(racers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    for (const r of racers) expect(r.body).toMatchObject({ id: 's-q2', quantity: '2', prices: { base: '22.455' } });
    const subs = (await get('/subscriptions?customer=C1')).body as List<{ id: string }>;
    expect(subs.items.map((s) => s.id).sort()).toEqual(['q1', 's-q2']);
  });

  test('below_floor names the line (under floorPrice or over maxDiscount); expired quotes read expired and are 409', async () => {
    await put(
      '/quotes/q3',
      quote([
        { charge: 'setup', quantity: '1' },
        { charge: 'base', quantity: '1', unitPrice: '17.99' },
      ]),
    );
    const floor = await post('/quotes/q3/submit');
    expect(floor.status).toBe(409);
    expect((floor.body as ErrorBody).error.code).toBe('below_floor');
    expect((floor.body as ErrorBody).error.details).toEqual([expect.stringMatching(/^lines\.1: unit price 17\.99 .*floor price 18/)]);

    await put('/quotes/q3', quote([{ charge: 'base', quantity: '1', discount: '25.01' }]));
    const over = await post('/quotes/q3/submit');
    expect(over.status).toBe(409);
    expect((over.body as ErrorBody).error.details).toEqual([expect.stringMatching(/^lines\.0: .*maximum discount 25/)]);
    expect(((await get('/quotes/q3')).body as Quote).status).toBe('draft');

    const old = await put('/quotes/q4', quote([{ charge: 'base', quantity: '1' }], { validUntil: day(-1) }));
    expect((old.body as Quote).status).toBe('expired');
    for (const action of ['submit', 'accept']) {
      const r = await post(`/quotes/q4/${action}`, { startDate: day(0) });
      expect(r.status).toBe(409);
      expect((r.body as ErrorBody).error.code).toBe('quote_expired');
    }
    expect((await get('/quotes?status=expired')).body).toMatchObject({ items: [{ id: 'q4' }] });
    // a new version with a later validUntil goes on
    expect(((await put('/quotes/q4', quote([{ charge: 'base', quantity: '1' }]))).body as Quote).status).toBe('draft');
  });

  test('validation: 400 naming the field (unknown charge, usage and minimum charges, discount and unitPrice together, mixed quantities), currency mismatch 409', async () => {
    const bad = async (body: unknown) => {
      const r = await put('/quotes/bad', body);
      expect(r.status).toBe(400);
      return (r.body as ErrorBody).error.details;
    };
    expect(await bad(quote([{ charge: 'nope', quantity: '1' }]))).toEqual([expect.stringMatching(/^lines\.0\.charge: .*no charge 'nope'/)]);
    expect(await bad(quote([{ charge: 'calls', quantity: '1' }]))).toEqual([expect.stringMatching(/^lines\.0\.charge: .*usage charge/)]);
    expect(await bad(quote([{ charge: 'commit', quantity: '1' }]))).toEqual([expect.stringMatching(/^lines\.0\.charge: .*minimum charge/)]);
    expect(await bad(quote([{ charge: 'base', quantity: '1', discount: 5, unitPrice: '20' }]))).toEqual([
      expect.stringMatching(/^lines\.0\.unitPrice/),
    ]);
    expect(
      await bad(
        quote([
          { charge: 'base', quantity: '2' },
          { charge: 'setup', quantity: '1' },
        ]),
      ),
    ).toEqual([expect.stringMatching(/^lines\.1\.quantity/)]);
    expect(await bad(quote([{ charge: 'base', quantity: '1', discount: 101 }]))).toEqual([expect.stringMatching(/^lines\.0\.discount/)]);
    expect(await bad({ ...quote([{ charge: 'base', quantity: '1' }]), validUntil: '2026-02-30' })).toEqual([expect.stringMatching(/^validUntil/)]);
    expect(await bad({ ...quote([{ charge: 'base', quantity: '1' }]), customer: 'ghost' })).toEqual([expect.stringMatching(/^customer/)]);
    const usd = await put('/quotes/bad', quote([{ charge: 'base', quantity: '1' }], { customer: 'USD1' }));
    expect(usd.status).toBe(409);
    expect((usd.body as ErrorBody).error.code).toBe('currency_mismatch');
    expect((await get('/quotes/bad')).status).toBe(404);
  });

  test('decline by an admin; the PDF starts with %PDF; other accounts see nothing', async () => {
    await put('/quotes/q5', quote([{ charge: 'base', quantity: '3', discount: 12 }], { notes: 'Ünïcode notes → fine' }));
    expect(((await post('/quotes/q5/submit')).body as Quote).status).toBe('pending-approval');
    expect(((await post('/quotes/q5/decline')).body as Quote).status).toBe('declined');
    const resubmit = await post('/quotes/q5/submit');
    expect(resubmit.status).toBe(409);
    expect((resubmit.body as ErrorBody).error.code).toBe('quote_declined');
    expect(((await get('/quotes/q5/versions')).body as List<Quote>).items.map((v) => v.status)).toEqual(['declined']);

    const res = await fetch(`${baseUrl()}${path('/quotes/q5/document?format=pdf')}`, { headers: { authorization: `Bearer ${billingKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/pdf');
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 5)
        .toString('latin1'),
    ).toBe('%PDF-');
    expect((await get('/quotes/q5/document?format=csv')).status).toBe(400);

    const other = await newAccount();
    expect((await api('GET', `/v1/accounts/${acct.id}/quotes/q5`, undefined, other.key)).status).toBe(404);
    expect((await api('GET', `/v1/accounts/${other.id}/quotes/q5`, undefined, other.key)).status).toBe(404);
    expect((await api('POST', `/v1/accounts/${acct.id}/quotes/q5/approve`, {}, other.key)).status).toBe(404);
  });
});
