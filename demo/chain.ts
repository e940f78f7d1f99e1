/**
 * The worked chain of docs/product.md §5, driven over the HTTP API exactly as a client would: vendor V rates
 * end-customer usage; routing makes distributor D pay for its customers' usage; V publishes and D
 * receives its rows; D's computed stream marks up 20 %, converts EUR → USD and re-keys the lines to its
 * reseller R from a column the purchases carry; R's stream marks up 25 % and bills its end customers.
 * Each tier then runs its billing cycle and invoices its own customers from its own batch.
 *
 * Used by `npm run demo` (prints each step) and by test/integration/streams.test.ts (asserts each figure).
 */

export type Call = (method: string, path: string, body?: unknown, key?: string | null) => Promise<{ status: number; body: unknown }>;

export interface Tier {
  id: string;
  key: string;
}

export interface ChainBatch {
  id: string;
  status: string;
  rows: number;
  errors: number;
  totals: Record<string, string>;
  periodStart: string;
  periodEnd: string;
}

export interface ChainInvoice {
  id: string;
  customer: string;
  currency: string;
  total: string;
  subtotal: string;
  lines: { description: string; quantity: string; unitPrice: string; amount: string }[];
}

export interface ChainResult {
  vendor: Tier;
  distributor: Tier;
  reseller: Tier;
  batches: { vendor: ChainBatch; distributor: ChainBatch; reseller: ChainBatch };
  invoices: { vendor: ChainInvoice[]; distributor: ChainInvoice[]; reseller: ChainInvoice[] };
}

