import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, eventually, newAccount, type Account } from './harness';

/**
 * Subscriptions on invoices over HTTP on the local stack (docs/api.md "Catalogue, offers, subscriptions",
 * "Billing days and cycles"): in-advance and in-arrears fees prorated by days, one-off fees with the first
 * charges, a change after approval corrected by a credit and a new line on the next invoice, billing days
 * choosing who a cycle invoices, and the subscription's chargedThrough.
 */

type Line = {
  description: string;
  productCluster: string;
  quantity: string;
  unitPrice: string;
  amount: string;
  kind?: string;
  subscription?: string;
  charge?: string;
  servicePeriod?: { start: string; end: string };
};
type Invoice = {
  id: string;
  customer: string;
  periodStart: string;
  periodEnd: string;
  status: string;
  lines: Line[];
  subtotal: string;
  total: string;
};
type Cycle = { id: string; status: string; run: number; report: { customersInvoiced: number; errors: { count: number; items: unknown[] } } };

const monthly = (id: string, price: string, timing: 'in-advance' | 'in-arrears', extra: Record<string, unknown>[] = []) => ({
  catalogue: 'main',
  name: id,
  currency: 'EUR',
  charges: [{ id: 'base', type: 'recurring', productCluster: 'plans', price, period: 'month', timing }, ...extra],
});

