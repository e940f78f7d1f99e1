import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, baseUrl, dataDir, eventually, newAccount, type Account } from './harness';

/**
 * The embedded local stack end to end: the synthesized template's routes, queues, S3 notifications and
 * the drops folder, running the bundles that ship. (Domain behaviour is covered by the other files.)
 */
describe('local stack', () => {
  test('GET /v1/health is 200 {"status":"ok"} without a key, as API Gateway answers it', async () => {
    const res = await api('GET', '/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('apigw-requestid')).toBeTruthy();
  });

  test('an unknown route reaches $default: 404 in our error shape', async () => {
    const res = await api('DELETE', '/v2/nothing/here?x=1');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found', message: expect.any(String) } });
  });

  test('a body over 10 MB is a 413 in our error shape', async () => {
    const res = await fetch(`${baseUrl()}/v1/accounts/x/purchases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: ' '.repeat(10 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
  });

  describe('with an account', () => {
    let acct: Account;
    const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
    const purchase = async (reference: string) =>
      (await api('GET', path(`/purchases/${reference}`), undefined, acct.key)).body as {
        status: string;
        reason: string | null;
        productCluster: string | null;
      };

    beforeAll(async () => {
      acct = await newAccount();
      await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key);
      await api('PUT', path('/customers/C1'), { name: 'One', cluster: 'all', currency: 'EUR' }, acct.key);
      await api('PUT', path('/product-clusters/voice'), { name: 'Voice', aliases: ['voice-min'] }, acct.key);
    });

    test('a purchase flows through the ingest queue to the chunk consumer', async () => {
      const posted = await api(
        'POST',
        path('/purchases'),
        { purchases: [{ reference: 'ls-1', productLabel: 'voice-min', customerCode: 'C1', quantity: '2', purchaseDate: '2026-10-01' }] },
        acct.key,
      );
      expect(posted.status).toBe(202);
      expect(posted.body).toMatchObject({ accepted: ['ls-1'] });
      await eventually(async () => expect(await purchase('ls-1')).toMatchObject({ status: 'not-invoiced', productCluster: 'voice' }));
    });

    test('a new alias re-maps a waiting purchase through the remap queue', async () => {
      await api(
        'POST',
        path('/purchases'),
        { purchases: [{ reference: 'ls-2', productLabel: 'sms-out', customerCode: 'C1', quantity: '1', purchaseDate: '2026-10-02' }] },
        acct.key,
      );
      await eventually(async () => expect(await purchase('ls-2')).toMatchObject({ status: 'unmapped', reason: 'unknown-product' }));
      await api('PUT', path('/product-clusters/sms'), { name: 'SMS', aliases: ['sms-out'] }, acct.key);
      await eventually(async () => expect(await purchase('ls-2')).toMatchObject({ status: 'not-invoiced', productCluster: 'sms' }));
    });

    test('the drops folder: a file is uploaded, moved to processed/, and its result mirrored back', async () => {
      const folder = join(dataDir(), 'drops', acct.id);
      mkdirSync(folder, { recursive: true });
      const name = 'local stack (1)';
      writeFileSync(
        join(folder, `${name}.csv`),
        'reference,productLabel,customerCode,quantity,purchaseDate,endDate\nls-3,voice-min,C1,4,2026-10-03,\n',
      );
      const result = await eventually(
        () => JSON.parse(readFileSync(join(folder, 'results', `${name}.json`), 'utf8')) as { rows: number; accepted: number },
        60_000,
      );
      expect(result).toMatchObject({ rows: 1, accepted: 1 });
      expect(existsSync(join(folder, 'processed', `${name}.csv`))).toBe(true);
      expect(existsSync(join(folder, `${name}.csv`))).toBe(false);
      await eventually(async () => expect(await purchase('ls-3')).toMatchObject({ status: 'not-invoiced' }));
    });
  });
});
