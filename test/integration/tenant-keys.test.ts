import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { baseUrl, dataDir, eventually, newAccount, type Account } from './harness';

/**
 * The tenant wall against hostile ids (docs/architecture.md, "Key segments"): ids holding `..`, `/`, a
 * literal `%2F`, `.` and unicode, used by two accounts on every route that keys objects or items by a client
 * id, on the real local engines. The hostile account must never read, list or overwrite the other's data,
 * and each id must come back exactly as given.
 */

type Reply = { status: number; body: unknown; text: string; contentType: string };
type Batch = { id: string; stream: string; status: string; rows: number; errors: number };
type List<T> = { items: T[]; next: string | null };

/**
 * One request with the path sent byte for byte: fetch would resolve `..` and `.` segments (even as
 * `%2E%2E`) before the server saw them, which is exactly what a hostile client does not do.
 */
function call(acct: Account, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  const url = new URL(baseUrl());
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: `/v1/accounts/${acct.id}${path}`,
        headers: {
          authorization: `Bearer ${acct.key}`,
          ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const type = String(res.headers['content-type'] ?? '');
          let parsed: unknown = text;
          if (/^application\/json/.test(type) && text) parsed = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, body: parsed, text, contentType: type });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** A path segment carrying `id` (the server decodes it back; `..` and `.` stay literal segments). */
const seg = encodeURIComponent;
const OCTOBER = { periodStart: '2026-10-01', periodEnd: '2026-11-01' };

