import type { Page } from 'playwright-core';
import { adminKey, api, baseUrl, newAccount } from '../integration/harness';
import { type Browser, expectAccessible, openBrowser, shot } from './browser';

/**
 * A new user starts from nothing but the platform admin key `npm start` prints: the sign-in page's "Create an
 * account" form makes the account and its first admin key (shown once), and "Continue signed in" opens the
 * console with that key, which may write. The platform admin key is never kept by the page (not in session or
 * local storage, not in the URL). A wrong admin key, an account id taken and a bad field are the API's
 * refusals, shown at the form.
 */

let browser: Browser;
let sequence = 0;
const freshId = () => `su-${Date.now().toString(36)}-${process.pid.toString(36)}-${(sequence++).toString(36)}`;

beforeAll(async () => {
  browser = await openBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const form = (page: Page) => page.getByRole('form', { name: 'Create an account' });

async function fillSignup(page: Page, fields: { key: string; id: string; name: string; currency?: string; roles?: readonly string[] }) {
  const f = form(page);
  await f.getByLabel('Platform admin key').fill(fields.key);
  await f.getByLabel("New account's id").fill(fields.id);
  await f.getByLabel('Account name').fill(fields.name);
  for (const role of ['vendor', 'distributor', 'reseller']) await f.getByLabel(role).setChecked((fields.roles ?? ['vendor']).includes(role));
  await f.getByLabel('Currency').fill(fields.currency ?? 'EUR');
}

/** Everything the page keeps where it outlives a request: its URL, session storage and local storage. */
const kept = (page: Page) => page.evaluate('location.href + JSON.stringify(sessionStorage) + JSON.stringify(localStorage)') as Promise<string>;

test('a new user creates an account with the platform admin key, copies its admin key once and works signed in with it', async () => {
  const page = await browser.newPage();
  const id = freshId();
  await page.goto(`${baseUrl()}/console/`);
  await fillSignup(page, { key: adminKey(), id, name: 'Northwind Distribution', roles: ['vendor', 'distributor'] });
  await expectAccessible(page, 'sign-in page with the create-an-account form');
  await shot(page, 'signup');

  await form(page).getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: `Account ${id} created` }).waitFor();
  await page.getByRole('status').getByText('Copy this admin key now: it is not shown again.').waitFor();
  const key = await page.getByLabel(`Admin key of ${id}`).inputValue();
  expect(key).toMatch(/^bs_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByLabel(`Admin key of ${id}`).getAttribute('readonly')).resolves.not.toBeNull();
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText(/^(Copied to the clipboard\.|The key is selected: press Ctrl\+C)/).waitFor();
  await expectAccessible(page, 'the new account key, shown once');

  // The API holds what the form sent, and the key shown is an admin key of that account.
  const account = await api('GET', `/v1/accounts/${id}/keys`, undefined, key);
  expect(account.status).toBe(200);
  expect((account.body as { items: { role: string }[] }).items.map((k) => k.role)).toEqual(['admin']);
  expect(await kept(page)).not.toContain(adminKey());

  await page.getByRole('button', { name: 'Continue signed in' }).click();
  await page.getByRole('navigation', { name: 'Screens' }).waitFor();
  await expect(page.getByTestId('role').textContent()).resolves.toBe('admin');
  await expect(page.locator('header .who').textContent()).resolves.toContain(id);
  await page.getByRole('heading', { name: 'What needs attention' }).waitFor();
  await expect(page.getByTestId('count-unmapped').textContent()).resolves.toBe('0');
  const storage = await kept(page);
  expect(storage).toContain(key);
  expect(storage).not.toContain(adminKey());

  // One small write with the new key: a customer cluster made in the console.
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByRole('button', { name: 'New customer cluster' }).click();
  await page.getByLabel('Customer cluster id').fill('all');
  await page.getByLabel('Customer cluster name').fill('All customers');
  await page.getByRole('button', { name: 'Create customer cluster' }).click();
  await page.getByRole('status').getByText('Customer cluster all saved').waitFor();
  const cluster = await api('GET', `/v1/accounts/${id}/customer-clusters/all`, undefined, key);
  expect(cluster.status).toBe(200);
  expect(cluster.body).toMatchObject({ id: 'all', name: 'All customers' });

  // Signed out, the key is gone from the page: it was shown once.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await form(page).waitFor();
  expect(await page.locator('body').textContent()).not.toContain(key);
  expect(await kept(page)).not.toContain(key);

  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);

test('a wrong platform admin key, an account id taken and a bad field are the API refusals, shown at the form', async () => {
  const page = await browser.newPage();
  await page.goto(`${baseUrl()}/console/`);
  const alert = form(page).getByRole('alert');

  // A key that is not the platform admin key: 401, and no account is made.
  const id = freshId();
  await fillSignup(page, { key: 'bs_not-the-platform-admin-key', id, name: 'Nobody' });
  await form(page).getByRole('button', { name: 'Create account' }).click();
  await expect(alert.textContent()).resolves.toMatch(/The API refused \(401\).*unknown API key/);
  expect((await api('GET', `/v1/accounts/${id}/keys`, undefined, adminKey())).status).toBe(404);

  // An account's own admin key is no platform admin key: 403.
  const other = await newAccount();
  await form(page).getByLabel('Platform admin key').fill(other.key);
  await form(page).getByRole('button', { name: 'Create account' }).click();
  await alert.getByText('only the platform admin key may do this').waitFor();
  await expect(alert.textContent()).resolves.toContain('(403)');
  expect((await api('GET', `/v1/accounts/${id}/keys`, undefined, adminKey())).status).toBe(404);

  // An id taken: the API's 409, and the account is left as it was.
  await form(page).getByLabel('Platform admin key').fill(adminKey());
  await form(page).getByLabel("New account's id").fill(other.id);
  await form(page).getByRole('button', { name: 'Create account' }).click();
  await alert.getByText(`account '${other.id}' already exists`).waitFor();
  await expect(alert.textContent()).resolves.toContain('The API refused (409)');
  expect((await api('GET', `/v1/accounts/${other.id}/keys`, undefined, adminKey())).body).toMatchObject({ items: [{ role: 'admin' }] });

  // A bad currency and no role: 400, each named at its field.
  await form(page).getByLabel("New account's id").fill(id);
  await form(page).getByLabel('Currency').fill('euro');
  await form(page).getByLabel('vendor').uncheck();
  await form(page).getByRole('button', { name: 'Create account' }).click();
  await alert.getByText('The API refused (400)').waitFor();
  await expect(form(page).locator('#f-signup-currency-error').textContent()).resolves.toMatch(/ISO 4217/);
  await expect(form(page).locator('#signup-roles-error').textContent()).resolves.toMatch(/at least one role/);
  await expectAccessible(page, 'create-an-account form with refusals');
  expect((await api('GET', `/v1/accounts/${id}/keys`, undefined, adminKey())).status).toBe(404);
  expect(await kept(page)).not.toContain(adminKey());

  expect(browser.problems).toEqual([]);
  await page.close();
}, 120_000);
