import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authorizeAccount, requirePlatform, type Account, type NewAccount, type Principal, type Role } from '../domain/access';
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { AccountStore } from '../ports';

export function hashKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** Accounts, API keys and who a key belongs to. Keys are shown once and stored only as SHA-256. */
export class PlatformService {
  /** Keys never change once issued, so a container may remember what it has already looked up. */
  private readonly principals = new Map<string, { principal: Principal | null; until: number }>();

  constructor(
    private readonly accounts: AccountStore,
    private readonly adminKeyHash: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async authenticate(apiKey: string): Promise<Principal | null> {
    const hash = hashKey(apiKey);
    if (safeEqual(hash, this.adminKeyHash)) return { kind: 'platform' };
    const cached = this.principals.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;
    const record = await this.accounts.getKey(hash);
    const principal: Principal | null = record?.accountId ? { kind: 'account', accountId: record.accountId, role: record.role } : null;
    // Unknown keys are remembered briefly only, so a key created a moment ago starts working at once elsewhere.
    this.principals.set(hash, { principal, until: Date.now() + (principal ? 300_000 : 1_000) });
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

  async createKey(principal: Principal, accountId: string, role: Role): Promise<{ key: string; role: Role }> {
    await this.account(principal, accountId, 'manage-keys');
    const key = `bs_${randomBytes(32).toString('base64url')}`;
    await this.accounts.putKey(hashKey(key), { accountId, role, createdAt: this.now().toISOString() });
    return { key, role };
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
