import { ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { D } from '../../shared/kernel/money';
import { api, baseUrl, dataDir, eventually, newAccount, type Account } from './harness';

/**
 * Billing cycles and invoices end to end over HTTP (docs/product.md §7, docs/api.md "Billing cycles and invoices"):
 * the cycle fans out through the BillingQueue on the local stack and builds drafts from the rated
 * purchases of the period.
 */

type WireReport = {
  customersInvoiced: number;
  invoices: number;
  totals: Record<string, { invoices: number; subtotal: string; tax: string; total: string }>;
  held: { count: number; customers: string[] };
  unmapped: Record<string, number>;
  notInvoiced: Record<string, number>;
  errors: { count: number; items: { customer: string | null; code: string; message: string }[] };
};
type Cycle = {
  id: string;
  periodStart: string;
  periodEnd: string;
  status: string;
  run: number;
  progress: { collectors: number; partitions: number } | null;
  report: WireReport;
};
type Line = { description: string; productCluster: string; quantity: string; unitPrice: string; amount: string; group: string | null };
type Invoice = {
  id: string;
  customer: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  status: string;
  lines: Line[];
  subtotal: string;
  taxRate: string | null;
  tax: string;
  total: string;
  approvedAt: string | null;
  creditOf: string | null;
};
type Purchase = {
  reference: string;
  status: string;
  reason: string | null;
  billedTo: string | null;
  routingRule: string | null;
  priceRule: string | null;
  invoice: string | null;
};
type ErrorBody = { error: { code: string; message: string; details: string[] } };

const OCTOBER = { periodStart: '2026-10-01', periodEnd: '2026-11-01' };
/** Customers X0… with one voice purchase each (1 × 0.0437 → 0.04, no tax). */
const EXTRA = 150;

/** The local stack's SQS endpoint, from its log (test/integration/global-setup.ts writes it to <data dir>/stack.log). */
function localSqs(): SQSClient {
  const log = readFileSync(join(dataDir(), 'stack.log'), 'utf8');
  const endpoint = /local SQS on (http:\/\/127\.0\.0\.1:\d+)/.exec(log)?.[1];
  if (!endpoint) throw new Error('the local stack log does not name its SQS endpoint');
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
}

async function billingQueueUrl(sqs: SQSClient): Promise<string> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  const url = QueueUrls.find((u) => /BillingQueue/.test(u) && !/Dlq/i.test(u));
  if (!url) throw new Error(`no BillingQueue among ${QueueUrls.join(', ')}`);
  return url;
}

