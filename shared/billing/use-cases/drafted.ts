import type { CatalogStore, CustomerRecord } from '../../catalog/ports';
import type { PurchaseRecord } from '../../ingest/domain/purchase';
import { mapLimit } from '../../kernel/concurrency';
import { payerLinks } from '../domain/payers';
import { coversPeriod } from '../domain/period-rows';
import type { BillingFiles, InvoiceStore, StoredInvoice } from '../ports';
import { loadRows } from './documents';

/** How far up a chain of parents a payer is looked for (payerLinks stops at a loop, this at a runaway chain). */
const MAX_PARENTS = 16;

export interface DraftedPurchasesDeps {
  catalog: Pick<CatalogStore, 'getCustomers'>;
  invoices: Pick<InvoiceStore, 'draftsOf'>;
  files: Pick<BillingFiles, 'getText'>;
}

/**
 * Which draft a purchase is on. A cycle writes nothing on the purchases it drafts: the draft's rows file
 * names each purchase with the version it was collected at. A `rated` purchase is therefore `invoiced`
 * exactly while a draft of its payer, in its currency and of a period it falls in, holds it at its
 * current version. A purchase changed since (re-rated, re-routed) is not on the draft as it stands: it
 * reads `rated` until the draft is regenerated. The payer is found as a cycle finds it (its `billedTo`
 * customer, or the ancestor that customer is invoiced to: payerLinks), and of several such drafts (a
 * purchase with an endDate spans periods) the latest period's answers.
 *
 * One lookup answers many purchases: each payer's drafts are read once (one query of its invoice index)
 * and each draft's rows file once.
 */
export class DraftedPurchases {
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
    const out = new Map<string, string>();
    const candidates = records.filter((r) => r.status === 'rated' && r.priceRule !== null && r.currency);
    if (!candidates.length) return out;
    const payers = await this.payersOf(accountId, [...new Set(candidates.map(billedTo))]);
    const draftsByPayer = new Map<string, StoredInvoice[]>();
    await mapLimit([...new Set(payers.values())], 8, async (payer) => {
      draftsByPayer.set(payer, await this.deps.invoices.draftsOf(accountId, payer));
    });
    const rows = new Map<string, Promise<Map<string, number>>>();
    const rowsOf = (draft: StoredInvoice) => {
      let read = rows.get(draft.record.id);
      if (!read) {
        read = loadRows(this.deps.files as BillingFiles, draft).then(
          (list) => new Map(list.filter((row) => !row.batch).map((row) => [row.reference, row.version])),
        );
        rows.set(draft.record.id, read);
      }
      return read;
    };
    await mapLimit(candidates, 8, async (record) => {
      const payer = payers.get(billedTo(record));
      const drafts = (payer ? draftsByPayer.get(payer) : undefined) ?? [];
      const covering = drafts
        .filter((d) => d.record.currency === record.currency && coversPeriod(record, { start: d.record.periodStart, end: d.record.periodEnd }))
        .sort((a, b) => (a.record.periodStart < b.record.periodStart ? 1 : -1));
      for (const draft of covering) {
        if ((await rowsOf(draft)).get(record.reference) === record.version) {
          out.set(record.reference, draft.record.id);
          return;
        }
      }
    });
    return out;
  }

  /** The paying customer of each billed-to code: itself, or the ancestor it is invoiced to. */
  private async payersOf(accountId: string, codes: readonly string[]): Promise<Map<string, string>> {
    const known = new Map<string, CustomerRecord>();
    let wanted = [...codes];
    for (let depth = 0; wanted.length && depth <= MAX_PARENTS; depth++) {
      const found = await this.deps.catalog.getCustomers(accountId, wanted);
      for (const [code, customer] of found) known.set(code, customer);
      wanted = [...new Set([...found.values()].flatMap((c) => (c.invoicing === 'parent' && c.parent && !known.has(c.parent) ? [c.parent] : [])))];
    }
    const links = payerLinks(known.values());
    return new Map(codes.map((code) => [code, links[code] ?? code]));
  }
}

function billedTo(record: PurchaseRecord): string {
  return record.billedTo ?? record.customerCode;
}
