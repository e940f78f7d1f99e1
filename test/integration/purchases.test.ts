import { api, eventually, newAccount, type Account } from './harness';

type Purchase = {
  reference: string;
  status: string;
  reason: string | null;
  customer: string | null;
  billedTo: string | null;
  productCluster: string | null;
  quantity: string;
  metadata: Record<string, unknown>;
};
type IngestResult = {
  accepted: string[];
  duplicates: string[];
  rejected: { index: number; reference: string | null; code: string; errors: string[] }[];
};

const purchase = (reference: string, over: Record<string, unknown> = {}) => ({
  reference,
  productLabel: 'voice-min',
  customerCode: 'C1',
  quantity: '12',
  purchaseDate: '2026-10-03',
  ...over,
});

describe('purchases over HTTP', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const post = async (...purchases: unknown[]) => {
    const res = await api('POST', path('/purchases'), { purchases }, acct.key);
    return { status: res.status, body: res.body as IngestResult };
  };
  const settled = (reference: string) =>
    eventually(async () => {
      const res = await api('GET', path(`/purchases/${encodeURIComponent(reference)}`), undefined, acct.key);
      const body = res.body as Purchase;
      if (res.status !== 200 || body.status === 'received') throw new Error(`${reference} not processed yet (${res.status} ${body.status})`);
      return body;
    });

  beforeAll(async () => {
    acct = await newAccount();
    await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key);
    await api('PUT', path('/customers/C1'), { name: 'One', cluster: 'all', currency: 'EUR' }, acct.key);
    await api('PUT', path('/customers/HELD'), { name: 'Held', cluster: 'all', currency: 'EUR', onHold: true }, acct.key);
    await api('PUT', path('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min'] }, acct.key);
  });

  test('a purchase is accepted (202) and mapped asynchronously', async () => {
    const res = await post(purchase('p-1', { metadata: { msisdn: '31612345678', seconds: 42 } }));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: ['p-1'], duplicates: [], rejected: [] });
    const mapped = await settled('p-1');
    expect(mapped).toMatchObject({
      reference: 'p-1',
      status: 'not-invoiced',
      reason: 'no-price-rule',
      customer: 'C1',
      billedTo: 'C1',
      productCluster: 'voice',
      quantity: '12',
      metadata: { msisdn: '31612345678', seconds: '42' },
      amount: null,
      invoice: null,
    });
  });

  test('the same reference again is a duplicate; with other content it is rejected, never overwritten', async () => {
    await post(purchase('p-dup'));
    await settled('p-dup');
    const again = await post(purchase('p-dup'));
    const changed = await post(purchase('p-dup', { quantity: '13' }));
    expect(again.body).toEqual({ accepted: [], duplicates: ['p-dup'], rejected: [] });
    expect(changed.body.rejected).toEqual([
      { index: 0, reference: 'p-dup', code: 'duplicate_conflict', errors: [expect.stringContaining('duplicate_conflict')] },
    ]);
    expect((await settled('p-dup')).quantity).toBe('12');
  });

  test('bad rows are rejected one by one with the field named; good rows of the same request go on', async () => {
    const res = await post(
      purchase('ok-1'),
      purchase('bad-1', { quantity: 'lots' }),
      { reference: 'bad-2' },
      purchase('ok-2', { purchaseDate: '2026-10-05T10:00:00Z' }),
    );
    expect(res.status).toBe(202);
    expect(res.body.accepted).toEqual(['ok-1', 'ok-2']);
    expect(res.body.rejected.map((r) => [r.index, r.reference])).toEqual([
      [1, 'bad-1'],
      [2, 'bad-2'],
    ]);
    expect(res.body.rejected[0].errors).toEqual(['quantity: not a decimal']);
    expect(res.body.rejected[1].errors).toEqual(expect.arrayContaining(['productLabel: required', 'quantity: required']));
    await settled('ok-2');
  });

  test('the envelope is checked: 0 or 1001 purchases, or no array, is a 400', async () => {
    const none = await api('POST', path('/purchases'), { purchases: [] }, acct.key);
    const many = await api('POST', path('/purchases'), { purchases: Array.from({ length: 1001 }, (_, i) => purchase(`m-${i}`)) }, acct.key);
    const shape = await api('POST', path('/purchases'), { purchase: purchase('x') }, acct.key);
    expect([none.status, many.status, shape.status]).toEqual([400, 400, 400]);
    expect((many.body as { error: { details: string[] } }).error.details).toEqual(['purchases: at most 1000 purchases per request']);
  });

  test('unknown customers and labels stay unmapped until they appear, then map by themselves', async () => {
    await post(purchase('u-cust', { customerCode: 'LATE' }), purchase('u-prod', { productLabel: 'sms' }));
    expect(await settled('u-cust')).toMatchObject({ status: 'unmapped', reason: 'unknown-customer', customer: null });
    expect(await settled('u-prod')).toMatchObject({ status: 'unmapped', reason: 'unknown-product', customer: 'C1' });
    const unmapped = (await api('GET', path('/purchases?status=unmapped'), undefined, acct.key)).body as { items: Purchase[] };
    expect(unmapped.items.map((p) => p.reference).sort()).toEqual(['u-cust', 'u-prod']);

    await api('PUT', path('/customers/LATE'), { name: 'Late', cluster: 'all', currency: 'EUR' }, acct.key);
    await api('PUT', path('/product-clusters/messaging'), { name: 'Messaging', aliases: ['sms'] }, acct.key);

    await eventually(async () => {
      const p = (await api('GET', path('/purchases/u-cust'), undefined, acct.key)).body as Purchase;
      expect(p).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', customer: 'LATE', productCluster: 'voice' });
    });
    await eventually(async () => {
      const p = (await api('GET', path('/purchases/u-prod'), undefined, acct.key)).body as Purchase;
      expect(p).toMatchObject({ status: 'not-invoiced', productCluster: 'messaging' });
    });
  });

  test('purchases of a held customer are kept but not invoiced', async () => {
    await post(purchase('h-1', { customerCode: 'HELD' }));
    expect(await settled('h-1')).toMatchObject({ status: 'not-invoiced', reason: 'on-hold', customer: 'HELD' });
  });

  test('lists filter by status, customer and date range and page with a cursor', async () => {
    const other = await newAccount();
    const p = (s: string) => `/v1/accounts/${other.id}${s}`;
    await api('PUT', p('/customer-clusters/all'), { name: 'All' }, other.key);
    await api('PUT', p('/customers/A'), { name: 'A', cluster: 'all', currency: 'EUR' }, other.key);
    await api('PUT', p('/customers/B'), { name: 'B', cluster: 'all', currency: 'EUR' }, other.key);
    await api('PUT', p('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min'] }, other.key);
    const rows = [
      purchase('l-1', { customerCode: 'A', purchaseDate: '2026-09-30' }),
      purchase('l-2', { customerCode: 'A', purchaseDate: '2026-10-01' }),
      purchase('l-3', { customerCode: 'B', purchaseDate: '2026-10-15' }),
      purchase('l-4', { customerCode: 'A', purchaseDate: '2026-10-31T23:59:59Z' }),
      purchase('l-5', { customerCode: 'A', purchaseDate: '2026-11-01' }),
    ];
    await api('POST', p('/purchases'), { purchases: rows }, other.key);
    const list = async (query: string) => {
      const refs: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api('GET', p(`/purchases?limit=2&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), undefined, other.key);
        expect(res.status).toBe(200);
        const page = res.body as { items: Purchase[]; next: string | null };
        refs.push(...page.items.map((i) => i.reference));
        cursor = page.next;
      } while (cursor);
      return refs.sort();
    };
    await eventually(async () => expect(await list('status=not-invoiced')).toEqual(['l-1', 'l-2', 'l-3', 'l-4', 'l-5']));
    expect(await list('customer=A&from=2026-10-01&to=2026-11-01')).toEqual(['l-2', 'l-4']);
    expect(await list('from=2026-10-01')).toEqual(['l-2', 'l-3', 'l-4', 'l-5']);
    expect(await list('status=rated')).toEqual([]);
    expect((await api('GET', p('/purchases?status=lost'), undefined, other.key)).status).toBe(400);
    expect((await api('GET', p('/purchases?from=yesterday'), undefined, other.key)).status).toBe(400);
  });

  test("another account's purchase is a 404; viewers cannot post", async () => {
    const stranger = await newAccount();
    await post(purchase('secret-1'));
    await settled('secret-1');
    expect((await api('GET', path('/purchases/secret-1'), undefined, stranger.key)).status).toBe(404);
    expect((await api('GET', `/v1/accounts/${stranger.id}/purchases/secret-1`, undefined, stranger.key)).status).toBe(404);
    const viewer = (await api('POST', path('/keys'), { role: 'viewer' }, acct.key)).body as { key: string };
    expect((await api('POST', path('/purchases'), { purchases: [purchase('v-1')] }, viewer.key)).status).toBe(403);
  });

  test('concurrent resends of one batch bill each purchase once', async () => {
    const batch = Array.from({ length: 50 }, (_, i) => purchase(`c-${i}`));
    const results = await Promise.all([post(...batch), post(...batch), post(...batch)]);
    const accepted = results.flatMap((r) => r.body.accepted);
    const duplicates = results.flatMap((r) => r.body.duplicates);
    expect(accepted.length + duplicates.length).toBe(150);
    expect(new Set(accepted).size).toBe(50); // each reference accepted at least once
    for (const ref of ['c-0', 'c-25', 'c-49']) expect((await settled(ref)).status).toBe('not-invoiced');
    await eventually(async () => {
      const stored = (await api('GET', path('/purchases?customer=C1&limit=1000'), undefined, acct.key)).body as { items: Purchase[] };
      const listed = stored.items.map((p) => p.reference).filter((r) => r.startsWith('c-'));
      expect(listed.length).toBe(50); // listed once each, however many times they were sent
      expect(new Set(listed).size).toBe(50);
    });
  });
});
