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

/** What `POST /purchases` answers (202), as far as a client resending reads it. */
export interface PurchaseAnswer {
  accepted: string[];
  duplicates: string[];
  rejected: { reference: string | null; code: string }[];
}

/**
 * Sends purchases as a well-behaved client does: the rows answered `not_processed` (the store was too slow
 * to claim them within the request) go again, at most `attempts` sends in all, and the answers are merged
 * into one (a row still `not_processed` after the last send stays rejected so). A reply that is not 202
 * ends it: `answer` is null and `reply` is that reply. `resent` counts the rows sent again.
 */
export async function sendUntilProcessed<P extends { reference: string }, R extends { status: number; body: unknown }>(
  send: (purchases: readonly P[]) => Promise<R>,
  purchases: readonly P[],
  attempts = 5,
): Promise<{ reply: R; answer: PurchaseAnswer | null; resent: number }> {
  const answer: PurchaseAnswer = { accepted: [], duplicates: [], rejected: [] };
  let pending = purchases;
  let resent = 0;
  for (let attempt = 1; ; attempt++) {
    const reply = await send(pending);
    if (reply.status !== 202) return { reply, answer: null, resent };
    const body = reply.body as PurchaseAnswer;
    const last = attempt >= attempts;
    const later = new Set(body.rejected.filter((x) => x.code === 'not_processed').map((x) => x.reference));
    answer.accepted.push(...body.accepted);
    answer.duplicates.push(...body.duplicates);
    answer.rejected.push(...body.rejected.filter((x) => last || x.code !== 'not_processed'));
    if (!later.size || last) return { reply, answer, resent };
    pending = pending.filter((p) => later.has(p.reference));
    resent += pending.length;
  }
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
  let resent = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      next += 1000;
      if (start >= total) return;
      const batch = Array.from({ length: Math.min(1000, total - start) }, (_, i) => purchase(offset + start + i, customers, products));
      const sent = await sendUntilProcessed((purchases) => api.call('POST', `/v1/accounts/${accountId}/purchases`, { purchases }, key), batch);
      if (!sent.answer) throw new Error(`purchases: ${sent.reply.status} ${JSON.stringify(sent.reply.body)}`);
      if (sent.answer.accepted.length !== batch.length)
        throw new Error(
          `only ${sent.answer.accepted.length} of ${batch.length} purchases accepted: ${JSON.stringify(sent.answer.rejected.slice(0, 3))}`,
        );
      resent += sent.resent;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return resent;
}
