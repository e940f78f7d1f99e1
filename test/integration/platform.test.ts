import { adminKey, api, newAccount } from './harness';

describe('platform: health, accounts, keys, access', () => {
  test('health needs no key', async () => {
    const res = await api('GET', '/v1/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  test('the OpenAPI description is served', async () => {
    const res = await api('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect((res.body as { openapi: string }).openapi).toBe('3.1.0');
  });

  test('every other route needs a known key (401 in the error shape)', async () => {
    const missing = await api('GET', '/v1/accounts/nobody/customers', undefined, null);
    const unknown = await api('GET', '/v1/accounts/nobody/customers', undefined, 'bs_not-a-key');
    expect(missing.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String), details: [] } });
  });

  test('an unknown route is a 404 in the error shape', async () => {
    const res = await api('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect((res.body as { error: { code: string } }).error.code).toBe('not_found');
  });

  test('accounts: 201, then 409 for the same id, 400 naming bad fields', async () => {
    const id = `acct-${Date.now().toString(36)}`;
    const body = { id, name: 'Vendor V', roles: ['vendor'], currency: 'EUR' };
    const created = await api('POST', '/v1/accounts', body, adminKey());
    const again = await api('POST', '/v1/accounts', body, adminKey());
    const bad = await api('POST', '/v1/accounts', { id: 'Bad Id', name: '', roles: ['wizard'], currency: 'euro' }, adminKey());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(body);
    expect(again.status).toBe(409);
    expect((again.body as { error: { code: string } }).error.code).toBe('account_exists');
    expect(bad.status).toBe(400);
    const details = (bad.body as { error: { details: string[] } }).error.details;
    expect(details.some((d) => d.startsWith('id:'))).toBe(true);
    expect(details.some((d) => d.startsWith('name:'))).toBe(true);
    expect(details.some((d) => d.startsWith('roles.0:'))).toBe(true);
    expect(details.some((d) => d.startsWith('currency:'))).toBe(true);
  });

  test('malformed JSON is a 400, not a 500', async () => {
    const res = await api('POST', '/v1/accounts', '{"id": ', adminKey());
    expect(res.status).toBe(400);
    expect((res.body as { error: { code: string } }).error.code).toBe('invalid_input');
  });

  test('roles: viewers read, billing writes but cannot issue keys, only platform creates accounts', async () => {
    const account = await newAccount();
    const viewer = (await api('POST', `/v1/accounts/${account.id}/keys`, { role: 'viewer' }, account.key)).body as { key: string; role: string };
    const billing = (await api('POST', `/v1/accounts/${account.id}/keys`, { role: 'billing' }, account.key)).body as { key: string };
    expect(viewer.role).toBe('viewer');

    expect((await api('GET', `/v1/accounts/${account.id}/customers`, undefined, viewer.key)).status).toBe(200);
    expect((await api('PUT', `/v1/accounts/${account.id}/customer-clusters/all`, { name: 'All' }, viewer.key)).status).toBe(403);
    expect((await api('PUT', `/v1/accounts/${account.id}/customer-clusters/all`, { name: 'All' }, billing.key)).status).toBe(201);
    expect((await api('POST', `/v1/accounts/${account.id}/keys`, { role: 'admin' }, billing.key)).status).toBe(403);
    expect((await api('POST', '/v1/accounts', { id: 'x-1', name: 'X', roles: ['vendor'], currency: 'EUR' }, account.key)).status).toBe(403);
    expect((await api('POST', `/v1/accounts/${account.id}/keys`, { role: 'root' }, account.key)).status).toBe(400);
  });

  test("a key never reaches another account's data: 404, not 403", async () => {
    const mine = await newAccount();
    const theirs = await newAccount();
    await api('PUT', `/v1/accounts/${theirs.id}/customer-clusters/all`, { name: 'All' }, theirs.key);
    const read = await api('GET', `/v1/accounts/${theirs.id}/customer-clusters/all`, undefined, mine.key);
    const write = await api('PUT', `/v1/accounts/${theirs.id}/customer-clusters/all`, { name: 'Mine now' }, mine.key);
    const keys = await api('POST', `/v1/accounts/${theirs.id}/keys`, { role: 'admin' }, mine.key);
    expect([read.status, write.status, keys.status]).toEqual([404, 404, 404]);
    expect((await api('GET', `/v1/accounts/${theirs.id}/customer-clusters/all`, undefined, theirs.key)).body).toMatchObject({ name: 'All' });
  });
});
