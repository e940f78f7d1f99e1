/** Builds benchmark accounts and purchases over the public HTTP API, exactly as a client would. */

export interface Client {
  call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: unknown }>;
}

export function client(url: string): Client {
  return {
    async call(method, path, body, key) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
  };
}

export async function must(promise: Promise<{ status: number; body: unknown }>, what: string): Promise<unknown> {
  const res = await promise;
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** An account with `customers` customers (C0…), one cluster, and `products` product clusters with one alias each. */
export async function seedAccount(api: Client, adminKey: string, id: string, customers: number, products = 5): Promise<string> {
  await must(api.call('POST', '/v1/accounts', { id, name: `Bench ${id}`, roles: ['vendor'], currency: 'EUR' }, adminKey), 'account');
  const key = ((await must(api.call('POST', `/v1/accounts/${id}/keys`, { role: 'admin' }, adminKey), 'key')) as { key: string }).key;
  const base = `/v1/accounts/${id}`;
  await must(api.call('PUT', `${base}/customer-clusters/all`, { name: 'All' }, key), 'cluster');
  for (let i = 0; i < products; i++)
    await must(api.call('PUT', `${base}/product-clusters/p${i}`, { name: `Product ${i}`, aliases: [`label-${i}`] }, key), 'product');
  for (let i = 0; i < customers; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, customers - i) }, (_, j) =>
        must(
          api.call('PUT', `${base}/customers/C${i + j}`, { name: `Customer ${i + j}`, cluster: 'all', currency: 'EUR', taxRate: '21' }, key),
          'customer',
        ),
      ),
    );
  }
  return key;
}

export function purchase(n: number, customers: number, products = 5, month = '2026-10') {
  return {
    reference: `bench-${n}`,
    productLabel: `label-${n % products}`,
    customerCode: `C${n % customers}`,
    quantity: String((n % 97) + 1),
    purchaseDate: `${month}-${String((n % 28) + 1).padStart(2, '0')}T${String(n % 24).padStart(2, '0')}:00:00Z`,
    metadata: { msisdn: `3161${String(n % 1000).padStart(7, '0')}` },
  };
}

/** Posts `total` purchases in requests of 1,000, `parallel` requests at a time. Returns how many rows were answered `not_processed` and sent again. */
export async function postPurchases(
  api: Client,
  accountId: string,
  key: string,
  total: number,
  customers: number,
  offset = 0,
  parallel = 4,
  products = 5,
): Promise<number> {
  let next = 0;
  let notProcessed = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      next += 1000;
      if (start >= total) return;
      let batch = Array.from({ length: Math.min(1000, total - start) }, (_, i) => purchase(offset + start + i, customers, products));
      // A client sends again what the API answered `not_processed` (too slow a store for the request's time).
      for (let attempt = 1; batch.length; attempt++) {
        const body = (await must(api.call('POST', `/v1/accounts/${accountId}/purchases`, { purchases: batch }, key), 'purchases')) as {
          accepted: string[];
          rejected: { reference: string; code: string }[];
        };
        const later = new Set(body.rejected.filter((r) => r.code === 'not_processed').map((r) => r.reference));
        if (body.accepted.length + later.size !== batch.length || (later.size && attempt === 5))
          throw new Error(`only ${body.accepted.length} of ${batch.length} purchases accepted: ${JSON.stringify(body.rejected.slice(0, 3))}`);
        if (later.size) notProcessed += later.size;
        batch = batch.filter((p) => later.has(p.reference));
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return notProcessed;
}
