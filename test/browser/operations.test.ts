import * as fs from 'node:fs';
import type { Page } from 'playwright-core';
import { type Account, api, eventually, newAccount } from '../integration/harness';
import { type Browser, expectAccessible, expectReadOnly, openBrowser, shot, signIn } from './browser';

/**
 * Billing operations in the console (issue 13), in real Chromium against the local stack: an approved
 * invoice credited in full and another voided (after a confirmation), with the resulting credit note shown;
 * the PDF previewed in the page from a blob fetched with the key; customers edited (a bad field named
 * inline), held and released (their purchases go on hold and back), a billing day changed, clusters created
 * and an alias refused with 409 at the field. A viewer key sees all of it and no write action.
 */

let browser: Browser;
let acct: Account;
let partner: Account;
const invoiceIds: Record<string, string> = {};

const call = async (method: string, p: string, body?: unknown) => {
  const r = await api(method, `/v1/accounts/${acct.id}${p}`, body, acct.key);
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
};
const purchase = async (reference: string) =>
  (await call('GET', `/purchases/${reference}`)) as { status: string; reason: string | null; invoice: string | null };
const invoice = async (id: string) =>
  (await call('GET', `/invoices/${id}`)) as {
    status: string;
    number: string | null;
    total: string;
    creditedBy: string | null;
    creditOf: string | null;
  };

