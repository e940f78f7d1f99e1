import { api, type Account, eventually, newAccount } from '../integration/harness';
import { type Browser, expectAccessible, expectReadOnly, openBrowser, shot, signIn } from './browser';

/**
 * Routing rules, "price this purchase" and the overview's exact counts in real Chromium against the local
 * stack: a routing rule created in the UI, an overlapping one refused with the overlapped rule named next to
 * its fields; a purchase priced in the preview showing the winning rule, its amount and a losing rule with its
 * reason; the overview counting purchases exactly. No console error, no serious or critical axe violation.
 */

let browser: Browser;
let acct: Account;
let viewer: string;

const put = async (p: string, body: unknown) => {
  const r = await api('PUT', `/v1/accounts/${acct.id}${p}`, body, acct.key);
  if (r.status >= 300) throw new Error(`PUT ${p}: ${r.status} ${JSON.stringify(r.body)}`);
};

beforeAll(async () => {
  browser = await openBrowser();
  acct = await newAccount();
  viewer = ((await api('POST', `/v1/accounts/${acct.id}/keys`, { role: 'viewer' }, acct.key)).body as { key: string }).key;
  await put('/customer-clusters/all', { name: 'All customers' });
  await put('/customer-clusters/via-d', { name: 'Served through D', parent: 'all' });
  await put('/customer-clusters/partners', { name: 'Partners', parent: 'all' });
  await put('/customers/D', { name: 'Distributor D', cluster: 'partners', currency: 'EUR' });
  await put('/customers/E1', { name: 'End customer E1', cluster: 'via-d', currency: 'EUR' });
  await put('/product-clusters/products', { name: 'All products', aliases: [] });
  await put('/product-clusters/voice', { name: 'Voice', parent: 'products', aliases: ['voice-min'] });
  const rule = (productCluster: string, unitPrice: string, over: Record<string, unknown> = {}) => ({
    productCluster,
    currency: 'EUR',
    validFrom: '2026-01-01',
    model: { type: 'standard', unitPrice },
    ...over,
  });
  await put('/price-rules/voice-partners', rule('voice', '0.05', { customerCluster: 'partners' }));
  await put('/price-rules/voice-promo', rule('voice', '0.01', { customerCluster: 'partners', priority: 5 }));
  await put('/price-rules/products', rule('products', '0.10'));
  const purchases = [
    { reference: 'p1', productLabel: 'voice-min', customerCode: 'E1', quantity: '100', purchaseDate: '2026-10-05' },
    { reference: 'p2', productLabel: 'voice-min', customerCode: 'NOBODY', quantity: '5', purchaseDate: '2026-10-06' },
    { reference: 'p3', productLabel: 'satellite', customerCode: 'E1', quantity: '5', purchaseDate: '2026-10-07' },
  ];
  expect((await api('POST', `/v1/accounts/${acct.id}/purchases`, { purchases }, acct.key)).status).toBe(202);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

test('routing rules with their overlap shown inline, a purchase priced with every candidate, exact overview counts of what waits', async () => {
  const page = await browser.newPage();
  await signIn(page, acct.id, acct.key);

  // Overview: exact counts from the counts endpoint
  await expect(page.getByTestId('count-unmapped').textContent()).resolves.toBe('2');
  await expect(page.getByTestId('count-not-invoiced').textContent()).resolves.toBe('0');
  await expect(page.getByTestId('count-total').textContent()).resolves.toBe('2 purchase(s) waiting');
  await expect(page.getByTestId('count-rated').count()).resolves.toBe(0);
  await expectAccessible(page, 'overview');

  // Routing rules: create one in the UI
  await page.getByRole('link', { name: 'Routing rules' }).click();
  await page.getByRole('heading', { name: 'Routing rules', level: 1 }).waitFor();
  await page.getByText('No routing rule').waitFor();
  await page.getByRole('button', { name: 'New routing rule' }).click();
  const form = page.getByRole('form', { name: 'New routing rule' });
  await form.getByLabel('Rule id').fill('via-d');
  await form.getByLabel('Customer cluster (whose purchases)').fill('via-d');
  await form.getByLabel('Product cluster (of which products)').fill('voice');
  await form.getByLabel('Target customer (who pays)').fill('D');
  await form.getByRole('button', { name: 'Save routing rule' }).click();
  await page.getByRole('status').getByText('Routing rule via-d saved').waitFor();
  await page.getByRole('row', { name: /via-d voice D/ }).waitFor();

  // An overlapping rule (all ⊃ via-d, products ⊃ voice) is refused: the overlapped rule is named on the fields
  await page.getByRole('button', { name: 'New routing rule' }).click();
  await form.getByLabel('Rule id').fill('everything');
  await form.getByLabel('Customer cluster (whose purchases)').fill('all');
  await form.getByLabel('Product cluster (of which products)').fill('products');
  await form.getByLabel('Target customer (who pays)').fill('D');
  await form.getByRole('button', { name: 'Save routing rule' }).click();
  await form.getByRole('alert').waitFor();
  const customerField = form.getByLabel('Customer cluster (whose purchases)');
  await expect(customerField.getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(form.locator('#f-routing-customer-cluster-error').textContent()).resolves.toContain("overlaps routing rule 'via-d'");
  await expect(form.locator('#f-routing-product-cluster-error').textContent()).resolves.toContain("overlaps routing rule 'via-d'");
  await expectAccessible(page, 'routing-rules');
  await shot(page, 'routing-rules');
  // …and the overlapped rule opens from there
  await form.getByRole('button', { name: 'Open routing rule via-d' }).click();
  await page.getByRole('form', { name: 'Edit routing rule via-d' }).waitFor();

  // The stored purchase is routed again to D, in the background
  await eventually(async () => {
    const p = (await api('GET', `/v1/accounts/${acct.id}/purchases/p1`, undefined, acct.key)).body as { billedTo: string; amount: string };
    expect(p).toMatchObject({ billedTo: 'D', amount: '5' });
  }, 45_000);

  // Price this purchase: E1's voice minutes are paid by D, priced by D's cluster rule; the promo loses on priority
  await page.getByRole('link', { name: 'Price rules' }).click();
  const preview = page.getByRole('form', { name: 'Price this purchase' });
  await preview.getByLabel('Product label').fill('voice-min');
  await preview.getByLabel('Customer (who used it)').fill('E1');
  await preview.getByLabel('Quantity').fill('120');
  await preview.getByLabel('Purchase date').fill('2026-10-10');
  await preview.getByRole('button', { name: 'Price it' }).click();
  const result = page.getByTestId('price-result');
  await expect(result.getByTestId('winning-rule').textContent()).resolves.toBe('voice-partners');
  await expect(result.textContent()).resolves.toContain('6 EUR');
  await expect(result.textContent()).resolves.toContain('paid by D (routing rule via-d)');
  await expect(page.getByTestId('candidate-voice-promo').textContent()).resolves.toContain('lower-priority');
  await expect(page.getByTestId('candidate-voice-promo').textContent()).resolves.toContain('priority 5 against its 0 (lower wins)');
  await expect(page.getByTestId('candidate-products').textContent()).resolves.toContain('less-specific');
  await expectAccessible(page, 'price-preview');
  await shot(page, 'price-preview');

  // A bad quantity is named next to its field
  await preview.getByLabel('Quantity').fill('lots');
  await preview.getByRole('button', { name: 'Price it' }).click();
  await preview.locator('#f-pp-quantity-error').waitFor();
  await expect(preview.getByLabel('Quantity').getAttribute('aria-invalid')).resolves.toBe('true');

  expect(browser.problems).toEqual([]);
  await page.close();
});

test('a viewer sees routing rules without write actions and may still price a purchase', async () => {
  const page = await browser.newPage();
  await signIn(page, acct.id, viewer);
  await page.getByRole('link', { name: 'Routing rules' }).click();
  await page.getByRole('button', { name: 'View routing rule via-d' }).click();
  const form = page.getByRole('form', { name: 'Edit routing rule via-d' });
  await form.waitFor();
  await expect(page.getByRole('button', { name: 'New routing rule' }).count()).resolves.toBe(0);
  await expect(form.getByRole('button', { name: 'Save routing rule' }).count()).resolves.toBe(0);
  await expect(form.getByLabel('Target customer (who pays)').inputValue()).resolves.toBe('D');
  await expect(form.getByLabel('Target customer (who pays)').isDisabled()).resolves.toBe(true);
  await expectReadOnly(page, 'routing rules (viewer, a rule open)');

  await page.getByRole('link', { name: 'Price rules' }).click();
  const preview = page.getByRole('form', { name: 'Price this purchase' });
  await preview.getByLabel('Product label').fill('voice-min');
  await preview.getByLabel('Customer (who used it)').fill('E1');
  await preview.getByLabel('Purchase date').fill('2026-10-10');
  await preview.getByRole('button', { name: 'Price it' }).click();
  await expect(page.getByTestId('winning-rule').textContent()).resolves.toBe('voice-partners');
  await expectAccessible(page, 'price-preview (viewer)');
  expect(browser.problems).toEqual([]);
  await page.close();
});
