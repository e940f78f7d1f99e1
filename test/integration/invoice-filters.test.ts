import { api, eventually, newAccount, type Account } from './harness';

/**
 * GET /invoices filtered by status and kind over HTTP, on the local stack's DynamoDB (docs/api.md): drafts,
 * approved and voided invoices and credit notes of three customers and two periods. Every combination of
 * customer, periodStart, status and kind answers exactly the invoices that match, and pages of one walk the
 * whole list with the API's cursors without loss or repeat; an unknown status or kind is a 400 naming it,
 * and another account's invoices never show.
 */

type Invoice = { id: string; customer: string; periodStart: string; status: string; creditOf: string | null; creditedBy: string | null };
type Page = { items: Invoice[]; next: string | null };
type ErrorBody = { error: { code: string; details: string[] } };

const OCT = '2026-10-01';
const NOV = '2026-11-01';
const PERIODS = [
  { periodStart: OCT, periodEnd: NOV },
  { periodStart: NOV, periodEnd: '2026-12-01' },
];
const CUSTOMERS = ['A', 'B', 'C'];

async function setUpAccount(acct: Account, customers: readonly string[]): Promise<void> {
  const put = async (p: string, body: unknown) => {
    const res = await api('PUT', `/v1/accounts/${acct.id}${p}`, body, acct.key);
    if (res.status >= 300) throw new Error(`PUT ${p}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  await put('/customer-clusters/all', { name: 'All' });
  await put('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
  await put('/price-rules/voice', {
    productCluster: 'voice',
    currency: 'EUR',
    validFrom: '2026-01-01',
    model: { type: 'standard', unitPrice: '0.10' },
  });
  for (const code of customers) await put(`/customers/${code}`, { name: code, cluster: 'all', currency: 'EUR', taxRate: '21', country: 'DE' });
  const purchases = customers.flatMap((code, k) =>
    PERIODS.map(({ periodStart }) => ({
      reference: `p-${code}-${periodStart}`,
      customerCode: code,
      productLabel: 'voice-min',
      quantity: String((k + 1) * 10),
      purchaseDate: periodStart.replace(/01$/, '10'),
    })),
  );
  expect((await api('POST', `/v1/accounts/${acct.id}/purchases`, { purchases }, acct.key)).status).toBe(202);
  await eventually(async () => {
    for (const p of purchases) {
      const stored = (await api('GET', `/v1/accounts/${acct.id}/purchases/${p.reference}`, undefined, acct.key)).body as { status: string };
      if (stored.status !== 'rated') throw new Error(`${p.reference} is ${stored.status}`);
    }
  });
  for (const period of PERIODS) {
    const started = await api('POST', `/v1/accounts/${acct.id}/billing-cycles`, period, acct.key);
    const id = (started.body as { id: string }).id;
    await eventually(async () => {
      const cycle = (await api('GET', `/v1/accounts/${acct.id}/billing-cycles/${id}`, undefined, acct.key)).body as { status: string };
      if (cycle.status !== 'completed') throw new Error(`cycle ${id} is ${cycle.status}`);
    }, 90_000);
  }
}

describe('invoice list filters: status, kind, customer, period', () => {
  let acct: Account;
  let other: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const post = async (p: string, body?: unknown) => {
    const res = await api('POST', path(p), body, acct.key);
    if (res.status >= 300) throw new Error(`POST ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Invoice;
  };
  /** What each invoice and credit note is, as the actions on it left it (read back one by one). */
  const truth = new Map<string, { customer: string; periodStart: string; status: string; kind: 'invoice' | 'credit-note' }>();

  const walk = async (account: Account, query: string, limit: number) => {
    const ids: string[] = [];
    const periods: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q = `?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await api('GET', `/v1/accounts/${account.id}/invoices${q}`, undefined, account.key);
      if (res.status !== 200) throw new Error(`GET /invoices${q}: ${res.status} ${JSON.stringify(res.body)}`);
      const page = res.body as Page;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((i) => i.id));
      periods.push(...page.items.map((i) => i.periodStart));
      cursor = page.next;
      if (++pages > 50) throw new Error(`GET /invoices?${query}: the pages do not end`);
    } while (cursor);
    return { ids, periods };
  };

  beforeAll(async () => {
    acct = await newAccount();
    other = await newAccount();
    await Promise.all([setUpAccount(acct, CUSTOMERS), setUpAccount(other, ['A'])]);

    const invoiceOf = async (customer: string, periodStart: string) => {
      const page = (await api('GET', path(`/invoices?customer=${customer}&periodStart=${periodStart}`), undefined, acct.key)).body as Page;
      expect(page.items).toHaveLength(1);
      return page.items[0]!.id;
    };
    const id = {
      aOct: await invoiceOf('A', OCT),
      aNov: await invoiceOf('A', NOV),
      bOct: await invoiceOf('B', OCT),
      bNov: await invoiceOf('B', NOV),
      cOct: await invoiceOf('C', OCT),
      cNov: await invoiceOf('C', NOV),
    };
    // A: October approved, November a draft. B: October voided (its credit note approved), November
    // approved with a draft credit note. C: October approved and credited, the credit note approved; November a draft.
    await post(`/invoices/${id.aOct}/approve`);
    await post(`/invoices/${id.bOct}/approve`);
    await post(`/invoices/${id.bOct}/void`);
    await post(`/invoices/${id.bNov}/approve`);
    await post(`/invoices/${id.bNov}/credit-notes`, { reason: 'wrong quantity' });
    await post(`/invoices/${id.cOct}/approve`);
    const cCredit = await post(`/invoices/${id.cOct}/credit-notes`, { reason: 'goodwill' });
    await post(`/invoices/${cCredit.id}/approve`);

    const credits = await Promise.all(
      [id.bOct, id.bNov, id.cOct].map(
        async (invoice) => ((await api('GET', path(`/invoices/${invoice}`), undefined, acct.key)).body as Invoice).creditedBy!,
      ),
    );
    for (const invoiceId of [...Object.values(id), ...credits]) {
      const invoice = (await api('GET', path(`/invoices/${invoiceId}`), undefined, acct.key)).body as Invoice;
      truth.set(invoice.id, {
        customer: invoice.customer,
        periodStart: invoice.periodStart,
        status: invoice.status,
        kind: invoice.creditOf ? 'credit-note' : 'invoice',
      });
    }
  }, 300_000);

  test('the invoices are what the actions made of them: every status and both kinds are there', () => {
    const described = [...truth.values()].map((t) => `${t.customer} ${t.periodStart} ${t.kind} ${t.status}`).sort();
    expect(described).toEqual(
      [
        `A ${NOV} invoice draft`,
        `A ${OCT} invoice approved`,
        `B ${NOV} credit-note draft`,
        `B ${NOV} invoice approved`,
        `B ${OCT} credit-note approved`,
        `B ${OCT} invoice voided`,
        `C ${NOV} invoice draft`,
        `C ${OCT} credit-note approved`,
        `C ${OCT} invoice approved`,
      ].sort(),
    );
  });

  const combinations = [undefined, ...CUSTOMERS].flatMap((customer) =>
    [undefined, OCT, NOV].flatMap((periodStart) =>
      [undefined, 'draft', 'approved', 'voided'].flatMap((status) =>
        [undefined, 'invoice', 'credit-note'].map((kind) => ({ customer, periodStart, status, kind })),
      ),
    ),
  );

  test(`each of the ${combinations.length} combinations of filters answers exactly its invoices, in one page and in pages of 1`, async () => {
    for (const filter of combinations) {
      const query = Object.entries(filter)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => `${name}=${value}`)
        .join('&');
      const expected = [...truth.entries()]
        .filter(([, t]) => Object.entries(filter).every(([name, value]) => value === undefined || t[name as keyof typeof t] === value))
        .map(([id]) => id)
        .sort();
      const whole = await walk(acct, query, 100);
      const ones = await walk(acct, query, 1);
      expect({ query, ids: [...whole.ids].sort() }).toEqual({ query, ids: expected });
      expect({ query, ids: ones.ids }).toEqual({ query, ids: whole.ids });
      // latest period first, whichever list answers
      expect(whole.periods).toEqual([...whole.periods].sort().reverse());
    }
  }, 300_000);

  test('an unknown status or kind is a 400 naming it; the filters combine with paging limits as before', async () => {
    for (const [query, field] of [
      ['status=paid', 'status'],
      ['status=DRAFT&customer=A', 'status'],
      ['kind=credit', 'kind'],
    ] as const) {
      const res = await api('GET', path(`/invoices?${query}`), undefined, acct.key);
      expect(res.status).toBe(400);
      const { error } = res.body as ErrorBody;
      expect(error.code).toBe('invalid_input');
      expect(error.details).toEqual([expect.stringMatching(new RegExp(`^${field}: must be one of `))]);
    }
  });

  test("a cursor of one filter is no cursor of another, and another account's invoices never show", async () => {
    const first = (await api('GET', path('/invoices?status=approved&limit=1'), undefined, acct.key)).body as Page;
    expect(first.next).not.toBeNull();
    const reused = await api('GET', path(`/invoices?status=draft&limit=1&cursor=${encodeURIComponent(first.next!)}`), undefined, acct.key);
    expect(reused.status).toBe(400);
    expect((reused.body as ErrorBody).error.details).toEqual([expect.stringMatching(/^cursor: /)]);

    // the other account has a draft of its own customer A for each period; ours are never among its invoices
    const theirs = await walk(other, 'customer=A&status=draft', 1);
    expect(theirs.ids).toHaveLength(2);
    expect(theirs.ids.filter((i) => truth.has(i))).toEqual([]);
    const ours = await walk(acct, 'customer=A&status=draft', 1);
    expect(ours.ids).toEqual([...truth.entries()].filter(([, t]) => t.customer === 'A' && t.status === 'draft').map(([i]) => i));
    expect((await walk(other, 'status=approved', 1)).ids).toEqual([]);
  });
});
