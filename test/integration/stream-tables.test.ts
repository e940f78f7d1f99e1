import { api, newAccount, type Account } from './harness';

type ErrorBody = { error: { code: string; message: string; details: string[] } };
type ListBody<T> = { items: T[]; next: string | null };
type RateEntry = { pair: string; from: string; to: string; rate: string; validFrom: string };
type TableSummary = { id: string; key: string; rowCount: number; updatedAt: string };

describe('stream tables: exchange rates and lookup tables over HTTP', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = (p: string, body: unknown, key = acct.key) => api('PUT', path(p), body, key);
  const get = (p: string, key = acct.key) => api('GET', path(p), undefined, key);
  const details = (body: unknown) => (body as ErrorBody).error.details;

  beforeAll(async () => {
    acct = await newAccount();
  });

  test('exchange rates: two validFrom entries of a pair, sorted; the same validFrom again replaces (201 then 200)', async () => {
    const later = await put('/exchange-rates/EUR-USD', { rate: '1.20', validFrom: '2026-02-01' });
    const earlier = await put('/exchange-rates/EUR-USD', { rate: '1.10', validFrom: '2026-01-01' });
    const again = await put('/exchange-rates/EUR-USD', { rate: 1.15, validFrom: '2026-01-01' });
    await put('/exchange-rates/GBP-EUR', { rate: '1.17', validFrom: '2026-01-01' });

    expect([later.status, earlier.status, again.status]).toEqual([201, 201, 200]);
    expect(earlier.body).toEqual({ pair: 'EUR-USD', from: 'EUR', to: 'USD', rate: '1.10', validFrom: '2026-01-01' });
    expect(again.body).toEqual({ pair: 'EUR-USD', from: 'EUR', to: 'USD', rate: '1.15', validFrom: '2026-01-01' });
    const pair = await get('/exchange-rates/EUR-USD');
    expect(pair.status).toBe(200);
    expect(pair.body).toEqual({
      pair: 'EUR-USD',
      from: 'EUR',
      to: 'USD',
      rates: [
        { rate: '1.15', validFrom: '2026-01-01' },
        { rate: '1.20', validFrom: '2026-02-01' },
      ],
    });
  });

  test('exchange rates: the list pages one entry per pair and validFrom; an unknown pair is 404', async () => {
    const first = await get('/exchange-rates?limit=2');
    const page1 = first.body as ListBody<RateEntry>;
    const second = await get(`/exchange-rates?limit=2&cursor=${encodeURIComponent(page1.next ?? '')}`);
    const page2 = second.body as ListBody<RateEntry>;

    expect(first.status).toBe(200);
    expect(page1.next).toEqual(expect.any(String));
    expect([...page1.items, ...page2.items].map((e) => `${e.pair}@${e.validFrom}=${e.rate}`)).toEqual([
      'EUR-USD@2026-01-01=1.15',
      'EUR-USD@2026-02-01=1.20',
      'GBP-EUR@2026-01-01=1.17',
    ]);
    expect((await get('/exchange-rates/USD-JPY')).status).toBe(404);
  });

  test('exchange rates: bad input is a 400 naming the field', async () => {
    const badPair = await put('/exchange-rates/EURUSD', { rate: '1.1', validFrom: '2026-01-01' });
    const negative = await put('/exchange-rates/EUR-CHF', { rate: '-1', validFrom: '2026-01-01' });
    const text = await put('/exchange-rates/EUR-CHF', { rate: 'abc', validFrom: '2026-01-01' });
    const noDate = await put('/exchange-rates/EUR-CHF', { rate: '0.95' });

    for (const res of [badPair, negative, text, noDate]) {
      expect(res.status).toBe(400);
      expect((res.body as ErrorBody).error.code).toBe('invalid_input');
    }
    expect(details(badPair.body)).toEqual([expect.stringMatching(/^pair: /)]);
    expect(details(negative.body)).toEqual(['rate: must be greater than 0']);
    expect(details(text.body)).toEqual([expect.stringMatching(/^rate: not a decimal/)]);
    expect(details(noDate.body)).toEqual(['validFrom: required']);
    expect((await get('/exchange-rates/EUR-CHF')).status).toBe(404);
  });

  test('lookup tables: put, get with the rows, list without them; replacing answers 200', async () => {
    const rows = [
      { sku: 'A-1', name: 'Alpha', weight: 2, bundled: true },
      { sku: 'B-2', name: 'Beta', weight: null, bundled: false },
    ];

    const created = await put('/lookup-tables/skus', { key: 'sku', rows });
    const read = await get('/lookup-tables/skus');
    await put('/lookup-tables/regions', { key: 'code', rows: [{ code: 'NL', region: 'EU' }] });
    const replaced = await put('/lookup-tables/regions', {
      key: 'code',
      rows: [
        { code: 'NL', region: 'EU' },
        { code: 'US', region: 'NA' },
      ],
    });
    const list = await get('/lookup-tables');

    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'skus', key: 'sku', rowCount: 2, updatedAt: expect.any(String) });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ id: 'skus', key: 'sku', rows, updatedAt: (created.body as TableSummary).updatedAt });
    expect(replaced.status).toBe(200);
    expect((replaced.body as TableSummary).rowCount).toBe(2);
    expect(list.status).toBe(200);
    expect((list.body as ListBody<TableSummary>).items).toEqual([
      { id: 'regions', key: 'code', rowCount: 2, updatedAt: expect.any(String) },
      { id: 'skus', key: 'sku', rowCount: 2, updatedAt: expect.any(String) },
    ]);
    expect((await get('/lookup-tables/nothing')).status).toBe(404);
  });

  test('lookup tables: a table far beyond one DynamoDB item (40,000 rows) is stored and read back whole', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => ({
      sku: `SKU-${String(i).padStart(6, '0')}`,
      name: `Product number ${i}`,
      price: `${i}.50`,
    }));

    const created = await put('/lookup-tables/catalogue', { key: 'sku', rows });
    const read = await get('/lookup-tables/catalogue');

    expect(created.status).toBe(201);
    expect((created.body as TableSummary).rowCount).toBe(40_000);
    const table = read.body as { rows: typeof rows };
    expect(table.rows).toHaveLength(40_000);
    expect(table.rows[39_999]).toEqual({ sku: 'SKU-039999', name: 'Product number 39999', price: '39999.50' });
  });

  test('lookup tables: rows without the key column are a 400 naming the row, and nothing is stored', async () => {
    const res = await put('/lookup-tables/broken', { key: 'sku', rows: [{ sku: 'A' }, { name: 'no sku' }] });

    expect(res.status).toBe(400);
    expect(details(res.body)).toEqual(['rows.1.sku: the key column is required in every row']);
    expect((await get('/lookup-tables/broken')).status).toBe(404);
  });

  test('the OpenAPI description documents exchange rates and lookup tables', async () => {
    const res = await api('GET', '/v1/openapi.json');

    const doc = res.body as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths['/v1/accounts/{a}/exchange-rates/{pair}'] ?? {})).toEqual(['put', 'get']);
    expect(Object.keys(doc.paths['/v1/accounts/{a}/lookup-tables/{id}'] ?? {})).toEqual(['put', 'get']);
    expect(doc.paths['/v1/accounts/{a}/exchange-rates']).toHaveProperty('get');
    expect(doc.paths['/v1/accounts/{a}/lookup-tables']).toHaveProperty('get');
    expect(doc.components.schemas).toHaveProperty('LookupTableSummary');
  });

  test("another account's key gets 404; a viewer reads but cannot PUT (403)", async () => {
    const other = await newAccount();
    const viewer = ((await api('POST', path('/keys'), { role: 'viewer' }, acct.key)).body as { key: string }).key;

    expect((await get('/exchange-rates/EUR-USD', other.key)).status).toBe(404);
    expect((await get('/exchange-rates', other.key)).status).toBe(404);
    expect((await get('/lookup-tables/skus', other.key)).status).toBe(404);
    expect((await put('/lookup-tables/skus', { key: 'sku', rows: [] }, other.key)).status).toBe(404);
    expect((await put('/exchange-rates/EUR-USD', { rate: '9', validFrom: '2026-01-01' }, other.key)).status).toBe(404);

    expect((await get('/exchange-rates/EUR-USD', viewer)).status).toBe(200);
    expect((await get('/lookup-tables', viewer)).status).toBe(200);
    const rate = await put('/exchange-rates/EUR-USD', { rate: '9', validFrom: '2026-01-01' }, viewer);
    const table = await put('/lookup-tables/skus', { key: 'sku', rows: [] }, viewer);
    expect([rate.status, table.status]).toEqual([403, 403]);
    expect((rate.body as ErrorBody).error.code).toBe('forbidden');
    expect(((await get('/exchange-rates/EUR-USD')).body as { rates: { rate: string }[] }).rates[0]!.rate).toBe('1.15');
    expect(((await get('/lookup-tables/skus')).body as { rows: unknown[] }).rows).toHaveLength(2);
  });
});
