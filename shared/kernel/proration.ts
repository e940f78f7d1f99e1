import type Decimal from 'decimal.js';
import { D } from './money';
import { dayNumber, dayToDate, InvalidDateError, monthDay, utcDate } from './dates';

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

/*
 * Billing days that change over time (docs/product.md §6, docs/api.md "Billing days and cycles").
 *
 * A customer's billing day anchors its billing periods [day, same day next month). A change takes
 * effect on its `from` date (by default the end of the current period): `from` itself starts a period,
 * and that period runs to the first occurrence of the new day after it — the stub.
 */

/** From `from` on, periods are anchored on `billingDay` (1–28). The first entry's `from` is ignored (null: since ever). */
export interface BillingDayChange {
  readonly from: string | null;
  readonly billingDay: number;
}

/** Oldest first; never empty. */
export type BillingDayHistory = readonly BillingDayChange[];

/** Throws InvalidDateError naming `field` for an empty history, a bad day, or `from` dates out of order. */
export function checkBillingDayHistory(history: BillingDayHistory, field = 'billingDays'): void {
  if (!Array.isArray(history) || history.length === 0) throw new InvalidDateError(`${field}: at least one billing day is required`);
  history.forEach((change, i) => {
    if (!Number.isInteger(change.billingDay) || change.billingDay < 1 || change.billingDay > 28) {
      throw new InvalidDateError(`${field}.${i}.billingDay: must be a whole number from 1 to 28`);
    }
    if (i === 0) return;
    const from = change.from === null ? null : utcDate(change.from, `${field}.${i}.from`);
    const previous = history[i - 1]!.from;
    if (from === null || (i > 1 && previous !== null && from <= utcDate(previous))) {
      throw new InvalidDateError(`${field}.${i}.from: must be a date after the previous change's`);
    }
  });
}

/** Index of the change in force on `date` (the last one whose `from` is on or before it). */
function changeIndexOn(history: BillingDayHistory, date: string): number {
  let index = 0;
  for (let i = 1; i < history.length; i++) {
    if (utcDate(history[i]!.from!) <= date) index = i;
  }
  return index;
}

/** The billing day in force on `date`. */
export function billingDayOn(history: BillingDayHistory, date: string): number {
  return history[changeIndexOn(history, utcDate(date))]!.billingDay;
}

/** The `from` dates of later changes that fall strictly inside (after, before). */
function changesBetween(history: BillingDayHistory, after: string, before: string): string[] {
  return history
    .slice(1)
    .map((c) => utcDate(c.from!))
    .filter((from) => from > after && from < before);
}

/**
 * The customer's billing period that contains `date`: from the latest period start on or before it (a
 * billing day in force, or the date a change took effect) to the next one.
 */
export function customerPeriodContaining(history: BillingDayHistory, date: string): DatePeriod {
  checkBillingDayHistory(history);
  const day = utcDate(date, 'date');
  const index = changeIndexOn(history, day);
  const change = history[index]!;
  const regular = billingPeriodContaining(day, change.billingDay);
  const from = index === 0 ? null : utcDate(change.from!);
  const next = history[index + 1]?.from;
  const start = from !== null && from > regular.start ? from : regular.start;
  const end = next != null && utcDate(next) < regular.end ? utcDate(next) : regular.end;
  return { start, end };
}

/** The customer's billing period that ends on `end` (exclusive), or null when no period ends that day. */
export function customerPeriodEndingOn(history: BillingDayHistory, end: string): DatePeriod | null {
  const last = dayToDate(dayNumber(end, 'end') - 1);
  const period = customerPeriodContaining(history, last);
  return period.end === utcDate(end) ? period : null;
}

/** Length of a recurring charge's period in months. */
export const CHARGE_PERIOD_MONTHS = { month: 1, quarter: 3, year: 12 } as const;
export type ChargePeriodUnit = keyof typeof CHARGE_PERIOD_MONTHS;

/**
 * One period of a recurring charge: the days [start, end) it covers and `base`, the full charge period
 * whose days divide the price (a first or stub period is shorter than its base).
 */
export interface ChargePeriod extends DatePeriod {
  readonly base: DatePeriod;
}

function addMonths(date: string, months: number, day: number): string {
  const [year, month] = date.split('-').map(Number) as [number, number];
  return monthDay(year, month + months, day);
}

/**
 * The periods of a recurring charge billed every `unit` whose active run starts on `runStart`, until
 * one starts on or after `until` (the last one returned may end after `until`).
 *
 * - The first period runs from `runStart` to the end of the `unit` that starts on the billing day on or
 *   before it (a month, quarter or year starting 2012-05-01 for a start on 2012-05-12 with day 1).
 * - Then whole periods on the billing day in force when each starts.
 * - A changed billing day: the period starting when the day no longer matches is a stub up to the new
 *   day, prorated over the `unit` ending there. A monthly charge also starts a period on the date the
 *   change takes effect, so its periods are the customer's billing periods; quarterly and yearly charges
 *   finish their current period first (Kill Bill's TestWithBCDUpdate.testBCDChangeForAnnualSubscriptionAndCancellation).
 */
export function chargePeriodsFrom(history: BillingDayHistory, unit: ChargePeriodUnit, runStart: string, until: string): ChargePeriod[] {
  checkBillingDayHistory(history);
  const months = CHARGE_PERIOD_MONTHS[unit];
  const periods: ChargePeriod[] = [];
  let cursor = utcDate(runStart, 'runStart');
  const limit = utcDate(until, 'until');
  let first = true;
  while (cursor < limit || first) {
    const day = billingDayOn(history, cursor);
    let base: DatePeriod;
    if (first || Number(cursor.slice(8)) === day) {
      const start = billingPeriodContaining(cursor, day).start;
      base = { start, end: addMonths(start, months, day) };
    } else {
      const end = billingPeriodContaining(cursor, day).end;
      base = { start: addMonths(end, -months, day), end };
    }
    let end = base.end;
    if (months === 1) {
      const cut = changesBetween(history, cursor, end)[0];
      if (cut !== undefined) end = cut;
    }
    periods.push({ start: cursor, end, base });
    cursor = end;
    first = false;
  }
  return periods;
}
