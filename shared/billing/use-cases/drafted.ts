import type { CatalogStore, CustomerRecord } from '../../catalog/ports';
import type { PurchaseRecord } from '../../ingest/domain/purchase';
import { mapLimit } from '../../kernel/concurrency';
import { payerLinks } from '../domain/payers';
import { coversPeriod } from '../domain/period-rows';
import type { BillingFiles, InvoiceStore, StoredInvoice } from '../ports';
import { loadRows, SupersededRevisionError } from './documents';

/** Lookups of one read before it gives up on drafts regenerated again and again under it. */
const LOOKUP_ATTEMPTS = 4;

/** How far up a chain of parents a payer is looked for (payerLinks stops at a loop, this at a runaway chain). */
const MAX_PARENTS = 16;
/**
 * Rows kept between lookups, counted over all rows files kept (the one read last is kept whatever its size).
 * A list of purchases asks once per 200 journal lines; without them, every such batch read and parsed the
 * whole rows file of each draft again (a page over a 6,000-purchase draft read it 30 times).
 */
const CACHED_ROWS = 200_000;

export interface DraftedPurchasesDeps {
  catalog: Pick<CatalogStore, 'getCustomers'>;
  invoices: Pick<InvoiceStore, 'openInvoicesOf'>;
  files: Pick<BillingFiles, 'getText'>;
  /** Rows kept between lookups (default CACHED_ROWS). */
  cachedRows?: number;
}

/**
 * Which draft a purchase is on. A cycle writes nothing on the purchases it drafts: the draft's rows file
 * names each purchase with the version it was collected at. A `rated` purchase is therefore `invoiced`
 * exactly while a draft of its payer, in its currency and of a period it falls in, holds it at its
 * current version. A purchase changed since (re-rated, re-routed) is not on the draft as it stands: it
 * reads `rated` until the draft is regenerated. The payer is found as a cycle finds it (its `billedTo`
 * customer, or the ancestor that customer is invoiced to: payerLinks), and of several such drafts (a
 * purchase with an endDate spans periods) the latest period's answers. An approved invoice whose
 * purchases are still being completed (completion `pending`) holds them the same way until each is
 * written `completed`.
 *
 * One lookup answers many purchases: each payer's drafts are read once (one query of its invoice index)
 * and each draft's rows file once. The drafts are read afresh by every lookup (a regeneration or an
 * approval shows at once); a rows file is read once for many lookups, since it is written once under a
 * key of its own (documentVersion) and never changes.
 */
export class DraftedPurchases {
  /** Rows files read, by key: the version each purchase was collected at. Oldest use first (Map order). */
  private readonly rowsCache = new Map<string, { versions: Promise<Map<string, number>>; size: number }>();
  private cachedRows = 0;

  constructor(private readonly deps: DraftedPurchasesDeps) {}

  /** The purchases as a reader sees them: a `rated` one on a draft is `invoiced` on it. */
  async asRead(accountId: string, records: readonly PurchaseRecord[]): Promise<PurchaseRecord[]> {
    const drafted = await this.drafted(accountId, records);
    if (!drafted.size) return [...records];
    return records.map((r) => {
      const invoice = drafted.get(r.reference);
      return invoice ? { ...r, status: 'invoiced', invoice } : r;
    });
  }

  /** The draft each of the given purchases is on, by reference (absent: on none). */
  async drafted(accountId: string, records: readonly PurchaseRecord[]): Promise<Map<string, string>> {
    const candidates = records.filter((r) => r.status === 'rated' && r.priceRule !== null && r.currency);
    if (!candidates.length) return new Map();
    const payers = await this.payersOf(accountId, [...new Set(candidates.map(billedTo))]);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.onDrafts(accountId, candidates, payers);
      } catch (error) {
        // a draft regenerated between its item read and its rows read: its drafts are read again
        if (!(error instanceof SupersededRevisionError) || attempt >= LOOKUP_ATTEMPTS) throw error;
      }
    }
  }

  private async onDrafts(
    accountId: string,
    candidates: readonly PurchaseRecord[],
    payers: ReadonlyMap<string, string>,
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const draftsByPayer = new Map<string, StoredInvoice[]>();
    await mapLimit([...new Set(payers.values())], 8, async (payer) => {
      draftsByPayer.set(payer, await this.deps.invoices.openInvoicesOf(accountId, payer));
    });
    await mapLimit(candidates, 8, async (record) => {
      const payer = payers.get(billedTo(record));
      const drafts = (payer ? draftsByPayer.get(payer) : undefined) ?? [];
      const covering = drafts
        .filter((d) => d.record.currency === record.currency && coversPeriod(record, { start: d.record.periodStart, end: d.record.periodEnd }))
        .sort((a, b) => (a.record.periodStart < b.record.periodStart ? 1 : -1));
      for (const draft of covering) {
        if ((await this.versionsOf(draft)).get(record.reference) === record.version) {
          out.set(record.reference, draft.record.id);
          return;
        }
      }
    });
    return out;
  }

  /** The version at which the draft holds each purchase (batch rows are not purchases), from the cache when it is there. */
  private versionsOf(draft: StoredInvoice): Promise<Map<string, number>> {
    const key = draft.documents.rows;
    if (!key) return Promise.resolve(new Map());
    const hit = this.rowsCache.get(key);
    if (hit) {
      // used again: to the end of the eviction order
      this.rowsCache.delete(key);
      this.rowsCache.set(key, hit);
      return hit.versions;
    }
    const entry = {
      size: 0,
      versions: loadRows(this.deps.files, draft).then((list) => {
        const versions = new Map(list.filter((row) => !row.batch).map((row) => [row.reference, row.version]));
        if (this.rowsCache.get(key) === entry) {
          entry.size = versions.size;
          this.cachedRows += versions.size;
          this.evict();
        }
        return versions;
      }),
    };
    // a failed read (a draft regenerated meanwhile removed its old rows file) is not kept: the next lookup reads again
    entry.versions.catch(() => {
      if (this.rowsCache.get(key) === entry) this.rowsCache.delete(key);
    });
    this.rowsCache.set(key, entry);
    return entry.versions;
  }

  /** Drops the rows files used longest ago until the rows kept are within CACHED_ROWS (the last one always stays). */
  private evict(): void {
    for (const [key, entry] of this.rowsCache) {
      if (this.cachedRows <= (this.deps.cachedRows ?? CACHED_ROWS) || this.rowsCache.size <= 1) return;
      this.rowsCache.delete(key);
      this.cachedRows -= entry.size;
    }
  }

  private payersOf(accountId: string, codes: readonly string[]): Promise<Map<string, string>> {
    return payersOf(this.deps.catalog, accountId, codes);
  }
}

/** The paying customer of each code: itself, or the ancestor it is invoiced to (as a cycle finds it: payerLinks). */
export async function payersOf(
  catalog: Pick<CatalogStore, 'getCustomers'>,
  accountId: string,
  codes: readonly string[],
): Promise<Map<string, string>> {
  const known = new Map<string, CustomerRecord>();
  let wanted = [...codes];
  for (let depth = 0; wanted.length && depth <= MAX_PARENTS; depth++) {
    const found = await catalog.getCustomers(accountId, wanted);
    for (const [code, customer] of found) known.set(code, customer);
    wanted = [...new Set([...found.values()].flatMap((c) => (c.invoicing === 'parent' && c.parent && !known.has(c.parent) ? [c.parent] : [])))];
  }
  const links = payerLinks(known.values());
  return new Map(codes.map((code) => [code, links[code] ?? code]));
}

function billedTo(record: PurchaseRecord): string {
  return record.billedTo ?? record.customerCode;
}
