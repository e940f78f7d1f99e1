import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { auditScope, auditTo } from '../../../shared/edge/audit';
import { accountResolver, httpApi } from '../../../shared/edge/http';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../shared/kernel/errors';
import type { Principal } from '../../../shared/platform/domain/access';
import { auditFilter, auditQuerySchema, boundedRepresentation } from '../../../shared/platform/domain/audit';
import { AuditService } from '../../../shared/platform/use-cases/audit';
import { hashKey, KEY_CACHE_MS, keyIdOf, PlatformService } from '../../../shared/platform/use-cases/platform';
import { MemoryAuditStore } from '../../support/memory-platform';
import { MemoryAccounts } from '../../support/memory-ports';

const ADMIN = 'bs_admin';
const platformKey: Principal = { kind: 'platform' };

async function setUp() {
  const accounts = new MemoryAccounts();
  let clock = Date.parse('2026-12-01T10:00:00Z');
  const now = () => new Date(clock);
  const service = new PlatformService(accounts, hashKey(ADMIN), now);
  for (const id of ['acme', 'other']) await service.createAccount(platformKey, { id, name: id, roles: ['vendor'], currency: 'EUR' });
  return { accounts, service, now, advance: (ms: number) => (clock += ms) };
}

describe('API keys: list, revoke, last use', () => {
  test('keys are listed by id with their role and dates, never the secret or its hash', async () => {
    // Arrange
    const { service, advance } = await setUp();
    const admin = await service.createKey(platformKey, 'acme', 'admin');
    advance(1_000);
    const billing = await service.createKey(platformKey, 'acme', 'billing');
    await service.createKey(platformKey, 'other', 'viewer');

    // Act
    const keys = await service.listKeys(platformKey, 'acme');

    // Assess
    expect(admin.id).toBe(keyIdOf(hashKey(admin.key)));
    expect(keys.map((k) => [k.id, k.role, k.lastUsedAt, k.revokedAt])).toEqual([
      [admin.id, 'admin', null, null],
      [billing.id, 'billing', null, null],
    ]);
    const text = JSON.stringify(keys);
    for (const secret of [admin.key, billing.key, hashKey(admin.key), hashKey(billing.key)]) expect(text).not.toContain(secret);
  });

  test('only an admin key of the account (or the platform key) lists and revokes; other accounts are 404', async () => {
    // Arrange
    const { service } = await setUp();
    const admin = await service.createKey(platformKey, 'acme', 'admin');
    const billing = await service.createKey(platformKey, 'acme', 'billing');
    const foreign = await service.createKey(platformKey, 'other', 'admin');
    const as = async (key: string) => (await service.authenticate(key))!;

    // Act / Assess
    await expect(service.listKeys(await as(billing.key), 'acme')).rejects.toThrow(ForbiddenError);
    await expect(service.revokeKey(await as(billing.key), 'acme', admin.id)).rejects.toThrow(ForbiddenError);
    await expect(service.listKeys(await as(foreign.key), 'acme')).rejects.toThrow(NotFoundError);
    await expect(service.revokeKey(await as(admin.key), 'acme', foreign.id)).rejects.toThrow(NotFoundError);
    await expect(service.revokeKey(await as(admin.key), 'acme', 'key_nope')).rejects.toThrow(NotFoundError);
    expect((await service.listKeys(await as(admin.key), 'acme')).length).toBe(2);
  });

  test('a revoked key fails at once where it was revoked and within KEY_CACHE_MS in a container that had it cached', async () => {
    // Arrange: a second container over the same store, which has just authenticated the key
    const { accounts, service, now, advance } = await setUp();
    const elsewhere = new PlatformService(accounts, hashKey(ADMIN), now);
    const issued = await service.createKey(platformKey, 'acme', 'billing');
    expect(await service.authenticate(issued.key)).toMatchObject({ accountId: 'acme', role: 'billing', keyId: issued.id });
    expect(await elsewhere.authenticate(issued.key)).not.toBeNull();

    // Act
    await service.revokeKey(platformKey, 'acme', issued.id);
    const here = await service.authenticate(issued.key);
    const cachedThere = await elsewhere.authenticate(issued.key);
    advance(KEY_CACHE_MS + 1);
    const later = await elsewhere.authenticate(issued.key);
    const revokedAt = (await service.listKeys(platformKey, 'acme'))[0]!.revokedAt;
    await service.revokeKey(platformKey, 'acme', issued.id); // again: nothing changes

    // Assess
    expect(here).toBeNull();
    expect(cachedThere).not.toBeNull(); // the bound: at most KEY_CACHE_MS (5 s)
    expect(KEY_CACHE_MS).toBeLessThanOrEqual(5_000);
    expect(later).toBeNull();
    expect(revokedAt).not.toBeNull();
    expect((await service.listKeys(platformKey, 'acme'))[0]!.revokedAt).toBe(revokedAt);
  });

  test('lastUsedAt is written at most once a minute per key, however often it is used and by however many containers', async () => {
    // Arrange
    const { accounts, service, now, advance } = await setUp();
    const containers = [service, new PlatformService(accounts, hashKey(ADMIN), now), new PlatformService(accounts, hashKey(ADMIN), now)];
    const issued = await service.createKey(platformKey, 'acme', 'admin');
    const first = now().toISOString();

    // Act: 3 containers, a request each every second for 3 minutes
    for (let second = 0; second < 180; second++) {
      for (const c of containers) await c.authenticate(issued.key);
      advance(1_000);
    }

    // Assess
    expect(accounts.touches).toBe(3);
    const [key] = await service.listKeys(platformKey, 'acme');
    expect(key!.lastUsedAt! > first).toBe(true);
  });
});

