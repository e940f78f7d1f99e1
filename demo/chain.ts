import { type Client, client as makeClient, ok, type Schemas } from './client';

/**
 * The worked chain of docs/product.md §5, driven over the HTTP API exactly as a client would, with the
 * console's typed client (openapi-fetch over functions/console/api-types.ts, so every path and body is
 * checked against the OpenAPI document): vendor V rates
 * end-customer usage; routing makes distributor D pay for its customers' usage; V publishes and D
 * receives its rows; D's computed stream marks up 20 %, converts EUR → USD and re-keys the lines to its
 * reseller R from a column the purchases carry; R's stream marks up 25 % and bills its end customers.
 * Each tier then runs its billing cycle and invoices its own customers from its own batch.
 *
 * Used by `npm run demo` (prints each step) and by test/integration/streams.test.ts (asserts each figure).
 */

export interface Tier {
  id: string;
  key: string;
}

interface TierClient extends Tier {
  readonly client: Client;
  /** The path parameter of every account route. */
  readonly a: { a: string };
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

/** Runs the chain on a fresh set of three accounts (ids prefixed with `prefix`), against the API at `baseUrl`. */
export async function runWorkedChain(
  baseUrl: string,
  adminKey: string,
  prefix: string,
  log: (line: string) => void = () => undefined,
): Promise<ChainResult> {
  const platform = makeClient(baseUrl, adminKey);
  const until = async <T>(what: string, fn: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
  const account = async (suffix: string, roles: ('vendor' | 'distributor' | 'reseller')[], currency: string): Promise<TierClient> => {
    const id = `${prefix}-${suffix}`;
    ok(await platform.POST('/v1/accounts', { body: { id, name: `${suffix[0]!.toUpperCase()}${suffix.slice(1)} ${prefix}`, roles, currency } }));
    const created = ok(await platform.POST('/v1/accounts/{a}/keys', { params: { path: { a: id } }, body: { role: 'admin' } }));
    return { id, key: created.key!, client: makeClient(baseUrl, created.key!), a: { a: id } };
  };
  const batchOf = async (tier: TierClient, id: string) =>
    ok(await tier.client.GET('/v1/accounts/{a}/batches/{id}', { params: { path: { ...tier.a, id } } })) as unknown as ChainBatch;
  const finishedBatch = (tier: TierClient, id: string) =>
    until(`batch ${id} of ${tier.id}`, async () => {
      const batch = await batchOf(tier, id);
      if (batch.status === 'failed') throw new Error(`batch ${id} failed: ${JSON.stringify(batch)}`);
      return batch.status === 'running' ? null : batch;
    });
  const firstBatchOf = (tier: TierClient, stream: string) =>
    until(`the first batch of ${tier.id}/${stream}`, async () => {
      const list = ok(await tier.client.GET('/v1/accounts/{a}/streams/{id}/batches', { params: { path: { ...tier.a, id: stream } } }));
      return (list.items[0] as unknown as ChainBatch | undefined) ?? null;
    });
  const publish = async (tier: TierClient, id: string) =>
    ok(await tier.client.POST('/v1/accounts/{a}/batches/{id}/publish', { params: { path: { ...tier.a, id } } }));
  const invoicesOf = async (tier: TierClient): Promise<ChainInvoice[]> => {
    const cycle = ok(await tier.client.POST('/v1/accounts/{a}/billing-cycles', { params: { path: tier.a }, body: CHAIN_PERIOD }));
    await until(`the billing cycle of ${tier.id}`, async () => {
      const c = ok(await tier.client.GET('/v1/accounts/{a}/billing-cycles/{id}', { params: { path: { ...tier.a, id: cycle.id! } } }));
      if (c.status === 'failed') throw new Error(`cycle of ${tier.id} failed: ${JSON.stringify(c.report)}`);
      return c.status === 'completed' ? c : null;
    });
    const list = ok(
      await tier.client.GET('/v1/accounts/{a}/invoices', { params: { path: tier.a, query: { periodStart: CHAIN_PERIOD.periodStart } } }),
    );
    const invoices = await Promise.all(
      list.items.map(async (i) => ok(await tier.client.GET('/v1/accounts/{a}/invoices/{id}', { params: { path: { ...tier.a, id: i.id! } } }))),
    );
    return invoices.map(toChainInvoice).sort((a, b) => (a.customer < b.customer ? -1 : 1));
  };

  const vendor = await account('vendor', ['vendor'], 'EUR');
  const distributor = await account('distributor', ['distributor'], 'USD');
  const reseller = await account('reseller', ['reseller'], 'USD');
  log(`accounts: vendor ${vendor.id}, distributor ${distributor.id}, reseller ${reseller.id}`);

  // --- Vendor V: end customers E1, E2 buy through distributor D (routing); X buys directly.
  const v = vendor.client;
  const va = vendor.a;
  const customerCluster = (tier: TierClient, id: string, body: { name: string; parent?: string }) =>
    tier.client.PUT('/v1/accounts/{a}/customer-clusters/{id}', { params: { path: { ...tier.a, id } }, body }).then(ok);
  // The generated body types list fields that have a default as required: the demo sends those defaults.
  const customer = (tier: TierClient, code: string, body: Omit<Schemas['CustomerInput'], 'billingDay' | 'onHold'>) =>
    tier.client
      .PUT('/v1/accounts/{a}/customers/{code}', { params: { path: { ...tier.a, code } }, body: { billingDay: 1, onHold: false, ...body } })
      .then(ok);
  await customerCluster(vendor, 'all', { name: 'All customers' });
  await customerCluster(vendor, 'via-d', { name: 'Customers served through D', parent: 'all' });
  await customerCluster(vendor, 'partners', { name: 'Distribution partners', parent: 'all' });
  await customer(vendor, 'D', { name: 'Distributor D', cluster: 'partners', currency: 'EUR', partnerAccount: distributor.id });
  await customer(vendor, 'E1', { name: 'End customer E1', cluster: 'via-d', currency: 'EUR' });
  await customer(vendor, 'E2', { name: 'End customer E2', cluster: 'via-d', currency: 'EUR' });
  await customer(vendor, 'X', { name: 'Direct customer X', cluster: 'all', currency: 'EUR', taxRate: '21' });
  ok(
    await v.PUT('/v1/accounts/{a}/product-clusters/{id}', {
      params: { path: { ...va, id: 'voice' } },
      body: { name: 'Voice minutes', aliases: ['voice-min'] },
    }),
  );
  ok(
    await v.PUT('/v1/accounts/{a}/price-rules/{id}', {
      params: { path: { ...va, id: 'voice-std' } },
      body: {
        productCluster: 'voice',
        currency: 'EUR',
        validFrom: '2026-01-01',
        priority: 0,
        scope: 'purchase',
        model: { type: 'standard', unitPrice: '0.10' },
      },
    }),
  );
  ok(
    await v.PUT('/v1/accounts/{a}/routing-rules/{id}', {
      params: { path: { ...va, id: 'via-d' } },
      body: { customerCluster: 'via-d', productCluster: 'voice', targetCustomer: 'D' },
    }),
  );
  const preview = ok(
    await v.POST('/v1/accounts/{a}/price-preview', {
      params: { path: va },
      body: { productLabel: 'voice-min', customerCode: 'E1', quantity: '100', purchaseDate: '2026-10-05' },
    }),
  );
  log(
    `price preview of E1's 100 voice minutes: paid by ${preview.billedTo} (routing rule ${preview.routingRule}), ${preview.priceRule} → ${preview.amount} ${preview.currency}`,
  );
  ok(
    await v.POST('/v1/accounts/{a}/purchases', {
      params: { path: va },
      body: {
        purchases: [
          {
            reference: 'v-1',
            productLabel: 'voice-min',
            customerCode: 'E1',
            quantity: '100',
            purchaseDate: '2026-10-05',
            metadata: { reseller: 'R' },
          },
          {
            reference: 'v-2',
            productLabel: 'voice-min',
            customerCode: 'E2',
            quantity: '50',
            purchaseDate: '2026-10-12',
            metadata: { reseller: 'R' },
          },
          { reference: 'v-3', productLabel: 'voice-min', customerCode: 'X', quantity: '10', purchaseDate: '2026-10-20' },
        ],
      },
    }),
  );
  await until('the vendor purchases to be rated', async () => {
    const list = ok(await v.GET('/v1/accounts/{a}/purchases', { params: { path: va, query: { status: 'rated' } } }));
    return list.items.length === 3 ? list : null;
  });
  const stream = (tier: TierClient, id: string, body: Schemas['StreamInput']) =>
    tier.client.PUT('/v1/accounts/{a}/streams/{id}', { params: { path: { ...tier.a, id } }, body }).then(ok);
  await stream(vendor, 'usage', {
    kind: 'billing',
    type: 'simple',
    source: { purchases: true },
    currency: 'EUR',
    stages: [{ type: 'rate', product: 'productLabel', customer: 'customerCode', quantity: 'quantity', date: 'purchaseDate' }],
  });

  // --- Distributor D: re-sells to reseller R in USD with 20 % margin on cost.
  await customerCluster(distributor, 'resellers', { name: 'Resellers' });
  await customer(distributor, 'R', { name: 'Reseller R', cluster: 'resellers', currency: 'USD', partnerAccount: reseller.id });
  ok(
    await distributor.client.PUT('/v1/accounts/{a}/exchange-rates/{pair}', {
      params: { path: { ...distributor.a, pair: 'EUR-USD' } },
      body: { rate: '1.10', validFrom: '2026-01-01' },
    }),
  );
  await stream(distributor, 'resale', {
    kind: 'billing',
    type: 'computed',
    source: { account: vendor.id, stream: 'usage' },
    currency: 'USD',
    stages: [
      { type: 'formula', column: 'amount', expression: 'markup(amount, 20)', columnType: 'decimal' },
      { type: 'convert-currency', columns: ['unitPrice', 'amount'], to: 'USD', date: 'purchaseDate' },
      { type: 'copy', columns: { customerCode: 'meta.reseller' } },
    ],
  });

  // --- Reseller R: bills its end customers (the original users) with 25 % on its cost.
  await customerCluster(reseller, 'end', { name: 'End customers' });
  await customer(reseller, 'E1', { name: 'End customer E1', cluster: 'end', currency: 'USD' });
  await customer(reseller, 'E2', { name: 'End customer E2', cluster: 'end', currency: 'USD' });
  await stream(reseller, 'end-customers', {
    kind: 'billing',
    type: 'computed',
    source: { account: distributor.id, stream: 'resale' },
    currency: 'USD',
    stages: [
      { type: 'formula', column: 'amount', expression: 'markup(amount, 25)', columnType: 'decimal' },
      { type: 'copy', columns: { customerCode: 'usedBy' } },
    ],
  });

  // --- Run and publish down the chain.
  const run = ok(await v.POST('/v1/accounts/{a}/streams/{id}/runs', { params: { path: { ...va, id: 'usage' } }, body: CHAIN_PERIOD }));
  const vendorBatch = await finishedBatch(vendor, run.batch!);
  log(`vendor batch ${vendorBatch.id}: ${vendorBatch.rows} rows, totals ${JSON.stringify(vendorBatch.totals)}`);
  await publish(vendor, vendorBatch.id);

  const distributorRun = await firstBatchOf(distributor, 'resale');
  const distributorBatch = await finishedBatch(distributor, distributorRun.id);
  log(`distributor batch ${distributorBatch.id}: ${distributorBatch.rows} rows, totals ${JSON.stringify(distributorBatch.totals)}`);
  await publish(distributor, distributorBatch.id);

  const resellerRun = await firstBatchOf(reseller, 'end-customers');
  const resellerBatch = await finishedBatch(reseller, resellerRun.id);
  log(`reseller batch ${resellerBatch.id}: ${resellerBatch.rows} rows, totals ${JSON.stringify(resellerBatch.totals)}`);

  // --- Each tier invoices its own customers from its own batch.
  const invoices = { vendor: await invoicesOf(vendor), distributor: await invoicesOf(distributor), reseller: await invoicesOf(reseller) };
  log(`invoiced: vendor ${invoices.vendor.length}, distributor ${invoices.distributor.length}, reseller ${invoices.reseller.length} invoice(s)`);
  const tier = ({ id, key }: TierClient): Tier => ({ id, key });
  return {
    vendor: tier(vendor),
    distributor: tier(distributor),
    reseller: tier(reseller),
    batches: { vendor: vendorBatch, distributor: distributorBatch, reseller: resellerBatch },
    invoices,
  };
}

function toChainInvoice(invoice: Schemas['Invoice']): ChainInvoice {
  return {
    id: invoice.id!,
    customer: invoice.customer!,
    currency: invoice.currency!,
    total: invoice.total!,
    subtotal: invoice.subtotal!,
    lines: (invoice.lines ?? []).map((l) => ({ description: l.description!, quantity: l.quantity!, unitPrice: l.unitPrice!, amount: l.amount! })),
  };
}
