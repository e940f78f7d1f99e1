import type Decimal from 'decimal.js';
import { D } from './money';
import { dayNumber, InvalidDateError, monthDay, utcDate } from './dates';

/**
 * Day-based proration (docs/product.md §2 purchases with an endDate, §6 subscriptions; Kill Bill's examples
 * are the reference, see fixtures `proration`). Whole UTC days only: a date-time counts as the UTC day
 * it falls on, so proration never depends on the server's zone or on daylight saving.
 */

/** A half-open range of days [start, end), both `YYYY-MM-DD`. */
export interface DatePeriod {
  readonly start: string;
  readonly end: string;
}

function checkBillingDay(billingDay: number): void {
  // 29–31 do not exist in every month; the API limits billing days to 1–28 for that reason
  if (!Number.isInteger(billingDay) || billingDay < 1 || billingDay > 28) {
    throw new InvalidDateError('billingDay: must be a whole number from 1 to 28');
  }
}

/** Whole days in [start, end) (negative when end is before start). */
export function daysBetween(start: string, end: string): number {
  return dayNumber(end, 'end') - dayNumber(start, 'start');
}

/** The monthly billing period anchored on `billingDay` that contains `date`: [billing day, next billing day). */
export function billingPeriodContaining(date: string, billingDay: number): DatePeriod {
  checkBillingDay(billingDay);
  const [year, month, day] = utcDate(date, 'date').split('-').map(Number) as [number, number, number];
  const startMonth = day >= billingDay ? month : month - 1;
  return { start: monthDay(year, startMonth, billingDay), end: monthDay(year, startMonth + 1, billingDay) };
}

/**
 * `fee` for the days [from, to) of one billing period: fee × days / days of the billing period that
 * contains `from` (a short February period weighs each day more than a long March one, as Kill Bill does).
 * Full precision; the invoice line rounds.
 */
export function prorate(input: { fee: Decimal; billingDay: number; from: string; to: string }): Decimal {
  const period = billingPeriodContaining(input.from, input.billingDay);
  const days = daysBetween(input.from, input.to);
  if (days < 0) throw new InvalidDateError('to: must not be before from');
  if (daysBetween(input.to, period.end) < 0) {
    throw new InvalidDateError(`to: must not be after the end of the billing period (${period.end})`);
  }
  return input.fee.times(days).div(daysBetween(period.start, period.end));
}

/**
 * The first in-advance charge of a subscription starting on `start`: [start, next billing day)
 * prorated over the billing period containing `start`. Starting on the billing day costs the full fee.
 */
export function prorateFirstPeriod(input: { fee: Decimal; billingDay: number; start: string }): Decimal {
  const period = billingPeriodContaining(input.start, input.billingDay);
  return prorate({ fee: input.fee, billingDay: input.billingDay, from: input.start, to: period.end });
}

export interface PeriodShare {
  readonly period: DatePeriod;
  /** Days of the purchase inside the period. */
  readonly days: number;
  /** Days of the whole purchase. */
  readonly spanDays: number;
  /**
   * days / spanDays. For exact money, prefer `amount × days / spanDays` (one division) over
   * `amount × fraction`: a third is not a finite decimal.
   */
  readonly fraction: Decimal;
}

/**
 * How a purchase covering [purchaseStart, purchaseEnd) spreads over billing periods by days, one share
 * per given period in the same order (0 where it does not overlap). Shares add up to 1 only over the
 * periods that cover the whole purchase; later periods simply are not in the list yet. A purchase
 * without duration (end = start) belongs wholly to the period containing its start.
 */
export function splitByPeriods(purchaseStart: string, purchaseEnd: string, periods: readonly DatePeriod[]): PeriodShare[] {
  const start = dayNumber(purchaseStart, 'purchaseDate');
  const end = dayNumber(purchaseEnd, 'endDate');
  if (end < start) throw new InvalidDateError('endDate: must not be before purchaseDate');
  const spanDays = end - start;
  return periods.map((period) => {
    const periodStart = dayNumber(period.start, 'period.start');
    const periodEnd = dayNumber(period.end, 'period.end');
    if (spanDays === 0) {
      const inside = periodStart <= start && start < periodEnd;
      return { period, days: 0, spanDays, fraction: new D(inside ? 1 : 0) };
    }
    const days = Math.max(0, Math.min(end, periodEnd) - Math.max(start, periodStart));
    return { period, days, spanDays, fraction: new D(days).div(spanDays) };
  });
}
