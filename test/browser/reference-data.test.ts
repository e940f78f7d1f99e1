import type { Page } from 'playwright-core';
import { type Account, api, eventually, newAccount } from '../integration/harness';
import { type Browser, expectAccessible, expectReadOnly, openBrowser, shot, signIn } from './browser';

/**
 * The "Reference data" screen in real Chromium against the local stack: exchange rates and lookup tables
 * created and replaced in the UI, the API's 400s shown at the field they name; a stream run over an upload
 * reads both (lookup, then convert-currency) and its 25 rows are paged through in the batch's row preview.
 * A viewer reads the tables, opens one by its URL and has no write action.
 */

let browser: Browser;
let acct: Account;

const at = (a: Account) => async (method: string, p: string, body?: unknown) => {
  const r = await api(method, `/v1/accounts/${a.id}${p}`, body, a.key);
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
};

beforeAll(async () => {
  browser = await openBrowser();
  acct = await newAccount();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const label = (page: Page, text: string) => page.getByLabel(text, { exact: true });
const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
const fieldError = (page: Page, text: string) => label(page, text).locator('xpath=..').locator('.field-error');

test('exchange rates and lookup tables are created and replaced in the UI; refused input is named at its field', async () => {
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);
  await page.getByRole('link', { name: 'Reference data', exact: true }).click();
  await page.getByRole('heading', { name: 'Exchange rates and lookup tables' }).waitFor();
  await page.getByText('No exchange rate yet.').waitFor();
  await page.getByText('No lookup table yet.').waitFor();

  // A pair from a currency to itself is named at the currencies; then a rate that is not a decimal, at Rate only.
  await label(page, 'From currency').fill('EUR');
  await label(page, 'To currency').fill('EUR');
  await label(page, 'Rate (1 From = rate To)').fill('1.10');
  await label(page, 'Valid from (date or date-time)').fill('2027-01-01');
  await button(page, 'Save exchange rate').click();
  await expect(fieldError(page, 'To currency').textContent()).resolves.toBe('FROM and TO must differ');
  await expect(fieldError(page, 'Rate (1 From = rate To)').count()).resolves.toBe(0);
  await label(page, 'To currency').fill('USD');
  await label(page, 'Rate (1 From = rate To)').fill('one point one');
  await button(page, 'Save exchange rate').click();
  await expect(fieldError(page, 'To currency').count()).resolves.toBe(0);
  await expect(fieldError(page, 'Rate (1 From = rate To)').textContent()).resolves.toMatch(/decimal/);
  await expect(label(page, 'Rate (1 From = rate To)').getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(fieldError(page, 'Valid from (date or date-time)').count()).resolves.toBe(0);
  await expectAccessible(page, 'reference data (a rate refused)');

  await label(page, 'Rate (1 From = rate To)').fill('1.10');
  await button(page, 'Save exchange rate').click();
  await page.getByRole('status').getByText('Exchange rate EUR-USD from 2027-01-01 created: 1 EUR = 1.10 USD.').waitFor();
  const rates = page.getByTestId('exchange-rates');
  await rates.getByRole('cell', { name: '1.10' }).waitFor();

  // Edit the entry from the list: the same pair and validFrom is replaced, not added.
  await page.getByRole('button', { name: 'Edit EUR-USD from 2027-01-01' }).click();
  await expect(label(page, 'Rate (1 From = rate To)').inputValue()).resolves.toBe('1.10');
  await label(page, 'Rate (1 From = rate To)').fill('1.12');
  await button(page, 'Save exchange rate').click();
  await page.getByRole('status').getByText('Exchange rate EUR-USD from 2027-01-01 replaced: 1 EUR = 1.12 USD.').waitFor();
  await rates.getByRole('cell', { name: '1.12' }).waitFor();
  await expect(rates.locator('tbody tr').allInnerTexts()).resolves.toEqual(['EUR-USD\t2027-01-01\t1.12\tEdit']);
  expect(await at(acct)('GET', '/exchange-rates/EUR-USD')).toEqual({
    pair: 'EUR-USD',
    from: 'EUR',
    to: 'USD',
    rates: [{ rate: '1.12', validFrom: '2027-01-01' }],
  });

  // A lookup table with a duplicate key: the row it names is shown at Rows; fixed, it is created and opened.
  await button(page, 'New lookup table').click();
  await label(page, 'Table id').fill('skus');
  await label(page, 'Key column').fill('sku');
  await label(page, 'Rows (JSON array of objects)').fill('[{"sku":"A","name":"Alpha"},{"sku":"A","name":"Beta"}]');
  await button(page, 'Save lookup table').click();
  await expect(fieldError(page, 'Rows (JSON array of objects)').textContent()).resolves.toBe("rows.1.sku: duplicate key 'A'");
  await label(page, 'Rows (JSON array of objects)').fill('not json');
  await button(page, 'Save lookup table').click();
  await expect(fieldError(page, 'Rows (JSON array of objects)').textContent()).resolves.toBe('not a JSON array of objects');
  await label(page, 'Rows (JSON array of objects)').fill('[{"sku":"A","name":"Alpha"},{"sku":"B","name":"Beta"}]');
  await button(page, 'Save lookup table').click();
  await page.getByRole('status').getByText('Lookup table skus created: 2 row(s) by sku.').waitFor();
  await page.waitForURL(/#\/reference-data\/skus$/);
  const preview = page.getByRole('table', { name: 'Rows of lookup table skus' });
  await preview.locator('tbody tr').nth(1).waitFor();
  await expect(preview.locator('tbody tr').allInnerTexts()).resolves.toEqual(['A\tAlpha', 'B\tBeta']);
  await expect(page.getByTestId('lookup-tables').locator('tbody tr').allInnerTexts()).resolves.toEqual([expect.stringMatching(/^skus\tsku\t2\t/)]);

  // Replacing the opened table: a third row.
  await label(page, 'Rows (JSON array of objects)').fill('[{"sku":"A","name":"Alpha"},{"sku":"B","name":"Beta"},{"sku":"C","name":"Gamma"}]');
  await button(page, 'Save lookup table').click();
  await page.getByRole('status').getByText('Lookup table skus replaced: 3 row(s) by sku.').waitFor();
  await preview.locator('tbody tr').nth(2).waitFor();
  expect(await at(acct)('GET', '/lookup-tables/skus')).toMatchObject({
    id: 'skus',
    key: 'sku',
    rows: [{ sku: 'A' }, { sku: 'B' }, { sku: 'C', name: 'Gamma' }],
  });
  await expectAccessible(page, 'reference data');
  await shot(page, 'reference-data');
  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);

test("a stream reads the tables; the batch's 25 rows are paged through 20 at a time", async () => {
  // Prepare: an upload stream that looks each sku up and converts its amount to USD at 1.12.
  const a = at(acct);
  await a('PUT', '/streams/resale', {
    kind: 'billing',
    type: 'simple',
    source: { upload: true },
    currency: 'EUR',
    stages: [
      { type: 'lookup', table: 'skus', key: 'sku', columns: ['name'] },
      { type: 'convert-currency', columns: ['amount'], to: 'USD' },
    ],
  });
  const lines = Array.from({ length: 25 }, (_, i) => `${'ABC'[i % 3]},${i + 1},EUR,2027-01-15`);
  const upload = await fetch(`${process.env.BILLSTREAM_TEST_URL}/v1/accounts/${acct.id}/streams/resale/upload`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${acct.key}`, 'content-type': 'text/csv' },
    body: `sku,amount:decimal,currency,purchaseDate:date\n${lines.join('\n')}\n`,
  });
  expect(upload.status).toBe(200);
  const { batch } = (await a('POST', '/streams/resale/runs', { periodStart: '2027-01-01', periodEnd: '2027-02-01' })) as { batch: string };
  await eventually(async () => expect(await a('GET', `/batches/${batch}`)).toMatchObject({ status: 'draft', rows: 25, errors: 0 }), 60_000);

  // Act: the batch in the console, then its second page of rows.
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);
  await page.goto(`${page.url().split('#')[0]}#/streams/resale`);
  await page.getByRole('button', { name: `Open batch ${batch}` }).click();
  const rows = page.getByRole('table', { name: `Rows of batch ${batch}` });
  const preview = page.getByTestId('rows-preview');
  await rows.locator('tbody tr').nth(19).waitFor();
  await preview.getByRole('heading', { name: 'Rows 1–20 of 25' }).waitFor();
  await expect(rows.locator('tbody tr').count()).resolves.toBe(20);
  expect((await rows.locator('tbody tr').allInnerTexts())[0]).toBe('A\t1.12\tUSD\t2027-01-15\tAlpha');
  await preview.getByRole('button', { name: 'Next page' }).click();
  await preview.getByRole('heading', { name: 'Rows 21–25 of 25' }).waitFor();

  // Assess: rows 21 to 25 (amount 21 … 25 at 1.12), then back to the first page.
  await expect(rows.locator('tbody tr').allInnerTexts()).resolves.toEqual([
    'C\t23.52\tUSD\t2027-01-15\tGamma',
    'A\t24.64\tUSD\t2027-01-15\tAlpha',
    'B\t25.76\tUSD\t2027-01-15\tBeta',
    'C\t26.88\tUSD\t2027-01-15\tGamma',
    'A\t28\tUSD\t2027-01-15\tAlpha',
  ]);
  await expect(preview.getByRole('button', { name: 'Next page' }).isDisabled()).resolves.toBe(true);
  await preview.getByRole('button', { name: 'Previous page' }).click();
  await preview.getByRole('heading', { name: 'Rows 1–20 of 25' }).waitFor();
  await expectAccessible(page, 'streams (rows paged)');
  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);

test('a viewer reads the tables and opens one by its URL, with no write action', async () => {
  const key = await api('POST', `/v1/accounts/${acct.id}/keys`, { role: 'viewer' }, acct.key);
  expect(key.status).toBe(201);
  const page = await browser.newPage();
  await signIn(page, acct.id, (key.body as { key: string }).key);
  await expect(page.getByTestId('role').textContent()).resolves.toBe('viewer');
  await page.goto(`${page.url().split('#')[0]}#/reference-data/skus`);
  await page.getByTestId('exchange-rates').getByRole('cell', { name: '1.12' }).waitFor();
  const preview = page.getByRole('table', { name: 'Rows of lookup table skus' });
  await preview.locator('tbody tr').nth(2).waitFor();
  for (const name of ['Save exchange rate', 'Save lookup table', 'New lookup table', 'Edit EUR-USD from 2027-01-01']) {
    await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
  }
  await expect(page.getByRole('textbox').count()).resolves.toBe(0);
  await expectReadOnly(page, 'reference data (viewer)');
  await expectAccessible(page, 'reference data (viewer)');
  expect(browser.problems).toEqual([]);
  await page.close();
}, 60_000);
