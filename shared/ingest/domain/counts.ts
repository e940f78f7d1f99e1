import type { PurchaseReason, PurchaseStatus } from './purchase';

/** docs/product.md §2: the reasons shown with `unmapped` and `not-invoiced`. */
export const PURCHASE_REASONS = [
  'unknown-customer',
  'unknown-product',
  'future-date',
  'no-price-rule',
  'on-hold',
] as const satisfies readonly PurchaseReason[];

/** The statuses of purchases that wait for something (a customer, an alias, a rule, a date, a release): the ones counted. */
export const WAITING_STATUSES = ['unmapped', 'not-invoiced'] as const satisfies readonly PurchaseStatus[];
export type WaitingStatus = (typeof WAITING_STATUSES)[number];

export interface PurchaseCounts {
  /** Both waiting statuses, zero included. */
  byStatus: Record<WaitingStatus, number>;
  /** Every reason, zero included. */
  byReason: Record<PurchaseReason, number>;
  /** Purchases waiting, in all. */
  total: number;
}

/**
 * Adds up waiting purchases' statuses and reasons, page by page. Anything else the pages hold is skipped: an
 * index entry written before the indexes were made sparse stays on a purchase rated since (it is still
 * read, never counted).
 */
export async function countStandings(
  pages: AsyncIterable<readonly { status: PurchaseStatus; reason: PurchaseReason | null }[]>,
): Promise<PurchaseCounts> {
  const byStatus = Object.fromEntries(WAITING_STATUSES.map((s) => [s, 0])) as PurchaseCounts['byStatus'];
  const byReason = Object.fromEntries(PURCHASE_REASONS.map((r) => [r, 0])) as PurchaseCounts['byReason'];
  let total = 0;
  for await (const page of pages) {
    for (const { status, reason } of page) {
      if (!(WAITING_STATUSES as readonly string[]).includes(status)) continue;
      byStatus[status as WaitingStatus] += 1;
      if (reason) byReason[reason] += 1;
      total += 1;
    }
  }
  return { byStatus, byReason, total };
}
