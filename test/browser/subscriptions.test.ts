import * as fs from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { type Account, api, eventually, newAccount } from '../integration/harness';
import { type Browser, expectAccessible, expectReadOnly, openBrowser, shot, signIn } from './browser';

/**
 * The recurring half of billing in the console (issue 13), in real Chromium against the local stack: an
 * offer built in the UI (its API 400 shown next to the charge it names first), a customer subscribed to it,
 * its quantity changed, paused, resumed and cancelled at the end of the term, with the history read back;
 * a quote with a discount in two versions, submitted, approved and accepted into the subscription the
 * console then opens. Lists are read again when the nav link brings the user back to them, once per visit.
 * A billing key is not offered approve or decline (the API answers it 403); the quotes list filters by
 * customer and status; a viewer's offer is read-only. 120 subscriptions are read 50 a page, one request
 * per page and none per row; an offer's catalogue is chosen from the account's catalogues, read page by page.
 */

let browser: Browser;
let acct: Account;

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
const put = async (p: string, body: unknown) => {
  const r = await api('PUT', path(p), body, acct.key);
  if (r.status >= 300) throw new Error(`PUT ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
};
const get = async <T>(p: string) => (await api('GET', path(p), undefined, acct.key)).body as T;

type Subscription = {
  quantity: string;
  status: string;
  prices: Record<string, string> | null;
  history: { type: string; effectiveDate: string; appliesFrom?: string; policy?: string; quantity?: string | null }[];
};

/** The base fee: 10 % off needs an admin's approval, more than 25 % or under 18 is refused. */
const base = (price: string) => ({
  id: 'base',
  type: 'recurring',
  productCluster: 'plans',
  price,
  period: 'month',
  timing: 'in-advance',
  floorPrice: '18',
  maxDiscount: '25',
  approvalAbove: '10',
});

/** The text of each cell of each row. */
const cells = async (rows: Locator) => Promise.all((await rows.all()).map((row) => row.locator('td').allTextContents()));

/** The query of each list request the page makes to `list` (an account's path), recorded from now on. */
function listReads(page: Page, list: string): string[] {
  const queries: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'GET' && url.pathname === list) queries.push(url.search);
  });
  return queries;
}

/** The GET requests the page makes under `prefix` (an item's path, e.g. `/subscriptions/`), recorded from now on. */
function itemReads(page: Page, prefix: string): string[] {
  const paths: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'GET' && url.pathname.startsWith(prefix)) paths.push(url.pathname);
  });
  return paths;
}

/** Waits until `read` gives `expected`: the page shows a list once its request is answered. */
const settles = <T>(read: () => Promise<T>, expected: T) => eventually(async () => expect(await read()).toEqual(expected), 15_000);

/** Runs `fn` over 0 … n-1, `width` at a time. */
async function times(n: number, width: number, fn: (i: number) => Promise<unknown>) {
  for (let start = 0; start < n; start += width) {
    await Promise.all(Array.from({ length: Math.min(width, n - start) }, (_, k) => fn(start + k)));
  }
}

const newKey = async (role: string) => ((await api('POST', path('/keys'), { role }, acct.key)).body as { key: string }).key;

async function operate(page: Page, operation: string, effectiveDate: string, fill: (page: Page) => Promise<void> = async () => {}) {
  await page.getByLabel('Operation', { exact: true }).selectOption(operation);
  await page.getByLabel('Effective date').fill(effectiveDate);
  await fill(page);
  const verb = operation[0]!.toUpperCase() + operation.slice(1);
  await page.getByRole('button', { name: `${verb} subscription` }).click();
  return page.getByRole('status').filter({ hasText: `${verb} recorded` });
}

beforeAll(async () => {
  browser = await openBrowser();
  acct = await newAccount();
  await put('/customer-clusters/all', { name: 'All customers' });
  await put('/customers/C1', { name: 'Acme Telecom', cluster: 'all', currency: 'EUR' });
  await put('/customers/C2', { name: 'Bolt Mobile', cluster: 'all', currency: 'EUR' });
  await put('/product-clusters/plans', { name: 'Plans', aliases: [] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

test('build an offer, subscribe, change, pause, resume, cancel at the end of the term; quote, approve, accept into a subscription', async () => {
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);

  // Offers: a catalogue, then an offer whose first price the API refuses, named next to its charge.
  await page.getByRole('link', { name: 'Offers' }).click();
  await page.getByRole('button', { name: 'New catalogue' }).click();
  await page.getByLabel('Catalogue id').fill('main');
  await page.getByLabel('Catalogue name').fill('Main catalogue');
  await page.getByRole('button', { name: 'Save catalogue' }).click();
  await page.getByRole('status').getByText('Catalogue main saved').waitFor();
  await page.getByRole('heading', { name: 'Offers of catalogue main' }).waitFor();

  await page.getByRole('button', { name: 'New offer' }).click();
  await page.getByLabel('Offer id').fill('team');
  const catalogueSelect = page.getByLabel('Catalogue', { exact: true });
  await expect(catalogueSelect.inputValue()).resolves.toBe('main');
  // the offer's catalogue is an option at once (its id); its name once the catalogues are read
  await catalogueSelect.locator('option', { hasText: 'main (Main catalogue)' }).waitFor({ state: 'attached' });
  await expect(catalogueSelect.locator('option').allTextContents()).resolves.toEqual(['(choose a catalogue)', 'main (Main catalogue)']);
  await page.getByLabel('Offer name').fill('Team');
  await page.getByRole('button', { name: 'Add charge' }).click();
  await page.getByLabel('New charge type').selectOption('one-off');
  await page.getByRole('button', { name: 'Add charge' }).click();
  await page.getByLabel('Charge 1 (JSON)').fill(JSON.stringify(base('-24.95')));
  await page.getByLabel('Charge 2 (JSON)').fill(JSON.stringify({ id: 'setup', type: 'one-off', productCluster: 'plans', price: '50.00' }));
  await page.getByRole('button', { name: 'Save offer' }).click();
  await page.getByRole('alert').waitFor();
  const chargeError = page.locator('#f-offer-charge-0-error');
  await expect(chargeError.textContent()).resolves.toBe('charges.0.price: must not be negative');
  await expect(page.getByLabel('Charge 1 (JSON)').getAttribute('aria-invalid')).resolves.toBe('true');
  expect(await page.locator('#f-offer-charge-1-error').count()).toBe(0);
  await expectAccessible(page, 'offers (with an error)');
  await shot(page, 'offers');
  expect((await api('GET', path('/offers/team'), undefined, acct.key)).status).toBe(404);

  await page.getByLabel('Charge 1 (JSON)').fill(JSON.stringify(base('24.95')));
  await page.getByRole('button', { name: 'Save offer' }).click();
  await page.getByRole('status').getByText('Offer team saved').waitFor();
  await page.getByTestId('offer-detail').getByRole('heading', { name: 'Offer team' }).waitFor();
  await page
    .getByRole('row', { name: /team Team main EUR/ })
    .getByText('base (recurring), setup (one-off)')
    .waitFor();
  const offer = await get<{ charges: { id: string; price: string }[] }>('/offers/team');
  expect(offer.charges.map((c) => [c.id, c.price])).toEqual([
    ['base', '24.95'],
    ['setup', '50'],
  ]);

  // Back to the list through the nav link from the offer: it is read again (an offer made meanwhile shows).
  await put('/offers/solo', { catalogue: 'main', name: 'Solo', currency: 'EUR', charges: [base('30.00')] });
  const offerReads = listReads(page, path('/offers'));
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Offers' }).click();
  await page.getByRole('row', { name: /solo Solo main EUR/ }).waitFor();
  expect(page.url()).toMatch(/#\/offers$/);
  expect(offerReads).toHaveLength(1);

  // Subscriptions: subscribe C1 forty days ago, then operate on it. Opening the screen reads its list once.
  const subscriptionReads = listReads(page, path('/subscriptions'));
  await page.getByRole('link', { name: 'Subscriptions' }).click();
  await page.getByRole('button', { name: 'New subscription' }).waitFor();
  await page.getByText('No subscription matches.').waitFor();
  expect(subscriptionReads).toHaveLength(1);
  await page.getByRole('button', { name: 'New subscription' }).click();
  await page.getByLabel('Subscription id').fill('s1');
  await page.getByLabel('Customer', { exact: true }).last().fill('C1');
  await page.getByLabel('Offer', { exact: true }).fill('team');
  await page.getByLabel('Quantity').fill('2');
  await page.getByLabel('Start date').fill(day(-40));
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.getByRole('heading', { name: 'Subscription s1' }).waitFor();
  await page.getByTestId('subscription-status').getByText('active').waitFor();
  await page.getByRole('row', { name: /s1 C1 team 2/ }).waitFor();

  const changed = await operate(page, 'change', day(-20), async (p) => {
    await p.getByLabel('Policy').selectOption('immediate');
    await p.getByLabel('New quantity (optional)').fill('5');
  });
  await expect(changed.textContent()).resolves.toContain('quantity 5');
  await expect(page.getByTestId('subscription-quantity').textContent()).resolves.toBe('5');
  await operate(page, 'pause', day(-10)).then((s) => s.waitFor());
  await page.getByTestId('subscription-status').getByText('paused').waitFor();
  await operate(page, 'resume', day(-5)).then((s) => s.waitFor());
  await page.getByTestId('subscription-status').getByText('active').waitFor();
  const cancelled = await operate(page, 'cancel', day(0), async (p) => {
    await p.getByLabel('Policy').selectOption('end-of-term');
  });
  await expect(cancelled.textContent()).resolves.toMatch(/applies from \d{4}-\d{2}-\d{2}: today active/);

  const history = page.getByTestId('subscription-history').locator('tbody tr');
  await expect(history.count()).resolves.toBe(4);
  const timeline = await cells(history);
  expect(timeline.map((row) => row.slice(0, 5))).toEqual([
    ['change', day(-20), day(-20), 'immediate', 'quantity → 5'],
    ['pause', day(-10), day(-10), '', 'no recurring fee while paused'],
    ['resume', day(-5), day(-5), '', 'recurring fees again'],
    ['cancel', day(0), expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), 'end-of-term', 'service ends'],
  ]);
  const s1 = await get<Subscription>('/subscriptions/s1');
  expect(s1).toMatchObject({ quantity: '5', status: 'active' });
  expect(s1.history.map((h) => h.type)).toEqual(['change', 'pause', 'resume', 'cancel']);
  expect(s1.history[3]!.appliesFrom! > day(0)).toBe(true);
  expect(timeline[3]![2]).toBe(s1.history[3]!.appliesFrom);
  await expectAccessible(page, 'subscription');
  await shot(page, 'subscription');

  // The nav link back to the list reads it again; so does the link of the list already shown (no hashchange).
  await put('/subscriptions/s0', { customer: 'C2', offer: 'solo', quantity: '1', startDate: day(-3) });
  subscriptionReads.length = 0;
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Subscriptions' }).click();
  await page.getByRole('row', { name: /^s0 C2 solo 1/ }).waitFor();
  expect(await page.getByTestId('subscription-detail').count()).toBe(0);
  expect(subscriptionReads).toHaveLength(1);
  await api('POST', path('/subscriptions/s0/cancel'), { effectiveDate: day(-2), policy: 'immediate' }, acct.key);
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Subscriptions' }).click();
  await page
    .getByRole('row', { name: /^s0 C2 solo 1/ })
    .getByText('cancelled')
    .waitFor();
  expect(subscriptionReads).toHaveLength(2);

  // Quotes: an unknown charge is named on its line; then version 1 at list price, version 2 at 15 % off.
  await page.getByRole('link', { name: 'Quotes' }).click();
  await page.getByRole('button', { name: 'New quote' }).click();
  await page.getByLabel('Quote id').fill('q1');
  await page.getByLabel('Customer', { exact: true }).last().fill('C1');
  await page.getByLabel('Offer', { exact: true }).fill('team');
  await page.getByLabel('Line 1 charge').fill('ghost');
  await page.getByLabel('Line 1 quantity').fill('3');
  await page.getByRole('button', { name: 'Save quote' }).click();
  await expect(page.locator('#f-line-0-charge-error').textContent()).resolves.toBe("offer 'team' has no charge 'ghost'");
  await page.getByLabel('Line 1 charge').fill('base');
  await page.getByRole('button', { name: 'Save quote' }).click();
  await page.getByRole('heading', { name: 'Quote q1' }).waitFor();
  await expect(page.getByTestId('quote-total').textContent()).resolves.toBe('74.85 EUR');

  await page.getByRole('button', { name: 'Edit quote' }).click();
  await page.getByLabel('Line 1 discount (%)').fill('15');
  await page.getByRole('button', { name: 'Save quote' }).click();
  await page.getByRole('status').getByText('Quote q1 saved as version 2 (draft)').waitFor();
  await expect(page.getByTestId('quote-total').textContent()).resolves.toBe('63.62 EUR');
  await expect(cells(page.getByTestId('quote-lines').locator('tbody tr'))).resolves.toEqual([['base', '3', '24.95', '15', '21.2075', '63.62']]);
  const versions = page.getByTestId('quote-versions').locator('tbody tr');
  await versions.nth(1).waitFor();
  expect((await cells(versions)).map((row) => row.slice(0, 4))).toEqual([
    ['1', 'draft', 'base 3 × 24.95', '74.85 EUR'],
    ['2', 'draft', 'base 3 × 21.2075', '63.62 EUR'],
  ]);

  await page.getByRole('button', { name: 'Submit quote' }).click();
  await page.getByTestId('quote-status').getByText('pending-approval').waitFor();
  await page.getByRole('button', { name: 'Approve quote' }).click();
  await page.getByTestId('quote-status').getByText('approved', { exact: true }).waitFor();
  await versions.nth(1).getByText('approved', { exact: true }).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download quote PDF' }).click()]);
  expect(
    fs
      .readFileSync((await download.path())!)
      .subarray(0, 5)
      .toString('latin1'),
  ).toBe('%PDF-');
  expect(download.suggestedFilename()).toBe('q1.pdf');
  await expectAccessible(page, 'quote');
  await shot(page, 'quote');

  await page.getByLabel('Subscription start date').fill(day(1));
  await page.getByRole('button', { name: 'Accept quote' }).click();
  await page.getByRole('heading', { name: 'Subscription q1' }).waitFor();
  expect(page.url()).toMatch(/#\/subscriptions\/q1$/);
  await expect(page.getByTestId('subscription-quantity').textContent()).resolves.toBe('3');
  await page.getByText('base 21.2075').waitFor();
  await page.getByTestId('subscription-status').getByText('pending').waitFor();
  expect(await get<Subscription>('/subscriptions/q1')).toMatchObject({ quantity: '3', prices: { base: '21.2075' } });

  // The list by status today: the accepted quote's subscription starts tomorrow, s1 is active.
  await page.getByLabel('Status today').selectOption('pending');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.getByRole('row', { name: /^s1 / }).waitFor({ state: 'detached' });
  await expect(cells(page.getByRole('table').first().locator('tbody tr'))).resolves.toEqual([
    ['q1', 'C1', 'team', '3', `${day(1)} → open`, 'pending', '—'],
  ]);

  expect(browser.problems).toEqual([]);
  await page.close();
}, 300_000);

test('a billing key is offered no approve nor decline (the API answers 403) and may not submit under the floor (the line named); quotes filtered by customer and status; a viewer sees offers, subscriptions and quotes read-only', async () => {
  await put('/quotes/q2', { customer: 'C1', offer: 'team', validUntil: day(30), lines: [{ charge: 'base', quantity: '1', discount: '20' }] });
  expect((await api('POST', path('/quotes/q2/submit'), {}, acct.key)).body).toMatchObject({ status: 'pending-approval' });
  await put('/quotes/q4', { customer: 'C2', offer: 'solo', validUntil: day(30), lines: [{ charge: 'base', quantity: '2' }] });

  const billingKey = await newKey('billing');
  const billing = await browser.newPage();
  await signIn(billing, acct.id, billingKey);
  await expect(billing.getByTestId('role').textContent()).resolves.toBe('billing');
  await billing.getByRole('link', { name: 'Quotes' }).click();
  await billing.getByRole('link', { name: 'q2' }).click();
  await billing.getByTestId('quote-status').getByText('pending-approval').waitFor();
  await billing.getByRole('button', { name: 'Edit quote' }).waitFor();
  expect(await billing.getByRole('button', { name: /Approve|Decline/ }).count()).toBe(0);
  // The buttons are an admin's because the API refuses this key both operations.
  expect((await api('POST', path('/quotes/q2/approve'), {}, billingKey)).status).toBe(403);
  expect((await api('POST', path('/quotes/q2/decline'), {}, billingKey)).status).toBe(403);
  expect((await get<{ status: string }>('/quotes/q2')).status).toBe('pending-approval');

  // The list filtered by customer, by status today, and by both.
  const listRows = billing.getByRole('table').first().locator('tbody tr');
  const quoteIds = async () => (await cells(listRows)).map((row) => row[0]);
  const filter = async (customer: string, status: string, shown: string[]) => {
    await billing.getByLabel('Customer', { exact: true }).fill(customer);
    await billing.getByLabel('Status today').selectOption(status);
    await billing.getByRole('button', { name: 'Filter' }).click();
    await settles(quoteIds, shown);
  };
  await filter('', '', ['q1', 'q2', 'q4']);
  await filter('C2', '', ['q4']);
  await expect(cells(listRows)).resolves.toEqual([['q4', 'C2', 'solo', '1', 'draft', day(30), '60.00 EUR']]);
  await filter('', 'pending-approval', ['q2']);
  await filter('C1', 'accepted', ['q1']);
  await filter('C2', 'accepted', []);
  await billing.getByText('No quote matches.').waitFor();
  await expectAccessible(billing, 'quotes filtered');
  await filter('', '', ['q1', 'q2', 'q4']);

  // A price under the floor is refused at submit, and the line it names is shown.
  await put('/quotes/q3', { customer: 'C1', offer: 'team', validUntil: day(30), lines: [{ charge: 'base', quantity: '1', unitPrice: '17.99' }] });
  await billing.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Quotes' }).click();
  await billing.getByRole('link', { name: 'q3' }).click();
  await billing.getByRole('button', { name: 'Submit quote' }).click();
  await expect(billing.getByRole('list', { name: 'Lines refused' }).textContent()).resolves.toBe(
    "Line 1: unit price 17.99 of charge 'base' is under its floor price 18",
  );
  await billing.getByTestId('quote-status').getByText('draft').waitFor();
  await expectAccessible(billing, 'quote refused at submit');
  await billing.close();

  const viewer = await browser.newPage();
  await signIn(viewer, acct.id, await newKey('viewer'));
  await expect(viewer.getByTestId('role').textContent()).resolves.toBe('viewer');
  const writes = /New|Save|Edit|Add|Remove|Subscribe|Submit|Approve|Decline|Accept|subscription$/;
  await viewer.getByRole('link', { name: 'Offers' }).click();
  await viewer.getByRole('link', { name: 'team' }).click();
  await viewer.getByLabel('Charge 1 (JSON)').waitFor();
  expect(await viewer.getByRole('button', { name: writes }).count()).toBe(0);
  // Its fields are shown as they are, not editable: the form's controls are disabled.
  for (const label of ['Offer name', 'Currency', 'Trial days', 'Parameters (JSON, optional)', 'Charge 1 (JSON)']) {
    await expect(viewer.getByLabel(label).isEditable()).resolves.toBe(false);
  }
  await expect(viewer.getByLabel('Offer name').inputValue()).resolves.toBe('Team');
  await expect(viewer.getByLabel('Catalogue', { exact: true }).isDisabled()).resolves.toBe(true);
  await expect(viewer.getByLabel('Catalogue', { exact: true }).inputValue()).resolves.toBe('main');
  await expectReadOnly(viewer, 'offer (viewer)');
  await expectAccessible(viewer, 'offer (viewer)');
  await viewer.getByRole('link', { name: 'Subscriptions' }).click();
  await viewer.getByRole('link', { name: 's1' }).click();
  await viewer.getByTestId('subscription-history').waitFor();
  expect(await viewer.getByRole('button', { name: writes }).count()).toBe(0);
  expect(await viewer.getByLabel('Operation', { exact: true }).count()).toBe(0);
  await expectReadOnly(viewer, 'subscription (viewer)');
  await viewer.getByRole('link', { name: 'Quotes' }).click();
  await viewer.getByRole('link', { name: 'q2' }).click();
  await viewer.getByTestId('quote-versions').waitFor();
  expect(await viewer.getByRole('button', { name: writes }).count()).toBe(0);
  await viewer.getByRole('button', { name: 'Download quote PDF' }).waitFor();
  await expectReadOnly(viewer, 'quote (viewer)');
  await expectAccessible(viewer, 'quote (viewer)');
  expect(browser.problems).toEqual([]);
  await viewer.close();
}, 180_000);

test('120 subscriptions are read 50 a page with the cursors, one request per page and none per row; an offer chooses among 60 catalogues read page by page', async () => {
  const big = await newAccount();
  const bigPath = (p: string) => `/v1/accounts/${big.id}${p}`;
  const bigPut = async (p: string, body: unknown) => {
    const r = await api('PUT', bigPath(p), body, big.key);
    if (r.status >= 300) throw new Error(`PUT ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  };
  await bigPut('/customer-clusters/all', { name: 'All customers' });
  await bigPut('/product-clusters/plans', { name: 'Plans', aliases: [] });
  const pad = (i: number) => String(i).padStart(4, '0');
  await times(60, 10, (i) => bigPut(`/catalogues/cat-${pad(i)}`, { name: `Catalogue ${i}` }));
  await bigPut('/offers/team', { catalogue: 'cat-0000', name: 'Team', currency: 'EUR', charges: [base('24.95')] });
  await times(2, 2, (c) => bigPut(`/customers/C${c}`, { name: `Customer ${c}`, cluster: 'all', currency: 'EUR' }));
  // 60 each: a customer's filtered list has a second page too
  await times(120, 16, (i) => bigPut(`/subscriptions/s${pad(i)}`, { customer: `C${i % 2}`, offer: 'team', quantity: '1', startDate: day(-10) }));

  const page = await browser.newPage();
  await signIn(page, big.id, big.key);
  const pages = listReads(page, bigPath('/subscriptions'));
  const items = itemReads(page, bigPath('/subscriptions/'));
  await page.getByRole('link', { name: 'Subscriptions' }).click();
  const rows = page.getByRole('table').first().locator('tbody tr');
  const firstIds = async () => (await cells(rows)).map((row) => row[0]);
  await settles(async () => rows.count(), 50);
  const first = await firstIds();
  expect(pages).toHaveLength(1);
  expect(new URLSearchParams(pages[0]).get('limit')).toBe('50');

  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByText('Page 2').waitFor();
  await settles(async () => (await firstIds())[0] !== first[0], true);
  const second = await firstIds();
  expect(second).toHaveLength(50);
  expect(second.filter((id) => first.includes(id))).toEqual([]);
  expect(pages).toHaveLength(2);
  expect(new URLSearchParams(pages[1]).get('cursor')).toBeTruthy();
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.getByText('Page 1').waitFor();
  await settles(firstIds, first);

  await page.getByLabel('Customer', { exact: true }).fill('C1');
  await page.getByRole('button', { name: 'Filter' }).click();
  await settles(async () => new Set((await cells(rows)).map((row) => row[1])), new Set(['C1']));
  expect(await rows.count()).toBe(50);
  await expect(page.getByRole('button', { name: 'Next page' }).isEnabled()).resolves.toBe(true);
  expect(pages).toHaveLength(4);
  expect(items).toEqual([]);
  await expectAccessible(page, 'subscriptions (120)');

  // The catalogue select: the first 50 catalogues, then the other 10 when asked.
  await page.getByRole('link', { name: 'Offers' }).click();
  await page.getByRole('button', { name: 'New offer' }).click();
  const options = page.getByLabel('Catalogue', { exact: true }).locator('option');
  await settles(async () => options.count(), 51);
  await page.getByRole('button', { name: 'More catalogues' }).click();
  await settles(async () => options.count(), 61);
  await page.getByRole('button', { name: 'More catalogues' }).waitFor({ state: 'detached' });
  await page.getByLabel('Catalogue', { exact: true }).selectOption('cat-0059');
  await page.getByLabel('Offer id').fill('late');
  await page.getByLabel('Offer name').fill('Late');
  await page.getByRole('button', { name: 'Add charge' }).click();
  await page.getByLabel('Charge 1 (JSON)').fill(JSON.stringify(base('20.00')));
  await page.getByRole('button', { name: 'Save offer' }).click();
  await page.getByRole('status').getByText('Offer late saved').waitFor();
  expect(((await api('GET', bigPath('/offers/late'), undefined, big.key)).body as { catalogue: string }).catalogue).toBe('cat-0059');
  expect(browser.problems).toEqual([]);
  await page.close();
}, 300_000);
