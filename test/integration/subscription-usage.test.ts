import { api, eventually, newAccount, type Account } from './harness';

/**
 * Subscriptions in rating over HTTP on the local stack (docs/product.md §6): an offer's usage charge prices its
 * subscriber's purchases of the charge's product cluster (and below) on the days the subscription is in
 * service, ahead of every account price rule; offer and subscription parameters are `subscription.<key>` in
 * expressions; creating or changing a subscription re-rates the purchases already rated.
 */

type Purchase = { status: string; reason: string | null; priceRule: string | null; amount: string | null; billedTo: string };

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('subscription usage charges and parameters in rating', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = (p: string, body: unknown) => api('PUT', path(p), body, acct.key);
  const post = (p: string, body: unknown) => api('POST', path(p), body, acct.key);
  const purchase = async (reference: string) => (await api('GET', path(`/purchases/${reference}`), undefined, acct.key)).body as Purchase;
  const buy = async (...rows: [reference: string, label: string, customer: string, quantity: string, date: string][]) => {
    const res = await post('/purchases', {
      purchases: rows.map(([reference, productLabel, customerCode, quantity, purchaseDate]) => ({
        reference,
        productLabel,
        customerCode,
        quantity,
        purchaseDate,
      })),
    });
    expect(res.status).toBe(202);
    expect((res.body as { accepted: string[] }).accepted).toHaveLength(rows.length);
  };

  beforeAll(async () => {
    acct = await newAccount();
    const ok = async (p: string, body: unknown) => expect([200, 201]).toContain((await put(p, body)).status);
    await ok('/customer-clusters/all', { name: 'All' });
    for (const code of ['SUB', 'OTHER', 'LATE']) await ok(`/customers/${code}`, { name: code, cluster: 'all', currency: 'EUR' });
    await ok('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
    await ok('/product-clusters/mobile', { name: 'Mobile voice', parent: 'voice', aliases: ['mobile-min'] });
    await ok('/product-clusters/data', { name: 'Data', aliases: ['gb'] });
    await ok('/product-clusters/plans', { name: 'Plans', aliases: [] });
    await ok('/price-rules/voice-std', {
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2020-01-01',
      model: { type: 'standard', unitPrice: '0.10' },
    });
    await ok('/price-rules/data-included', {
      productCluster: 'data',
      currency: 'EUR',
      validFrom: '2020-01-01',
      model: { type: 'expression', expression: 'max(0, quantity - subscription.included) * 0.5' },
    });
    await ok('/catalogues/main', { name: 'Main' });
    await ok('/offers/talk', {
      catalogue: 'main',
      name: 'Talk',
      currency: 'EUR',
      trialDays: 7,
      parameters: { included: 100 },
      charges: [
        { id: 'base', type: 'recurring', productCluster: 'plans', price: '10', period: 'month', timing: 'in-advance' },
        { id: 'calls', type: 'usage', productCluster: 'voice', model: { type: 'standard', unitPrice: '0.02' }, scope: 'purchase' },
      ],
    });
    expect((await put('/subscriptions/s-sub', { customer: 'SUB', offer: 'talk', startDate: day(-30), parameters: { included: 150 } })).status).toBe(
      201,
    );
    expect((await post('/subscriptions/s-sub/cancel', { effectiveDate: day(-5), policy: 'immediate' })).status).toBe(200);
  });

  test("the subscriber's purchases on its days are priced by the usage charge, ahead of the account rule; others' and later ones are not", async () => {
    await buy(
      ['u-trial', 'voice-min', 'SUB', '100', day(-28)],
      ['u-sub', 'voice-min', 'SUB', '100', day(-20)],
      ['u-mobile', 'mobile-min', 'SUB', '50', day(-20)],
      ['u-after', 'voice-min', 'SUB', '100', day(-2)],
      ['u-other', 'voice-min', 'OTHER', '100', day(-20)],
    );
    const rule = 'subscription#s-sub#talk#calls';
    expect(await purchase('u-trial')).toMatchObject({ status: 'rated', priceRule: rule, amount: '2' });
    expect(await purchase('u-sub')).toMatchObject({ status: 'rated', priceRule: rule, amount: '2' });
    expect(await purchase('u-mobile')).toMatchObject({ status: 'rated', priceRule: rule, amount: '1' });
    expect(await purchase('u-after')).toMatchObject({ status: 'rated', priceRule: 'voice-std', amount: '10' });
    expect(await purchase('u-other')).toMatchObject({ status: 'rated', priceRule: 'voice-std', amount: '10' });
  });

  test('subscription.<key> in an account rule: the subscription overrides the offer; without a subscription it cannot price', async () => {
    await buy(['d-sub', 'gb', 'SUB', '200', day(-20)], ['d-other', 'gb', 'OTHER', '200', day(-20)]);
    expect(await purchase('d-sub')).toMatchObject({ status: 'rated', priceRule: 'data-included', amount: '25' });
    expect(await purchase('d-other')).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', priceRule: null, amount: null });
  });

  test('subscribing after purchases were rated re-rates them; a pause re-rates them again', async () => {
    await buy(['l-1', 'voice-min', 'LATE', '100', day(-10)], ['l-2', 'voice-min', 'LATE', '100', day(-3)]);
    expect(await purchase('l-1')).toMatchObject({ priceRule: 'voice-std', amount: '10' });

    expect((await put('/subscriptions/s-late', { customer: 'LATE', offer: 'talk', startDate: day(-15) })).status).toBe(201);
    const rule = 'subscription#s-late#talk#calls';
    await eventually(async () => {
      expect(await purchase('l-1')).toMatchObject({ status: 'rated', priceRule: rule, amount: '2' });
      expect(await purchase('l-2')).toMatchObject({ status: 'rated', priceRule: rule, amount: '2' });
    }, 15_000);

    expect((await post('/subscriptions/s-late/pause', { effectiveDate: day(-5) })).status).toBe(200);
    await eventually(async () => {
      expect(await purchase('l-2')).toMatchObject({ priceRule: 'voice-std', amount: '10' });
    }, 15_000);
    expect(await purchase('l-1')).toMatchObject({ priceRule: rule, amount: '2' });
  });
});