beforeAll(async () => {
  browser = await openBrowser();
  acct = await newAccount();
  partner = await newAccount({ roles: ['distributor'] });
  await call('PUT', '/customer-clusters/all', { name: 'All customers' });
  for (const [code, name] of [
    ['C1', 'Acme Telecom'],
    ['C2', 'Beta Mobile'],
    ['H1', 'Hold Co'],
  ])
    await call('PUT', `/customers/${code}`, { name, cluster: 'all', currency: 'EUR' });
  // K1's charges go on its parent C1's invoice; C1 also subscribes to a monthly fee billed in arrears.
  await call('PUT', '/customers/K1', { name: 'Kid Branch', cluster: 'all', currency: 'EUR', parent: 'C1', invoicing: 'parent' });
  await call('PUT', '/product-clusters/plans', { name: 'Plans', aliases: [] });
  await call('PUT', '/catalogues/main', { name: 'Main' });
  await call('PUT', '/offers/monthly', {
    catalogue: 'main',
    name: 'Monthly',
    currency: 'EUR',
    charges: [{ id: 'base', type: 'recurring', productCluster: 'plans', price: '30.00', period: 'month', timing: 'in-arrears' }],
  });
  await call('PUT', '/subscriptions/s1', { customer: 'C1', offer: 'monthly', startDate: '2026-10-01' });
  await call('PUT', '/product-clusters/voice', { name: 'Voice', aliases: ['call-min'] });
  await call('PUT', '/product-clusters/data', { name: 'Data', aliases: ['gb'] });
  await call('PUT', '/price-rules/voice-std', {
    productCluster: 'voice',
    currency: 'EUR',
    validFrom: '2026-01-01',
    model: { type: 'standard', unitPrice: '0.10' },
  });
  const purchases = [
    { reference: 'oct-c1', productLabel: 'call-min', customerCode: 'C1', quantity: '100', purchaseDate: '2026-10-05' },
    { reference: 'oct-k1', productLabel: 'call-min', customerCode: 'K1', quantity: '20', purchaseDate: '2026-10-07' },
    { reference: 'oct-c2', productLabel: 'call-min', customerCode: 'C2', quantity: '50', purchaseDate: '2026-10-10' },
    { reference: 'nov-h1', productLabel: 'call-min', customerCode: 'H1', quantity: '20', purchaseDate: '2026-11-03' },
  ];
  const posted = await api('POST', `/v1/accounts/${acct.id}/purchases`, { purchases }, acct.key);
  expect(posted.status).toBe(202);
  await eventually(async () => {
    for (const p of purchases) expect((await purchase(p.reference)).status).toBe('rated');
  });

  // October's cycle over the API, then both drafts approved over the API: the UI acts on approved invoices.
  const cycle = await call('POST', '/billing-cycles', { periodStart: '2026-10-01', periodEnd: '2026-11-01' });
  await eventually(async () => expect((await call('GET', `/billing-cycles/${cycle.id}`)).status).toBe('completed'), 90_000);
  for (const code of ['C1', 'C2']) {
    const page = (await call('GET', `/invoices?customer=${code}&periodStart=2026-10-01`)) as { items: { id: string }[] };
    expect(page.items).toHaveLength(1);
    invoiceIds[code] = page.items[0]!.id;
    await call('POST', `/invoices/${invoiceIds[code]}/approve`);
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

const openInvoice = async (page: Page, customer: string) => {
  await page.getByRole('link', { name: 'Invoices', exact: true }).click();
  await page.getByLabel('Customer', { exact: true }).fill(customer);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByRole('link', { name: invoiceIds[customer], exact: true }).click();
  await page.getByTestId('invoice-status').waitFor();
};

test('invoice operations: legal data, credit note, void with its credit note, PDF preview and CSV', async () => {
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);

  // C1's approved invoice: its legal data and lines; the list filtered on the customer shows it alone.
  await openInvoice(page, 'C1');
  await expect(page.locator('table.wide tbody tr').count()).resolves.toBe(1);
  const approved = await invoice(invoiceIds.C1!);
  expect(approved.number).toMatch(/-2026-\d{6}$/);
  const legal = page.getByTestId('invoice-legal');
  await expect(legal.textContent()).resolves.toContain(approved.number!);
  await expect(legal.textContent()).resolves.toMatch(/Issue date\d{4}-\d{2}-\d{2}Due date\d{4}-\d{2}-\d{2}/);
  // Every line: C1's own purchase, its subscription's fee (kind and service period) and its child K1's purchase.
  const detail = page.getByTestId('invoice-detail');
  const cells = async (name: RegExp) => (await detail.getByRole('row', { name }).allTextContents()).map((t) => t.trim());
  await expect(detail.locator('thead').textContent()).resolves.toBe('CustomerDescriptionKindService periodProduct clusterQuantityUnit priceAmount');
  await expect(cells(/recurring/)).resolves.toEqual([expect.stringMatching(/recurring2026-10-01 → 2026-11-01plans.*30\.00$/)]);
  await expect(cells(/^K1/)).resolves.toEqual([expect.stringMatching(/^K1.*voice200\.12\.00$/)]);
  await expect(page.getByTestId('invoice-total').textContent()).resolves.toBe('42.00 EUR');

  // The PDF shown in the page: fetched with the key in the header (not in the URL), framed from a blob URL.
  // (Chromium does not hand the body of a fetched attachment to response.body(): the route passes it on and keeps a copy.)
  const seen: { url: string; authorization: string | undefined; body: Buffer }[] = [];
  await page.route('**/document?format=pdf', async (route) => {
    const reply = await route.fetch();
    seen.push({ url: route.request().url(), authorization: route.request().headers().authorization, body: await reply.body() });
    await route.fulfill({ response: reply });
  });
  await page.getByRole('button', { name: 'Preview PDF' }).click();
  const frame = page.getByTestId('pdf-preview');
  await frame.waitFor();
  const src = (await frame.getAttribute('src'))!;
  expect(src).toMatch(/^blob:/);
  await eventually(() => expect(page.frames().map((f) => f.url())).toContain(src), 10_000);
  expect(seen).toHaveLength(1);
  expect(seen[0]!.url).toContain(`/invoices/${invoiceIds.C1}/document?format=pdf`);
  expect(seen[0]!.url).not.toContain(acct.key);
  expect(seen[0]!.authorization).toBe(`Bearer ${acct.key}`);
  expect(seen[0]!.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  await page.unroute('**/document?format=pdf');
  await page.getByRole('button', { name: 'Hide PDF preview' }).click();

  // The itemised CSV downloads with the key.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(fs.readFileSync((await csv.path())!, 'utf8')).toContain('oct-c1');

  // A credit note for C1's invoice: a draft reversing it in full, shown with the invoice.
  await page.getByRole('button', { name: 'Credit note…' }).click();
  await page.getByLabel('Reason for the credit note').fill('Service outage in October');
  await page.getByRole('button', { name: 'Issue credit note' }).click();
  await page
    .getByRole('status')
    .getByText(/Credit note cn_\S+ issued as a draft for -42.00 EUR/)
    .waitFor();
  const credited = await invoice(invoiceIds.C1!);
  expect(credited.creditedBy).toMatch(/^cn_/);
  const note = await invoice(credited.creditedBy!);
  expect({ status: note.status, total: note.total, creditOf: note.creditOf }).toEqual({ status: 'draft', total: '-42.00', creditOf: invoiceIds.C1 });
  await page.getByTestId('credit-note').getByText('draft').waitFor();
  expect(await page.getByRole('button', { name: 'Credit note…' }).count()).toBe(0);
  // The credit note opened from the invoice and approved: it takes the next number.
  await page.getByTestId('credit-note').getByRole('link').click();
  await page.getByRole('heading', { name: `Credit note ${credited.creditedBy}` }).waitFor();
  await page.getByRole('button', { name: 'Approve credit note' }).click();
  await page.getByTestId('invoice-status').getByText('approved').waitFor();
  const numbered = await invoice(credited.creditedBy!);
  expect(numbered.number).toMatch(/-2026-\d{6}$/);
  expect(numbered.number).not.toBe(approved.number);
  await expect(page.getByTestId('invoice-legal').textContent()).resolves.toContain(`Credit note of${invoiceIds.C1}`);

  // C2's invoice voided, after a confirmation: it is voided, its credit note approved with the next number, its purchase open again.
  await openInvoice(page, 'C2');
  await page.getByRole('button', { name: 'Void invoice…' }).click();
  await page.getByRole('group', { name: /Void .*It keeps its number/ }).waitFor();
  await expect(invoice(invoiceIds.C2!)).resolves.toMatchObject({ status: 'approved' });
  await page.getByRole('button', { name: 'Confirm void' }).click();
  await page.getByTestId('invoice-status').getByText('voided').waitFor();
  const voided = await invoice(invoiceIds.C2!);
  expect(voided.status).toBe('voided');
  const voidNote = await invoice(voided.creditedBy!);
  expect({ status: voidNote.status, total: voidNote.total }).toEqual({ status: 'approved', total: '-5.00' });
  expect(voidNote.number).toMatch(/-2026-\d{6}$/);
  const shown = page.getByTestId('credit-note');
  await shown.getByText('approved').waitFor();
  await expect(shown.textContent()).resolves.toContain(voidNote.number!);
  await expect(purchase('oct-c2')).resolves.toMatchObject({ status: 'rated', invoice: null });
  expect(await page.getByRole('button', { name: /Void invoice|Credit note…/ }).count()).toBe(0);
  await page.getByRole('button', { name: 'Preview PDF' }).click();
  await page.getByTestId('pdf-preview').waitFor();
  await expectAccessible(page, 'invoice actions');
  await shot(page, 'invoice-actions');

  expect(browser.problems).toEqual([]);
  await page.close();
}, 240_000);

test('the invoice list filtered by status and kind, as the API filters it', async () => {
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);
  await page.getByRole('link', { name: 'Invoices', exact: true }).click();
  const rows = page.locator('table.wide tbody tr');
  const listed = async () => (await rows.locator('td:first-child').allTextContents()).sort();
  const filter = async (status: string, kind: string) => {
    const requested = page.waitForResponse((r) => r.url().includes('/invoices?') && r.request().method() === 'GET');
    await page.getByLabel('Status', { exact: true }).selectOption(status);
    await page.getByLabel('Kind', { exact: true }).selectOption(kind);
    await page.getByRole('button', { name: 'Filter' }).click();
    const reply = await requested;
    await page.locator('table.wide').waitFor();
    return new URL(reply.url()).searchParams;
  };
  // What the first test left: C1 approved and credited (its credit note approved), C2 voided with its approved credit note.
  const c1 = await invoice(invoiceIds.C1!);
  const c2 = await invoice(invoiceIds.C2!);
  await eventually(async () => expect(await listed()).toEqual([invoiceIds.C1, invoiceIds.C2, c1.creditedBy, c2.creditedBy].sort()));

  const voided = await filter('voided', '');
  expect({ status: voided.get('status'), kind: voided.get('kind') }).toEqual({ status: 'voided', kind: null });
  await eventually(async () => expect(await listed()).toEqual([invoiceIds.C2]));
  await expect(rows.first().textContent()).resolves.toContain('voided');

  const credits = await filter('approved', 'credit-note');
  expect({ status: credits.get('status'), kind: credits.get('kind') }).toEqual({ status: 'approved', kind: 'credit-note' });
  await eventually(async () => expect(await listed()).toEqual([c1.creditedBy, c2.creditedBy].sort()));
  await expectAccessible(page, 'invoice list (filtered)');
  await shot(page, 'invoice-filters');

  await filter('approved', 'invoice');
  await eventually(async () => expect(await listed()).toEqual([invoiceIds.C1]));
  await filter('draft', '');
  await page.getByText('No invoice matches.').waitFor();
  expect(await rows.count()).toBe(0);
  // the filters combine with the customer's
  await page.getByLabel('Customer', { exact: true }).fill('C2');
  await filter('', 'credit-note');
  await eventually(async () => expect(await listed()).toEqual([c2.creditedBy]));

  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);

test('customers: edit with an inline error, hold and release, billing day, clusters and a taken alias', async () => {
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);
  await page.getByRole('link', { name: 'Customers' }).click();

  // Edit H1: a bad country is named next to its field; then saved with its legal data.
  await page.getByRole('button', { name: 'Edit customer H1' }).click();
  const editor = page.getByRole('form', { name: 'Edit customer H1' });
  await editor.getByLabel('Customer name').fill('Hold Company');
  await editor.getByLabel('Tax rate (percent)').fill('19');
  await editor.getByLabel('Country (ISO 3166-1 alpha-2)').fill('Germany');
  await editor.getByLabel('Legal name').fill('Hold Company GmbH');
  await editor.getByLabel('Address line 1').fill('Hauptstraße 1');
  await editor.getByLabel('Postal code').fill('10115');
  await editor.getByLabel('City').fill('Berlin');
  await editor.getByLabel('Address country').fill('DE');
  await editor.getByRole('button', { name: 'Save customer' }).click();
  await editor.getByRole('alert').waitFor();
  await expect(editor.locator('#f-cust-country-error').textContent()).resolves.toMatch(/ISO|country|code/i);
  await expectAccessible(page, 'customer editor (with an error)');
  await shot(page, 'customer-edit');
  await editor.getByLabel('Country (ISO 3166-1 alpha-2)').fill('DE');
  await editor.getByRole('button', { name: 'Save customer' }).click();
  await page.getByRole('status').getByText('Customer H1 saved').waitFor();
  await expect(call('GET', '/customers/H1')).resolves.toMatchObject({
    name: 'Hold Company',
    taxRate: '19',
    country: 'DE',
    legalName: 'Hold Company GmbH',
    address: { line1: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    onHold: false,
  });
  await page.getByText('Hold Company').waitFor();

  // On hold: its purchase waits (on-hold); released: billable again.
  await page.getByRole('button', { name: 'Put H1 on hold' }).click();
  await page.getByRole('status').getByText('Customer H1 is on hold').waitFor();
  await page.locator('.leaves li', { hasText: 'Hold Company' }).getByText('on hold').waitFor();
  await eventually(async () => expect(await purchase('nov-h1')).toMatchObject({ status: 'not-invoiced', reason: 'on-hold' }), 60_000);
  await expect(call('GET', '/customers/H1')).resolves.toMatchObject({ onHold: true, name: 'Hold Company', taxRate: '19' });
  await page.getByRole('button', { name: 'Release H1' }).click();
  await page.getByRole('status').getByText('Customer H1 is released').waitFor();
  await eventually(async () => expect(await purchase('nov-h1')).toMatchObject({ status: 'rated', reason: null }), 60_000);

  // Its billing day from 2027-01-01.
  await page.getByRole('button', { name: 'Billing day of H1' }).click();
  await page.getByLabel('New billing day (1–28)').fill('15');
  await page.getByLabel('Effective date (empty: end of the current period)').fill('2027-01-01');
  await page.getByRole('button', { name: 'Change billing day' }).click();
  await page.getByRole('status').getByText('Billing day of H1: 15 from 2027-01-01').waitFor();
  await expect(call('GET', '/customers/H1')).resolves.toMatchObject({
    billingDays: [
      { from: null, billingDay: 1 },
      { from: '2027-01-01', billingDay: 15 },
    ],
  });

  // A customer cluster under "all" (picked from the clusters), and a new customer in it invoiced to its parent C1 (picked).
  const options = async (select: ReturnType<Page['getByLabel']>) => (await select.locator('option').allTextContents()).map((t) => t.trim());
  await page.getByRole('button', { name: 'New customer cluster' }).click();
  await page.getByLabel('Customer cluster id').fill('eu');
  await page.getByLabel('Customer cluster name').fill('Europe');
  const clusterParent = page.getByLabel('Parent cluster', { exact: true });
  await expect(options(clusterParent)).resolves.toEqual(['(no parent: top level)', 'all — All customers']);
  await clusterParent.selectOption('all');
  await page.getByRole('button', { name: 'Create customer cluster' }).click();
  await page.getByRole('status').getByText('Customer cluster eu saved').waitFor();
  await expect(call('GET', '/customer-clusters/eu')).resolves.toMatchObject({ parent: 'all' });
  // "all" may not go under its own child eu: the picker offers only the top level
  await page.getByRole('button', { name: 'Edit customer cluster all' }).click();
  await expect(options(page.getByLabel('Parent cluster', { exact: true }))).resolves.toEqual(['(no parent: top level)']);
  await page.getByRole('button', { name: 'Close the editor' }).click();
  await page.getByRole('button', { name: 'New customer', exact: true }).click();
  const created = page.getByRole('form', { name: 'New customer' });
  await created.getByLabel('Customer code', { exact: true }).fill('C9');
  await created.getByLabel('Customer name').fill('Gamma Europe');
  await created.getByLabel('Customer cluster', { exact: true }).selectOption('eu');
  // The parent is a customer's code, suggested from the customers read (page by page) and checked as typed.
  const parent = created.getByLabel('Parent customer (empty: none)');
  const suggested = async () => (await page.locator('#f-cust-parent-customers option').allTextContents()).map((t) => t.trim()).sort();
  await expect(parent.inputValue()).resolves.toBe('');
  await parent.focus();
  await eventually(async () => expect(await suggested()).toEqual(['Acme Telecom', 'Beta Mobile', 'Hold Company', 'Kid Branch']), 10_000);
  await parent.fill('C1');
  await page.getByTestId('cust-parent-note').getByText('Acme Telecom (EUR)').waitFor();
  await created.getByLabel('Invoicing').selectOption('parent');
  await created.getByRole('button', { name: 'Create customer' }).click();
  await page.getByRole('status').getByText('Customer C9 saved').waitFor();
  await expect(call('GET', '/customers/C9')).resolves.toMatchObject({ cluster: 'eu', parent: 'C1', invoicing: 'parent', billingDay: 1 });
  await page.getByText('Gamma Europe').waitFor();

  // C1's own picker offers neither C1 nor those under it (K1, C9), and keeps the customer as it is.
  await page.getByRole('button', { name: 'Edit customer C1' }).click();
  const c1Parent = page.getByRole('form', { name: 'Edit customer C1' }).getByLabel('Parent customer (empty: none)');
  await c1Parent.focus();
  await eventually(async () => expect(await suggested()).toEqual(['Beta Mobile', 'Hold Company']), 10_000);
  await page.getByRole('button', { name: 'Close the editor' }).click();

  // C9 back to no parent (invoicing itself), and C2 given a partner account: an unknown one is named at its field.
  await page.getByRole('button', { name: 'Edit customer C9' }).click();
  const c9 = page.getByRole('form', { name: 'Edit customer C9' });
  await expect(c9.getByLabel('Parent customer (empty: none)').inputValue()).resolves.toBe('C1');
  await c9.getByLabel('Parent customer (empty: none)').fill('');
  await c9.getByLabel('Invoicing').selectOption('self');
  await c9.getByRole('button', { name: 'Save customer' }).click();
  await page.getByRole('status').getByText('Customer C9 saved').waitFor();
  await expect(call('GET', '/customers/C9')).resolves.toMatchObject({ parent: null, invoicing: 'self', cluster: 'eu' });
  await page.getByRole('button', { name: 'Edit customer C2' }).click();
  const c2 = page.getByRole('form', { name: 'Edit customer C2' });
  await c2.getByLabel('Partner account (empty: none)').fill('no-such-account');
  await c2.getByRole('button', { name: 'Save customer' }).click();
  await expect(c2.locator('#f-cust-partner-error').textContent()).resolves.toContain("account 'no-such-account' does not exist");
  await c2.getByLabel('Partner account (empty: none)').fill(partner.id);
  await c2.getByRole('button', { name: 'Save customer' }).click();
  await page.getByRole('status').getByText('Customer C2 saved').waitFor();
  await expect(call('GET', '/customers/C2')).resolves.toMatchObject({ partnerAccount: partner.id, name: 'Beta Mobile' });
  await page.getByRole('button', { name: 'Edit customer C2' }).click();
  await expect(page.getByLabel('Partner account (empty: none)').inputValue()).resolves.toBe(partner.id);
  await page.getByRole('button', { name: 'Close the editor' }).click();

  // An alias another cluster holds is a 409 named at the aliases; another alias is saved.
  await page.getByRole('button', { name: 'Edit product cluster data' }).click();
  const aliases = page.getByLabel('Aliases (product labels, comma-separated)');
  await aliases.fill('gb, call-min');
  await page.getByRole('button', { name: 'Save product cluster' }).click();
  await expect(page.getByRole('alert').textContent()).resolves.toMatch(/The API refused \(409\)/);
  await expect(page.locator('#f-pc-aliases-error').textContent()).resolves.toContain("'call-min' is an alias of 'voice'");
  await expect(aliases.getAttribute('aria-invalid')).resolves.toBe('true');
  await expectAccessible(page, 'product cluster editor (alias taken)');
  await expect(call('GET', '/product-clusters/data')).resolves.toMatchObject({ aliases: ['gb'] });
  await aliases.fill('gb, mb');
  await page.getByRole('button', { name: 'Save product cluster' }).click();
  await page.getByRole('status').getByText('Product cluster data saved').waitFor();
  await page.getByText('aliases: gb, mb').waitFor();
  await expect(call('GET', '/product-clusters/data')).resolves.toMatchObject({ aliases: ['gb', 'mb'] });
  await expectAccessible(page, 'customers (after the edits)');

  expect(browser.problems).toEqual([]);
  await page.close();
}, 240_000);

test('a viewer sees invoices and customers, previews a PDF, and has no write action', async () => {
  const key = await api('POST', `/v1/accounts/${acct.id}/keys`, { role: 'viewer' }, acct.key);
  expect(key.status).toBe(201);
  const page = await browser.newPage();
  await signIn(page, acct.id, (key.body as { key: string }).key);
  await expect(page.getByTestId('role').textContent()).resolves.toBe('viewer');

  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByText('Hold Company').waitFor();
  await page.getByText('aliases: call-min').waitFor();
  expect(await page.getByRole('button', { name: /Edit|Hold|on hold|Release|New customer|New product cluster|Billing day/ }).count()).toBe(0);

  await openInvoice(page, 'C1');
  await page.getByRole('button', { name: 'Preview PDF' }).click();
  await page.getByTestId('pdf-preview').waitFor();
  expect(await page.getByRole('button', { name: /Approve|Credit note…|Void invoice|Confirm void/ }).count()).toBe(0);
  await expectReadOnly(page, 'invoice (viewer)');
  await expectAccessible(page, 'invoice (viewer)');
  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);
