import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authorizeAccount, requirePlatform, type Account, type NewAccount, type Principal, type Role } from '../domain/access';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import { logger } from '../../kernel/logger';
import type { AccountStore, ApiKeyInfo } from '../ports';

export function hashKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/**
 * A key's public id: `key_` and the first 24 hex digits (96 bits) of its SHA-256. Derived, so keys issued
 * before ids existed have one too; it tells nothing about the secret (a prefix of a hash of 256 random bits).
 */
export function keyIdOf(hash: string): string {
  return `key_${hash.slice(0, 24)}`;
}

/**
 * How long a container trusts what it looked up about a key. A revoked key stops working everywhere within
 * this time (at once in the container that revoked it); each container reads each key it sees once per period.
 */
export const KEY_CACHE_MS = 5_000;
/** Unknown keys are remembered briefly only, so a key created a moment ago starts working at once elsewhere. */
const UNKNOWN_KEY_CACHE_MS = 1_000;
/** `lastUsedAt` is written at most once per this period per key (a conditional write: once among all containers). */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** Accounts, API keys and who a key belongs to. Keys are shown once and stored only as SHA-256. */
export class PlatformService {
  private readonly principals = new Map<string, { principal: Principal | null; until: number }>();

  constructor(
    private readonly accounts: AccountStore,
    private readonly adminKeyHash: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async authenticate(apiKey: string): Promise<Principal | null> {
    const hash = hashKey(apiKey);
    if (safeEqual(hash, this.adminKeyHash)) return { kind: 'platform' };
    const now = this.now().getTime();
    const cached = this.principals.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const record = await this.accounts.getKey(hash);
    const id = record?.id ?? keyIdOf(hash);
    const live = record?.accountId && !record.revokedAt ? record.accountId : null;
    const principal: Principal | null = live && record ? { kind: 'account', accountId: live, role: record.role, keyId: id } : null;
    this.principals.set(hash, { principal, until: now + (principal ? KEY_CACHE_MS : UNKNOWN_KEY_CACHE_MS) });
    if (live && (!record?.lastUsedAt || Date.parse(record.lastUsedAt) <= now - LAST_USED_RESOLUTION_MS)) {
      const at = new Date(now);
      // Bookkeeping only: a failure to note the use never refuses the request.
      await this.accounts
        .touchKey(hash, { accountId: live, id }, at.toISOString(), new Date(now - LAST_USED_RESOLUTION_MS).toISOString())
        .catch((error: unknown) => logger.warn('could not record the use of an API key', { keyId: id, error: error as Error }));
    }
    return principal;
  }

  async createAccount(principal: Principal, input: NewAccount): Promise<Account> {
    requirePlatform(principal);
    const account: Account = { ...input, createdAt: this.now().toISOString() };
    if (!(await this.accounts.create(account))) throw new ConflictError('account_exists', `account '${input.id}' already exists`);
    return account;
  }

  /** Resolves an account the caller may act on; unknown and foreign accounts look the same (404). */
  async account(principal: Principal, accountId: string, need: 'read' | 'write' | 'manage-keys'): Promise<Account> {
    authorizeAccount(principal, accountId, need);
    const account = await this.accounts.get(accountId);
    if (!account) throw new NotFoundError(`account '${accountId}' not found`);
    return account;
  }

  async createKey(principal: Principal, accountId: string, role: Role): Promise<{ key: string; id: string; role: Role }> {
    await this.account(principal, accountId, 'manage-keys');
    const key = `bs_${randomBytes(32).toString('base64url')}`;
    const hash = hashKey(key);
    const id = keyIdOf(hash);
    await this.accounts.putKey(hash, { id, accountId, role, createdAt: this.now().toISOString() });
    return { key, id, role };
  }

  /** The account's keys, oldest first; never a secret or a hash. */
  async listKeys(principal: Principal, accountId: string): Promise<ApiKeyInfo[]> {
    await this.account(principal, accountId, 'manage-keys');
    const keys = await this.accounts.listKeys(accountId);
    return keys.sort((x, y) => (x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : x.id < y.id ? -1 : 1));
  }

  /**
   * Revokes a key of the account: from now on it answers 401, at once in this container and within
   * KEY_CACHE_MS in the others. Revoking a revoked key changes nothing; an unknown id is a 404.
   */
  async revokeKey(principal: Principal, accountId: string, id: string): Promise<void> {
    await this.account(principal, accountId, 'manage-keys');
    const hash = await this.accounts.revokeKey(accountId, id, this.now().toISOString());
    if (!hash) throw new NotFoundError(`no API key '${id}' in account '${accountId}'`);
    this.principals.delete(hash);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
