import { pdfText } from '../support/pdf-text';
import { api, baseUrl, eventually, newAccount, type Account } from './harness';

/**
 * Invoices as legal documents over HTTP, on the local stack's DynamoDB (docs/api.md "Invoices as legal
 * documents"): approval gives the number `<prefix>-<year>-<sequence>` (gap-free per account and year, also
 * under 12 concurrent approvals and a concurrent double approval), issue and due dates; the PDF shows both
 * parties' legal data; void issues a numbered full credit note and returns the purchases to open.
 */

type Invoice = {
  id: string;
  customer: string;
  status: string;
  number: string | null;
  issueDate: string | null;
  dueDate: string | null;
  total: string;
  creditOf: string | null;
  creditedBy: string | null;
};

const CUSTOMERS = 14;
const code = (i: number) => `C${String(i).padStart(2, '0')}`;
const seq = (n: number) => `LEG-${new Date().getUTCFullYear()}-${String(n).padStart(6, '0')}`;
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('legal invoices: numbers, dates, PDF, void', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = async (p: string, body: unknown) => {
    const res = await api('PUT', path(p), body, acct.key);
    if (res.status >= 300) throw new Error(`PUT ${p}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const get = async <T>(p: string) => (await api('GET', path(p), undefined, acct.key)).body as T;
  const post = (p: string) => api('POST', path(p), undefined, acct.key);
  const invoiceOf = async (customer: string) => {
    const items = (await get<{ items: Invoice[] }>(`/invoices?customer=${customer}`)).items.filter((i) => i.creditOf === null);
    return items;
  };
  const completed = (id: string, run: number) =>
    eventually(async () => {
      const c = await get<{ status: string; run: number; report: { errors: { count: number; items?: unknown[] } } }>(`/billing-cycles/${id}`);
      if (c.status !== 'completed' || c.run !== run) throw new Error(`cycle ${id} is ${c.status} (run ${c.run})`);
      return c;
    }, 90_000);
  let cycleId: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    acct = await newAccount();
    await put('/profile', {
      legalName: 'Legal Seller B.V.',
      address: { line1: 'Herengracht 1', postalCode: '1015 BA', city: 'Amsterdam', country: 'NL' },
      vatId: 'NL123456789B01',
      invoicePrefix: 'LEG',
    });
    await put('/customer-clusters/all', { name: 'All' });
    await put('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
    await put('/price-rules/voice', {
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice: '0.10' },
    });
    for (let i = 1; i <= CUSTOMERS; i++) {
      await put(`/customers/${code(i)}`, {
        name: code(i),
        cluster: 'all',
        currency: 'EUR',
        taxRate: '21',
        country: 'DE',
        legalName: `Buyer ${code(i)} GmbH`,
        address: { line1: `Strasse ${i}`, postalCode: '10115', city: 'Berlin', country: 'DE' },
        vatId: `DE1000000${String(i).padStart(2, '0')}`,
        ...(i === 1 ? { paymentTermsDays: 14 } : {}),
      });
    }
    const purchases = Array.from({ length: CUSTOMERS }, (_, k) => ({
      reference: `p-${code(k + 1)}`,
      customerCode: code(k + 1),
      productLabel: 'voice-min',
      quantity: String((k + 1) * 10),
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
    expect((await completed(cycleId, 1)).report.errors.count).toBe(0);
    for (let i = 1; i <= CUSTOMERS; i++) {
      const [invoice, ...more] = await invoiceOf(code(i));
      expect(more).toEqual([]);
      expect(invoice).toMatchObject({ status: 'draft', number: null, issueDate: null, dueDate: null });
      ids.set(code(i), invoice!.id);
    }
  }, 180_000);

  test('12 concurrent approvals of 12 drafts take the numbers 1..12, no gap, no duplicate; issue and due dates', async () => {
    const twelve = Array.from({ length: 12 }, (_, k) => ids.get(code(k + 1))!);
    const started = Date.now();
    const replies = await Promise.all(twelve.map((id) => post(`/invoices/${id}/approve`)));
    const ms = Date.now() - started;
    expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
    const numbers = replies.map((r) => (r.body as Invoice).number!);
    expect([...numbers].sort()).toEqual(Array.from({ length: 12 }, (_, k) => seq(k + 1)));
    const today = new Date().toISOString().slice(0, 10);
    for (const r of replies) {
      const inv = r.body as Invoice;
      expect(inv.issueDate).toBe(today);
      expect(inv.dueDate).toBe(addDays(today, inv.customer === 'C01' ? 14 : 30));
    }
    // the stored invoices say the same, and a retried approval keeps its one number
    const again = await post(`/invoices/${twelve[0]}/approve`);
    expect(again.status).toBe(409);
    expect((again.body as { error: { code: string } }).error.code).toBe('invoice_approved');
    expect((await get<Invoice>(`/invoices/${twelve[0]}`)).number).toBe(numbers[0]);
    console.log(`12 concurrent approvals: ${ms} ms`);
  });

  test('a concurrent double approval of one invoice gives it one number (the next), the other request 409', async () => {
    const id = ids.get(code(13))!;
    const replies = await Promise.all([post(`/invoices/${id}/approve`), post(`/invoices/${id}/approve`)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await get<Invoice>(`/invoices/${id}`)).number).toBe(seq(13));
  });

  test('the approved PDF shows seller and buyer legal names, addresses, VAT ids, the number, dates and service period', async () => {
    const id = ids.get(code(1))!;
    const invoice = await get<Invoice>(`/invoices/${id}`);
    const res = await fetch(`${baseUrl()}${path(`/invoices/${id}/document?format=pdf`)}`, { headers: { authorization: `Bearer ${acct.key}` } });
    expect(res.status).toBe(200);
    const text = pdfText(Buffer.from(await res.arrayBuffer()));
    for (const expected of [
      'Legal Seller B.V.',
      'Herengracht 1',
      '1015 BA Amsterdam',
      'VAT ID NL123456789B01',
      'Buyer C01 GmbH',
      'Strasse 1',
      '10115 Berlin',
      'VAT ID DE100000001',
      invoice.number!,
      'Issue date',
      invoice.issueDate!,
      'Due date',
      invoice.dueDate!,
      'Service period',
      '2026-10-01 to 2026-10-31',
      'Tax (21 %)',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('DRAFT');
  });

  test('void: 200 voided with a numbered full credit note, purchases back to rated on no invoice; repeatable; 409 for a draft', async () => {
    const id = ids.get(code(2))!;
    const before = await get<Invoice>(`/invoices/${id}`);
    expect((await get<{ status: string; invoice: string | null }>('/purchases/p-C02')).status).toBe('completed');
    const draft = await post(`/invoices/${ids.get(code(14))}/void`);
    expect(draft.status).toBe(409);
    expect((draft.body as { error: { code: string } }).error.code).toBe('invoice_not_approved');

    const voided = await post(`/invoices/${id}/void`);
    expect(voided.status).toBe(200);
    const body = voided.body as Invoice;
    expect(body).toMatchObject({ id, status: 'voided', number: before.number });
    const note = await get<Invoice>(`/invoices/${body.creditedBy}`);
    expect(note).toMatchObject({ status: 'approved', creditOf: id, number: seq(14), total: `-${before.total}` });
    expect(await get<{ status: string; invoice: string | null }>('/purchases/p-C02')).toMatchObject({ status: 'rated', invoice: null });

    const again = await post(`/invoices/${id}/void`);
    expect(again.status).toBe(200);
    expect((again.body as Invoice).creditedBy).toBe(body.creditedBy);
    expect((await get<Invoice>(`/invoices/${body.creditedBy}`)).number).toBe(seq(14));
    expect((await post(`/invoices/${id}/approve`)).status).toBe(409);
    // the next approval continues the sequence: nothing was used up by the refusals
    expect(((await post(`/invoices/${ids.get(code(14))}/approve`)).body as Invoice).number).toBe(seq(15));
  });

  test('a regenerated cycle invoices the voided purchases again, on a new draft', async () => {
    expect((await post(`/billing-cycles/${cycleId}/regenerate`)).status).toBe(202);
    await completed(cycleId, 2);
    const invoices = await invoiceOf(code(2));
    const fresh = invoices.filter((i) => i.status === 'draft');
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.number).toBeNull();
    expect(invoices.find((i) => i.status === 'voided')?.id).toBe(ids.get(code(2)));
    expect(await get<{ status: string; invoice: string | null }>('/purchases/p-C02')).toMatchObject({ status: 'invoiced', invoice: fresh[0]!.id });
  });
});
