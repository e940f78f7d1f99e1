import { api, newAccount, type Account } from './harness';

describe('catalog: clusters, customers, product clusters', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;

  beforeAll(async () => {
    acct = await newAccount();
  });

  test('PUT creates (201) then replaces (200); GET reads it back', async () => {
    const first = await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key);
    const second = await api('PUT', path('/customer-clusters/all'), { name: 'All customers' }, acct.key);
    const read = await api('GET', path('/customer-clusters/all'), undefined, acct.key);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(read.body).toMatchObject({ id: 'all', name: 'All customers', parent: null });
  });

  test('a tree: unknown parents are 400, cycles 409', async () => {
    await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key);
    expect((await api('PUT', path('/customer-clusters/nl'), { name: 'NL', parent: 'all' }, acct.key)).status).toBe(201);
    const orphan = await api('PUT', path('/customer-clusters/be'), { name: 'BE', parent: 'europe' }, acct.key);
    const cycle = await api('PUT', path('/customer-clusters/all'), { name: 'All', parent: 'nl' }, acct.key);
    expect(orphan.status).toBe(400);
    expect((orphan.body as { error: { details: string[] } }).error.details).toEqual(["parent: customer cluster 'europe' does not exist"]);
    expect(cycle.status).toBe(409);
  });

  test('customers need an existing cluster; defaults are applied; bad fields are named', async () => {
    await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key);
    const ok = await api('PUT', path('/customers/C1'), { name: 'One', cluster: 'all', currency: 'EUR', taxRate: '21' }, acct.key);
    const noCluster = await api('PUT', path('/customers/C2'), { name: 'Two', cluster: 'nowhere', currency: 'EUR' }, acct.key);
    const bad = await api('PUT', path('/customers/C3'), { name: 'Three', cluster: 'all', currency: 'EUR', billingDay: 31, onHold: 'yes' }, acct.key);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ code: 'C1', billingDay: 1, onHold: false, taxRate: '21', partnerAccount: null });
    expect(noCluster.status).toBe(400);
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { details: string[] } }).error.details).toEqual(
      expect.arrayContaining(['billingDay: must be from 1 to 28', 'onHold: must be true or false']),
    );
    expect((await api('GET', path('/customers/C404'), undefined, acct.key)).status).toBe(404);
  });

  test('an alias belongs to one product cluster only (409 alias_taken); released aliases can move', async () => {
    expect((await api('PUT', path('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min', 'voice-sec'] }, acct.key)).status).toBe(201);
    const taken = await api('PUT', path('/product-clusters/data'), { name: 'Data', aliases: ['gb', 'voice-min'] }, acct.key);
    expect(taken.status).toBe(409);
    expect((taken.body as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'alias_taken',
      message: expect.stringContaining("'voice'"),
    });
    // nothing of the refused call stuck: 'gb' is still free
    expect((await api('PUT', path('/product-clusters/internet'), { name: 'Internet', aliases: ['gb'] }, acct.key)).status).toBe(201);

    await api('PUT', path('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-sec'] }, acct.key);
    const moved = await api('PUT', path('/product-clusters/data'), { name: 'Data', aliases: ['voice-min'] }, acct.key);
    expect(moved.status).toBe(201);
    expect(((await api('GET', path('/product-clusters/voice'), undefined, acct.key)).body as { aliases: string[] }).aliases).toEqual(['voice-sec']);
  });

  test('lists page with limit and an opaque cursor', async () => {
    for (const id of ['p1', 'p2', 'p3']) await api('PUT', path(`/customer-clusters/${id}`), { name: id }, acct.key);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await api('GET', path(`/customer-clusters?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), undefined, acct.key))
        .body as {
        items: { id: string }[];
        next: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(['p1', 'p2', 'p3']));
    expect(new Set(seen).size).toBe(seen.length);
    expect((await api('GET', path('/customer-clusters?limit=5000'), undefined, acct.key)).status).toBe(400);
    expect((await api('GET', path('/customer-clusters?cursor=garbage'), undefined, acct.key)).status).toBe(400);
  });
});
