import type { AuditEntry, AuditFilter } from '../../shared/platform/domain/audit';
import { matchesResource } from '../../shared/platform/domain/audit';
import type { Page, PageRequest } from '../../shared/kernel/page';
import type { AuditStore } from '../../shared/platform/ports';

/** The audit log (DynamoAuditStore): entries per account, newest first, time range and resource filter, offset cursors. */
export class MemoryAuditStore implements AuditStore {
  readonly entries = new Map<string, AuditEntry[]>();
  /** Appends that throw, for tests of a failing log. */
  failing = 0;

  async append(accountId: string, entry: AuditEntry): Promise<string> {
    if (this.failing > 0) {
      this.failing--;
      throw new Error('audit store unavailable');
    }
    const list = this.entries.get(accountId) ?? [];
    list.push(structuredClone(entry));
    this.entries.set(accountId, list);
    return String(list.length - 1);
  }

  async replace(accountId: string, id: string, entry: AuditEntry): Promise<void> {
    if (this.failing > 0) {
      this.failing--;
      throw new Error('audit store unavailable');
    }
    this.entries.get(accountId)![Number(id)] = structuredClone(entry);
  }

  async list(accountId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const all = [...(this.entries.get(accountId) ?? [])]
      .filter(
        (e) =>
          (filter.from === undefined || e.at >= filter.from) && (filter.to === undefined || e.at < filter.to) && matchesResource(e, filter.resource),
      )
      .sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0))
      .reverse(); // newest first, and the later of two entries of the same millisecond first, as the adapter's sequence does
    const start = page.cursor ? Number(page.cursor) : 0;
    const items = all.slice(start, start + page.limit);
    return { items, next: start + page.limit < all.length ? String(start + page.limit) : null };
  }
}