export const CHAIN_PERIOD = { periodStart: '2026-10-01', periodEnd: '2026-11-01' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the chain on a fresh set of three accounts (ids prefixed with `prefix`). */
export async function runWorkedChain(
  call: Call,
  adminKey: string,
  prefix: string,
  log: (line: string) => void = () => undefined,
): Promise<ChainResult> {
  const ok = async (method: string, path: string, body: unknown, key: string | null, expect: number[] = [200, 201, 202]) => {
    const res = await call(method, path, body, key);
    if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const until = async <T>(what: string, fn: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
  const account = async (suffix: string, roles: string[], currency: string): Promise<Tier> => {
    const id = `${prefix}-${suffix}`;
    await ok('POST', '/v1/accounts', { id, name: `${suffix[0]!.toUpperCase()}${suffix.slice(1)} ${prefix}`, roles, currency }, adminKey);
    const created = await ok('POST', `/v1/accounts/${id}/keys`, { role: 'admin' }, adminKey);
    return { id, key: created.key as string };
  };
  const at = (tier: Tier) => ({
    put: (path: string, body: unknown) => ok('PUT', `/v1/accounts/${tier.id}${path}`, body, tier.key),
    post: (path: string, body?: unknown) => ok('POST', `/v1/accounts/${tier.id}${path}`, body ?? {}, tier.key),
    get: (path: string) => ok('GET', `/v1/accounts/${tier.id}${path}`, undefined, tier.key),
  });
  const finishedBatch = (tier: Tier, id: string) =>
    until(`batch ${id} of ${tier.id}`, async () => {
      const batch = (await at(tier).get(`/batches/${id}`)) as unknown as ChainBatch;
      if (batch.status === 'failed') throw new Error(`batch ${id} failed: ${JSON.stringify(batch)}`);
      return batch.status === 'running' ? null : batch;
    });
  const firstBatchOf = (tier: Tier, stream: string) =>
    until(`the first batch of ${tier.id}/${stream}`, async () => {
      const list = (await at(tier).get(`/streams/${stream}/batches`)) as { items: ChainBatch[] };
      return list.items[0] ?? null;
    });
  const invoicesOf = async (tier: Tier): Promise<ChainInvoice[]> => {
    const cycle = await at(tier).post('/billing-cycles', CHAIN_PERIOD);
    await until(`the billing cycle of ${tier.id}`, async () => {
      const c = await at(tier).get(`/billing-cycles/${cycle.id as string}`);
      if (c.status === 'failed') throw new Error(`cycle of ${tier.id} failed: ${JSON.stringify(c.report)}`);
      return c.status === 'completed' ? c : null;
    });
    const list = (await at(tier).get(`/invoices?periodStart=${CHAIN_PERIOD.periodStart}`)) as { items: { id: string }[] };
    const invoices = await Promise.all(list.items.map(async (i) => (await at(tier).get(`/invoices/${i.id}`)) as unknown as ChainInvoice));
    return invoices.sort((a, b) => (a.customer < b.customer ? -1 : 1));
  };

  const vendor = await account('vendor', ['vendor'], 'EUR');
  const distributor = await account('distributor', ['distributor'], 'USD');
  const reseller = await account('reseller', ['reseller'], 'USD');
  log(`accounts: vendor ${vendor.id}, distributor ${distributor.id}, reseller ${reseller.id}`);

  // --- Vendor V: end customers E1, E2 buy through distributor D (routing); X buys directly.
  const v = at(vendor);
  await v.put('/customer-clusters/all', { name: 'All customers' });
  await v.put('/customer-clusters/via-d', { name: 'Customers served through D', parent: 'all' });
  await v.put('/customer-clusters/partners', { name: 'Distribution partners', parent: 'all' });
  await v.put('/customers/D', { name: 'Distributor D', cluster: 'partners', currency: 'EUR', partnerAccount: distributor.id });
  await v.put('/customers/E1', { name: 'End customer E1', cluster: 'via-d', currency: 'EUR' });
  await v.put('/customers/E2', { name: 'End customer E2', cluster: 'via-d', currency: 'EUR' });
  await v.put('/customers/X', { name: 'Direct customer X', cluster: 'all', currency: 'EUR', taxRate: '21' });
  await v.put('/product-clusters/voice', { name: 'Voice minutes', aliases: ['voice-min'] });
  await v.put('/price-rules/voice-std', {
    productCluster: 'voice',
    currency: 'EUR',
    validFrom: '2026-01-01',
    model: { type: 'standard', unitPrice: '0.10' },
  });
  await v.put('/routing-rules/via-d', { customerCluster: 'via-d', productCluster: 'voice', targetCustomer: 'D' });
  await v.post('/purchases', {
    purchases: [
      { reference: 'v-1', productLabel: 'voice-min', customerCode: 'E1', quantity: '100', purchaseDate: '2026-10-05', metadata: { reseller: 'R' } },
      { reference: 'v-2', productLabel: 'voice-min', customerCode: 'E2', quantity: '50', purchaseDate: '2026-10-12', metadata: { reseller: 'R' } },
      { reference: 'v-3', productLabel: 'voice-min', customerCode: 'X', quantity: '10', purchaseDate: '2026-10-20' },
    ],
  });
  await until('the vendor purchases to be rated', async () => {
    const list = (await v.get('/purchases?status=rated')) as { items: unknown[] };
    return list.items.length === 3 ? list : null;
  });
  await v.put('/streams/usage', { kind: 'billing', type: 'simple', source: { purchases: true }, currency: 'EUR', stages: [{ type: 'rate' }] });

  // --- Distributor D: re-sells to reseller R in USD with 20 % margin on cost.
  const d = at(distributor);
  await d.put('/customer-clusters/resellers', { name: 'Resellers' });
  await d.put('/customers/R', { name: 'Reseller R', cluster: 'resellers', currency: 'USD', partnerAccount: reseller.id });
  await d.put('/exchange-rates/EUR-USD', { rate: '1.10', validFrom: '2026-01-01' });
  await d.put('/streams/resale', {
    kind: 'billing',
    type: 'computed',
    source: { account: vendor.id, stream: 'usage' },
    currency: 'USD',
    stages: [
      { type: 'formula', column: 'amount', expression: 'markup(amount, 20)' },
      { type: 'convert-currency', columns: ['unitPrice', 'amount'], to: 'USD' },
      { type: 'copy', columns: { customerCode: 'meta.reseller' } },
    ],
  });

  // --- Reseller R: bills its end customers (the original users) with 25 % on its cost.
  const r = at(reseller);
  await r.put('/customer-clusters/end', { name: 'End customers' });
  await r.put('/customers/E1', { name: 'End customer E1', cluster: 'end', currency: 'USD' });
  await r.put('/customers/E2', { name: 'End customer E2', cluster: 'end', currency: 'USD' });
  await r.put('/streams/end-customers', {
    kind: 'billing',
    type: 'computed',
    source: { account: distributor.id, stream: 'resale' },
    currency: 'USD',
    stages: [
      { type: 'formula', column: 'amount', expression: 'markup(amount, 25)' },
      { type: 'copy', columns: { customerCode: 'usedBy' } },
    ],
  });

  // --- Run and publish down the chain.
  const run = await v.post('/streams/usage/runs', CHAIN_PERIOD);
  const vendorBatch = await finishedBatch(vendor, run.batch as string);
  log(`vendor batch ${vendorBatch.id}: ${vendorBatch.rows} rows, totals ${JSON.stringify(vendorBatch.totals)}`);
  await v.post(`/batches/${vendorBatch.id}/publish`);

  const distributorRun = await firstBatchOf(distributor, 'resale');
  const distributorBatch = await finishedBatch(distributor, distributorRun.id);
  log(`distributor batch ${distributorBatch.id}: ${distributorBatch.rows} rows, totals ${JSON.stringify(distributorBatch.totals)}`);
  await d.post(`/batches/${distributorBatch.id}/publish`);

  const resellerRun = await firstBatchOf(reseller, 'end-customers');
  const resellerBatch = await finishedBatch(reseller, resellerRun.id);
  log(`reseller batch ${resellerBatch.id}: ${resellerBatch.rows} rows, totals ${JSON.stringify(resellerBatch.totals)}`);

  // --- Each tier invoices its own customers from its own batch.
  const invoices = { vendor: await invoicesOf(vendor), distributor: await invoicesOf(distributor), reseller: await invoicesOf(reseller) };
  log(`invoiced: vendor ${invoices.vendor.length}, distributor ${invoices.distributor.length}, reseller ${invoices.reseller.length} invoice(s)`);
  return { vendor, distributor, reseller, batches: { vendor: vendorBatch, distributor: distributorBatch, reseller: resellerBatch }, invoices };
}
