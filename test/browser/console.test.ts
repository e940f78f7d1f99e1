import * as fs from 'node:fs';
import { api, type Account, eventually, newAccount } from '../integration/harness';
import { type Browser, expectAccessible, expectReadOnly, openBrowser, shot, signIn } from './browser';

/**
 * The web console in real Chromium (Debian's `chromium` package, driven by playwright-core) against the
 * local stack: a month's work end to end through the UI only — sign in, map an unmapped purchase by
 * creating the missing customer, fix a price rule (its error shown inline first), preview a period, run a
 * cycle and read its report, approve an invoice and download its PDF — with no console errors, no serious
 * or critical axe-core violations, and screenshots of the main screens in docs/console/. A viewer key sees
 * no write action, and what its role may not do is shown as a 403.
 */

let browser: Browser;
let acct: Account;

const put = async (p: string, body: unknown) => {
  const r = await api('PUT', `/v1/accounts/${acct.id}${p}`, body, acct.key);
  if (r.status >= 300) throw new Error(`PUT ${p}: ${r.status} ${JSON.stringify(r.body)}`);
};
const purchase = async (reference: string) =>
  (await api('GET', `/v1/accounts/${acct.id}/purchases/${reference}`, undefined, acct.key)).body as { status: string; reason: string | null };