describe('audit log through the edge', () => {
  const previous = process.env.ADMIN_KEY_HASH;
  beforeAll(() => {
    process.env.ADMIN_KEY_HASH = 'h';
  });
  afterAll(() => {
    auditTo(null);
    if (previous === undefined) delete process.env.ADMIN_KEY_HASH;
    else process.env.ADMIN_KEY_HASH = previous;
  });

  async function stack() {
    const { service } = await setUp();
    const store = new MemoryAuditStore();
    const audit = new AuditService(store);
    auditTo(audit);
    const rules = new Map<string, Record<string, unknown>>();
    const account = accountResolver(service);
    const handler = httpApi(
      {
        'PUT /v1/accounts/{a}/price-rules/{id}': {
          handle: async (r) => {
            const a = await account(r, 'write');
            const body = r.body as Record<string, unknown>;
            if (typeof body.unitPrice !== 'string') throw new ValidationError('bad', ['unitPrice: required']);
            const created = !rules.has(`${a}/${r.params.id}`);
            rules.set(`${a}/${r.params.id}`, { id: r.params.id, ...body });
            return { status: created ? 201 : 200, body: rules.get(`${a}/${r.params.id}`) };
          },
        },
        'GET /v1/accounts/{a}/price-rules/{id}': {
          handle: async (r) => {
            const rule = rules.get(`${await account(r, 'read')}/${r.params.id}`);
            if (!rule) throw new NotFoundError('no rule');
            return { status: 200, body: rule };
          },
        },
        'POST /v1/accounts/{a}/price-rules/{id}/double': {
          handle: async (r) => {
            const key = `${await account(r, 'write')}/${r.params.id}`;
            const rule = rules.get(key)!;
            rules.set(key, { ...rule, unitPrice: String(Number(rule.unitPrice) * 2) });
            return { status: 202, body: { accepted: true } };
          },
        },
        'POST /v1/accounts/{a}/purchases': { handle: async (r) => ({ status: 202, body: { accepted: [(await account(r, 'write')) && 'p1'] } }) },
      },
      (key) => service.authenticate(key),
    );
    async function call(method: string, path: string, key: string, body?: unknown) {
      const routeKey = path.replace(/^\/v1\/accounts\/[^/]+/, '/v1/accounts/{a}').replace(/price-rules\/[^/]+/, 'price-rules/{id}');
      const [, a, , id] = path.split('/').slice(2);
      const event = {
        routeKey: `${method} ${routeKey}`,
        rawPath: path,
        pathParameters: { a, ...(id ? { id } : {}) },
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        requestContext: { http: { method } },
      } as unknown as APIGatewayProxyEventV2;
      const out = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
      return out.statusCode!;
    }
    const admin = await service.createKey(platformKey, 'acme', 'admin');
    const viewer = await service.createKey(platformKey, 'acme', 'viewer');
    const foreign = await service.createKey(platformKey, 'other', 'admin');
    return { store, audit, call, admin, viewer, foreign };
  }

  test('a price rule changed twice shows who changed it from what to what, newest first', async () => {
    // Arrange
    const { audit, call, admin } = await stack();

    // Act
    expect(await call('PUT', '/v1/accounts/acme/price-rules/r1', admin.key, { unitPrice: '0.10' })).toBe(201);
    expect(await call('PUT', '/v1/accounts/acme/price-rules/r1', admin.key, { unitPrice: '0.12' })).toBe(200);
    expect(await call('POST', '/v1/accounts/acme/price-rules/r1/double', admin.key)).toBe(202);
    const log = await audit.list('acme', auditQuerySchema.parse({ resource: 'price-rules/r1' }), { limit: 10 });

    // Assess
    expect(log.items.map((e) => [e.method, e.path, e.resource, e.status, e.before, e.after])).toEqual([
      ['POST', '/v1/accounts/acme/price-rules/r1/double', 'price-rules/r1', 202, { id: 'r1', unitPrice: '0.12' }, { id: 'r1', unitPrice: '0.24' }],
      ['PUT', '/v1/accounts/acme/price-rules/r1', 'price-rules/r1', 200, { id: 'r1', unitPrice: '0.10' }, { id: 'r1', unitPrice: '0.12' }],
      ['PUT', '/v1/accounts/acme/price-rules/r1', 'price-rules/r1', 201, null, { id: 'r1', unitPrice: '0.10' }],
    ]);
    expect(new Set(log.items.map((e) => `${e.keyId} ${e.role}`))).toEqual(new Set([`${admin.id} admin`]));
  });

  test('refusals are recorded too (400, 403); another account’s key and GETs are not; lists name no representation', async () => {
    // Arrange
    const { store, call, admin, viewer, foreign } = await stack();

    // Act
    expect(await call('PUT', '/v1/accounts/acme/price-rules/r1', admin.key, { unitPrice: 1 })).toBe(400);
    expect(await call('PUT', '/v1/accounts/acme/price-rules/r1', viewer.key, { unitPrice: '1' })).toBe(403);
    expect(await call('PUT', '/v1/accounts/acme/price-rules/r1', foreign.key, { unitPrice: '1' })).toBe(404);
    expect(await call('GET', '/v1/accounts/acme/price-rules/r1', admin.key)).toBe(404);
    expect(await call('POST', '/v1/accounts/acme/purchases', admin.key, { purchases: [] })).toBe(202);

    // Assess
    const entries = store.entries.get('acme')!;
    expect(entries.map((e) => [e.keyId, e.status, e.resource, e.before, e.after])).toEqual([
      [admin.id, 400, 'price-rules/r1', null, null],
      [viewer.id, 403, 'price-rules/r1', null, null],
      [admin.id, 202, 'purchases', null, null],
    ]);
    expect(store.entries.get('other')).toBeUndefined();
  });

  test('a failing audit store never fails the request', async () => {
    // Arrange
    const { store, call, admin } = await stack();
    store.failing = 6; // the opening entry's three tries and the finished entry's three

    // Act
    const status = await call('PUT', '/v1/accounts/acme/price-rules/r1', admin.key, { unitPrice: '0.10' });

    // Assess
    expect(status).toBe(201);
    expect(store.entries.get('acme')).toBeUndefined();
  });

  test('the entry is written before the change (status null while it runs) and finished in place; an entry that could not be opened is stored when the request ends', async () => {
    const { store, call, admin } = await stack();
    // while the handler runs, the log already holds the request, its outcome unknown
    let during: unknown[] = [];
    const trail = new AuditService(store);
    auditTo({
      open: async (a, e) => {
        const id = await trail.open(a, e);
        during = (store.entries.get(a) ?? []).map((x) => x.status);
        return id;
      },
      close: (a, id, e) => trail.close(a, id, e),
    });
    expect(await call('PUT', '/v1/accounts/acme/price-rules/r1', admin.key, { unitPrice: '0.10' })).toBe(201);
    expect(during).toEqual([null]);
    expect(store.entries.get('acme')!.map((e) => e.status)).toEqual([201]);
    // the opening write fails three times: the finished entry is appended at the end
    auditTo(trail);
    store.failing = 3;
    expect(await call('PUT', '/v1/accounts/acme/price-rules/r1', admin.key, { unitPrice: '0.11' })).toBe(200);
    expect(store.entries.get('acme')!.map((e) => e.status)).toEqual([201, 200]);
  });

  test('the resource of a request is the path up to its last parameter, ids encoded', () => {
    const p = (routeKey: string, params: Record<string, string>) => auditScope({ routeKey, params, principal: platformKey })?.resource;
    expect(p('POST /v1/accounts/{a}/subscriptions/{id}/pause', { a: 'x', id: 's1' })).toBe('subscriptions/s1');
    expect(p('PUT /v1/accounts/{a}/customers/{code}', { a: 'x', code: 'a/b c' })).toBe('customers/a%2Fb%20c');
    expect(p('POST /v1/accounts/{a}/billing-cycles', { a: 'x' })).toBe('billing-cycles');
    expect(p('GET /v1/accounts/{a}/customers/{code}', { a: 'x', code: 'c' })).toBeUndefined();
    expect(p('POST /v1/accounts', {})).toBeUndefined();
  });

  test('filters: from inclusive, to exclusive, resource and below; big representations are not copied', () => {
    expect(auditFilter(auditQuerySchema.parse({ from: '2026-12-01', to: '2026-12-02T10:00:00+01:00' }))).toEqual({
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-02T09:00:00.000Z',
      resource: undefined,
    });
    expect(() => auditFilter(auditQuerySchema.parse({ from: '2026-12-02', to: '2026-12-01' }))).toThrow(ValidationError);
    expect(auditQuerySchema.safeParse({ from: '2026-02-30' }).success).toBe(false);
    expect(boundedRepresentation({ a: 'x'.repeat(200_000) })).toEqual({ omitted: expect.stringContaining('characters') });
    expect(boundedRepresentation({ a: 1, b: undefined })).toEqual({ a: 1 });
  });
});
