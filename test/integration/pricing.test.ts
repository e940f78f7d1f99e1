import { api, eventually, newAccount, type Account } from './harness';

type Purchase = {
  reference: string;
  status: string;
  reason: string | null;
  billedTo: string | null;
  customer: string | null;
  routingRule: string | null;
  priceRule: string | null;
  amount: string | null;
  currency: string | null;
  pricing?: string;
};
type ErrorBody = { error: { code: string; message: string; details: string[] } };

const rule = (productCluster: string, model: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  productCluster,
  currency: 'EUR',
  validFrom: '2026-01-01',
  model,
  ...over,
});

describe('pricing: price rules, routing, re-evaluation over HTTP', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = (p: string, body: unknown) => api('PUT', path(p), body, acct.key);
  const post = (...purchases: Record<string, unknown>[]) => api('POST', path('/purchases'), { purchases }, acct.key);
  const read = async (reference: string) => (await api('GET', path(`/purchases/${reference}`), undefined, acct.key)).body as Purchase;
  const until = (reference: string, expected: Partial<Purchase>) =>
    eventually(async () => {
      const p = await read(reference);
      expect(p).toMatchObject(expected);
      return p;
    }, 45_000);
  const purchase = (reference: string, over: Record<string, unknown> = {}) => ({
    reference,
    productLabel: 'voice-min',
    customerCode: 'END-1',
    quantity: '100',
    purchaseDate: '2026-10-10',
    ...over,
  });

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customer-clusters/nl', { name: 'Netherlands', parent: 'all' });
    await put('/customer-clusters/resellers', { name: 'Resellers', parent: 'all' });
    await put('/customer-clusters/reseller-x', { name: 'Reseller X customers', parent: 'nl' });
    await put('/customers/END-1', { name: 'End 1', cluster: 'reseller-x', currency: 'EUR' });
    await put('/customers/END-2', { name: 'End 2', cluster: 'nl', currency: 'EUR' });
    await put('/customers/RESELLER-X', { name: 'Reseller X', cluster: 'resellers', currency: 'EUR' });
    await put('/product-clusters/products', { name: 'All products', aliases: [] });
    await put('/product-clusters/voice', { name: 'Voice', parent: 'products', aliases: ['voice-min'] });
    await put('/product-clusters/data', { name: 'Data', parent: 'products', aliases: ['gb'] });
  });

  test('rule validation names the bad field; unknown clusters are 400; a twin rule is 409', async () => {
    const bad = await put(
      '/price-rules/bad',
      rule('voice', {
        type: 'graduated',
        tiers: [
          { upTo: '10', unitPrice: '1' },
          { upTo: '5', unitPrice: '1' },
          { upTo: null, unitPrice: '1' },
        ],
      }),
    );
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.details.join(' ')).toMatch(/model\.tiers\.1\.upTo/);
    const price = await put('/price-rules/bad', rule('voice', { type: 'standard', unitPrice: 'x' }));
    expect((price.body as ErrorBody).error.details).toEqual([expect.stringMatching(/^model\.unitPrice: /)]);
    const noCluster = await put('/price-rules/nowhere', rule('satellite', { type: 'standard', unitPrice: '1' }));
    expect(noCluster.status).toBe(400);
    expect((noCluster.body as ErrorBody).error.details).toEqual(["productCluster: product cluster 'satellite' does not exist"]);
    const sandboxEscape = await put(
      '/price-rules/escape',
      rule('voice', { type: 'expression', expression: "constructor.constructor('return process')()" }),
    );
    expect(sandboxEscape.status).toBe(400);

    expect((await put('/price-rules/data-a', rule('data', { type: 'standard', unitPrice: '2' }))).status).toBe(201);
    const twin = await put('/price-rules/data-b', rule('data', { type: 'standard', unitPrice: '3' }));
    expect(twin.status).toBe(409);
    expect((twin.body as ErrorBody).error.code).toBe('ambiguous_price_rules');
    expect((twin.body as ErrorBody).error.message).toContain('data-a');
    expect((await put('/price-rules/data-b', rule('data', { type: 'standard', unitPrice: '3' }, { priority: 1 }))).status).toBe(201);
    const stored = (await api('GET', path('/price-rules/data-a'), undefined, acct.key)).body;
    expect(stored).toMatchObject({
      id: 'data-a',
      productCluster: 'data',
      scope: 'purchase',
      priority: 0,
      model: { type: 'standard', unitPrice: '2' },
    });
  });

  test('a purchase without a rule waits, and is priced by itself when the rule appears', async () => {
    await post(purchase('w-1', { quantity: '0.008', productLabel: 'voice-min', customerCode: 'END-2' }));
    await until('w-1', { status: 'not-invoiced', reason: 'no-price-rule' });
    expect((await put('/price-rules/voice', rule('voice', { type: 'standard', unitPrice: '0.05' }))).status).toBe(201);
    await until('w-1', { status: 'rated', reason: null, priceRule: 'voice', amount: '0.0004', currency: 'EUR' });
  });

  test('the most specific rule wins and re-pricing follows rule changes', async () => {
    await put('/price-rules/voice', rule('voice', { type: 'standard', unitPrice: '0.05' }));
    await post(purchase('s-1'));
    await until('s-1', { priceRule: 'voice', amount: '5' });
    await put('/price-rules/voice-nl', rule('voice', { type: 'standard', unitPrice: '0.04' }, { customerCluster: 'nl' }));
    await until('s-1', { priceRule: 'voice-nl', amount: '4' });
    await put(
      '/price-rules/voice-nl',
      rule(
        'voice',
        {
          type: 'graduated',
          tiers: [
            { upTo: '10', unitPrice: '1', flatFee: '2' },
            { upTo: null, unitPrice: '0.5' },
          ],
        },
        { customerCluster: 'nl' },
      ),
    );
    await until('s-1', { priceRule: 'voice-nl', amount: '57' });
  });

  test('routing: the target pays; overlapping rules are refused naming the rule; moving the customer re-routes', async () => {
    await post(purchase('r-1', { productLabel: 'gb', quantity: '3' }));
    await until('r-1', { billedTo: 'END-1', routingRule: null });
    expect(
      (await put('/routing-rules/x-pays', { customerCluster: 'reseller-x', productCluster: 'products', targetCustomer: 'RESELLER-X' })).status,
    ).toBe(201);
    await until('r-1', { customer: 'END-1', billedTo: 'RESELLER-X', routingRule: 'x-pays', amount: '6' });

    const overlap = await put('/routing-rules/nl-data', { customerCluster: 'nl', productCluster: 'data', targetCustomer: 'END-2' });
    expect(overlap.status).toBe(409);
    expect((overlap.body as ErrorBody).error).toMatchObject({ code: 'routing_overlap', message: expect.stringContaining('x-pays') });
    const unknownTarget = await put('/routing-rules/ghost', { customerCluster: 'resellers', productCluster: 'data', targetCustomer: 'GHOST' });
    expect(unknownTarget.status).toBe(400);

    await put('/customers/END-1', { name: 'End 1', cluster: 'nl', currency: 'EUR' });
    await until('r-1', { billedTo: 'END-1', routingRule: null });
  });

  test('holding a customer keeps its purchases priced but not invoiced, lifting it re-rates them', async () => {
    await post(purchase('h-1', { customerCode: 'END-2' }));
    await until('h-1', { status: 'rated' });
    await put('/customers/END-2', { name: 'End 2', cluster: 'nl', currency: 'EUR', onHold: true });
    await until('h-1', { status: 'not-invoiced', reason: 'on-hold' });
    await put('/customers/END-2', { name: 'End 2', cluster: 'nl', currency: 'EUR', onHold: false });
    await until('h-1', { status: 'rated', reason: null });
  });

  test('period-scoped rules price summed quantities per group in the usage preview', async () => {
    const other = await newAccount();
    const p = (s: string) => `/v1/accounts/${other.id}${s}`;
    await api('PUT', p('/customer-clusters/all'), { name: 'All' }, other.key);
    await api('PUT', p('/customers/C'), { name: 'C', cluster: 'all', currency: 'EUR', taxRate: '21' }, other.key);
    await api('PUT', p('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min'] }, other.key);
    await api(
      'PUT',
      p('/price-rules/bundle'),
      rule(
        'voice',
        {
          type: 'graduated',
          tiers: [
            { upTo: '100', unitPrice: '0' },
            { upTo: null, unitPrice: '0.10' },
          ],
        },
        { scope: 'period', groupBy: 'msisdn' },
      ),
      other.key,
    );
    const cdr = (reference: string, msisdn: string, quantity: string, purchaseDate = '2026-10-05') => ({
      reference,
      productLabel: 'voice-min',
      customerCode: 'C',
      quantity,
      purchaseDate,
      metadata: { msisdn },
    });
    await api(
      'POST',
      p('/purchases'),
      { purchases: [cdr('u-1', 'A', '80'), cdr('u-2', 'A', '50'), cdr('u-3', 'B', '90'), cdr('u-4', 'A', '500', '2026-11-02')] },
      other.key,
    );
    const preview = await eventually(async () => {
      const res = await api('GET', p('/customers/C/usage?periodStart=2026-10-01&periodEnd=2026-11-01'), undefined, other.key);
      const body = res.body as { purchases: number; lines: { group: string; quantity: string; amount: string }[]; subtotal: string };
      expect(body.purchases).toBe(3);
      return body;
    });
    expect(preview.lines.map((l) => [l.group, l.quantity, l.amount])).toEqual([
      ['A', '130', '3.00'],
      ['B', '90', '0.00'],
    ]);
    expect(preview.subtotal).toBe('3.00');
    const purchase = (await api('GET', p('/purchases/u-1'), undefined, other.key)).body as Purchase;
    expect(purchase).toMatchObject({ status: 'rated', priceRule: 'bundle', amount: null, pricing: 'period' });
    expect((await api('GET', p('/customers/C/usage?periodStart=2026-11-01'), undefined, other.key)).status).toBe(400);
  });
});