beforeAll(async () => {
  browser = await openBrowser();

  acct = await newAccount();
  await put('/customer-clusters/all', { name: 'All customers' });
  await put('/customers/C1', { name: 'Acme Telecom', cluster: 'all', currency: 'EUR' });
  await put('/product-clusters/voice', { name: 'Voice', aliases: ['call-min'] });
  // Valid only from 2030: October's voice purchases find no price rule until the rule is fixed.
  await put('/price-rules/voice-std', {
    productCluster: 'voice',
    currency: 'EUR',
    validFrom: '2030-01-01',
    model: { type: 'standard', unitPrice: '0.10' },
  });
  const purchases = [
    { reference: 'oct-1', productLabel: 'call-min', customerCode: 'C1', quantity: '100', purchaseDate: '2026-10-05' },
    { reference: 'oct-2', productLabel: 'call-min', customerCode: 'C1', quantity: '50', purchaseDate: '2026-10-12' },
    { reference: 'oct-3', productLabel: 'call-min', customerCode: 'C2', quantity: '30', purchaseDate: '2026-10-20' },
  ];
  const posted = await api('POST', `/v1/accounts/${acct.id}/purchases`, { purchases }, acct.key);
  expect(posted.status).toBe(202);
  await eventually(async () => {
    for (const p of purchases) if ((await purchase(p.reference)).status === 'received') throw new Error(`${p.reference} in flight`);
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

test('a month of work in the console: map, fix a rule, run a cycle, read its report, approve, download the PDF', async () => {
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);
  await expect(page.getByTestId('role').textContent()).resolves.toBe('admin');

  // Overview: what needs attention.
  await expect(page.getByTestId('count-unmapped').textContent()).resolves.toBe('1');
  await expect(page.getByTestId('count-not-invoiced').textContent()).resolves.toBe('2');
  await expectAccessible(page, 'overview');
  await shot(page, 'overview');

  // Purchases explorer: the unmapped purchase offers to create its missing customer.
  await page.getByRole('link', { name: 'unmapped' }).click();
  const row = page.locator('tr[data-reference="oct-3"]');
  await row.getByText('unknown-customer').waitFor();
  await row.getByRole('button', { name: 'Create customer' }).click();
  await page.getByLabel('Customer name').fill('Beta Mobile');
  await expectAccessible(page, 'purchases');
  await shot(page, 'purchases');
  await page.getByRole('button', { name: 'Create customer' }).last().click();
  await page.getByRole('status').getByText('Customer C2 created').waitFor();
  await eventually(async () => expect((await purchase('oct-3')).reason).toBe('no-price-rule'));

  // Price rules: a bad unit price is refused and named next to the model; then the rule is fixed.
  await page.getByRole('link', { name: 'Price rules' }).click();
  await page.getByRole('button', { name: 'Edit price rule voice-std' }).click();
  await page.getByLabel('Model (JSON)').fill('{"type":"standard","unitPrice":"ten cents"}');
  await page.getByRole('button', { name: 'Save price rule' }).click();
  await page.getByRole('alert').waitFor();
  await expect(page.locator('.field-error').first().textContent()).resolves.toMatch(/unitPrice/);
  await expectAccessible(page, 'price rules (with an error)');
  await shot(page, 'price-rules');
  await page.getByLabel('Valid from').fill('2026-01-01');
  await page.getByLabel('Model (JSON)').fill('{"type":"standard","unitPrice":"0.10"}');
  await page.getByRole('button', { name: 'Save price rule' }).click();
  await page.getByRole('status').getByText('Price rule voice-std saved').waitFor();
  await eventually(async () => {
    for (const ref of ['oct-1', 'oct-2', 'oct-3']) expect((await purchase(ref)).status).toBe('rated');
  }, 60_000);

  // The price preview of C1's October.
  await page.getByLabel('Customer code').fill('C1');
  await page.getByLabel('Period start').fill('2026-10-01');
  await page.getByLabel('Period end').fill('2026-11-01');
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByTestId('preview').textContent({ timeout: 10_000 })).resolves.toContain('subtotal 15.00 EUR');

  // Billing cycle: start October, watch it complete, read its report, troubleshoot a customer.
  await page.getByRole('link', { name: 'Billing cycles' }).click();
  await page.getByLabel('Period start').fill('2026-10-01');
  await page.getByLabel('Period end (exclusive)').fill('2026-11-01');
  await page.getByRole('button', { name: 'Start cycle' }).click();
  await page.getByTestId('cycle-status').getByText('completed').waitFor({ timeout: 90_000 });
  const report = page.getByTestId('cycle-report');
  await expect(report.textContent()).resolves.toMatch(/Invoices2/);
  await expect(report.textContent()).resolves.toContain('18.00 EUR');
  await page.getByLabel('Customer code').fill('C2');
  await page.getByRole('button', { name: 'Explain' }).click();
  await page.getByTestId('troubleshoot').waitFor();
  await expectAccessible(page, 'billing cycle');
  await shot(page, 'cycle');

  // Invoices: open C1's draft, approve it, download its PDF.
  await page.getByRole('link', { name: 'Invoices', exact: true }).click();
  await page.getByRole('row', { name: /C1/ }).getByRole('link').click();
  await expect(page.getByTestId('invoice-total').textContent()).resolves.toBe('15.00 EUR');
  await page.getByRole('button', { name: 'Approve invoice' }).click();
  await page.getByTestId('invoice-status').getByText('approved').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
  const pdf = fs.readFileSync((await download.path())!);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  await expectAccessible(page, 'invoice');
  await shot(page, 'invoice');

  // Customers and clusters as trees.
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByText('Beta Mobile').waitFor();
  await page.getByText('aliases: call-min').waitFor();
  await expectAccessible(page, 'customers');
  await shot(page, 'customers');

  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByTestId('drafts-count').getByText('1 draft invoice(s)').waitFor();
  expect(browser.problems).toEqual([]);
  await page.close();
}, 300_000);

test('a viewer key sees the data and no write action', async () => {
  const key = await api('POST', `/v1/accounts/${acct.id}/keys`, { role: 'viewer' }, acct.key);
  expect(key.status).toBe(201);
  const page = await browser.newPage();
  await signIn(page, acct.id, (key.body as { key: string }).key);
  await expect(page.getByTestId('role').textContent()).resolves.toBe('viewer');
  await page.getByTestId('count-unmapped').waitFor();

  await page.getByRole('link', { name: 'Price rules' }).click();
  await page.getByRole('button', { name: 'View price rule voice-std' }).click();
  await page.getByLabel('Model (JSON)').waitFor();
  // The rule is shown in its form, which the viewer cannot change.
  await expect(page.getByLabel('Model (JSON)').inputValue()).resolves.toContain('"standard"');
  expect(await page.getByLabel('Model (JSON)').isDisabled()).toBe(true);
  await expectReadOnly(page, 'price rules (viewer, a rule open)');
  // Every screen: no form but the read-only ones (filters, previews) takes input, no write button.
  const screens = await page.getByRole('navigation', { name: 'Screens' }).getByRole('link').allTextContents();
  expect(screens.length).toBeGreaterThanOrEqual(14);
  for (const screen of screens.filter((s) => s !== 'API keys')) {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: screen, exact: true }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.waitForLoadState('networkidle');
    await expectReadOnly(page, `${screen} (viewer)`);
  }
  await page.getByRole('link', { name: 'Billing cycles' }).click();
  await page.getByRole('table').first().waitFor();
  await page.getByRole('link', { name: 'Invoices', exact: true }).click();
  await page.getByRole('row', { name: /C2/ }).getByRole('link').click();
  await page.getByTestId('invoice-status').waitFor();
  await page.getByRole('button', { name: 'Download PDF' }).waitFor();
  for (const name of ['Approve invoice', 'Save price rule', 'New price rule', 'Start cycle', 'Create customer', 'Create alias'])
    expect({ name, count: await page.getByRole('button', { name }).count() }).toEqual({ name, count: 0 });
  await page.getByRole('link', { name: 'Price rules' }).click();
  expect(await page.getByRole('button', { name: /New price rule|Save price rule|Edit/ }).count()).toBe(0);
  await page.getByRole('link', { name: 'Billing cycles' }).click();
  expect(await page.getByRole('button', { name: 'Start cycle' }).count()).toBe(0);
  await expectAccessible(page, 'invoices (viewer)');

  // An operation the role may not do is answered 403, and the console says so.
  await page.getByRole('link', { name: 'API keys' }).click();
  await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Not allowed for this key’s role \(403\)/);
  expect(await page.getByRole('button', { name: 'Issue key' }).count()).toBe(0);
  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);
