import { api, eventually, inAccount, newAccount, type Account } from './harness';

/**
 * Linked customers over HTTP (docs/api.md "Customers: hierarchy, profiles, import", docs/product.md §6b): a
 * parent receives one invoice with its own charges and, in a section each, those of the customers invoiced to
 * it (purchases and subscriptions, each line naming the child); a chain passes charges up to the first
 * customer that invoices itself; a child invoicing itself keeps its own invoice; troubleshooting shows the links.
 */

type Line = { description: string; amount: string; customer?: string; kind?: string; subscription?: string };
type Invoice = { id: string; customer: string; periodStart: string; lines: Line[]; total: string };

describe('consolidated invoicing: a parent pays for its linked customers', () => {
  let acct: Account;
  const { path, put, get } = inAccount(() => acct);
  const invoicesOf = async (customer: string) => (await get<{ items: Invoice[] }>(`/invoices?customer=${customer}`)).items;
  let cycleId: string;

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
    await put('/product-clusters/plans', { name: 'Plans', aliases: [] });
    await put('/price-rules/voice', {
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice: '0.10' },
    });
    await put('/catalogues/main', { name: 'Main' });
    await put('/offers/plan', {
      catalogue: 'main',
      name: 'Plan',
      currency: 'EUR',
      charges: [{ id: 'base', type: 'recurring', productCluster: 'plans', price: '31', period: 'month', timing: 'in-arrears' }],
    });
    const customer = (code: string, extra: Record<string, unknown> = {}) =>
      put(`/customers/${code}`, { name: code, cluster: 'all', currency: 'EUR', ...extra });
    await customer('HQ');
    await customer('BRANCH', { parent: 'HQ', invoicing: 'parent' });
    await customer('SHOP', { parent: 'BRANCH', invoicing: 'parent' }); // up the chain to HQ
    await customer('INDEP', { parent: 'HQ' }); // linked, but invoices itself
    await put('/subscriptions/branch-plan', { customer: 'BRANCH', offer: 'plan', startDate: '2026-10-01' });
    const purchases = ['HQ', 'BRANCH', 'SHOP', 'INDEP'].map((customerCode, i) => ({
      reference: `p-${customerCode}`,
      customerCode,
      productLabel: 'voice-min',
      quantity: String((i + 1) * 10),
      purchaseDate: '2026-10-10',
    }));
    expect((await api('POST', path('/purchases'), { purchases }, acct.key)).status).toBe(202);
    await eventually(async () => {
      for (const p of purchases) {
        const stored = await get<{ status: string }>(`/purchases/${p.reference}`);
        if (stored.status !== 'rated') throw new Error(`${p.reference} is ${stored.status}`);
      }
    });
    const started = await api('POST', path('/billing-cycles'), { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, acct.key);
    cycleId = (started.body as { id: string }).id;
    await eventually(async () => {
      const c = await get<{ status: string; report: { errors: { count: number }; consolidated: unknown } }>(`/billing-cycles/${cycleId}`);
      if (c.status !== 'completed') throw new Error(`cycle is ${c.status}`);
      expect(c.report.errors.count).toBe(0);
      // the report names who was invoiced to whom
      expect(c.report.consolidated).toEqual({
        count: 2,
        customers: [
          { customer: 'BRANCH', invoicedTo: 'HQ' },
          { customer: 'SHOP', invoicedTo: 'HQ' },
        ],
      });
    }, 90_000);
  });

  test("the parent's one invoice: its own lines, then a section per linked customer, each line naming it", async () => {
    const [summary, ...more] = await invoicesOf('HQ');
    expect(more).toEqual([]);
    const hq = await get<Invoice>(`/invoices/${summary!.id}`);
    expect(hq.lines.map((l) => [l.customer ?? null, l.kind ?? null, l.amount])).toEqual([
      [null, null, '1.00'], // HQ's own 10 minutes
      ['BRANCH', 'recurring', '31.00'], // BRANCH's subscription, in arrears for October
      ['BRANCH', null, '2.00'],
      ['SHOP', null, '3.00'], // SHOP → BRANCH → HQ
    ]);
    expect(hq.total).toBe('37.00');
    expect(await invoicesOf('BRANCH')).toEqual([]);
    expect(await invoicesOf('SHOP')).toEqual([]);
    const [indep] = await invoicesOf('INDEP');
    expect((await get<Invoice>(`/invoices/${indep!.id}`)).lines.map((l) => [l.customer ?? null, l.amount])).toEqual([[null, '4.00']]);
  });

  test('troubleshooting shows who pays for whom', async () => {
    const hq = await get<{ links: unknown }>(`/billing-cycles/${cycleId}/customers/HQ`);
    expect(hq.links).toEqual({ parent: null, invoicing: 'self', invoicedTo: null, children: ['BRANCH', 'SHOP'] });
    const shop = await get<{ links: unknown }>(`/billing-cycles/${cycleId}/customers/SHOP`);
    expect(shop.links).toEqual({ parent: 'BRANCH', invoicing: 'parent', invoicedTo: 'HQ', children: [] });
    const indep = await get<{ links: unknown }>(`/billing-cycles/${cycleId}/customers/INDEP`);
    expect(indep.links).toEqual({ parent: 'HQ', invoicing: 'self', invoicedTo: null, children: [] });
  });

  test("a child that invoices itself after its parent's invoice was approved is not billed again by the regeneration", async () => {
    const [hq] = await invoicesOf('HQ');
    expect((await api('POST', path(`/invoices/${hq!.id}/approve`), {}, acct.key)).status).toBe(200);
    await eventually(async () => {
      const p = await get<{ status: string; invoice: string }>('/purchases/p-SHOP');
      expect(p).toMatchObject({ status: 'completed', invoice: hq!.id });
    });
    await put('/customers/SHOP', { name: 'SHOP', cluster: 'all', currency: 'EUR', parent: 'BRANCH', invoicing: 'self' });
    expect((await api('POST', path(`/billing-cycles/${cycleId}/regenerate`), {}, acct.key)).status).toBe(202);
    const report = await eventually(async () => {
      const c = await get<{
        status: string;
        report: { errors: { count: number; items: Array<{ customer: string; code: string; message: string }> } };
      }>(`/billing-cycles/${cycleId}`);
      if (c.status !== 'completed') throw new Error(`cycle is ${c.status}`);
      return c.report;
    }, 90_000);
    // SHOP's October purchase is on HQ's approved invoice: SHOP gets no invoice of its own for it
    expect(await invoicesOf('SHOP')).toEqual([]);
    expect(report.errors.items).toContainEqual(
      expect.objectContaining({ customer: 'SHOP', code: 'already_invoiced', message: expect.stringContaining(hq!.id) }),
    );
    expect((await get<Invoice>(`/invoices/${hq!.id}`)).total).toBe('37.00');
  });
});
