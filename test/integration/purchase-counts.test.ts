import { api, eventually, newAccount, type Account } from './harness';

type Counts = { byStatus: Record<string, number>; byReason: Record<string, number>; total: number };
type ErrorBody = { error: { details: string[] } };

/**
 * `GET /purchase-counts` on the local stack: exact counts of the purchases that wait (unmapped, not-invoiced)
 * by status and reason, as purchases are mapped, re-mapped, released and re-priced, within a date range, per
 * account only; rated, invoiced and completed purchases (billing's own updates) are never counted.
 */
describe('purchase counts over HTTP', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = async (p: string, body: unknown) => {
    const res = await api('PUT', path(p), body, acct.key);
    if (res.status >= 300) throw new Error(`${p}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const counts = async (query = '', key = acct.key) => {
    const res = await api('GET', path(`/purchase-counts${query}`), undefined, key);
    expect(res.status).toBe(200);
    return res.body as Counts;
  };
  const purchase = (reference: string, customerCode: string, productLabel: string, purchaseDate = '2026-10-10') => ({
    reference,
    customerCode,
    productLabel,
    quantity: '10',
    purchaseDate,
  });

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customers/C1', { name: 'One', cluster: 'all', currency: 'EUR' });
    await put('/customers/C2', { name: 'Two', cluster: 'all', currency: 'EUR' });
    await put('/customers/HELD', { name: 'Held', cluster: 'all', currency: 'EUR', onHold: true });
    await put('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
    await put('/product-clusters/fees', { name: 'Fees', aliases: ['fee'] });
    await put('/price-rules/voice', {
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice: '0.10' },
    });
    const sent = await api(
      'POST',
      path('/purchases'),
      {
        purchases: [
          purchase('r1', 'C1', 'voice-min'),
          purchase('r2', 'C1', 'voice-min', '2026-10-31T23:59:59Z'),
          purchase('r3', 'C2', 'voice-min'),
          purchase('r4', 'C2', 'voice-min', '2026-09-15'),
          purchase('u1', 'NOBODY', 'voice-min'),
          purchase('u2', 'NOBODY', 'voice-min', '2026-09-15'),
          purchase('u3', 'C1', 'satellite'),
          purchase('n1', 'C1', 'fee'),
          purchase('h1', 'HELD', 'voice-min'),
          purchase('f1', 'C1', 'voice-min', '2099-01-01'),
        ],
      },
      acct.key,
    );
    expect(sent.status).toBe(202);
    expect((sent.body as { accepted: string[] }).accepted).toHaveLength(10);
  });

  test('both waiting statuses and every reason, zeros included, exactly; the 4 rated purchases are not counted', async () => {
    expect(await counts()).toEqual({
      byStatus: { unmapped: 3, 'not-invoiced': 3 },
      byReason: { 'unknown-customer': 2, 'unknown-product': 1, 'future-date': 1, 'no-price-rule': 1, 'on-hold': 1 },
      total: 6,
    });
  });

  test('from inclusive, to exclusive on purchaseDate, for mapped and unmapped purchases alike', async () => {
    const october = await counts('?from=2026-10-01&to=2026-11-01');
    expect(october).toMatchObject({ byStatus: { unmapped: 2, 'not-invoiced': 2 }, total: 4 });
    const september = await counts('?from=2026-09-01&to=2026-10-01');
    expect(september).toEqual({
      byStatus: { unmapped: 1, 'not-invoiced': 0 },
      byReason: { 'unknown-customer': 1, 'unknown-product': 0, 'future-date': 0, 'no-price-rule': 0, 'on-hold': 0 },
      total: 1,
    });
    // f1 is dated 2099-01-01: inside from that instant on, outside before it
    expect((await counts('?from=2099-01-01')).byReason).toMatchObject({ 'future-date': 1, 'no-price-rule': 0 });
    expect((await counts('?to=2099-01-01')).byReason).toMatchObject({ 'future-date': 0, 'no-price-rule': 1 });
    const bad = await api('GET', path('/purchase-counts?from=yesterday'), undefined, acct.key);
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.details).toEqual([expect.stringMatching(/^from: /)]);
  });

  test('a purchase leaves the counts when it is re-mapped, released or re-priced; invoicing and approval leave them alone', async () => {
    // NOBODY appears: u1 and u2 are re-mapped and rated in the background
    await put('/customers/NOBODY', { name: 'Now somebody', cluster: 'all', currency: 'EUR' });
    await eventually(async () => {
      expect((await counts()).byStatus).toEqual({ unmapped: 1, 'not-invoiced': 3 });
    }, 45_000);
    // HELD is released (h1 is rated) and fees get a price (n1 is rated): only f1 still waits, for its date
    await put('/customers/HELD', { name: 'Held', cluster: 'all', currency: 'EUR', onHold: false });
    await put('/price-rules/fees', { productCluster: 'fees', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '5' } });
    const waiting = {
      byStatus: { unmapped: 1, 'not-invoiced': 1 },
      byReason: { 'unknown-customer': 0, 'unknown-product': 1, 'future-date': 1, 'no-price-rule': 0, 'on-hold': 0 },
      total: 2,
    };
    await eventually(async () => {
      expect(await counts()).toEqual(waiting);
    }, 45_000);
    for (const reference of ['u1', 'h1', 'n1']) {
      const stored = (await api('GET', path(`/purchases/${reference}`), undefined, acct.key)).body as { status: string };
      expect({ reference, status: stored.status }).toEqual({ reference, status: 'rated' });
    }

    const started = await api('POST', path('/billing-cycles'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key);
    expect(started.status).toBe(202);
    const id = (started.body as { id: string }).id;
    await eventually(async () => {
      const cycle = (await api('GET', path(`/billing-cycles/${id}`), undefined, acct.key)).body as { status: string };
      if (cycle.status !== 'completed') throw new Error(`cycle is ${cycle.status}`);
    }, 90_000);
    expect((await api('GET', path('/purchases/r1'), undefined, acct.key)).body).toMatchObject({ status: 'invoiced' });
    expect(await counts()).toEqual(waiting);

    const invoices = (await api('GET', path('/invoices?customer=C1&periodStart=2026-10-01'), undefined, acct.key)).body as {
      items: { id: string }[];
    };
    const approved = await api('POST', path(`/invoices/${invoices.items[0]!.id}/approve`), undefined, acct.key);
    expect(approved.status).toBe(200);
    await eventually(async () => {
      expect((await api('GET', path('/purchases/r1'), undefined, acct.key)).body).toMatchObject({ status: 'completed' });
    }, 30_000);
    expect(await counts()).toEqual(waiting);
  });

  test("a viewer may count; another account's key gets a 404 and its own account counts nothing of this one", async () => {
    const viewer = ((await api('POST', path('/keys'), { role: 'viewer' }, acct.key)).body as { key: string }).key;
    expect((await counts('', viewer)).total).toBe(2);
    const other = await newAccount();
    expect((await api('GET', path('/purchase-counts'), undefined, other.key)).status).toBe(404);
    const own = (await api('GET', `/v1/accounts/${other.id}/purchase-counts`, undefined, other.key)).body as Counts;
    expect(own.total).toBe(0);
  });
});
