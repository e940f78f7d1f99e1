import { type Account, api, baseUrl, eventually, newAccount } from '../integration/harness';
import { type Browser, expectAccessible, openBrowser, signIn } from './browser';

/**
 * A customer is picked by its code however many the account has: with 520 customers (more than one page of
 * 500 suggestions), the parent customer of the customer editor and the purchases explorer's filter take a
 * customer of the second page, typed and checked with GET /customers/{code}, or suggested once "More
 * customers" read the next page; a code the account does not have is named as such.
 */

const COUNT = 520;
const code = (n: number) => `c-${String(n).padStart(4, '0')}`;

let browser: Browser;
let acct: Account;

beforeAll(async () => {
  browser = await openBrowser();
  acct = await newAccount();
  expect((await api('PUT', `/v1/accounts/${acct.id}/customer-clusters/all`, { name: 'All customers' }, acct.key)).status).toBe(201);
  // One import of every customer: 520 PUTs would take most of the test's time.
  const csv = ['code,name,cluster,currency', ...Array.from({ length: COUNT }, (_, n) => `${code(n)},Customer ${n},all,EUR`)].join('\n');
  const imported = await fetch(`${baseUrl()}/v1/accounts/${acct.id}/customers/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${acct.key}`, 'content-type': 'text/csv' },
    body: csv,
  });
  expect(imported.status).toBe(200);
  const last = code(COUNT - 1);
  const posted = await api(
    'POST',
    `/v1/accounts/${acct.id}/purchases`,
    { purchases: [{ reference: 'p-last', productLabel: 'call-min', customerCode: last, quantity: '3', purchaseDate: '2026-10-05' }] },
    acct.key,
  );
  expect(posted.status).toBe(202);
  await eventually(async () => {
    const p = await api('GET', `/v1/accounts/${acct.id}/purchases/p-last`, undefined, acct.key);
    expect((p.body as { status: string }).status).not.toBe('received');
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

test('a parent customer and a purchases filter beyond the first 500 customers: typed and checked, or suggested page by page', async () => {
  const last = code(COUNT - 1);
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);

  // The customer editor: the parent is typed; the first page of suggestions is read when the field gets the focus.
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('button', { name: `Edit customer ${code(0)}` }).click();
  const parent = page.getByLabel('Parent customer (empty: none)');
  await parent.focus();
  await page.getByRole('button', { name: 'More customers (500 read)' }).waitFor();
  // The first 500 read, but for the customer edited (its own parent would loop).
  await expect(page.locator('#f-cust-parent-customers option').count()).resolves.toBe(499);
  await parent.fill('nobody');
  await page.getByTestId('cust-parent-note').getByText("no customer 'nobody' in this account").waitFor();
  await parent.fill(last);
  await page
    .getByTestId('cust-parent-note')
    .getByText(`Customer ${COUNT - 1} (EUR)`)
    .waitFor();
  await expectAccessible(page, 'customer editor (parent beyond the first page)');
  await page.getByRole('button', { name: 'Save customer' }).click();
  await page
    .getByRole('status')
    .getByText(`Customer ${code(0)} saved`)
    .waitFor();
  const saved = await api('GET', `/v1/accounts/${acct.id}/customers/${code(0)}`, undefined, acct.key);
  expect((saved.body as { parent: string | null }).parent).toBe(last);

  // The next page of suggestions on demand: every customer is offered, and nothing more is to read.
  await page.getByRole('button', { name: `Edit customer ${code(1)}` }).click();
  await page.getByLabel('Parent customer (empty: none)').focus();
  await page.getByRole('button', { name: 'More customers (500 read)' }).click();
  await eventually(async () => expect(await page.locator('#f-cust-parent-customers option').count()).toBe(COUNT - 1), 10_000);
  await expect(page.locator(`#f-cust-parent-customers option[value="${last}"]`).count()).resolves.toBe(1);
  await expect(page.getByRole('button', { name: /More customers/ }).count()).resolves.toBe(0);

  // The purchases explorer filters on a customer of the second page.
  await page.getByRole('link', { name: 'Purchases' }).click();
  const filters = page.getByRole('form', { name: 'Purchase filters' });
  await filters.getByLabel('Customer').fill(last);
  await page
    .getByTestId('customer-note')
    .getByText(`Customer ${COUNT - 1} (EUR)`)
    .waitFor();
  await filters.getByRole('button', { name: 'Filter' }).click();
  await page.locator('tr[data-reference="p-last"]').waitFor();
  await expect(page.locator('tr[data-reference]').count()).resolves.toBe(1);
  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);
