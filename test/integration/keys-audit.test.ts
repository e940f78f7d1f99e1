import { adminKey, api, eventually, newAccount, type Account } from './harness';

/**
 * Keys and audit over HTTP on the local stack (docs/api.md "Keys and audit", "Throttling"): keys listed
 * without secrets and revoked (401 within seconds, also in functions that had the key cached), the audit
 * log of a price rule changed from what to what, readable only by its account, and 429 under a burst.
 */

interface KeyInfo {
  id: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface Entry {
  at: string;
  keyId: string;
  role: string;
  method: string;
  path: string;
  resource: string;
  status: number;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}
type Page<T> = { items: T[]; next: string | null };

describe('keys and audit over HTTP', () => {
  let acct: Account;
  let other: Account;
  let adminId: string;
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const issue = async (role: string) => (await api('POST', path('/keys'), { role }, acct.key)).body as { key: string; id: string; role: string };

  beforeAll(async () => {
    [acct, other] = await Promise.all([newAccount(), newAccount()]);
    const keys = (await api('GET', path('/keys'), undefined, acct.key)).body as { items: KeyInfo[] };
    adminId = keys.items[0]!.id;
  });

  test('keys are listed by id, role and dates, never a secret; only the account’s admin keys list them', async () => {
    // Arrange
    const billing = await issue('billing');
    const viewer = await issue('viewer');
    await api('GET', path('/customers'), undefined, billing.key); // a use

    // Act
    const listed = await api('GET', path('/keys'), undefined, acct.key);
    const byBilling = await api('GET', path('/keys'), undefined, billing.key);
    const byOther = await api('GET', path('/keys'), undefined, other.key);

    // Assess
    expect(listed.status).toBe(200);
    const items = (listed.body as { items: KeyInfo[] }).items;
    expect(items.map((k) => [k.id, k.role, k.revokedAt])).toEqual([
      [adminId, 'admin', null],
      [billing.id, 'billing', null],
      [viewer.id, 'viewer', null],
    ]);
    expect(items.find((k) => k.id === billing.id)!.lastUsedAt).not.toBeNull();
    expect(items.find((k) => k.id === viewer.id)!.lastUsedAt).toBeNull();
    expect(Object.keys(items[0]!).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'revokedAt', 'role']);
    for (const secret of [acct.key, billing.key, viewer.key]) expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(byBilling.status).toBe(403);
    expect(byOther.status).toBe(404);
  });

  test('a revoked key answers 401 within seconds everywhere it was cached; revoking is idempotent; unknown ids are 404', async () => {
    // Arrange: the key is used (and cached) by the platform, catalog and pricing functions
    const billing = await issue('billing');
    for (const p of ['/customers', '/price-rules', '/keys']) await api('GET', path(p), undefined, p === '/keys' ? acct.key : billing.key);
    expect((await api('GET', path('/customers'), undefined, billing.key)).status).toBe(200);

    // Act
    const revoked = await api('DELETE', path(`/keys/${billing.id}`), undefined, acct.key);
    const t0 = Date.now();
    const waited = await eventually(async () => {
      const statuses = await Promise.all(['/customers', '/price-rules'].map(async (p) => (await api('GET', path(p), undefined, billing.key)).status));
      expect(statuses).toEqual([401, 401]);
      return Date.now() - t0;
    }, 10_000);
    const again = await api('DELETE', path(`/keys/${billing.id}`), undefined, acct.key);
    const unknown = await api('DELETE', path('/keys/key_000000000000000000000000'), undefined, acct.key);
    const foreign = await api('DELETE', `/v1/accounts/${other.id}/keys/${billing.id}`, undefined, other.key);
    const listed = (await api('GET', path('/keys'), undefined, acct.key)).body as { items: KeyInfo[] };

    // Assess
    expect(revoked.status).toBe(204);
    expect(waited).toBeLessThan(8_000); // the key cache holds a key at most 5 s (KEY_CACHE_MS), plus the time of the requests
    expect(again.status).toBe(204);
    expect(unknown.status).toBe(404);
    expect(foreign.status).toBe(404);
    expect(listed.items.find((k) => k.id === billing.id)!.revokedAt).not.toBeNull();
    expect((await api('GET', path('/customers'), undefined, acct.key)).status).toBe(200); // the others still work
  });

  test('the audit log shows who changed a price rule from what to what, newest first; only its account reads it', async () => {
    // Arrange
    const billing = await issue('billing');
    const put = (p: string, body: unknown, key = acct.key) => api('PUT', path(p), body, key);
    expect((await put('/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] })).status).toBe(201);
    const rule = (unitPrice: string) => ({
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice },
    });

    // Act
    expect((await put('/price-rules/r1', rule('0.25'))).status).toBe(201);
    expect((await put('/price-rules/r1', rule('0.3'), billing.key)).status).toBe(200);
    expect((await put('/price-rules/r1', rule('x'), billing.key)).status).toBe(400);
    const log = await api('GET', path('/audit?resource=price-rules/r1'), undefined, acct.key);
    const all = await api('GET', path('/audit'), undefined, acct.key);
    const byOther = await api('GET', path('/audit'), undefined, other.key);
    const byPlatform = await api('GET', path('/audit?resource=price-rules'), undefined, adminKey());

    // Assess
    expect(log.status).toBe(200);
    const entries = (log.body as Page<Entry>).items;
    expect(entries.map((e) => [e.keyId, e.role, e.method, e.path, e.resource, e.status])).toEqual([
      [billing.id, 'billing', 'PUT', path('/price-rules/r1'), 'price-rules/r1', 400],
      [billing.id, 'billing', 'PUT', path('/price-rules/r1'), 'price-rules/r1', 200],
      [adminId, 'admin', 'PUT', path('/price-rules/r1'), 'price-rules/r1', 201],
    ]);
    const unitPrice = (x: Record<string, unknown> | null) => (x?.model as { unitPrice?: string } | undefined)?.unitPrice ?? null;
    expect(entries.map((e) => [unitPrice(e.before), unitPrice(e.after)])).toEqual([
      ['0.3', null],
      ['0.25', '0.3'],
      [null, '0.25'],
    ]);
    expect(entries[0]!.at >= entries[1]!.at && entries[1]!.at >= entries[2]!.at).toBe(true);
    const resources = (all.body as Page<Entry>).items.map((e) => e.resource);
    expect(resources).toEqual(expect.arrayContaining(['price-rules/r1', 'product-clusters/voice', 'keys']));
    expect(JSON.stringify(all.body)).not.toContain(billing.key);
    expect(byOther.status).toBe(404);
    expect((byPlatform.body as Page<Entry>).items.length).toBe(3);
    const othersLog = ((await api('GET', `/v1/accounts/${other.id}/audit`, undefined, other.key)).body as Page<Entry>).items;
    // only what was sent to the other account (its key issued, its own refused DELETE above), nothing of this one
    expect(othersLog.map((e) => e.resource).filter((r) => !r.startsWith('keys'))).toEqual([]);
    expect(othersLog.some((e) => e.keyId === adminId || e.keyId === billing.id)).toBe(false);
  });

  test('the audit log pages with sealed cursors and filters by time', async () => {
    // Arrange
    const since = new Date().toISOString();
    for (const id of ['a', 'b', 'c']) await api('PUT', path(`/customer-clusters/${id}`), { name: id }, acct.key);

    // Act
    const first = await api('GET', path(`/audit?from=${since}&limit=2`), undefined, acct.key);
    const next = (first.body as Page<Entry>).next!;
    const second = await api('GET', path(`/audit?from=${since}&limit=2&cursor=${encodeURIComponent(next)}`), undefined, acct.key);
    const foreignCursor = await api(
      'GET',
      `/v1/accounts/${other.id}/audit?from=${since}&limit=2&cursor=${encodeURIComponent(next)}`,
      undefined,
      other.key,
    );
    const future = await api('GET', path('/audit?from=2999-01-01'), undefined, acct.key);
    const badRange = await api('GET', path('/audit?from=2026-12-02&to=2026-12-01'), undefined, acct.key);

    // Assess
    const resources = [...(first.body as Page<Entry>).items, ...(second.body as Page<Entry>).items].map((e) => e.resource);
    expect(resources).toEqual(['customer-clusters/c', 'customer-clusters/b', 'customer-clusters/a']);
    expect(foreignCursor.status).toBe(400);
    expect((future.body as Page<Entry>).items).toEqual([]);
    expect(badRange.status).toBe(400);
  });

  test('a price preview changes nothing and is not in the audit log; a write sent with it is', async () => {
    // Arrange
    const since = new Date().toISOString();
    const viewer = await issue('viewer');
    const preview = { productLabel: 'voice-min', customerCode: 'C1', quantity: '10', purchaseDate: '2026-10-05' };

    // Act
    const byAdmin = await api('POST', path('/price-preview'), preview, acct.key);
    const byViewer = await api('POST', path('/price-preview'), preview, viewer.key);
    const refused = await api('POST', path('/price-preview'), { ...preview, quantity: 'ten' }, acct.key);
    const write = await api('PUT', path('/customer-clusters/after-preview'), { name: 'After the preview' }, acct.key);
    const log = await api('GET', path(`/audit?from=${since}`), undefined, acct.key);

    // Assess
    expect([byAdmin.status, byViewer.status, refused.status, write.status]).toEqual([200, 200, 400, 201]);
    const entries = (log.body as Page<Entry>).items;
    expect(entries.map((e) => [e.method, e.resource, e.status])).toEqual([
      ['PUT', 'customer-clusters/after-preview', 201],
      ['POST', 'keys', 201],
    ]);
  });

  test('a burst beyond the account’s limit gets 429 throttled with Retry-After; another account is served meanwhile', async () => {
    // Act: more requests at once than the default burst (400) plus what 200/s refills while they arrive
    const flood = await Promise.all(Array.from({ length: 1500 }, () => api('GET', path('/no-such-route'), undefined, acct.key)));
    const meanwhile = await api('GET', `/v1/accounts/${other.id}/keys`, undefined, other.key);

    // Assess
    const throttled = flood.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(flood.filter((r) => r.status !== 429).every((r) => r.status === 404)).toBe(true);
    expect(throttled[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((throttled[0]!.body as { error: { code: string } }).error.code).toBe('throttled');
    expect(meanwhile.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // the bucket refills for whatever runs next
  });
});
