import { api, eventually, newAccount, type Account } from './harness';

type Candidate = { priceRule: string; outcome: string; why: string };
type Preview = {
  customer: string | null;
  billedTo: string | null;
  routingRule: string | null;
  productCluster: string | null;
  priceRule: string | null;
  amount: string | null;
  currency: string | null;
  status: string;
  reason: string | null;
  candidates: Candidate[];
};
type ErrorBody = { error: { code: string; details: string[] } };

/**
 * `POST /price-preview` on the local stack: the decision is the pipeline's (the same purchase submitted for
 * real ends with the same rule and amount), every rule is judged, nothing is stored, a viewer may call it.
 */
describe('price preview over HTTP', () => {
  let acct: Account;
  let viewer: string;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = async (p: string, body: unknown) => {
    const res = await api('PUT', path(p), body, acct.key);
    if (res.status >= 300) throw new Error(`${p}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const preview = (body: unknown, key = acct.key) => api('POST', path('/price-preview'), body, key);
  const purchase = { productLabel: 'voice-min', customerCode: 'END-1', quantity: '120', purchaseDate: '2026-10-10' };

  beforeAll(async () => {
    acct = await newAccount();
    viewer = ((await api('POST', path('/keys'), { role: 'viewer' }, acct.key)).body as { key: string }).key;
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customer-clusters/resellers', { name: 'Resellers', parent: 'all' });
    await put('/customer-clusters/reseller-x', { name: 'Reseller X customers', parent: 'all' });
    await put('/customers/END-1', { name: 'End 1', cluster: 'reseller-x', currency: 'EUR' });
    await put('/customers/RESELLER-X', { name: 'Reseller X', cluster: 'resellers', currency: 'EUR' });
    await put('/product-clusters/products', { name: 'All products', aliases: [] });
    await put('/product-clusters/voice', { name: 'Voice', parent: 'products', aliases: ['voice-min'] });
    await put('/product-clusters/data', { name: 'Data', parent: 'products', aliases: ['gb'] });
    // END-1's usage is paid by RESELLER-X, whose cluster the resellers' rules target
    await put('/routing-rules/x-pays', { customerCluster: 'reseller-x', productCluster: 'products', targetCustomer: 'RESELLER-X' });
    const rule = (productCluster: string, unitPrice: string, over: Record<string, unknown> = {}) => ({
      productCluster,
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice },
      ...over,
    });
    await put('/price-rules/voice-resellers', rule('voice', '0.05', { customerCluster: 'resellers' }));
    await put('/price-rules/voice-resellers-promo', rule('voice', '0.01', { customerCluster: 'resellers', priority: 5 }));
    await put('/price-rules/voice-bulk', rule('voice', '0.02', { customerCluster: 'resellers', priority: -1, condition: 'quantity >= 1000' }));
    await put('/price-rules/products', rule('products', '0.10'));
    await put('/price-rules/data', rule('data', '1.00'));
    await put('/price-rules/voice-2025', rule('voice', '0.03', { validFrom: '2025-01-01', validTo: '2026-01-01', customerCluster: 'resellers' }));
  });

  test('routes, picks the rule the pipeline picks and says why each other rule lost', async () => {
    // Act
    const res = await preview(purchase);

    // Assess: 120 × 0.05, paid by the reseller through the routing rule
    expect(res.status).toBe(200);
    const body = res.body as Preview;
    expect(body).toMatchObject({
      customer: 'END-1',
      billedTo: 'RESELLER-X',
      routingRule: 'x-pays',
      productCluster: 'voice',
      priceRule: 'voice-resellers',
      amount: '6',
      currency: 'EUR',
      status: 'rated',
      reason: null,
    });
    const outcome = Object.fromEntries(body.candidates.map((c) => [c.priceRule, c.outcome]));
    expect(outcome).toEqual({
      'voice-resellers': 'wins',
      'voice-resellers-promo': 'lower-priority',
      products: 'less-specific',
      'voice-bulk': 'condition-false',
      'voice-2025': 'not-valid-on-date',
      data: 'other-product-cluster',
    });
    expect(body.candidates[0]!.priceRule).toBe('voice-resellers');
    expect(body.candidates.find((c) => c.priceRule === 'voice-resellers-promo')!.why).toBe(
      "as specific as 'voice-resellers', but priority 5 against its 0 (lower wins)",
    );

    // The same purchase submitted for real is rated alike
    const submitted = await api('POST', path('/purchases'), { purchases: [{ reference: 'real-1', ...purchase }] }, acct.key);
    expect(submitted.status).toBe(202);
    await eventually(async () => {
      const stored = (await api('GET', path('/purchases/real-1'), undefined, acct.key)).body as Preview;
      expect(stored).toMatchObject({ status: 'rated', billedTo: 'RESELLER-X', priceRule: 'voice-resellers', amount: '6' });
    }, 45_000);
  });

  test('a condition that holds wins; metadata and dates reach the condition', async () => {
    const res = await preview({ ...purchase, quantity: 1500, metadata: { msisdn: '316' } });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ priceRule: 'voice-bulk', amount: '30' });
    const outcome = Object.fromEntries((res.body as Preview).candidates.map((c) => [c.priceRule, c.outcome]));
    expect(outcome['voice-resellers']).toBe('lower-priority');
  });

  test('unknown customer and no rule: the reasons the pipeline gives', async () => {
    const unknown = await preview({ ...purchase, customerCode: 'NOBODY' });
    expect(unknown.body).toMatchObject({ status: 'unmapped', reason: 'unknown-customer', priceRule: null, amount: null, candidates: [] });

    await put('/customers/USD-1', { name: 'Dollar', cluster: 'all', currency: 'USD' });
    const usd = await preview({ ...purchase, customerCode: 'USD-1' });
    expect(usd.body).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', billedTo: 'USD-1', priceRule: null });
    expect((usd.body as Preview).candidates.every((c) => c.outcome === 'other-currency')).toBe(true);
  });

  test('a viewer may preview, nothing is stored, bad input names the field', async () => {
    const byViewer = await preview(purchase, viewer);
    expect(byViewer.status).toBe(200);
    expect(byViewer.body).toMatchObject({ priceRule: 'voice-resellers' });
    expect((await api('GET', path('/purchases/price-preview'), undefined, acct.key)).status).toBe(404);

    const bad = await preview({ ...purchase, quantity: 'lots', purchaseDate: 'yesterday' });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.details).toEqual(
      expect.arrayContaining([expect.stringMatching(/^quantity: /), expect.stringMatching(/^purchaseDate: /)]),
    );
    const missing = await preview({ quantity: '1' });
    expect(missing.status).toBe(400);
    expect((missing.body as ErrorBody).error.details).toEqual(
      expect.arrayContaining([expect.stringMatching(/^productLabel: /), expect.stringMatching(/^customerCode: /)]),
    );
    const withReference = await preview({ ...purchase, reference: 'r' });
    expect((withReference.body as ErrorBody).error.details).toEqual([expect.stringMatching(/^reference: /)]);
  });

  test("another account's key cannot preview this account's rules", async () => {
    const other = await newAccount();
    expect((await preview(purchase, other.key)).status).toBe(404);
  });
});
