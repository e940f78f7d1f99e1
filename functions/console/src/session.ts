import { ApiError, type Client, makeClient, type Role } from './api';

/** Who is signed in: kept in sessionStorage only (gone with the tab), never in localStorage or a cookie. */
export interface Session {
  readonly accountId: string;
  readonly key: string;
  readonly role: Role;
}

const STORAGE_KEY = 'billstream.console.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * Signs in: checks the key reads the account, then learns its role from what the API lets it do (the API
 * has no "who am I" operation): a write with an empty body is refused before validation with 403 for a
 * viewer (400 for a writer: nothing is written); listing keys answers 200 only to an account admin.
 */
export async function signIn(baseUrl: string, accountId: string, key: string): Promise<Session> {
  const client: Client = makeClient(baseUrl, key);
  const a = accountId;
  const read = await client.GET('/v1/accounts/{a}/customer-clusters', { params: { path: { a }, query: { limit: 1 } } });
  if (read.response.status === 401) throw new ApiError(401, 'unauthenticated', 'This API key is not known (or was revoked).', []);
  if (read.response.status === 404) throw new ApiError(404, 'not_found', `Account '${accountId}' is not this key's account.`, []);
  if (!read.response.ok) throw new ApiError(read.response.status, 'sign_in_failed', `Sign-in failed (HTTP ${read.response.status}).`, []);
  const write = await client.POST('/v1/accounts/{a}/billing-cycles', { params: { path: { a } }, body: {} as never });
  if (write.response.status === 403) return { accountId, key, role: 'viewer' };
  const keys = await client.GET('/v1/accounts/{a}/keys', { params: { path: { a } } });
  return { accountId, key, role: keys.response.ok ? 'admin' : 'billing' };
}

export const canWrite = (session: Session) => session.role !== 'viewer';
