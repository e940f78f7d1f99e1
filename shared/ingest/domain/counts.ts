import { PURCHASE_STATUSES, type PurchaseReason, type PurchaseStatus } from './purchase';

/** docs/product.md §2: the reasons shown with `unmapped` and `not-invoiced`. */
export const PURCHASE_REASONS = [
  'unknown-customer',
  'unknown-product',
  'future-date',
  'no-price-rule',
  'on-hold',
] as const satisfies readonly PurchaseReason[];

export interface PurchaseCounts {
  /** Every stored status, zero included (`received` is never stored, so it is absent). */
  byStatus: Record<Exclude<PurchaseStatus, 'received'>, number>;
  /** Every reason, zero included. */
  byReason: Record<PurchaseReason, number>;
  total: number;
}

/** Adds up purchases' statuses and reasons, page by page. */
export async function countStandings(
  pages: AsyncIterable<readonly { status: PurchaseStatus; reason: PurchaseReason | null }[]>,
): Promise<PurchaseCounts> {
  const byStatus = Object.fromEntries(PURCHASE_STATUSES.filter((s) => s !== 'received').map((s) => [s, 0])) as PurchaseCounts['byStatus'];
  const byReason = Object.fromEntries(PURCHASE_REASONS.map((r) => [r, 0])) as PurchaseCounts['byReason'];
  let total = 0;
  for await (const page of pages) {
    for (const { status, reason } of page) {
      if (!(status in byStatus)) continue; // `received`, or a status this code does not know
      byStatus[status as keyof PurchaseCounts['byStatus']] += 1;
      if (reason) byReason[reason] += 1;
      total += 1;
    }
  }
  return { byStatus, byReason, total };
}
