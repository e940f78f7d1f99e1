/** Tiny helpers for the integration tests (the stack itself is started by global-setup.ts). */

export interface ApiResponse {
  readonly status: number;
  /** Parsed JSON when the response is JSON, else the text. */
  readonly body: unknown;
  readonly headers: Headers;
}

export interface Account {
  readonly id: string;
  /** An admin key of the account. */
  readonly key: string;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the integration tests through jest (its globalSetup starts the local stack)`);
  return value;
}

export const baseUrl = (): string => env('BILLSTREAM_TEST_URL');
export const adminKey = (): string => env('BILLSTREAM_TEST_ADMIN_KEY');
export const dataDir = (): string => env('BILLSTREAM_TEST_DATA_DIR');

/**
 * One request. `body`: an object is sent as JSON, a string as is (with a JSON content type). `key`: the
 * API key for `Authorization: Bearer`; omitted or null sends none.
 */
export async function api(method: string, path: string, body?: unknown, key?: string | null): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${baseUrl()}${path}`, { method, headers, body: payload });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  let parsed: unknown = text;
  if (json && text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

let sequence = 0;

/** A fresh account (unique id, vendor, EUR) and an admin key for it, made with the platform admin key. */
export async function newAccount(overrides: Record<string, unknown> = {}): Promise<Account> {
  const id = `it-${Date.now().toString(36)}-${process.pid.toString(36)}-${(sequence++).toString(36)}`;
  const created = await api('POST', '/v1/accounts', { id, name: `Account ${id}`, roles: ['vendor'], currency: 'EUR', ...overrides }, adminKey());
  if (created.status !== 201) throw new Error(`creating account ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  const key = await api('POST', `/v1/accounts/${id}/keys`, { role: 'admin' }, adminKey());
  if (key.status !== 201) throw new Error(`creating a key for ${id}: ${key.status} ${JSON.stringify(key.body)}`);
  return { id, key: (key.body as { key: string }).key };
}

/**
 * Calls within one account (`account()`: the account a `beforeAll` made): `path` under /v1/accounts/{id},
 * `put` that throws naming the failure, `get` of a body, `post` of a body answering the whole response.
 */
export function inAccount(account: () => Account) {
  const path = (p: string) => `/v1/accounts/${account().id}${p}`;
  return {
    path,
    async put(p: string, body: unknown): Promise<ApiResponse> {
      const res = await api('PUT', path(p), body, account().key);
      if (res.status >= 300) throw new Error(`PUT ${p}: ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    },
    get: async <T>(p: string) => (await api('GET', path(p), undefined, account().key)).body as T,
    post: (p: string, body: unknown = {}) => api('POST', path(p), body, account().key),
  };
}

/** Calls `fn` until it stops throwing (every 100 ms), up to `timeoutMs`; returns its value or throws its last error. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
