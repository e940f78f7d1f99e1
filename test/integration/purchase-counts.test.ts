import { api, eventually, newAccount, type Account } from './harness';

type Counts = { byStatus: Record<string, number>; byReason: Record<string, number>; total: number };
type ErrorBody = { error: { details: string[] } };

/**
 * `GET /purchase-counts` on the local stack: exact counts by status and reason, as purchases are mapped,
 * re-mapped, invoiced and completed (billing's own updates), within a date range, per account only.
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

  test('every status and reason, zeros included, exactly', async () => {
    expect(await counts()).toEqual({
      byStatus: { unmapped: 3, 'not-invoiced': 3, rated: 4, invoiced: 0, completed: 0 },
      byReason: { 'unknown-customer': 2, 'unknown-product': 1, 'future-date': 1, 'no-price-rule': 1, 'on-hold': 1 },
      total: 10,
    });
  });

  test('from inclusive, to exclusive on purchaseDate, for mapped and unmapped purchases alike', async () => {
    const october = await counts('?from=2026-10-01&to=2026-11-01');
    expect(october).toMatchObject({ byStatus: { unmapped: 2, 'not-invoiced': 2, rated: 3 }, total: 7 });
    const september = await counts('?from=2026-09-01&to=2026-10-01');
    expect(september).toMatchObject({ byStatus: { unmapped: 1, rated: 1 }, byReason: { 'unknown-customer': 1 }, total: 2 });
    // r2 is dated 2026-10-31T23:59:59Z: inside October, outside from the last second on
    expect((await counts('?from=2026-10-31T23:59:59Z')).byStatus.rated).toBe(1);
    expect((await counts('?to=2026-10-31T23:59:59Z')).byStatus.rated).toBe(3);
    const bad = await api('GET', path('/purchase-counts?from=yesterday'), undefined, acct.key);
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.details).toEqual([expect.stringMatching(/^from: /)]);
  });

  test('a re-mapped purchase moves from unmapped; invoicing and approval move the counts too', async () => {
    // NOBODY appears: u1 and u2 are re-mapped and rated in the background
    await put('/customers/NOBODY', { name: 'Now somebody', cluster: 'all', currency: 'EUR' });
    await eventually(async () => {
      expect((await counts()).byStatus).toMatchObject({ unmapped: 1, rated: 6 });
    }, 45_000);

    const started = await api('POST', path('/billing-cycles'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key);
    expect(started.status).toBe(202);
    const id = (started.body as { id: string }).id;
    await eventually(async () => {
      const cycle = (await api('GET', path(`/billing-cycles/${id}`), undefined, acct.key)).body as { status: string };
      if (cycle.status !== 'completed') throw new Error(`cycle is ${cycle.status}`);
    }, 90_000);
    // October: r1, r2 (C1), r3 (C2), u1 (NOBODY) go on drafts; r4 and u2 are September's
    const afterCycle = await counts();
    expect(afterCycle.byStatus).toMatchObject({ rated: 2, invoiced: 4, completed: 0 });

    const invoices = (await api('GET', path('/invoices?customer=C1&periodStart=2026-10-01'), undefined, acct.key)).body as {
      items: { id: string }[];
    };
    const approved = await api('POST', path(`/invoices/${invoices.items[0]!.id}/approve`), undefined, acct.key);
    expect(approved.status).toBe(200);
    const final = await counts();
    expect(final.byStatus).toEqual({ unmapped: 1, 'not-invoiced': 3, rated: 2, invoiced: 2, completed: 2 });
    expect(final.total).toBe(10);
  });

  test("a viewer may count; another account's key gets a 404 and its own account counts nothing of this one", async () => {
    const viewer = ((await api('POST', path('/keys'), { role: 'viewer' }, acct.key)).body as { key: string }).key;
    expect((await counts('', viewer)).total).toBe(10);
    const other = await newAccount();
    expect((await api('GET', path('/purchase-counts'), undefined, other.key)).status).toBe(404);
    const own = (await api('GET', `/v1/accounts/${other.id}/purchase-counts`, undefined, other.key)).body as Counts;
    expect(own.total).toBe(0);
  });
});
