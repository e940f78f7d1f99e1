import type Decimal from 'decimal.js';
import { instant } from '../../kernel/fields';
import type { RatedRow } from './lines';
import type { BillingPeriod } from '../../kernel/periods';
import { D } from '../../kernel/money';
import { splitByPeriods } from '../../kernel/proration';
import { purchaseMonth, type PurchaseRecord } from '../../ingest/domain/purchase';

/** Whether a purchase belongs to a period: its date in [start, end), or its [purchaseDate, endDate) overlapping it. */
export function coversPeriod(p: { purchaseDate: string; endDate: string | null }, period: BillingPeriod): boolean {
  const start = instant(period.start);
  const end = instant(period.end);
  const from = instant(p.purchaseDate);
  if (!p.endDate || instant(p.endDate) <= from) return from >= start && from < end;
  return from < end && instant(p.endDate) > start;
}

/**
 * The one journal month from which a reader of a period takes a purchase. A purchase with an endDate is
 * journaled in every month it covers, so a period spanning months would otherwise see it once per month;
 * this is the first month of the period it touches.
 */
export function collectingMonth(line: { purchaseDate: string }, period: BillingPeriod): string {
  const own = purchaseMonth(line);
  const first = period.start.slice(0, 7);
  // biome-ignore lint/complexity/useMathMinMax: these are `YYYY-MM` strings, compared as text; Math.max would make them NaN
  return own > first ? own : first;
}

/** Whether a journal line found under `month` is one the period's reader takes from there (exactly once). */
export function readsFromMonth(line: { purchaseDate: string; endDate: string | null }, period: BillingPeriod, month: string): boolean {
  return coversPeriod(line, period) && collectingMonth(line, period) === month;
}

/**
 * The share of a purchase that falls in a period: 1 without endDate, else the fraction of its days
 * (docs/product.md §2: a purchase with an endDate is prorated by days across periods).
 */
export function periodShare(p: { purchaseDate: string; endDate: string | null }, period: BillingPeriod): Decimal {
  if (!p.endDate) return new D(1);
  return splitByPeriods(p.purchaseDate, p.endDate, [period])[0]!.fraction;
}

/** A priced purchase as an invoice row of the period it is billed in, prorated to that period's share. */
export function ratedRowOf(record: PurchaseRecord, period: BillingPeriod): RatedRow {
  const share = periodShare(record, period);
  const quantity = new D(record.quantity).times(share);
  const amount = record.amount === null ? null : new D(record.amount).times(share);
  return {
    reference: record.reference,
    productLabel: record.productLabel,
    customerCode: record.billedTo ?? record.customerCode,
    usedBy: record.customerCode,
    quantity,
    purchaseDate: record.purchaseDate,
    endDate: record.endDate,
    unitPrice: null,
    amount,
    currency: record.currency ?? '',
    productCluster: record.productCluster ?? '',
    priceRule: record.priceRule,
    metadata: record.metadata,
  };
}

/** Priced purchases count on an invoice; a held payer's are priced but wait for the hold to lift. */
export function isBillable(record: PurchaseRecord): boolean {
  return (record.status === 'rated' || record.status === 'invoiced' || record.status === 'completed') && record.priceRule !== null;
}

/**
 * The invoice other than `draftId` a purchase row is completed on (null: none). Such a purchase was billed
 * by that approved invoice: a draft of another payer must not bill it again (a linked customer invoicing
 * itself after its parent's invoice was approved), unless it has an endDate and that invoice billed the
 * share of another period (`billedForPeriod`).
 */
export function completedElsewhere(row: { status: string; invoice: string | null }, draftId: string): string | null {
  return row.status === 'completed' && row.invoice !== null && row.invoice !== draftId ? row.invoice : null;
}

/**
 * Whether the invoice a purchase is completed on billed it for `period`: always without an endDate (such a
 * purchase is billed once); with one, when that invoice's period overlaps this one (each period owes its
 * own share). `invoicePeriod` null (the invoice cannot be read): billed, so that nothing is billed twice.
 */
export function billedForPeriod(row: { endDate: string | null }, period: BillingPeriod, invoicePeriod: BillingPeriod | null): boolean {
  if (!row.endDate || !invoicePeriod) return true;
  return instant(invoicePeriod.start) < instant(period.end) && instant(invoicePeriod.end) > instant(period.start);
}
