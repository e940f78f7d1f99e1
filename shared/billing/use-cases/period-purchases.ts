import type { BillingPeriod } from '../../kernel/periods';
import { readsFromMonth } from '../domain/period-rows';
import type { PurchaseRecord } from '../../ingest/domain/purchase';
import type { ChunkStore, PurchaseStore } from '../../ingest/ports';

/** Months (`YYYY-MM`) that a period touches. */
export function monthsOf(period: BillingPeriod): string[] {
  const months: string[] = [];
  const last = new Date(Date.parse(`${period.end}T00:00:00Z`) - 1).toISOString().slice(0, 7);
  let [y, m] = period.start.slice(0, 7).split('-').map(Number);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > last) break;
    months.push(month);
    if (m === 12) {
      y += 1;
      m = 1;
    } else {
      m += 1;
    }
  }
  return months;
}

/**
 * The purchases of a period (optionally of some original customers only), read through the journal of
 * the period's months and fetched 100 at a time. A purchase spanning months is read once, from the one
 * month `readsFromMonth` picks, so memory does not grow with the period.
 */
export async function* purchasesOfPeriod(
  deps: { chunks: ChunkStore; purchases: PurchaseStore },
  accountId: string,
  period: BillingPeriod,
  customers: ReadonlySet<string> | null,
): AsyncIterable<PurchaseRecord[]> {
  const wanted = new Set(monthsOf(period));
  let batch: string[] = [];
  for (const month of await deps.chunks.journalMonths(accountId)) {
    if (!wanted.has(month)) continue;
    for await (const key of deps.chunks.journalKeys(accountId, month)) {
      for (const line of await deps.chunks.readJournal(key)) {
        if (customers && !customers.has(line.customerCode)) continue;
        if (!readsFromMonth(line, period, month)) continue;
        batch.push(line.reference);
        if (batch.length === 100) {
          yield [...(await deps.purchases.getMany(accountId, batch)).values()];
          batch = [];
        }
      }
    }
  }
  if (batch.length) yield [...(await deps.purchases.getMany(accountId, batch)).values()];
}
