import * as fs from 'node:fs';
import type { Page } from 'playwright-core';
import { type Account, api, eventually, newAccount } from '../integration/harness';
import { type Browser, expectAccessible, expectReadOnly, openBrowser, shot, signIn } from './browser';

/**
 * The Streams and Inbound batches screens in real Chromium against the local stack: a vendor builds a pricing
 * stream in the UI (stages added and reordered, a bad formula shown at its stage and fixed), uploads its price
 * list, runs it, reads the batch's rows, CSV and error file and publishes it; its partner sees the shared rows
 * as an inbound batch and applies them as its price rules. A viewer sees streams and batches but no write action.
 * A billing stream rates the vendor's purchases (totals per currency) and, once published, the partner's
 * computed stream built in the UI on it runs by itself.
 */

let browser: Browser;
let vendor: Account;
let partner: Account;

const at = (acct: Account) => async (method: string, p: string, body?: unknown) => {
  const r = await api(method, `/v1/accounts/${acct.id}${p}`, body, acct.key);
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as Record<string, unknown>;
};

const PRICE_LIST = 'customerCode,productCluster,unitPrice\nD,voice,0.10\nD,data\nOTHER,voice,0.09\n';

beforeAll(async () => {
  browser = await openBrowser();
  vendor = await newAccount();
  partner = await newAccount({ roles: ['distributor'] });
  const v = at(vendor);
  await v('PUT', '/customer-clusters/all', { name: 'All customers' });
  await v('PUT', '/customers/D', { name: 'Distributor D', cluster: 'all', currency: 'EUR', partnerAccount: partner.id });
  await v('PUT', '/customers/OTHER', { name: 'A direct customer', cluster: 'all', currency: 'EUR' });
  await at(partner)('PUT', '/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const label = (page: Page, text: string) => page.getByLabel(text, { exact: true });
const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

test('a vendor builds, runs and publishes a pricing stream; its partner applies the shared rows', async () => {
  const page = await browser.newPage();
  await signIn(page, vendor.id, vendor.key);
  await page.getByRole('link', { name: 'Streams', exact: true }).click();
  await page.getByText('No stream yet.').waitFor();

  // A new pricing stream over an upload, with a filter and a formula; the formula is moved first.
  await button(page, 'New stream').click();
  await label(page, 'Stream id').fill('pricelist');
  await label(page, 'Kind').selectOption('pricing');
  await label(page, 'Source').selectOption('upload');
  await label(page, 'New stage type').selectOption('filter');
  await button(page, 'Add stage').click();
  await label(page, 'New stage type').selectOption('formula');
  await button(page, 'Add stage').click();
  await label(page, 'Stage 1 fields (JSON)').fill('{"keep":"unitPrice > 0"}');
  await label(page, 'Stage 2 fields (JSON)').fill('{"column":"unitPrice","expression":"markup(unitPrice, "}');
  await page.getByRole('button', { name: 'Move stage 2 up' }).click();
  await expect(page.getByTestId('stage-1').locator('legend').textContent()).resolves.toBe('Stage 1: formula');
  await expect(page.getByTestId('stage-2').locator('legend').textContent()).resolves.toBe('Stage 2: filter');

  // The API refuses the formula; its message shows at the stage it names, not at the other one.
  await button(page, 'Save stream').click();
  await page.getByRole('alert').waitFor();
  await expect(page.getByTestId('stage-1').locator('.field-error').textContent()).resolves.toMatch(/^expression: /);
  await expect(page.getByTestId('stage-2').locator('.field-error').count()).resolves.toBe(0);
  await expect(label(page, 'Stage 1 fields (JSON)').getAttribute('aria-invalid')).resolves.toBe('true');
  await expectAccessible(page, 'streams (a stage refused)');
  await label(page, 'Stage 1 fields (JSON)').fill('{"column":"unitPrice","expression":"markup(unitPrice, 10)"}');
  await button(page, 'Save stream').click();
  await page.getByRole('status').getByText('Stream pricelist saved.').waitFor();
  const saved = await at(vendor)('GET', '/streams/pricelist');
  expect(saved).toMatchObject({
    kind: 'pricing',
    type: 'simple',
    source: { upload: true },
    currency: 'EUR',
    stages: [
      { type: 'formula', column: 'unitPrice', expression: 'markup(unitPrice, 10)' },
      { type: 'filter', keep: 'unitPrice > 0' },
    ],
  });
  await page.getByRole('link', { name: 'pricelist' }).waitFor();

  // Upload the price list (one line too short) and run January.
  await label(page, 'CSV (header first; columns may be typed name:decimal)').fill(PRICE_LIST);
  await button(page, 'Upload CSV').click();
  await page
    .getByRole('status')
    .getByText(/^Uploaded \d+ bytes: customerCode:string, productCluster:string, unitPrice:decimal/)
    .waitFor();
  await label(page, 'Run period start').fill('2027-01-01');
  await label(page, 'Run period end (exclusive)').fill('2027-02-01');
  await button(page, 'Run').click();
  await page.getByTestId('batch-status').getByText('draft').waitFor({ timeout: 60_000 });
  await expect(page.getByTestId('batch-rows').textContent()).resolves.toBe('2');
  await expect(page.getByTestId('batch-errors-count').textContent()).resolves.toBe('1');

  // The row preview, the error file, the batch in the stream's list.
  const rows = page.getByRole('table', { name: /^Rows of batch / });
  await rows.locator('tbody tr').nth(1).waitFor();
  await expect(rows.locator('tbody tr').allInnerTexts()).resolves.toEqual(['D\tvoice\t0.11', 'OTHER\tvoice\t0.099']);
  await expect(rows.locator('thead').textContent()).resolves.toMatch(/unitPrice \(decimal\)/);
  const errors = page.getByTestId('batch-errors');
  await errors.locator('tbody tr').first().waitFor();
  await expect(errors.locator('tbody tr').count()).resolves.toBe(1);
  await expect(errors.locator('tbody tr').allInnerTexts()).resolves.toEqual([
    'reading the file (input)\trecord 2: expected 3 fields, found 2\t["D","data"]',
  ]);
  await expect(page.getByTestId('stream-batches').locator('tbody tr').count()).resolves.toBe(1);
  await page.getByTestId('stream-batches').getByText('draft').waitFor();

  // The rows as CSV, with their typed header.
  const [download] = await Promise.all([page.waitForEvent('download'), button(page, 'Download CSV').click()]);
  const csv = fs
    .readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(csv).toEqual(['customerCode:string,productCluster:string,unitPrice:decimal', 'D,voice,0.11', 'OTHER,voice,0.099']);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);

  // Publishing asks first; cancelling publishes nothing.
  await button(page, 'Publish batch').click();
  await button(page, 'Cancel').click();
  await expect(page.getByTestId('batch-status').textContent()).resolves.toBe('draft');
  await button(page, 'Publish batch').click();
  await page.getByRole('group', { name: /^Publish batch .+\?$/ }).waitFor();
  await button(page, 'Confirm publish').click();
  await page.getByTestId('batch-status').getByText('published').waitFor();
  await expect(button(page, 'Publish batch').count()).resolves.toBe(0);
  await page.getByTestId('stream-batches').getByText('published').waitFor();
  await expectAccessible(page, 'streams');
  await shot(page, 'streams');
  expect(browser.problems).toEqual([]);
  await page.close();

  // The partner: D's row only, as an inbound batch, applied as its price rule.
  const other = await browser.newPage();
  await signIn(other, partner.id, partner.key);
  await other.getByRole('link', { name: 'Inbound batches', exact: true }).click();
  const inbound = other.getByRole('row', { name: new RegExp(vendor.id) });
  await inbound.waitFor({ timeout: 30_000 });
  await expect(inbound.textContent()).resolves.toContain('pricelist');
  await inbound.getByRole('link').click();
  const shared = other.getByRole('table', { name: /^Rows of inbound batch / });
  await shared.locator('tbody tr').first().waitFor();
  await expect(shared.locator('tbody tr').allInnerTexts()).resolves.toEqual(['D\tvoice\t0.11']);
  await button(other, 'Apply as price rules').click();
  await other.getByRole('status').getByText('1 price rule(s) saved: pricelist-voice (new).').waitFor();
  expect(await at(partner)('GET', '/price-rules/pricelist-voice')).toMatchObject({
    productCluster: 'voice',
    validFrom: '2027-01-01',
    model: { type: 'standard', unitPrice: '0.11' },
  });
  // The inbound batch opens by its URL alone (read by id, not looked up in the list's page); an id this account did not receive is a 404.
  const opened = other.url();
  expect(opened).toMatch(/#\/inbound-batches\/.+/);
  await other.reload();
  await shared.locator('tbody tr').first().waitFor();
  await other.getByRole('heading', { name: 'Rows 1–1 of 1' }).waitFor();
  await other.goto(`${opened.split('#')[0]}#/inbound-batches/not-shared-here`);
  await other.getByRole('alert').getByText("inbound batch 'not-shared-here' not found").waitFor();
  await other.goto(opened);
  await shared.locator('tbody tr').first().waitFor();
  await expectAccessible(other, 'inbound batches');
  await shot(other, 'inbound-batches');
  expect(browser.problems).toEqual([]);
  await other.close();
}, 240_000);

test('a viewer reads streams and batches with no write action', async () => {
  // A draft batch of February, run over the API, so that a writer would be offered Publish.
  const { batch } = (await at(vendor)('POST', '/streams/pricelist/runs', { periodStart: '2027-02-01', periodEnd: '2027-03-01' })) as {
    batch: string;
  };
  await eventually(async () => expect(await at(vendor)('GET', `/batches/${batch}`)).toMatchObject({ status: 'draft' }), 60_000);
  const key = await api('POST', `/v1/accounts/${vendor.id}/keys`, { role: 'viewer' }, vendor.key);
  expect(key.status).toBe(201);

  const page = await browser.newPage();
  await signIn(page, vendor.id, (key.body as { key: string }).key);
  await expect(page.getByTestId('role').textContent()).resolves.toBe('viewer');
  await page.getByRole('link', { name: 'Streams', exact: true }).click();
  await page.getByRole('link', { name: 'pricelist' }).click();
  await expect(page.getByTestId('stage-1').locator('legend').textContent()).resolves.toBe('Stage 1: formula');
  await page.getByRole('button', { name: `Open batch ${batch}` }).click();
  await page.getByTestId('batch-status').getByText('draft').waitFor();
  await button(page, 'Download CSV').waitFor();
  for (const name of ['New stream', 'Save stream', 'Add stage', 'Upload CSV', 'Run', 'Publish batch', 'Apply as price rules', 'Remove stage 1']) {
    await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
  }
  await expectReadOnly(page, 'streams (viewer, a stream and a batch open)');
  await expectAccessible(page, 'streams (viewer)');
  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);

test("a billing stream rates the vendor's purchases; the partner's computed stream, built in the UI, runs on what is published", async () => {
  const v = at(vendor);
  await v('PUT', '/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] });
  await v('PUT', '/price-rules/voice-std', {
    productCluster: 'voice',
    currency: 'EUR',
    validFrom: '2026-01-01',
    model: { type: 'standard', unitPrice: '0.10' },
  });
  await v('POST', '/purchases', {
    purchases: [
      { reference: 'u-1', productLabel: 'voice-min', customerCode: 'D', quantity: '100', purchaseDate: '2026-10-05' },
      { reference: 'u-2', productLabel: 'voice-min', customerCode: 'OTHER', quantity: '50', purchaseDate: '2026-10-12' },
    ],
  });
  await eventually(async () => expect(((await v('GET', '/purchases?status=rated')) as { items: unknown[] }).items).toHaveLength(2), 60_000);

  // The partner's computed stream on the vendor's `usage`: source upstream makes it computed.
  const downstream = await browser.newPage();
  await signIn(downstream, partner.id, partner.key);
  await downstream.getByRole('link', { name: 'Streams', exact: true }).click();
  await button(downstream, 'New stream').click();
  await label(downstream, 'Stream id').fill('resale');
  await label(downstream, 'Source').selectOption('upstream');
  await expect(label(downstream, 'Type').inputValue()).resolves.toBe('computed');
  await label(downstream, 'Upstream account').fill(vendor.id);
  await label(downstream, 'Upstream stream').fill('usage');
  await label(downstream, 'New stage type').selectOption('formula');
  await button(downstream, 'Add stage').click();
  await button(downstream, 'Save stream').click();
  await downstream.getByRole('status').getByText('Stream resale saved.').waitFor();

  // The vendor's usage stream: purchases, one rate stage; totals per currency.
  const page = await browser.newPage();
  await signIn(page, vendor.id, vendor.key);
  await page.getByRole('link', { name: 'Streams', exact: true }).click();
  await button(page, 'New stream').click();
  await label(page, 'Stream id').fill('usage');
  await button(page, 'Add stage').click();
  await expect(page.getByTestId('stage-1').locator('legend').textContent()).resolves.toBe('Stage 1: rate');
  await button(page, 'Save stream').click();
  await page.getByRole('status').getByText('Stream usage saved.').waitFor();
  await label(page, 'Run period start').fill('2026-10-01');
  await label(page, 'Run period end (exclusive)').fill('2026-11-01');
  await button(page, 'Run').click();
  await page.getByTestId('batch-status').getByText('draft').waitFor({ timeout: 60_000 });
  await expect(page.getByTestId('batch-totals').textContent()).resolves.toBe('15 EUR');
  await page.getByTestId('stream-batches').getByRole('cell', { name: '15 EUR' }).waitFor();
  await button(page, 'Publish batch').click();
  await button(page, 'Confirm publish').click();
  await page.getByTestId('batch-status').getByText('published').waitFor();

  // D's 10 EUR reached the partner, whose stream ran by itself and marked it up.
  await eventually(async () => {
    await downstream.reload();
    await downstream.getByRole('button', { name: /^Open batch / }).waitFor({ timeout: 2000 });
  }, 60_000);
  await downstream.getByRole('button', { name: /^Open batch / }).click();
  await downstream.getByTestId('batch-status').getByText('draft').waitFor({ timeout: 60_000 });
  await expect(downstream.getByTestId('batch-totals').textContent()).resolves.toBe('12 EUR');
  await downstream.getByText(`shared by ${vendor.id} (usage, batch `).waitFor();
  await expectAccessible(downstream, 'streams (computed)');
  expect(browser.problems).toEqual([]);
  await page.close();
  await downstream.close();
}, 240_000);