describe('billing cycles and invoices over HTTP', () => {
  let acct: Account;
  let cycle: Cycle;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const get = async <T>(p: string) => (await api('GET', path(p), undefined, acct.key)).body as T;
  const put = (p: string, body: unknown) => api('PUT', path(p), body, acct.key);
  const purchase = (
    reference: string,
    customerCode: string,
    productLabel: string,
    quantity: string,
    purchaseDate = '2026-10-10',
    over: Record<string, unknown> = {},
  ) => ({
    reference,
    customerCode,
    productLabel,
    quantity,
    purchaseDate,
    ...over,
  });
  const completed = (id: string, run = 1) =>
    eventually(async () => {
      const c = await get<Cycle>(`/billing-cycles/${id}`);
      if (c.status !== 'completed' || c.run !== run) throw new Error(`cycle ${id} is ${c.status} (run ${c.run})`);
      return c;
    }, 90_000);
  const invoicesOf = async (query: string) => (await get<{ items: Invoice[]; next: string | null }>(`/invoices?${query}`)).items;
  const invoiceOf = async (customer: string) => {
    const [invoice, ...more] = (await invoicesOf(`customer=${customer}&periodStart=2026-10-01`)).filter((i) => i.creditOf === null);
    expect(more).toEqual([]);
    return invoice!;
  };

  const PURCHASES = [
    // C1 (EUR, 21 % tax): voice per purchase at 0.0437; data priced per period on the sum (graduated)
    purchase('c1-v1', 'C1', 'voice-min', '7'),
    purchase('c1-v2', 'C1', 'voice-min', '11', '2026-10-20T10:00:00Z'),
    purchase('c1-v3', 'C1', 'voice-min', '13', '2026-10-31T23:59:59Z'),
    // 30 days from 16 September: half of it (15 units, 0.6555) falls in October; journaled in both months, invoiced once
    purchase('c1-span', 'C1', 'voice-min', '30', '2026-09-16', { endDate: '2026-10-16' }),
    purchase('c1-d1', 'C1', 'data-gb', '6', '2026-10-02', { metadata: { msisdn: '31600000001' } }),
    purchase('c1-d2', 'C1', 'data-gb', '8', '2026-10-03', { metadata: { msisdn: '31600000002' } }),
    purchase('c1-sep', 'C1', 'voice-min', '100', '2026-09-30'), // another period
    // C2 (EUR, no tax) pays for its own voice and, by routing, for E1's
    purchase('c2-v1', 'C2', 'voice-min', '10'),
    purchase('e1-v1', 'E1', 'voice-min', '5'),
    // C3 (USD, 8.875 %)
    purchase('c3-v1', 'C3', 'voice-min', '3'),
    // not invoiced: held payer, unknown customer, unknown product, no price rule
    purchase('h1-v1', 'H1', 'voice-min', '4'),
    purchase('h2-f1', 'H2', 'fax-page', '2'), // held, and nothing would price it anyway
    purchase('zz-v1', 'ZZ', 'voice-min', '1'),
    purchase('c1-sms', 'C1', 'sms-out', '1'),
    purchase('c1-fax', 'C1', 'fax-page', '1'),
  ];

  beforeAll(async () => {
    acct = await newAccount();
    await put('/customer-clusters/all', { name: 'All' });
    await put('/customer-clusters/reseller-x', { name: 'Reseller X customers', parent: 'all' });
    await put('/customers/C1', { name: 'One B.V.', cluster: 'all', currency: 'EUR', taxRate: '21', country: 'NL' });
    await put('/customers/C2', { name: 'Reseller Two', cluster: 'all', currency: 'EUR' });
    await put('/customers/C3', { name: 'Three Inc.', cluster: 'all', currency: 'USD', taxRate: '8.875' });
    await put('/customers/E1', { name: 'End One', cluster: 'reseller-x', currency: 'EUR' });
    await put('/customers/H1', { name: 'Held', cluster: 'all', currency: 'EUR', onHold: true });
    await put('/customers/H2', { name: 'Held too', cluster: 'all', currency: 'EUR', onHold: true });
    await put('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
    await put('/product-clusters/data', { name: 'Data', aliases: ['data-gb'] });
    await put('/product-clusters/fax', { name: 'Fax', aliases: ['fax-page'] });
    const rule = (productCluster: string, currency: string, model: unknown, over: Record<string, unknown> = {}) => ({
      productCluster,
      currency,
      validFrom: '2026-01-01',
      model,
      ...over,
    });
    expect((await put('/price-rules/voice-eur', rule('voice', 'EUR', { type: 'standard', unitPrice: '0.0437' }))).status).toBe(201);
    expect((await put('/price-rules/voice-usd', rule('voice', 'USD', { type: 'standard', unitPrice: '0.05' }))).status).toBe(201);
    const tiers = [
      { upTo: '10', unitPrice: '1', flatFee: '2' },
      { upTo: null, unitPrice: '0.5' },
    ];
    expect((await put('/price-rules/data-eur', rule('data', 'EUR', { type: 'graduated', tiers }, { scope: 'period' }))).status).toBe(201);
    expect((await put('/routing-rules/x-voice', { customerCluster: 'reseller-x', productCluster: 'voice', targetCustomer: 'C2' })).status).toBe(201);

    // 150 small customers, so that the cycle invoices in more than one partition (100 customers each)
    for (let i = 0; i < EXTRA; i += 15) {
      await Promise.all(
        Array.from({ length: 15 }, (_, j) => put(`/customers/X${i + j}`, { name: `Extra ${i + j}`, cluster: 'all', currency: 'EUR' })),
      );
    }
    const extra = Array.from({ length: EXTRA }, (_, i) => purchase(`x-${i}`, `X${i}`, 'voice-min', '1', '2026-10-05'));
    expect((await api('POST', path('/purchases'), { purchases: extra }, acct.key)).status).toBe(202);
    // One request per purchase: many journal objects, so the cycle fans out over several collectors.
    for (const p of PURCHASES) expect((await api('POST', path('/purchases'), { purchases: [p] }, acct.key)).status).toBe(202);
    await eventually(async () => {
      for (const p of [...PURCHASES, extra[EXTRA - 1]!]) {
        const stored = await get<Purchase>(`/purchases/${p.reference}`);
        if (stored.status === 'received') throw new Error(`${p.reference} still in flight`);
      }
    }, 60_000);
  });

  test('a cycle builds one draft per customer and currency, with rounded lines, tax once and a report', async () => {
    const started = await api('POST', path('/billing-cycles'), OCTOBER, acct.key);
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ id: expect.stringMatching(/^cyc_20261001_20261101_/), status: 'running' });
    cycle = await completed((started.body as { id: string }).id);

    // 15 journal objects: 2 collectors; 157 customers: 2 partitions
    expect(cycle).toMatchObject({
      periodStart: '2026-10-01',
      periodEnd: '2026-11-01',
      progress: { collectors: 2, collected: 2, partitions: 2, invoiced: 2 },
    });
    expect(cycle.report).toEqual({
      customersInvoiced: 153,
      invoices: 153,
      totals: {
        EUR: { invoices: 152, subtotal: '22.67', tax: '3.36', total: '26.03' },
        USD: { invoices: 1, subtotal: '0.15', tax: '0.01', total: '0.16' },
      },
      held: { count: 2, customers: ['H1', 'H2'] },
      unmapped: { 'unknown-customer': 1, 'unknown-product': 1 },
      notInvoiced: { 'future-date': 0, 'no-price-rule': 1, 'on-hold': 2 },
      errors: { count: 0, items: [] },
    });

    const c1 = await invoiceOf('C1');
    expect(c1).toMatchObject({ customer: 'C1', currency: 'EUR', status: 'draft', periodStart: '2026-10-01', periodEnd: '2026-11-01', taxRate: '21' });
    // lines sorted by product cluster: data priced on the period's sum (10 × 1 + 2 fee + 4 × 0.5), voice summed then rounded once
    expect(c1.lines).toEqual([
      { description: 'Data', productCluster: 'data', quantity: '14', unitPrice: '1', amount: '14.00', group: null },
      { description: 'Voice', productCluster: 'voice', quantity: '46', unitPrice: '0.0437', amount: '2.01', group: null },
    ]);
    expect(c1).toMatchObject({ subtotal: '16.01', tax: '3.36', total: '19.37' });
    const all = await invoicesOf('periodStart=2026-10-01&limit=1000');
    expect(all).toHaveLength(153);
    expect(all.find((i) => i.customer === 'X7')).toMatchObject({ lines: [{ quantity: '1', amount: '0.04' }], total: '0.04' });
    for (const invoice of all) {
      const lines = invoice.lines.reduce((sum, line) => sum.plus(line.amount), new D(0));
      expect(lines.toFixed(2)).toBe(invoice.subtotal);
      expect(new D(invoice.subtotal).plus(invoice.tax).toFixed(2)).toBe(invoice.total);
    }

    // E1's voice is routed to C2: one line of 15 units, 0.6555 rounded half-up
    expect(await invoiceOf('C2')).toMatchObject({
      currency: 'EUR',
      lines: [{ productCluster: 'voice', quantity: '15', amount: '0.66' }],
      subtotal: '0.66',
      tax: '0.00',
      total: '0.66',
    });
    expect(await invoiceOf('C3')).toMatchObject({ currency: 'USD', subtotal: '0.15', tax: '0.01', total: '0.16' });
    expect(await invoicesOf('customer=H1')).toEqual([]);

    // the purchases are on their drafts; the held, unmapped and unpriced ones are not
    const c1v1 = await get<Purchase>('/purchases/c1-v1');
    expect(c1v1).toMatchObject({ status: 'invoiced', invoice: c1.id });
    expect(await get<Purchase>('/purchases/e1-v1')).toMatchObject({ status: 'invoiced', billedTo: 'C2', invoice: (await invoiceOf('C2')).id });
    expect(await get<Purchase>('/purchases/h1-v1')).toMatchObject({ status: 'not-invoiced', reason: 'on-hold', invoice: null });
    expect(await get<Purchase>('/purchases/c1-sep')).toMatchObject({ status: 'rated', invoice: null });
    expect((await get<Invoice>(`/invoices/${c1.id}`)).total).toBe('19.37');
  });

  test('concurrent starts of one period make one cycle; starting it again answers that cycle', async () => {
    const september = { periodStart: '2026-09-01', periodEnd: '2026-10-01' };
    const responses = await Promise.all(Array.from({ length: 6 }, () => api('POST', path('/billing-cycles'), september, acct.key)));
    const ids = new Set(responses.map((r) => (r.body as { id: string }).id));
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const done = await completed(id!);
    // September: c1-sep (100 × 0.0437) and the first half of c1-span (15 units, 0.6555) → 4.37 + 0.6555 = 5.0255 → 5.03
    expect(done.report).toMatchObject({ customersInvoiced: 1, invoices: 1, totals: { EUR: { subtotal: '5.03', tax: '1.06', total: '6.09' } } });

    const again = await api('POST', path('/billing-cycles'), september, acct.key);
    expect(again).toMatchObject({ status: 202, body: { id, status: 'completed' } });
    const listed = await get<{ items: Cycle[] }>('/billing-cycles');
    expect(listed.items.filter((c) => c.periodStart === '2026-09-01')).toHaveLength(1);
    expect(await invoicesOf('periodStart=2026-09-01')).toHaveLength(1);
  });

  test('redelivered and stale cycle messages make no second invoice and count nothing twice', async () => {
    const sqs = localSqs();
    const queue = await billingQueueUrl(sqs);
    const before = (await invoicesOf('periodStart=2026-10-01&limit=1000')).map((i) => i.id).sort();

    // Regenerate, and deliver the new run's start twice more while it runs, plus messages of the finished run.
    const regenerated = await api('POST', path(`/billing-cycles/${cycle.id}/regenerate`), undefined, acct.key);
    expect(regenerated).toMatchObject({ status: 202, body: { id: cycle.id, status: 'running', run: 2 } });
    const ref = { accountId: acct.id, cycleId: cycle.id };
    const send = (body: unknown) => sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify(body) }));
    await send({ type: 'cycle-start', ...ref, run: 2 });
    await send({ type: 'cycle-start', ...ref, run: 2 });
    await send({ type: 'cycle-invoice', ...ref, run: 1, partition: 0 });
    await send({ type: 'cycle-start', ...ref, run: 1 });

    const again = await completed(cycle.id, 2);
    expect(again.report).toEqual(cycle.report);
    expect((await invoicesOf('periodStart=2026-10-01&limit=1000')).map((i) => i.id).sort()).toEqual(before);
    // and once it has finished, a redelivered start of its run does nothing either
    await send({ type: 'cycle-start', ...ref, run: 2 });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await get<Cycle>(`/billing-cycles/${cycle.id}`)).toMatchObject({ status: 'completed', run: 2, report: cycle.report });
    expect(await invoiceOf('C1')).toMatchObject({ status: 'draft', total: '19.37' });
  });

  test('documents: the PDF, and the itemised CSV listing every purchase of the invoice', async () => {
    const c1 = await invoiceOf('C1');
    const pdf = await fetchRaw(`/invoices/${c1.id}/document?format=pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const csv = await fetchRaw(`/invoices/${c1.id}/document?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.contentType).toMatch(/^text\/csv/);
    const [header, ...records] = csv.bytes.toString('utf8').trim().split('\r\n');
    expect(header).toBe('reference,purchaseDate,endDate,productLabel,productCluster,usedBy,quantity,unitPrice,amount,currency,group,meta.msisdn');
    expect(records.map((r) => r.split(',')[0]).sort()).toEqual(['c1-d1', 'c1-d2', 'c1-span', 'c1-v1', 'c1-v2', 'c1-v3']);
    expect(records.find((r) => r.startsWith('c1-span,'))).toContain(',15,,0.6555,EUR,');

    const bad = await api('GET', path(`/invoices/${c1.id}/document?format=xml`), undefined, acct.key);
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.code).toBe('invalid_input');
  });

  test('the troubleshooting bundle: purchases with their decisions, lines and invoice in one answer', async () => {
    const bundle = await get<{
      cycle: { id: string };
      customer: { code: string } | null;
      summary: { purchases: number; byStatus: Record<string, number> };
      purchases: (Purchase & { inPeriod: { quantity: string; amount: string | null } | null })[];
      invoices: Invoice[];
    }>(`/billing-cycles/${cycle.id}/customers/C2`);
    expect(bundle.cycle.id).toBe(cycle.id);
    expect(bundle.customer).toMatchObject({ code: 'C2' });
    expect(bundle.summary).toMatchObject({ purchases: 2, byStatus: { invoiced: 2 } });
    const routed = bundle.purchases.find((p) => p.reference === 'e1-v1');
    expect(routed).toMatchObject({
      billedTo: 'C2',
      routingRule: 'x-voice',
      priceRule: 'voice-eur',
      status: 'invoiced',
      inPeriod: { quantity: '5', amount: '0.2185' },
    });
    expect(bundle.invoices).toHaveLength(1);
    expect(bundle.invoices[0]).toMatchObject({ customer: 'C2', total: '0.66', lines: [{ productCluster: 'voice', amount: '0.66' }] });

    const unknown = await get<{ customer: unknown; purchases: Purchase[] }>(`/billing-cycles/${cycle.id}/customers/ZZ`);
    expect(unknown.customer).toBeNull();
    expect(unknown.purchases).toMatchObject([{ reference: 'zz-v1', status: 'unmapped', reason: 'unknown-customer' }]);
    expect((await api('GET', path('/billing-cycles/cyc_nope/customers/C2'), undefined, acct.key)).status).toBe(404);
  });

  test('approval freezes the invoice and completes its purchases; approving again is a 409', async () => {
    const c1 = await invoiceOf('C1');
    const approved = await api('POST', path(`/invoices/${c1.id}/approve`), undefined, acct.key);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id: c1.id, status: 'approved', approvedAt: expect.any(String), total: '19.37' });
    const twice = await api('POST', path(`/invoices/${c1.id}/approve`), undefined, acct.key);
    expect(twice.status).toBe(409);
    expect((twice.body as ErrorBody).error.code).toBe('invoice_approved');
    for (const reference of ['c1-v1', 'c1-v2', 'c1-v3', 'c1-span', 'c1-d1', 'c1-d2']) {
      expect(await get<Purchase>(`/purchases/${reference}`)).toMatchObject({ status: 'completed', invoice: c1.id });
    }
    const pdf = await fetchRaw(`/invoices/${c1.id}/document?format=pdf`);
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    // A regeneration keeps the approved invoice as it is.
    expect((await api('POST', path(`/billing-cycles/${cycle.id}/regenerate`), undefined, acct.key)).status).toBe(202);
    const third = await completed(cycle.id, 3);
    expect(third.report.invoices).toBe(153);
    expect(await get<Invoice>(`/invoices/${c1.id}`)).toMatchObject({
      status: 'approved',
      approvedAt: (approved.body as Invoice).approvedAt,
      total: '19.37',
    });
  });

  test('credit notes: only for an approved invoice, once, with every amount negated', async () => {
    const c1 = await invoiceOf('C1');
    const credited = await api('POST', path(`/invoices/${c1.id}/credit-notes`), { reason: 'wrong voice tariff' }, acct.key);
    expect(credited.status).toBe(201);
    expect(credited.body).toMatchObject({
      id: expect.stringMatching(/^cn_20261001_/),
      creditOf: c1.id,
      status: 'draft',
      subtotal: '-16.01',
      tax: '-3.36',
      total: '-19.37',
      reason: 'wrong voice tariff',
    });
    const again = await api('POST', path(`/invoices/${c1.id}/credit-notes`), { reason: 'again' }, acct.key);
    expect(again.status).toBe(409);
    const draft = await invoiceOf('C2');
    const ofDraft = await api('POST', path(`/invoices/${draft.id}/credit-notes`), { reason: 'x' }, acct.key);
    expect(ofDraft.status).toBe(409);
    expect((ofDraft.body as ErrorBody).error.code).toBe('invoice_not_approved');
    expect((await api('POST', path(`/invoices/${c1.id}/credit-notes`), {}, acct.key)).status).toBe(400);
    const note = credited.body as Invoice;
    expect((await fetchRaw(`/invoices/${note.id}/document?format=pdf`)).bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  test('an export of the period lines is written to S3 and downloadable', async () => {
    const created = await api('POST', path('/exports'), { kind: 'lines', format: 'csv', ...OCTOBER }, acct.key);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^exp_/),
      status: 'running',
      rows: null,
      key: expect.stringMatching(new RegExp(`^exports/${acct.id}/exp_.*\\.csv$`)),
    });
    const id = (created.body as { id: string }).id;
    const file = await eventually(async () => {
      const res = await fetchRaw(`/exports/${id}`);
      if (res.status !== 200) throw new Error(`export ${id}: ${res.status}`);
      return res;
    }, 60_000);
    expect(file.contentType).toMatch(/^text\/csv/);
    const [header, ...records] = file.bytes.toString('utf8').trim().split('\r\n');
    expect(header!.split(',').slice(0, 3)).toEqual(['invoiceId', 'issuedBy', 'customer']);
    // C1 (2 lines), C2 (1), C3 (1), the X customers (150), the credit note of C1 (2)
    expect(records).toHaveLength(156);
    expect((await api('POST', path('/exports'), { kind: 'everything', format: 'csv', ...OCTOBER }, acct.key)).status).toBe(400);
    expect((await api('GET', path('/exports/exp_unknown'), undefined, acct.key)).status).toBe(404);
  });

  test('all invoices of the account, page by page, latest period first', async () => {
    const seen: Invoice[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Invoice[]; next: string | null } = await get(`/invoices?limit=40${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(40);
      seen.push(...page.items);
      cursor = page.next;
    } while (cursor);
    // October: 153 invoices and a credit note; September: one invoice
    expect(seen).toHaveLength(155);
    expect(new Set(seen.map((i) => i.id)).size).toBe(155);
    expect(seen.at(-1)).toMatchObject({ periodStart: '2026-09-01', customer: 'C1' });
    expect((await api('GET', path('/invoices?cursor=nonsense'), undefined, acct.key)).status).toBe(400);
  });

  test('late purchases of a finished period regenerate its drafts; an approved invoice is kept and the report says so', async () => {
    const before = await get<Cycle>(`/billing-cycles/${cycle.id}`);
    const late = [purchase('c2-late', 'C2', 'voice-min', '10', '2026-10-25'), purchase('c1-late', 'C1', 'voice-min', '1', '2026-10-26')];
    expect((await api('POST', path('/purchases'), { purchases: late }, acct.key)).status).toBe(202);
    // Skipped (only) when the chunk consumer is not wired to the billing queue: see .scratch/billing-wiring.md.
    const after = await completed(cycle.id, before.run + 1);
    // C2: (10 + 5 + 10) × 0.0437 = 1.0925 → 1.09; C1's approved invoice stays at 19.37
    expect(await invoiceOf('C2')).toMatchObject({ status: 'draft', lines: [{ quantity: '25', amount: '1.09' }], total: '1.09' });
    expect(await get<Purchase>('/purchases/c2-late')).toMatchObject({ status: 'invoiced', invoice: (await invoiceOf('C2')).id });
    expect(await get<Invoice>(`/invoices/${(await invoiceOf('C1')).id}`)).toMatchObject({ status: 'approved', total: '19.37' });
    expect(await get<Purchase>('/purchases/c1-late')).toMatchObject({ status: 'rated', invoice: null });
    expect(after.report.errors.items).toEqual([
      { customer: 'C1', code: 'invoice_approved', message: expect.stringMatching(/^1 purchase\(s\) are not on invoice inv_/) },
    ]);
    expect(after.report.totals.EUR).toMatchObject({ invoices: 152, subtotal: '23.10' });
  });

  test('the billing schedule: PUT and GET, validated, deletable', async () => {
    expect((await api('GET', path('/billing-schedule'), undefined, acct.key)).status).toBe(404);
    const created = await put('/billing-schedule', { dayOfMonth: 15 });
    expect(created).toMatchObject({ status: 201, body: { dayOfMonth: 15 } });
    expect(await get('/billing-schedule')).toMatchObject({ dayOfMonth: 15 });
    expect((await put('/billing-schedule', { dayOfMonth: 1 })).status).toBe(200);
    expect(await get('/billing-schedule')).toMatchObject({ dayOfMonth: 1 });
    const bad = await put('/billing-schedule', { dayOfMonth: 31 });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.details).toEqual(['dayOfMonth: must be from 1 to 28']);
    expect((await api('DELETE', path('/billing-schedule'), undefined, acct.key)).status).toBe(204);
    expect((await api('GET', path('/billing-schedule'), undefined, acct.key)).status).toBe(404);
  });

  test('a viewer reads invoices but cannot start cycles or approve', async () => {
    const key = await api('POST', `/v1/accounts/${acct.id}/keys`, { role: 'viewer' }, acct.key);
    const viewer = (key.body as { key: string }).key;
    expect((await api('GET', path(`/billing-cycles/${cycle.id}`), undefined, viewer)).status).toBe(200);
    expect((await api('POST', path('/billing-cycles'), OCTOBER, viewer)).status).toBe(403);
    expect((await api('POST', path(`/invoices/${(await invoiceOf('C2')).id}/approve`), undefined, viewer)).status).toBe(403);
    const other = await newAccount();
    expect((await api('GET', `/v1/accounts/${other.id}/billing-cycles/${cycle.id}`, undefined, other.key)).status).toBe(404);
  });

  async function fetchRaw(p: string): Promise<{ status: number; contentType: string; bytes: Buffer }> {
    const res = await fetch(`${baseUrl()}${path(p)}`, { headers: { authorization: `Bearer ${acct.key}` } });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
  }
});
