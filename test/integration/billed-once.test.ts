import { eventually, inAccount, newAccount, type Account } from './harness';

/**
 * A purchase with an endDate owes a share to each period it covers (docs/product.md §2): approved on
 * October's invoice, it still owes November's share, billed once by November's cycle, also when that
 * cycle is regenerated; October's regeneration bills nothing twice.
 */

type Line = { quantity: string; amount: string; customer?: string };
type Invoice = { id: string; periodStart: string; status: string; lines: Line[]; total: string };
type Cycle = { id: string; status: string; report: { errors: { count: number; items: Array<{ code: string; customer: string }> } } };

describe('a purchase spanning two periods is billed once in each', () => {
  let acct: Account;
  const { put, get, post } = inAccount(() => acct);
  const invoices = async () => (await get<{ items: Invoice[] }>('/invoices?customer=C1')).items;
  const finished = (id: string) =>
    eventually(async () => {
      const c = await get<Cycle>(`/billing-cycles/${id}`);
      if (c.status !== 'completed') throw new Error(`cycle ${id} is ${c.status}`);
      return c;
    }, 90_000);
  const cycle = async (periodStart: string, periodEnd: string) =>
    finished(((await post('/billing-cycles', { periodStart, periodEnd })).body as { id: string }).id);
  const regenerate = async (id: string) => {
    expect((await post(`/billing-cycles/${id}/regenerate`)).status).toBe(202);
    return finished(id);
  };

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customers/C1', { name: 'C1', cluster: 'all', currency: 'EUR' });
    await put('/product-clusters/line', { name: 'Line', aliases: ['line'] });
    await put('/price-rules/line', { productCluster: 'line', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '1' } });
    // 31 days: 16 in October, 15 in November
    const purchases = [
      { reference: 'span', productLabel: 'line', customerCode: 'C1', quantity: '31', purchaseDate: '2026-10-16', endDate: '2026-11-16' },
    ];
    expect((await post('/purchases', { purchases })).status).toBe(202);
    await eventually(async () => expect((await get<{ status: string }>('/purchases/span')).status).toBe('rated'));
  });

  test("October's approved invoice bills its share, November's cycle the rest, each once", async () => {
    const october = await cycle('2026-10-01', '2026-11-01');
    const [oct] = await invoices();
    expect(oct).toMatchObject({ periodStart: '2026-10-01' });
    expect((await get<Invoice>(`/invoices/${oct!.id}`)).lines.map((l) => [l.quantity, l.amount])).toEqual([['16', '16.00']]);
    expect((await post(`/invoices/${oct!.id}/approve`)).status).toBe(200);
    await eventually(async () => expect(await get<{ status: string }>('/purchases/span')).toMatchObject({ status: 'completed', invoice: oct!.id }));

    const november = await cycle('2026-11-01', '2026-12-01');
    expect(november.report.errors.count).toBe(0);
    const nov = (await invoices()).find((i) => i.periodStart === '2026-11-01');
    expect((await get<Invoice>(`/invoices/${nov!.id}`)).lines.map((l) => [l.quantity, l.amount])).toEqual([['15', '15.00']]);

    // regenerating either period bills nothing twice: October's stays approved, November's draft is the same
    await regenerate(october.id);
    await regenerate(november.id);
    const after = await invoices();
    expect(after.map((i) => [i.periodStart, i.status, i.total]).sort()).toEqual([
      ['2026-10-01', 'approved', '16.00'],
      ['2026-11-01', 'draft', '15.00'],
    ]);
  });
});

describe("a customer's payer link changed after the cycle: the drafts follow who pays now", () => {
  let acct: Account;
  const { put, get, post } = inAccount(() => acct);
  const draftsOf = async (customer: string) =>
    Promise.all((await get<{ items: Invoice[] }>(`/invoices?customer=${customer}`)).items.map((i) => get<Invoice>(`/invoices/${i.id}`)));
  const kid = (invoicing: 'self' | 'parent') => put('/customers/KID', { name: 'KID', cluster: 'all', currency: 'EUR', parent: 'PARENT', invoicing });

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customers/PARENT', { name: 'PARENT', cluster: 'all', currency: 'EUR' });
    await kid('parent');
    await put('/product-clusters/line', { name: 'Line', aliases: ['line'] });
    await put('/price-rules/line', { productCluster: 'line', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '1' } });
    const purchases = [
      { reference: 'p1', productLabel: 'line', customerCode: 'PARENT', quantity: '2', purchaseDate: '2026-10-05' },
      { reference: 'k1', productLabel: 'line', customerCode: 'KID', quantity: '3', purchaseDate: '2026-10-06' },
    ];
    expect((await post('/purchases', { purchases })).status).toBe(202);
    await eventually(async () => expect((await get<{ status: string }>('/purchases/k1')).status).toBe('rated'));
    const id = ((await post('/billing-cycles', { periodStart: '2026-10-01', periodEnd: '2026-11-01' })).body as { id: string }).id;
    await eventually(async () => expect((await get<{ status: string }>(`/billing-cycles/${id}`)).status).toBe('completed'), 90_000);
  });

  test('a child now invoicing itself gets its own draft, its parent’s loses its section; and back again', async () => {
    const [before] = await draftsOf('PARENT');
    expect(before!.lines.map((l) => [l.customer ?? null, l.amount])).toEqual([
      [null, '2.00'],
      ['KID', '3.00'],
    ]);
    expect(await draftsOf('KID')).toEqual([]);

    await kid('self');
    const [own] = await eventually(async () => {
      const drafts = await draftsOf('KID');
      expect(drafts).toHaveLength(1);
      return drafts;
    }, 90_000);
    expect(own!.lines.map((l) => [l.customer ?? null, l.amount])).toEqual([[null, '3.00']]);
    await eventually(async () => expect((await draftsOf('PARENT'))[0]!.lines.map((l) => l.amount)).toEqual(['2.00']), 90_000);
    expect(await get<{ status: string; invoice: string }>('/purchases/k1')).toMatchObject({ status: 'invoiced', invoice: own!.id });

    await kid('parent');
    await eventually(async () => expect(await draftsOf('KID')).toEqual([]), 90_000);
    await eventually(async () => expect((await draftsOf('PARENT'))[0]!.lines.map((l) => l.amount)).toEqual(['2.00', '3.00']), 90_000);
    expect(await get<{ status: string; invoice: string }>('/purchases/k1')).toMatchObject({ status: 'invoiced', invoice: before!.id });
  });
});
