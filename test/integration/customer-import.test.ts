import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, baseUrl, dataDir, eventually, newAccount, type Account } from './harness';

type ImportResult = {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: { line: number; code: string | null; errors: string[] }[];
  error?: string;
  etag?: string;
};

const address = { line1: 'Damrak 1', postalCode: '1012 LG', city: 'Amsterdam', country: 'NL' };

/** POST /customers/import with the file as the body and its own content type. */
async function importFile(acct: Account, body: string, contentType: string): Promise<{ status: number; body: ImportResult }> {
  const res = await fetch(`${baseUrl()}/v1/accounts/${acct.id}/customers/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${acct.key}`, 'content-type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json()) as ImportResult };
}

describe('customer hierarchy, legal data, profile and import over HTTP', () => {
  let acct: Account;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const put = (code: string, body: Record<string, unknown>) =>
    api('PUT', path(`/customers/${code}`), { name: code, cluster: 'all', currency: 'EUR', ...body }, acct.key);

  beforeAll(async () => {
    acct = await newAccount();
    expect((await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key)).status).toBe(201);
  });

  test('PUT with parent and legal data round-trips; defaults on a customer without them', async () => {
    expect((await put('HQ', { legalName: 'Acme Holding B.V.', address, vatId: 'NL123456789B01', email: 'ap@acme.example' })).status).toBe(201);
    const kid = await put('KID', { parent: 'HQ', invoicing: 'parent', paymentTermsDays: 14, address: { ...address, line2: '3rd floor' } });
    expect(kid.status).toBe(201);
    const got = await api('GET', path('/customers/KID'), undefined, acct.key);
    expect(got.body).toMatchObject({
      code: 'KID',
      parent: 'HQ',
      invoicing: 'parent',
      paymentTermsDays: 14,
      address: { ...address, line2: '3rd floor' },
      legalName: null,
      vatId: null,
    });
    expect((await api('GET', path('/customers/HQ'), undefined, acct.key)).body).toMatchObject({
      parent: null,
      invoicing: 'self',
      paymentTermsDays: 30,
      legalName: 'Acme Holding B.V.',
      vatId: 'NL123456789B01',
      email: 'ap@acme.example',
    });
  });

  test('a loop is 409 parent_loop naming the chain; a missing parent and invoicing parent without one are 400', async () => {
    const loop = await put('HQ', { parent: 'KID' });
    expect(loop.status).toBe(409);
    expect(loop.body).toMatchObject({ error: { code: 'parent_loop', details: ['parent: HQ → KID → HQ is a loop'] } });
    expect((await put('SELF', { parent: 'SELF' })).status).toBe(409);
    const missing = await put('ORPHAN', { parent: 'NOBODY' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { details: ["parent: customer 'NOBODY' does not exist"] } });
    const invoicing = await put('LONE', { invoicing: 'parent' });
    expect(invoicing.status).toBe(400);
    expect(invoicing.body).toMatchObject({ error: { details: ['invoicing: "parent" needs a parent'] } });
  });

  test('concurrent PUTs that would close a loop together: exactly one succeeds', async () => {
    expect((await put('X', {})).status).toBe(201);
    expect((await put('Y', {})).status).toBe(201);
    for (let round = 0; round < 5; round++) {
      await Promise.all([put('X', {}), put('Y', {})]);
      const out = await Promise.all([put('X', { parent: 'Y' }), put('Y', { parent: 'X' })]);
      expect(out.map((o) => o.status).sort()).toEqual([200, 409]);
    }
  });

  test('account profile: PUT by an admin, GET by any key; billing keys may not; invoicePrefix checked', async () => {
    const profile = { legalName: 'Seller B.V.', address, vatId: 'NL999999999B01', invoicePrefix: 'SEL' };
    expect((await api('GET', path('/profile'), undefined, acct.key)).status).toBe(404);
    const created = await api('PUT', path('/profile'), profile, acct.key);
    expect(created.status).toBe(201);
    expect((await api('PUT', path('/profile'), profile, acct.key)).status).toBe(200);
    const billing = ((await api('POST', path('/keys'), { role: 'billing' }, acct.key)).body as { key: string }).key;
    expect((await api('PUT', path('/profile'), profile, billing)).status).toBe(403);
    expect((await api('GET', path('/profile'), undefined, billing)).body).toMatchObject(profile);
    const bad = await api('PUT', path('/profile'), { ...profile, invoicePrefix: 'sel_1' }, acct.key);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { details: [expect.stringMatching(/^invoicePrefix: /)] } });
    const other = await newAccount();
    expect((await api('GET', path('/profile'), undefined, other.key)).status).toBe(404);
  });

  test('CSV import: good lines applied, a bad line rejected with its number; the same file again is all unchanged', async () => {
    const csv = [
      'code,name,cluster,currency,parent,invoicing,legalName,vatId,email,paymentTermsDays,address.line1,address.postalCode,address.city,address.country',
      'CRM-KID,Kid,all,EUR,CRM-HQ,parent,,,,,,,,',
      'CRM-HQ,Head office,all,EUR,,,"Head Office, B.V.",NL111111111B01,hq@crm.example,45,Damrak 2,1012 LG,Amsterdam,NL',
      'CRM-BAD,Bad,all,euro,,,,,,,,,,',
      'HQ,Acme Holding,all,EUR,,,Acme Holding B.V.,NL123456789B01,ap@acme.example,,Damrak 1,1012 LG,Amsterdam,NL',
    ].join('\n');
    const first = await importFile(acct, csv, 'text/csv');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      rows: 4,
      created: 2,
      updated: 1, // HQ: name changed from 'HQ'
      unchanged: 0,
      rejected: [{ line: 4, code: 'CRM-BAD', errors: ['currency: must be an ISO 4217 code such as EUR'] }],
    });
    expect((await api('GET', path('/customers/CRM-HQ'), undefined, acct.key)).body).toMatchObject({
      legalName: 'Head Office, B.V.',
      paymentTermsDays: 45,
      address: { line1: 'Damrak 2', line2: null, city: 'Amsterdam' },
    });
    expect((await api('GET', path('/customers/CRM-KID'), undefined, acct.key)).body).toMatchObject({ parent: 'CRM-HQ', invoicing: 'parent' });
    const again = await importFile(acct, csv, 'text/csv');
    expect(again.body).toMatchObject({ rows: 4, created: 0, updated: 0, unchanged: 3 });
    expect(again.body.rejected.map((r) => r.line)).toEqual([4]);
  });

  test('JSON Lines import, with a loop among its lines and a line that is not JSON', async () => {
    const jsonl = [
      JSON.stringify({ code: 'J1', name: 'One', cluster: 'all', currency: 'EUR', parent: 'J2' }),
      JSON.stringify({ code: 'J2', name: 'Two', cluster: 'all', currency: 'EUR', parent: 'J1' }),
      '{nope',
      JSON.stringify({ code: 'J3', name: 'Three', cluster: 'all', currency: 'EUR', parent: 'CRM-HQ', address }),
    ].join('\n');
    const out = await importFile(acct, jsonl, 'application/x-ndjson');
    expect(out.body).toMatchObject({ rows: 4, created: 1, updated: 0, unchanged: 0 });
    expect(out.body.rejected.map((r) => [r.line, r.code])).toEqual([
      [1, 'J1'],
      [2, 'J2'],
      [3, null],
    ]);
    expect(out.body.rejected[0]!.errors).toEqual(['parent: J1 → J2 → J1 is a loop (parent_loop)']);
    expect((await importFile(acct, jsonl, 'application/jsonl')).body).toMatchObject({ created: 0, unchanged: 1 });
    expect((await importFile(acct, jsonl, 'application/json')).status).toBe(400);
    expect((await importFile(acct, 'code,colour\nA,red\n', 'text/csv')).status).toBe(400);
  });

  test('the drop drops/<a>/customers/<name>.csv imports too, its result under customers/results/', async () => {
    const folder = join(dataDir(), 'drops', acct.id, 'customers');
    mkdirSync(folder, { recursive: true });
    const csv = 'code,name,cluster,currency,parent\nD1,Dropped one,all,EUR,CRM-HQ\nD2,Dropped two,nowhere,EUR,\n';
    writeFileSync(join(folder, 'crm.csv'), csv);
    const result = await eventually(async () => JSON.parse(readFileSync(join(folder, 'results', 'crm.json'), 'utf8')) as ImportResult, 60_000);
    expect(result).toMatchObject({ rows: 2, created: 1, updated: 0, unchanged: 0 });
    expect(result.rejected).toEqual([{ line: 3, code: 'D2', errors: ["cluster: customer cluster 'nowhere' does not exist"] }]);
    expect((await api('GET', path('/customers/D1'), undefined, acct.key)).body).toMatchObject({ parent: 'CRM-HQ' });
    const firstEtag = result.etag;
    writeFileSync(join(folder, 'crm.csv'), csv.replace('\n', '\n\n')); // the same customers again, another object
    const second = await eventually(async () => {
      const r = JSON.parse(readFileSync(join(folder, 'results', 'crm.json'), 'utf8')) as ImportResult;
      expect(r.etag).not.toBe(firstEtag);
      return r;
    }, 60_000);
    expect(second).toMatchObject({ rows: 2, created: 0, updated: 0, unchanged: 1 });
  });

  test('purchases waiting for imported customers are mapped (a small and a large import)', async () => {
    await api('PUT', path('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min'] }, acct.key);
    const purchase = (reference: string, customerCode: string) => ({
      reference,
      productLabel: 'voice-min',
      customerCode,
      quantity: 1,
      purchaseDate: '2026-10-01',
    });
    const sent = await api('POST', path('/purchases'), { purchases: [purchase('w-small', 'WAIT-S'), purchase('w-large', 'WAIT-L')] }, acct.key);
    expect(sent.status).toBeLessThan(300);
    const status = async (reference: string) =>
      ((await api('GET', path(`/purchases/${reference}`), undefined, acct.key)).body as { status: string }).status;
    await eventually(async () => expect(await status('w-large')).toBe('unmapped'));
    const row = (code: string) => JSON.stringify({ code, name: code, cluster: 'all', currency: 'EUR' });
    expect((await importFile(acct, ['NEW-S1', 'WAIT-S'].map(row).join('\n'), 'application/x-ndjson')).body).toMatchObject({ created: 2 });
    const many = Array.from({ length: 60 }, (_, i) => `NEW-L${i}`);
    many.splice(30, 0, 'WAIT-L');
    expect((await importFile(acct, many.map(row).join('\n'), 'application/x-ndjson')).body).toMatchObject({ created: 61 });
    await eventually(async () => {
      expect(await status('w-small')).toBe('not-invoiced');
      expect(await status('w-large')).toBe('not-invoiced');
    }, 60_000);
  });

  test('10,000 customers: imported, then again all unchanged (timed)', async () => {
    const big = await newAccount();
    await api('PUT', `/v1/accounts/${big.id}/customer-clusters/all`, { name: 'All' }, big.key);
    const lines = [
      'code,name,cluster,currency,parent,invoicing,legalName,vatId,paymentTermsDays,address.line1,address.postalCode,address.city,address.country',
    ];
    for (let i = 0; i < 10_000; i++) {
      const parent = i % 10 === 0 ? '' : `P${i - (i % 10)}`;
      lines.push(
        `P${i},Customer ${i},all,EUR,${parent},${parent ? 'parent' : ''},Customer ${i} B.V.,NL${100000000 + i}B01,30,Street ${i},1000 AA,Amsterdam,NL`,
      );
    }
    const csv = lines.join('\n');
    let started = Date.now();
    const first = await importFile(big, csv, 'text/csv');
    const firstMs = Date.now() - started;
    expect(first.body).toMatchObject({ rows: 10_000, created: 10_000, updated: 0, unchanged: 0, rejected: [] });
    started = Date.now();
    const second = await importFile(big, csv, 'text/csv');
    const secondMs = Date.now() - started;
    expect(second.body).toMatchObject({ rows: 10_000, created: 0, updated: 0, unchanged: 10_000, rejected: [] });
    process.stdout.write(`customer import of 10,000 lines (1,000 parents, 9,000 linked children): first ${firstMs} ms, again ${secondMs} ms\n`);
    expect((await api('GET', `/v1/accounts/${big.id}/customers/P9999`, undefined, big.key)).body).toMatchObject({ parent: 'P9990' });
  }, 300_000);
});