describe('subscriptions on invoices', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = async (p: string, body: unknown) => {
    const res = await api('PUT', path(p), body, acct.key);
    if (res.status >= 300) throw new Error(`PUT ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const post = (p: string, body: unknown) => api('POST', path(p), body, acct.key);
  const get = async <T>(p: string) => (await api('GET', path(p), undefined, acct.key)).body as T;
  const cycle = async (periodStart: string, periodEnd: string): Promise<Cycle> => {
    const started = await post('/billing-cycles', { periodStart, periodEnd });
    expect([200, 202]).toContain(started.status);
    const { id } = started.body as { id: string };
    return eventually(async () => {
      const c = await get<Cycle>(`/billing-cycles/${id}`);
      if (c.status !== 'completed') throw new Error(`cycle ${id} is ${c.status}`);
      return c;
    }, 90_000);
  };
  const regenerate = async (c: Cycle): Promise<Cycle> => {
    const res = await api('POST', path(`/billing-cycles/${c.id}/regenerate`), undefined, acct.key);
    expect(res.status).toBe(202);
    return eventually(async () => {
      const now = await get<Cycle>(`/billing-cycles/${c.id}`);
      if (now.status !== 'completed' || now.run <= c.run) throw new Error(`cycle ${c.id} is ${now.status} (run ${now.run})`);
      return now;
    }, 90_000);
  };
  const invoicesOf = async (customer: string) =>
    (await get<{ items: Invoice[] }>(`/invoices?customer=${customer}`)).items.sort((a, b) => (a.periodStart < b.periodStart ? -1 : 1));
  const invoiceFor = async (customer: string, periodStart: string) => {
    const found = (await invoicesOf(customer)).filter((i) => i.periodStart === periodStart);
    expect(found).toHaveLength(1);
    return get<Invoice>(`/invoices/${found[0]!.id}`);
  };
  const fees = (invoice: Invoice) =>
    invoice.lines
      .filter((l) => l.kind)
      .map((l) => ({ kind: l.kind, charge: l.charge, servicePeriod: l.servicePeriod, quantity: l.quantity, amount: l.amount }));

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/product-clusters/plans', { name: 'Plans', aliases: [] });
    await put('/product-clusters/fees', { name: 'Fees', aliases: [] });
    await put('/catalogues/main', { name: 'Main' });
    await put(
      '/offers/advance',
      monthly('advance', '24.95', 'in-advance', [{ id: 'setup', type: 'one-off', productCluster: 'fees', price: '50.00' }]),
    );
    await put('/offers/arrears', monthly('arrears', '30', 'in-arrears'));
    await put('/offers/committed', monthly('committed', '10', 'in-arrears', [{ id: 'commit', type: 'minimum', amount: '25.00' }]));
    await put('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
    await put('/price-rules/voice', {
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice: '0.10' },
    });
    const tiers = [
      { upTo: '100', unitPrice: '0.05' },
      { upTo: null, unitPrice: '0.02' },
    ];
    await put('/offers/metered', {
      catalogue: 'main',
      name: 'Metered',
      currency: 'EUR',
      charges: [
        { id: 'calls', type: 'usage', productCluster: 'voice', model: { type: 'graduated', tiers }, scope: 'period' },
        { id: 'commit', type: 'minimum', amount: '20.00' },
      ],
    });
    // an allowance read from the subscription's parameters, priced on the period's sum
    await put('/offers/allowance', {
      catalogue: 'main',
      name: 'Allowance',
      currency: 'EUR',
      parameters: { included: '100' },
      charges: [
        {
          id: 'calls',
          type: 'usage',
          productCluster: 'voice',
          model: { type: 'expression', expression: 'max(0, quantity - subscription.included) * 0.5' },
          scope: 'period',
        },
      ],
    });
    for (const code of ['A1', 'R1', 'M1', 'U1', 'N1', 'P1']) await put(`/customers/${code}`, { name: code, cluster: 'all', currency: 'EUR' });
    await put('/customers/D15', { name: 'Day fifteen', cluster: 'all', currency: 'EUR', billingDay: 15 });
    await put('/subscriptions/a1', { customer: 'A1', offer: 'advance', startDate: '2026-10-15' });
    await put('/subscriptions/r1', { customer: 'R1', offer: 'arrears', startDate: '2026-10-10' });
    await put('/subscriptions/m1', { customer: 'M1', offer: 'committed', startDate: '2026-10-01' });
    await put('/subscriptions/u1', { customer: 'U1', offer: 'metered', startDate: '2026-10-01' });
    await put('/subscriptions/p1', { customer: 'P1', offer: 'allowance', startDate: '2026-10-01', parameters: { included: '150' } });
    const calls = ['U1', 'U1', 'U1', 'N1', 'P1', 'P1'].map((customerCode, i) => ({
      reference: `call-${i}`,
      customerCode,
      productLabel: 'voice-min',
      quantity: '100',
      purchaseDate: `2026-10-0${i + 2}`,
    }));
    expect((await post('/purchases', { purchases: calls })).status).toBe(202);
    await eventually(async () => {
      for (const c of calls) {
        const stored = await get<{ status: string }>(`/purchases/${c.reference}`);
        if (stored.status !== 'rated') throw new Error(`${c.reference} is ${stored.status}`);
      }
    });
    await put('/subscriptions/d15', { customer: 'D15', offer: 'arrears', startDate: '2026-10-15' });
  });

  test('October: in-advance fees of the slices starting in (ps, pe], the one-off with the first charges, in-arrears days of the period, a minimum top-up', async () => {
    const october = await cycle('2026-10-01', '2026-11-01');
    expect(october.report.errors.count).toBe(0);

    const a1 = await invoiceFor('A1', '2026-10-01');
    expect(fees(a1)).toEqual([
      { kind: 'one-off', charge: 'setup', servicePeriod: { start: '2026-10-15', end: '2026-10-16' }, quantity: '1', amount: '50.00' },
      // 17 of October's 31 days: 24.95 × 17 / 31 = 13.6822… → 13.68
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-10-15', end: '2026-11-01' }, quantity: '1', amount: '13.68' },
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-11-01', end: '2026-12-01' }, quantity: '1', amount: '24.95' },
    ]);
    expect(a1.lines.every((l) => l.subscription === 'a1')).toBe(true);
    expect(a1.total).toBe('88.63');

    // in arrears: 22 of 31 days, 30 × 22 / 31 = 21.2903… → 21.29
    const r1 = await invoiceFor('R1', '2026-10-01');
    expect(fees(r1)).toEqual([
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-10-10', end: '2026-11-01' }, quantity: '1', amount: '21.29' },
    ]);
    // the minimum tops 10 of fees (and no usage) up to 25
    const m1 = await invoiceFor('M1', '2026-10-01');
    expect(fees(m1)).toEqual([
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-10-01', end: '2026-11-01' }, quantity: '1', amount: '10.00' },
      { kind: 'minimum', charge: 'commit', servicePeriod: { start: '2026-10-01', end: '2026-11-01' }, quantity: '1', amount: '15.00' },
    ]);
    // the subscriber's calls are priced by its usage charge on the period's sum (100 × 0.05 + 200 × 0.02 = 9.00),
    // and count toward its minimum (20 − 9 = 11.00); the non-subscriber's by the account's rule
    const u1 = await invoiceFor('U1', '2026-10-01');
    expect(u1.lines.map((l) => ({ kind: l.kind, subscription: l.subscription, charge: l.charge, quantity: l.quantity, amount: l.amount }))).toEqual([
      { kind: 'minimum', subscription: 'u1', charge: 'commit', quantity: '1', amount: '11.00' },
      { kind: 'usage', subscription: 'u1', charge: 'calls', quantity: '300', amount: '9.00' },
    ]);
    expect((await invoiceFor('N1', '2026-10-01')).lines.map((l) => [l.kind, l.amount])).toEqual([[undefined, '10.00']]);
    // billing day 15: no period of D15 ends on 1 November
    expect(await invoicesOf('D15')).toEqual([]);
    expect((await get<{ chargedThrough: string | null }>('/subscriptions/a1')).chargedThrough).toBe('2026-12-01');
    expect((await get<{ chargedThrough: string | null }>('/subscriptions/r1')).chargedThrough).toBe('2026-11-01');
  });

  test("a period-scope usage charge reads its subscription's parameters, on the invoice and in the usage preview", async () => {
    // P1's 200 minutes, 150 included by its subscription (the offer's 100 overridden): (200 − 150) × 0.5 = 25.00
    const expected = [{ kind: 'usage', subscription: 'p1', charge: 'calls', quantity: '200', amount: '25.00' }];
    const preview = await get<{ lines: Line[]; subtotal: string }>('/customers/P1/usage?periodStart=2026-10-01&periodEnd=2026-11-01');
    expect(preview.lines.map((l) => ({ quantity: l.quantity, amount: l.amount }))).toEqual([{ quantity: '200', amount: '25.00' }]);
    expect(preview.subtotal).toBe('25.00');
    const october = await cycle('2026-10-01', '2026-11-01');
    expect(october.report.errors.items).toEqual([]);
    const p1 = await invoiceFor('P1', '2026-10-01');
    expect(p1.lines.map((l) => ({ kind: l.kind, subscription: l.subscription, charge: l.charge, quantity: l.quantity, amount: l.amount }))).toEqual(
      expected,
    );
    expect(p1.subtotal).toBe('25.00');
  });

  test('a cycle ending on the 15th invoices the billing-day-15 customer for its own period', async () => {
    await cycle('2026-10-15', '2026-11-15');
    const d15 = await invoiceFor('D15', '2026-10-15');
    expect(d15.periodEnd).toBe('2026-11-15');
    // a whole period of day 15: [15 Oct, 15 Nov) in arrears
    expect(fees(d15)).toEqual([
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-10-15', end: '2026-11-15' }, quantity: '1', amount: '30.00' },
    ]);
    // nobody with billing day 1 is invoiced by it
    expect((await invoicesOf('A1')).map((i) => i.periodStart)).toEqual(['2026-10-01']);
    // troubleshooting names the customer's own period and explains each subscription line
    const id = (await get<{ items: { id: string; periodEnd: string }[] }>('/billing-cycles')).items.find((c) => c.periodEnd === '2026-11-15')!.id;
    const bundle = await get<{
      billingPeriod: unknown;
      subscriptions: { id: string; timeline: unknown[] }[];
      subscriptionLines: { kind: string; why: string }[];
    }>(`/billing-cycles/${id}/customers/D15`);
    expect(bundle.billingPeriod).toEqual({ start: '2026-10-15', end: '2026-11-15' });
    expect(bundle.subscriptions.map((s) => s.id)).toEqual(['d15']);
    expect(bundle.subscriptionLines).toEqual([
      expect.objectContaining({ kind: 'recurring', why: expect.stringContaining('30 × 1 × 31 day(s) ÷ 31 day(s) of the charge period 2026-10-15') }),
    ]);
    const elsewhere = await get<{ billingPeriod: unknown }>(`/billing-cycles/${id}/customers/A1`);
    expect(elsewhere.billingPeriod).toBeNull();
  });

  test('a change of quantity after approval: the next invoice credits the old terms and charges the new; the approved one is untouched', async () => {
    const a1 = await invoiceFor('A1', '2026-10-01');
    expect((await post(`/invoices/${a1.id}/approve`, {})).status).toBe(200);
    const change = await post('/subscriptions/a1/changes', { effectiveDate: '2026-11-16', quantity: '2', policy: 'immediate' });
    expect(change.status).toBe(200);

    await cycle('2026-11-01', '2026-12-01');
    expect(await get<Invoice>(`/invoices/${a1.id}`)).toEqual({
      ...a1,
      status: 'approved',
      approvedAt: expect.any(String),
      number: expect.any(String),
      issueDate: expect.any(String),
      dueDate: expect.any(String),
    });
    const november = await invoiceFor('A1', '2026-11-01');
    expect(fees(november)).toEqual([
      // 15 of November's 30 days were billed at quantity 1: credited (−12.475 → −12.48), and charged at 2
      { kind: 'credit', charge: 'base', servicePeriod: { start: '2026-11-16', end: '2026-12-01' }, quantity: '-1', amount: '-12.48' },
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-11-16', end: '2026-12-01' }, quantity: '2', amount: '24.95' },
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-12-01', end: '2027-01-01' }, quantity: '2', amount: '49.90' },
    ]);
  });

  test('a draft shows the right amounts when regenerated: a pause dated back, then the regenerated cycle', async () => {
    const november = await cycle('2026-11-01', '2026-12-01');
    const r1Before = await invoiceFor('R1', '2026-11-01');
    expect(fees(r1Before)).toEqual([
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-11-01', end: '2026-12-01' }, quantity: '1', amount: '30.00' },
    ]);
    expect((await post('/subscriptions/r1/pause', { effectiveDate: '2026-11-21' })).status).toBe(200);
    await regenerate(november);
    const r1After = await invoiceFor('R1', '2026-11-01');
    expect(r1After.id).toBe(r1Before.id);
    // 20 of 30 days before the pause: 30 × 20 / 30 = 20.00
    expect(fees(r1After)).toEqual([
      { kind: 'recurring', charge: 'base', servicePeriod: { start: '2026-11-01', end: '2026-11-21' }, quantity: '1', amount: '20.00' },
    ]);
  });
});

describe('reference amounts over HTTP: the proration fixtures (a monthly 24.95 in advance, first slice by days)', () => {
  const fixtures = (
    JSON.parse(readFileSync(join(__dirname, '../fixtures/charge-models.json'), 'utf8')) as {
      proration: { cases: { billingDay: number; start: string; line: string }[] };
    }
  ).proration.cases;

  test.each(fixtures)(
    'billing day $billingDay, start $start: the first slice is $line on the cycle ending on the first billing day after it',
    async ({ billingDay, start, line }) => {
      const acct = await newAccount();
      const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
      const put = async (p: string, body: unknown) => expect((await api('PUT', path(p), body, acct.key)).status).toBeLessThan(300);
      await put('/customer-clusters/all', { name: 'All' });
      await put('/product-clusters/plans', { name: 'Plans', aliases: [] });
      await put('/catalogues/main', { name: 'Main' });
      await put('/offers/plan', monthly('plan', '24.95', 'in-advance'));
      await put('/customers/K', { name: 'K', cluster: 'all', currency: 'EUR', billingDay });
      await put('/subscriptions/k', { customer: 'K', offer: 'plan', startDate: start });
      // the cycle of the customer's period that contains the start: [billing day, next billing day)
      const [y, m, d] = start.split('-').map(Number) as [number, number, number];
      const iso = (year: number, month: number) => new Date(Date.UTC(year, month - 1, billingDay)).toISOString().slice(0, 10);
      const periodStart = d >= billingDay ? iso(y, m) : iso(y, m - 1);
      const periodEnd = d >= billingDay ? iso(y, m + 1) : iso(y, m);
      const started = await api('POST', path('/billing-cycles'), { periodStart, periodEnd }, acct.key);
      const { id } = started.body as { id: string };
      await eventually(async () => {
        const c = (await api('GET', path(`/billing-cycles/${id}`), undefined, acct.key)).body as Cycle;
        if (c.status !== 'completed') throw new Error(`cycle ${id} is ${c.status}`);
      }, 90_000);
      const list = (await api('GET', path('/invoices?customer=K'), undefined, acct.key)).body as { items: { id: string }[] };
      expect(list.items).toHaveLength(1);
      const invoice = (await api('GET', path(`/invoices/${list.items[0]!.id}`), undefined, acct.key)).body as Invoice;
      expect(invoice.lines.map((l) => [l.servicePeriod, l.amount])).toEqual([
        [{ start, end: periodEnd }, line],
        [{ start: periodEnd, end: iso(Number(periodEnd.slice(0, 4)), Number(periodEnd.slice(5, 7)) + 1) }, '24.95'],
      ]);
    },
  );
});

describe('a quote accepted into a subscription bills at the quoted prices', () => {
  test('10 % off the monthly fee and the setup fee waived: the October invoice carries 22.455 a month and no setup', async () => {
    const acct = await newAccount();
    const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await api(method, path(p), body, acct.key);
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    await call('PUT', '/customer-clusters/all', { name: 'All' });
    await call('PUT', '/product-clusters/plans', { name: 'Plans', aliases: [] });
    await call('PUT', '/product-clusters/fees', { name: 'Fees', aliases: [] });
    await call('PUT', '/catalogues/main', { name: 'Main' });
    await call(
      'PUT',
      '/offers/plan',
      monthly('plan', '24.95', 'in-advance', [{ id: 'setup', type: 'one-off', productCluster: 'fees', price: '50.00' }]),
    );
    await call('PUT', '/customers/Q', { name: 'Quoted', cluster: 'all', currency: 'EUR' });
    const validUntil = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await call('PUT', '/quotes/deal', {
      customer: 'Q',
      offer: 'plan',
      validUntil,
      lines: [
        { charge: 'base', quantity: '1', discount: 10 },
        { charge: 'setup', quantity: '1', unitPrice: '0' },
      ],
    });
    expect(await call('POST', '/quotes/deal/submit', {})).toMatchObject({ status: 'approved' });
    expect(await call('POST', '/quotes/deal/accept', { startDate: '2026-10-01' })).toMatchObject({
      id: 'deal',
      prices: { base: '22.455', setup: '0' },
    });

    const started = (await call('POST', '/billing-cycles', { periodStart: '2026-10-01', periodEnd: '2026-11-01' })) as { id: string };
    await eventually(async () => {
      const c = (await call('GET', `/billing-cycles/${started.id}`)) as Cycle;
      if (c.status !== 'completed') throw new Error(`cycle is ${c.status}`);
    }, 90_000);
    const [summary] = ((await call('GET', '/invoices?customer=Q')) as { items: { id: string }[] }).items;
    const invoice = (await call('GET', `/invoices/${summary!.id}`)) as Invoice;
    expect(invoice.lines.map((l) => [l.kind, l.charge, l.unitPrice, l.amount])).toEqual([
      ['one-off', 'setup', '0', '0.00'],
      ['recurring', 'base', '22.455', '22.46'], // October
      ['recurring', 'base', '22.455', '22.46'], // November, in advance
    ]);
    expect(invoice.subtotal).toBe('44.92');
  });
});
