import type { Account, Role } from './domain/access';
import type { AuditEntry, AuditFilter } from './domain/audit';
import type { Page, PageRequest } from '../kernel/page';

/**
 * The platform ports: what the platform use cases ask of storage and queues. Adapters beside them implement them on
 * DynamoDB, S3 and SQS; nothing here knows about the AWS SDK.
 */

export interface ApiKeyRecord {
  accountId: string | null;
  role: Role;
  createdAt: string;
  /** The public id (`key_` + the first 24 hex digits of the hash); records written before ids existed derive it from the hash. */
  id?: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}

/** A key as its account sees it: never the secret, nor its hash. */
export interface ApiKeyInfo {
  id: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AccountStore {
  /** Creates the account; false when the id is taken. */
  create(account: Account): Promise<boolean>;
  get(id: string): Promise<Account | null>;
  /** Stores a new key (never replaces one); a key of an account is also indexed under it by id. */
  putKey(hash: string, key: ApiKeyRecord & { id: string }): Promise<void>;
  getKey(hash: string): Promise<ApiKeyRecord | null>;
  /** The keys indexed under an account (keys issued before the index, once used again, are indexed then). */
  listKeys(accountId: string): Promise<ApiKeyInfo[]>;
  /**
   * Marks the account's key `id` revoked at `at` (kept when it already was); the hash of the key, or null
   * when the account has no key with that id.
   */
  revokeKey(accountId: string, id: string, at: string): Promise<string | null>;
  /**
   * Sets `lastUsedAt = at` when the stored one is older than `staleBefore` (or missing) and the key is not
   * revoked; indexes the key under its account if it was not. Conditional, so many containers write it once.
   */
  touchKey(hash: string, key: { accountId: string; id: string }, at: string, staleBefore: string): Promise<void>;
}

/** The audit log: one item per entry, newest first. */
export interface AuditStore {
  /** Stores a new entry; returns its id (for `replace`). */
  append(accountId: string, entry: AuditEntry): Promise<string>;
  /** Replaces the entry `id` (the same request, now finished). */
  replace(accountId: string, id: string, entry: AuditEntry): Promise<void>;
  list(accountId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>>;
}
