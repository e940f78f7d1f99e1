import { api, eventually, newAccount, type Account } from './harness';

/**
 * Which draft a purchase reads as on, over HTTP on the local stack (DraftedPurchases behind
 * `GET /purchases/{reference}` and `GET /purchases?status=…`). A cycle writes nothing on the purchases it
 * drafts: a rated purchase reads `invoiced` while a draft of its payer names it, at its current version, in
 * its rows file. A purchase re-rated by a rule change reads as the regenerated draft says; approval
 * completes the stored purchases.
 */

type Purchase = { reference: string; status: string; invoice: string | null; amount: string | null; billedTo: string | null };
type Invoice = { id: string; customer: string; status: string; total: string; creditOf: string | null };
type Cycle = { id: string; status: string; run: number; report: { errors: { count: number } } };

describe('purchases read as on their drafts over HTTP', () => {
  let acct: Account;
  let cycleId: string;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const get = async <T>(p: string) => {
    const res = await api('GET', path(p), undefined, acct.key);
    if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  const put = async (p: string, body: unknown) => {
    const res = await api('PUT', path(p), body, acct.key);
    if (res.status >= 300) throw new Error(`PUT ${p}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  /** `GET /purchases?status=…` paged two at a time (so that the pages' cursors are crossed): reference → `status invoice`. */
  const listed = async (status: string) => {
    const out: Record<string, string> = {};
    let cursor: string | null = null;
    do {
      const page: { items: Purchase[]; next: string | null } = await get(
        `/purchases?status=${status}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      for (const p of page.items) out[p.reference] = `${p.status} ${p.invoice}`;
      cursor = page.next;
    } while (cursor);
    return out;
  };
  const draftOf = async (customer: string) => {
    const items = (await get<{ items: Invoice[] }>(`/invoices?customer=${customer}&periodStart=2026-10-01`)).items.filter((i) => i.creditOf === null);
    expect(items).toHaveLength(1);
    return items[0]!;
  };
  /** The cycle completed at run `run` or later (a re-evaluation in several parts may regenerate more than once). */
  const cycleAt = (run: number) =>
    eventually(async () => {
      const c = await get<Cycle>(`/billing-cycles/${cycleId}`);
      if (c.status !== 'completed' || c.run < run) throw new Error(`cycle is ${c.status} (run ${c.run})`);
      return c;
    }, 25_000);
  const voice = (reference: string, customerCode: string, quantity: string, purchaseDate = '2026-10-10') => ({
    reference,
    customerCode,
    productLabel: 'voice-min',
    quantity,
    purchaseDate,
  });

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customer-clusters/vip', { name: 'VIP', parent: 'all' });
    await put('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
    await put('/price-rules/voice', {
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice: '0.10' },
    });
    await put('/customers/C1', { name: 'One', cluster: 'all', currency: 'EUR' });
    await put('/customers/C2', { name: 'Two', cluster: 'vip', currency: 'EUR' }); // priced by `voice` until a VIP rule exists
    await put('/customers/K1', { name: 'Kid', cluster: 'all', currency: 'EUR', parent: 'C1', invoicing: 'parent' });
    const purchases = [
      voice('p-c1', 'C1', '10'),
      voice('p-c2', 'C2', '20'),
      voice('p-k1', 'K1', '30'),
      voice('p-sep', 'C1', '40', '2026-09-20'), // September: no cycle of its period
      voice('p-zz', 'ZZ', '1'), // unknown customer
    ];
    expect((await api('POST', path('/purchases'), { purchases }, acct.key)).status).toBe(202);
    await eventually(async () => {
      for (const p of purchases) {
        const stored = await get<Purchase>(`/purchases/${p.reference}`);
        if (stored.status !== (p.customerCode === 'ZZ' ? 'unmapped' : 'rated')) throw new Error(`${p.reference} is ${stored.status}`);
      }
    });
    const started = await api('POST', path('/billing-cycles'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key);
    expect(started.status).toBe(202);
    cycleId = (started.body as { id: string }).id;
    expect((await cycleAt(1)).report.errors.count).toBe(0);
  });

  test("after the cycle: status=invoiced lists exactly the drafted purchases (K1's on its parent's draft), status=rated the others", async () => {
    const c1 = await draftOf('C1');
    const c2 = await draftOf('C2');
    expect(c1).toMatchObject({ status: 'draft', total: '4.00' }); // (10 + 30) × 0.10
    expect(await listed('invoiced')).toEqual({ 'p-c1': `invoiced ${c1.id}`, 'p-c2': `invoiced ${c2.id}`, 'p-k1': `invoiced ${c1.id}` });
    expect(await listed('rated')).toEqual({ 'p-sep': 'rated null' });
    expect(await get<Purchase>('/purchases/p-k1')).toMatchObject({ status: 'invoiced', invoice: c1.id, billedTo: 'K1' });
    expect(await get<Purchase>('/purchases/p-zz')).toMatchObject({ status: 'unmapped', invoice: null });
  });

  test('a rule change re-rates one purchase: it reads invoiced on the regenerated draft at its new price; approval completes the others', async () => {
    const before = await draftOf('C2');
    // Act: a VIP rule, more specific for C2: the re-evaluation re-rates p-c2 and the late purchase regenerates October
    await put('/price-rules/voice-vip', {
      productCluster: 'voice',
      customerCluster: 'vip',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice: '0.25' },
    });
    await cycleAt(2);
    // Assess: read as the regenerated draft says (20 × 0.25)
    const after = await eventually(async () => {
      const draft = await draftOf('C2');
      expect(draft.total).toBe('5.00');
      return draft;
    }, 25_000);
    expect(after.id).toBe(before.id);
    const c1 = await draftOf('C1');
    expect(await get<Purchase>('/purchases/p-c2')).toMatchObject({ status: 'invoiced', invoice: after.id, amount: '5' });
    expect(await listed('invoiced')).toEqual({ 'p-c1': `invoiced ${c1.id}`, 'p-c2': `invoiced ${after.id}`, 'p-k1': `invoiced ${c1.id}` });

    // Act: approve C1's draft
    const approved = await api('POST', path(`/invoices/${c1.id}/approve`), undefined, acct.key);
    expect(approved.status).toBe(200);
    // Assess: its purchases are completed on it (stored, so also listed as completed); C2's is still on its draft
    for (const reference of ['p-c1', 'p-k1'])
      expect(await get<Purchase>(`/purchases/${reference}`)).toMatchObject({ status: 'completed', invoice: c1.id });
    expect(await listed('completed')).toEqual({ 'p-c1': `completed ${c1.id}`, 'p-k1': `completed ${c1.id}` });
    expect(await listed('invoiced')).toEqual({ 'p-c2': `invoiced ${after.id}` });
    expect(await listed('rated')).toEqual({ 'p-sep': 'rated null' });
  });
});
