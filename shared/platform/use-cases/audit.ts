import { auditFilter, type AuditEntry, type AuditQuery } from '../domain/audit';
import { logger } from '../../kernel/logger';
import type { Page, PageRequest } from '../../kernel/page';
import type { AuditStore } from '../ports';

/** How often a failed audit write is tried (the SDK retries each try on its own as well). */
const APPEND_TRIES = 3;

/**
 * The account's audit log. The edge records an entry after every request that may change an account
 * (shared/edge/audit.ts); `record` never throws, so a failing log never fails the request it describes:
 * it tries again and, at last, logs the whole entry as an error, so nothing is lost without a trace.
 */
export class AuditService {
  constructor(private readonly store: AuditStore) {}

  /**
   * Writes the entry of a request that is about to run (`status: null`), before it changes anything; the id
   * to `close` it with, or null when it could not be stored (then `close` stores the finished entry anew).
   */
  async open(accountId: string, entry: AuditEntry): Promise<string | null> {
    return this.tried(accountId, entry, () => this.store.append(accountId, entry));
  }

  /** Replaces an opened entry by the finished one (its status, before and after). */
  async close(accountId: string, id: string | null, entry: AuditEntry): Promise<void> {
    await this.tried<unknown>(accountId, entry, () => (id === null ? this.store.append(accountId, entry) : this.store.replace(accountId, id, entry)));
  }

  /** An entry in one go (a request recorded once it ended). */
  async record(accountId: string, entry: AuditEntry): Promise<void> {
    await this.close(accountId, null, entry);
  }

  private async tried<T>(accountId: string, entry: AuditEntry, write: () => Promise<T>): Promise<T | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= APPEND_TRIES) {
          logger.error('audit entry not stored', { accountId, entry: JSON.stringify(entry).slice(0, 10_000), error: error as Error });
          return null;
        }
      }
    }
  }

  /** Entries newest first; the caller has been resolved as a reader of the account. */
  list(accountId: string, query: AuditQuery, page: PageRequest): Promise<Page<AuditEntry>> {
    return this.store.list(accountId, auditFilter(query), page);
  }
}
