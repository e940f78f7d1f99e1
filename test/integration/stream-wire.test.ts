import { batchErrorRow, inboundBatch } from '../../shared/streams/api-schemas';
import { api, baseUrl, eventually, newAccount, type Account } from './harness';

/**
 * The streams API's wire shapes against what the OpenAPI document says (shared/streams/api-schemas.ts, from
 * which the document is generated): a real error file, with both kinds of error row; one inbound batch read
 * by its id, as the list gives it, and by no other account.
 */

const at = (acct: Account) => async (method: string, p: string, body?: unknown) => api(method, `/v1/accounts/${acct.id}${p}`, body, acct.key);

async function uploadCsv(acct: Account, stream: string, csv: string): Promise<void> {
  const res = await fetch(`${baseUrl()}/v1/accounts/${acct.id}/streams/${stream}/upload`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${acct.key}`, 'content-type': 'text/csv' },
    body: csv,
  });
  expect(res.status).toBe(200);
}

/** Runs an upload stream for October 2026 and answers its batch once it has left `running`. */
async function runToEnd(acct: Account, stream: string): Promise<Record<string, unknown>> {
  const run = await at(acct)('POST', `/streams/${stream}/runs`, { periodStart: '2026-10-01', periodEnd: '2026-11-01' });
  expect(run.status).toBe(202);
  const id = (run.body as { batch: string }).batch;
  return eventually(async () => {
    const b = (await at(acct)('GET', `/batches/${id}`)).body as Record<string, unknown>;
    if (b.status === 'running') throw new Error('still running');
    return b;
  }, 60_000);
}

const uploadStream = (stages: unknown[], kind = 'billing') => ({ kind, type: 'simple', source: { upload: true }, currency: 'EUR', stages });

test('the error file holds stage error rows and input error rows, each exactly as documented', async () => {
  // Prepare: a lookup stage that misses key Z; a value that is not a decimal and a line one field short are input lines.
  const acct = await newAccount();
  const a = at(acct);
  expect((await a('PUT', '/lookup-tables/skus', { key: 'sku', rows: [{ sku: 'A', name: 'Alpha' }] })).status).toBe(201);
  expect((await a('PUT', '/streams/named', uploadStream([{ type: 'lookup', table: 'skus', key: 'sku', columns: ['name'] }]))).status).toBe(201);
  await uploadCsv(acct, 'named', 'sku,quantity:decimal,customerCode\nA,3,C1\nZ,1,C2\nA,x,C3\nA,\n');

  // Act
  const batch = await runToEnd(acct, 'named');
  const errors = await a('GET', `/batches/${batch.id}/errors`);

  // Assess: in the order of the file; every item passes the documented schema, which refuses any other key.
  expect(batch).toMatchObject({ status: 'draft', rows: 1, errors: 3 });
  expect(errors.status).toBe(200);
  const items = (errors.body as { items: unknown[] }).items;
  expect(items).toEqual([
    { stage: 0, type: 'lookup', reason: expect.stringContaining("'Z'"), row: { sku: 'Z', quantity: '1', customerCode: 'C2' } },
    { stage: null, type: 'input', reason: expect.stringMatching(/^record 3: quantity: /), fields: ['A', 'x', 'C3'] },
    { stage: null, type: 'input', reason: 'record 4: expected 3 fields, found 2', fields: ['A', null] },
  ]);
  for (const item of items) expect([item, batchErrorRow.safeParse(item).error?.issues ?? []]).toEqual([item, []]);
  expect(batchErrorRow.safeParse({ stage: null, type: 'input', reason: 'r', row: {} }).success).toBe(false);
}, 90_000);

test('an inbound batch is read by its id as the list gives it; another account, or an unknown id, is a 404', async () => {
  // Prepare: the vendor's customer D is the partner's account; a published batch shares D's row with it.
  const vendor = await newAccount();
  const partner = await newAccount({ roles: ['distributor'] });
  const stranger = await newAccount();
  const v = at(vendor);
  await v('PUT', '/customer-clusters/all', { name: 'All' });
  await v('PUT', '/customers/D', { name: 'Distributor', cluster: 'all', currency: 'EUR', partnerAccount: partner.id });
  expect((await v('PUT', '/streams/prices', uploadStream([], 'pricing'))).status).toBe(201);
  await uploadCsv(vendor, 'prices', 'customerCode,productCluster,unitPrice:decimal\nD,voice,0.10\nX,voice,0.20\n');
  const batch = await runToEnd(vendor, 'prices');
  expect((await v('POST', `/batches/${batch.id}/publish`)).status).toBe(200);
  const listed = await eventually(async () => {
    const items = ((await at(partner)('GET', '/inbound-batches')).body as { items: Record<string, unknown>[] }).items;
    if (items.length === 0) throw new Error('not shared yet');
    return items[0]!;
  }, 60_000);

  // Act
  const one = await at(partner)('GET', `/inbound-batches/${listed.id}`);
  const byVendor = await v('GET', `/inbound-batches/${listed.id}`);
  const byStranger = await at(stranger)('GET', `/inbound-batches/${listed.id}`);
  const unknown = await at(partner)('GET', '/inbound-batches/no-such-batch');

  // Assess
  expect(one.status).toBe(200);
  expect(one.body).toEqual(listed);
  expect(one.body).toMatchObject({ account: vendor.id, stream: 'prices', batch: batch.id, kind: 'pricing', rows: 1, totals: {} });
  expect(inboundBatch.strict().safeParse(one.body).error?.issues ?? []).toEqual([]);
  for (const r of [byVendor, byStranger, unknown]) expect([r.status, (r.body as { error: { code: string } }).error.code]).toEqual([404, 'not_found']);
}, 120_000);