describe('tenant-safe storage keys: hostile ids on every route that stores by id', () => {
  let victim: Account;
  let hostile: Account;
  /** The hostile ids; some name the victim's objects as they would have been keyed without encoding. */
  let ids: string[];
  const hostileIds = (victimId: string) => [
    '..',
    '.',
    `../${victimId}/secret`,
    `..%2F${victimId}%2Fsecret`,
    '%2F',
    'a/b',
    'ünï/çødé',
    '🧾 ✓+€%',
    `x${'ü'.repeat(150)}`,
  ];

  beforeAll(async () => {
    [victim, hostile] = await Promise.all([newAccount(), newAccount()]);
    ids = hostileIds(victim.id);
  });

  const waitForBatch = (acct: Account, id: string) =>
    eventually(async () => {
      const b = (await call(acct, 'GET', `/batches/${seg(id)}`)).body as Batch;
      if (b.status === 'running') throw new Error(`batch ${id} still running`);
      return b;
    }, 90_000);
  const rowsOf = async (acct: Account, batch: string) =>
    ((await call(acct, 'GET', `/batches/${seg(batch)}/rows?format=json`)).body as List<Record<string, string | null>>).items;
  const run = async (acct: Account, stream: string) => {
    const started = await call(acct, 'POST', `/streams/${seg(stream)}/runs`, OCTOBER);
    expect(started.status).toBe(202);
    return waitForBatch(acct, (started.body as { batch: string }).batch);
  };
  const uploadStream = (table: string) => ({
    kind: 'billing',
    type: 'simple',
    source: { upload: true },
    currency: 'EUR',
    stages: [{ type: 'lookup', table, key: 'sku', columns: ['name'] }],
  });

  test('streams, uploads, runs, batches and lookup tables: each id keeps to its own account and round-trips', async () => {
    // the victim's stream `secret` and its upload: what `../<victim>/secret` used to reach
    expect((await call(victim, 'PUT', '/lookup-tables/secret', { key: 'sku', rows: [{ sku: 'V', name: 'victim table' }] })).status).toBe(201);
    expect((await call(victim, 'PUT', '/streams/secret', uploadStream('secret'))).status).toBe(201);
    expect((await call(victim, 'PUT', '/streams/secret/upload', 'sku,quantity\nV,7\n', 'text/csv')).status).toBe(200);
    const victimBatch = await run(victim, 'secret');
    expect(await rowsOf(victim, victimBatch.id)).toEqual([expect.objectContaining({ sku: 'V', quantity: '7', name: 'victim table' })]);

    const hostileBatches = await Promise.all(
      ids.map(async (id, i) => {
        const table = await call(hostile, 'PUT', `/lookup-tables/${seg(id)}`, { key: 'sku', rows: [{ sku: `H${i}`, name: `table ${id}` }] });
        expect([id, table.status, (table.body as { id: string }).id]).toEqual([id, 201, id]);
        const saved = await call(hostile, 'PUT', `/streams/${seg(id)}`, uploadStream(id));
        expect([id, saved.status, (saved.body as { id: string }).id]).toEqual([id, 201, id]);
        // before its own upload the stream has nothing to run on (it used to run on the victim's file)
        const early = await call(hostile, 'POST', `/streams/${seg(id)}/runs`, OCTOBER);
        expect([id, early.status, (early.body as { error?: { code: string } }).error?.code]).toEqual([id, 409, 'no_upload']);
        const upload = await call(hostile, 'PUT', `/streams/${seg(id)}/upload`, `sku,quantity\nH${i},${i + 1}\n`, 'text/csv');
        expect([id, upload.status, (upload.body as { stream: string }).stream]).toEqual([id, 200, id]);
        const batch = await run(hostile, id);
        expect([id, batch.status, batch.stream, batch.rows, batch.errors]).toEqual([id, 'draft', id, 1, 0]);
        expect(await rowsOf(hostile, batch.id)).toEqual([expect.objectContaining({ sku: `H${i}`, quantity: String(i + 1), name: `table ${id}` })]);
        const listed = (await call(hostile, 'GET', `/streams/${seg(id)}/batches`)).body as List<Batch>;
        expect([id, listed.items.map((b) => b.id)]).toEqual([id, [batch.id]]);
        const read = (await call(hostile, 'GET', `/lookup-tables/${seg(id)}`)).body as { id: string; rows: unknown[] };
        expect(read).toMatchObject({ id, rows: [{ sku: `H${i}`, name: `table ${id}` }] });
        expect((await call(hostile, 'GET', `/streams/${seg(id)}`)).body).toMatchObject({ id });
        return batch;
      }),
    );

    const streams = ((await call(hostile, 'GET', '/streams?limit=100')).body as List<{ id: string }>).items.map((s) => s.id);
    expect(streams.sort()).toEqual([...ids].sort());
    const tables = ((await call(hostile, 'GET', '/lookup-tables?limit=100')).body as List<{ id: string }>).items.map((t) => t.id);
    expect(tables.sort()).toEqual([...ids].sort());

    // the victim's upload, table and batch are untouched, and its stream still runs on its own file
    expect((await call(victim, 'GET', '/lookup-tables/secret')).body).toMatchObject({ rows: [{ sku: 'V', name: 'victim table' }] });
    const again = await run(victim, 'secret');
    expect(await rowsOf(victim, again.id)).toEqual([expect.objectContaining({ sku: 'V', quantity: '7', name: 'victim table' })]);
    expect(((await call(victim, 'GET', '/streams/secret/batches')).body as List<Batch>).items.map((b) => b.id).sort()).toEqual(
      [victimBatch.id, again.id].sort(),
    );
    expect(((await call(victim, 'GET', '/streams')).body as List<{ id: string }>).items.map((s) => s.id)).toEqual(['secret']);

    // batch ids are the server's, and another account's (or a path to it) is not found
    for (const id of [victimBatch.id, `../${victim.id}/${victimBatch.id}`, `..%2F${victim.id}%2F${victimBatch.id}`]) {
      expect([
        id,
        (await call(hostile, 'GET', `/batches/${seg(id)}`)).status,
        (await call(hostile, 'GET', `/batches/${seg(id)}/rows`)).status,
      ]).toEqual([id, 404, 404]);
    }
    expect((await call(victim, 'GET', `/batches/${seg(hostileBatches[2]!.id)}`)).status).toBe(404);
  });

  test('catalogue, rules, purchases, invoices, documents and exports: the same hostile ids in two accounts never meet', async () => {
    // accounts without billing streams, so that their cycles bill their purchases
    const [victim, hostile] = await Promise.all([newAccount(), newAccount()]);
    const ids = hostileIds(victim.id);
    // both accounts use every id for a customer cluster, a customer, a product cluster with that alias, a price
    // rule, a routing rule and a purchase reference, with their own prices and quantities
    const setUp = async (acct: Account, unitPrice: string) => {
      expect((await call(acct, 'PUT', '/customer-clusters/nobody', { name: 'Nobody' })).status).toBe(201);
      for (const id of ids) {
        const puts = [
          await call(acct, 'PUT', `/customer-clusters/${seg(id)}`, { name: `cc ${acct.id}` }),
          await call(acct, 'PUT', `/product-clusters/${seg(id)}`, { name: `pc ${acct.id}`, aliases: [id] }),
          await call(acct, 'PUT', `/price-rules/${seg(id)}`, {
            productCluster: id,
            currency: 'EUR',
            validFrom: '2026-01-01',
            model: { type: 'standard', unitPrice },
          }),
        ];
        expect([id, puts.map((r) => r.status)]).toEqual([id, [201, 201, 201]]);
      }
      // the purchases arrive before their customers exist: they wait in the unmapped index under the code
      const accepted = await call(acct, 'POST', '/purchases', {
        purchases: ids.map((id, i) => ({ reference: id, customerCode: id, productLabel: id, quantity: String(i + 1), purchaseDate: '2026-10-05' })),
      });
      expect(accepted.status).toBe(202);
      expect((accepted.body as { accepted: string[] }).accepted.sort()).toEqual([...ids].sort());
      for (const id of ids) {
        await eventually(async () =>
          expect((await call(acct, 'GET', `/purchases/${seg(id)}`)).body).toMatchObject({
            reference: id,
            status: 'unmapped',
            reason: 'unknown-customer',
          }),
        );
      }
      for (const id of ids) {
        expect((await call(acct, 'PUT', `/customers/${seg(id)}`, { name: `customer ${acct.id}`, cluster: id, currency: 'EUR' })).status).toBe(201);
        expect(
          (await call(acct, 'PUT', `/routing-rules/${seg(id)}`, { customerCluster: 'nobody', productCluster: id, targetCustomer: id })).status,
        ).toBe(201);
      }
    };
    await Promise.all([setUp(victim, '1'), setUp(hostile, '10')]);

    for (const [acct, unitPrice] of [
      [victim, '1'],
      [hostile, '10'],
    ] as const) {
      for (const [i, id] of ids.entries()) {
        const amount = String((i + 1) * Number(unitPrice));
        const purchase = await eventually(async () => {
          const p = (await call(acct, 'GET', `/purchases/${seg(id)}`)).body as Record<string, unknown>;
          expect(p).toMatchObject({ reference: id, status: 'rated' });
          return p;
        }, 60_000);
        expect(purchase).toMatchObject({
          customerCode: id,
          productLabel: id,
          customer: id,
          billedTo: id,
          productCluster: id,
          priceRule: id,
          quantity: String(i + 1),
          amount,
        });
        expect((await call(acct, 'GET', `/customers/${seg(id)}`)).body).toMatchObject({ code: id, name: `customer ${acct.id}` });
        expect((await call(acct, 'GET', `/customer-clusters/${seg(id)}`)).body).toMatchObject({ id, name: `cc ${acct.id}` });
        expect((await call(acct, 'GET', `/product-clusters/${seg(id)}`)).body).toMatchObject({ id, aliases: [id], name: `pc ${acct.id}` });
        expect((await call(acct, 'GET', `/price-rules/${seg(id)}`)).body).toMatchObject({ id, productCluster: id, model: { type: 'standard' } });
        expect((await call(acct, 'GET', `/routing-rules/${seg(id)}`)).body).toMatchObject({ id, targetCustomer: id });
      }
      const codes = ((await call(acct, 'GET', '/customers?limit=100')).body as List<{ code: string }>).items.map((c) => c.code);
      expect(codes.sort()).toEqual([...ids].sort());
      const references = ((await call(acct, 'GET', '/purchases?limit=100')).body as List<{ reference: string }>).items.map((p) => p.reference);
      expect(references.sort()).toEqual([...ids].sort());
      for (const id of ids) {
        const list = ((await call(acct, 'GET', `/purchases?customer=${seg(id)}`)).body as List<{ reference: string }>).items.map((p) => p.reference);
        expect([id, list]).toEqual([id, [id]]);
      }
    }

    // one cycle each: one invoice per hostile customer code, found by that code, with its own documents
    await Promise.all(
      [victim, hostile].map(async (acct) => {
        const started = await call(acct, 'POST', '/billing-cycles', OCTOBER);
        expect(started.status).toBe(202);
        const id = (started.body as { id: string }).id;
        await eventually(
          async () =>
            expect((await call(acct, 'GET', `/billing-cycles/${id}`)).body).toMatchObject({ status: 'completed', report: { invoices: ids.length } }),
          90_000,
        );
      }),
    );
    const invoiceIds: Record<string, string[]> = { [victim.id]: [], [hostile.id]: [] };
    for (const [acct, unitPrice] of [
      [victim, '1'],
      [hostile, '10'],
    ] as const) {
      for (const [i, id] of ids.entries()) {
        const found = (
          (await call(acct, 'GET', `/invoices?customer=${seg(id)}&periodStart=2026-10-01`)).body as List<{
            id: string;
            customer: string;
            subtotal: string;
          }>
        ).items;
        expect([id, found.map((f) => [f.customer, f.subtotal])]).toEqual([id, [[id, ((i + 1) * Number(unitPrice)).toFixed(2)]]]);
        const csv = await call(acct, 'GET', `/invoices/${seg(found[0]!.id)}/document?format=csv`);
        expect([id, csv.status]).toEqual([id, 200]);
        expect(csv.text).toContain(id);
        const pdf = await call(acct, 'GET', `/invoices/${seg(found[0]!.id)}/document?format=pdf`);
        expect([id, pdf.status, pdf.contentType]).toEqual([id, 200, expect.stringMatching(/pdf/)]);
        invoiceIds[acct.id]!.push(found[0]!.id);
      }
    }
    // the other account's invoice ids are not found, neither directly nor through a path
    for (const id of invoiceIds[victim.id]!.slice(0, 2)) {
      expect((await call(hostile, 'GET', `/invoices/${seg(id)}`)).status).toBe(404);
      expect((await call(hostile, 'GET', `/invoices/${seg(`../${victim.id}/${id}`)}/document?format=pdf`)).status).toBe(404);
    }

    // an export holds the account's own invoices only
    const exported = await call(hostile, 'POST', '/exports', { kind: 'invoices', format: 'jsonl', ...OCTOBER });
    expect(exported.status).toBe(201);
    const exportId = (exported.body as { id: string }).id;
    const file = await eventually(async () => {
      const res = await call(hostile, 'GET', `/exports/${seg(exportId)}`);
      if (res.status !== 200) throw new Error(`export ${exportId}: ${res.status}`);
      return res.text;
    }, 60_000);
    const exportedIds = file
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(exportedIds.sort()).toEqual([...invoiceIds[hostile.id]!].sort());
    expect((await call(victim, 'GET', `/exports/${seg(exportId)}`)).status).toBe(404);
  }, 180_000);

  test("exchange rates: a pair path that is not FROM-TO is a 400, and neither account sees the other's rates", async () => {
    expect((await call(victim, 'PUT', '/exchange-rates/EUR-USD', { rate: '1.10', validFrom: '2026-01-01' })).status).toBe(201);
    expect((await call(hostile, 'PUT', '/exchange-rates/EUR-USD', { rate: '9.99', validFrom: '2026-01-01' })).status).toBe(201);
    for (const pair of ['..', '.', `../${victim.id}/EUR-USD`, 'EUR-USD/..', 'EUR-USD%2F', 'ÉUR-USD', 'EUR-USD#2026']) {
      const put = await call(hostile, 'PUT', `/exchange-rates/${seg(pair)}`, { rate: '5', validFrom: '2026-02-01' });
      expect([pair, put.status]).toEqual([pair, 400]);
      const get = await call(hostile, 'GET', `/exchange-rates/${seg(pair)}`);
      expect([pair, [400, 404].includes(get.status)]).toEqual([pair, true]);
    }
    expect((await call(victim, 'GET', '/exchange-rates/EUR-USD')).body).toMatchObject({ rates: [{ rate: '1.10', validFrom: '2026-01-01' }] });
    expect((await call(hostile, 'GET', '/exchange-rates/EUR-USD')).body).toMatchObject({ rates: [{ rate: '9.99', validFrom: '2026-01-01' }] });
    expect(((await call(victim, 'GET', '/exchange-rates')).body as List<{ rate: string }>).items.map((r) => r.rate)).toEqual(['1.10']);
  });

  test('drops: file names with spaces, "+", "%2F", ".." and unicode are ingested into their own account and answered under their name', async () => {
    const folder = (acct: Account) => join(dataDir(), 'drops', acct.id);
    mkdirSync(folder(hostile), { recursive: true });
    const names = ['ünï çødé+1', `100%2F..%2F${victim.id}`, '🧾 drop..x'];
    for (const [i, name] of names.entries()) {
      writeFileSync(
        join(folder(hostile), `${name}.csv`),
        `reference,productLabel,customerCode,quantity,purchaseDate\ndrop/${i}/..,${ids[0]},${ids[0]},1,2026-10-06\n`,
      );
    }
    for (const [i, name] of names.entries()) {
      const result = await eventually(
        async () => JSON.parse(readFileSync(join(folder(hostile), 'results', `${name}.json`), 'utf8')) as { rows: number; accepted: number },
        60_000,
      );
      expect([name, result]).toEqual([name, expect.objectContaining({ rows: 1, accepted: 1 })]);
      expect((await call(hostile, 'GET', `/purchases/${seg(`drop/${i}/..`)}`)).body).toMatchObject({
        reference: `drop/${i}/..`,
        customerCode: ids[0],
      });
      expect((await call(victim, 'GET', `/purchases/${seg(`drop/${i}/..`)}`)).status).toBe(404);
    }
    let victimResults: string[] = [];
    try {
      victimResults = readdirSync(join(folder(victim), 'results'));
    } catch {
      victimResults = [];
    }
    expect(victimResults).toEqual([]);
  });
});
