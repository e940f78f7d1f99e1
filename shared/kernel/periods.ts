import { createHash } from 'node:crypto';
import { ValidationError } from './errors';
import { isIsoDate } from './fields';
import { billingPeriodContaining, daysBetween } from './proration';
import { InvalidDateError, monthDay, utcDate } from './dates';

/**
 * Billing periods of cycles and invoices (docs/product.md §7, docs/api.md `POST /billing-cycles`): whole UTC
 * days, start inclusive, end exclusive. Dates only: a period boundary at 10:00 would make "which
 * invoice does this purchase land on" depend on a clock, and the proration of fees is by whole days.
 */

/** [start, end) as `YYYY-MM-DD`. Same shape as pricing's DatePeriod, so proration helpers take it. */
export interface BillingPeriod {
  readonly start: string;
  readonly end: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function dateField(value: unknown, field: string, details: string[]): string | null {
  if (value === undefined || value === null) {
    details.push(`${field}: required`);
    return null;
  }
  if (typeof value !== 'string' || !DATE_ONLY.test(value.trim()) || !isIsoDate(value.trim())) {
    details.push(`${field}: not an ISO date (YYYY-MM-DD)`);
    return null;
  }
  return value.trim();
}

/** The same month and day one year later (29 February rolls over to 1 March). */
function oneYearAfter(date: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return monthDay(year + 1, month, day);
}

/**
 * Reads `{periodStart, periodEnd}` (a request body or a schedule's payload). Throws a ValidationError
 * whose details name each bad field: not a date, end not after start, longer than one year.
 * Unknown fields are refused, as everywhere else in the API.
 */
export function parseBillingPeriod(input: unknown): BillingPeriod {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError('invalid billing period', ['must be an object with periodStart and periodEnd']);
  }
  const body = input as Record<string, unknown>;
  const details: string[] = [];
  const unknown = Object.keys(body).filter((key) => key !== 'periodStart' && key !== 'periodEnd');
  if (unknown.length > 0) details.push(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`);
  const start = dateField(body.periodStart, 'periodStart', details);
  const end = dateField(body.periodEnd, 'periodEnd', details);
  if (start !== null && end !== null) {
    if (end <= start) details.push(`periodEnd: must be after periodStart (${start}); the end is exclusive`);
    else if (end > oneYearAfter(start)) details.push(`periodEnd: a billing period is at most one year (at most ${oneYearAfter(start)})`);
  }
  if (details.length > 0) throw new ValidationError('invalid billing period', details);
  return { start: start!, end: end! };
}

/** Whole days of a period. */
export function periodDays(period: BillingPeriod): number {
  return daysBetween(period.start, period.end);
}

function digest(parts: readonly string[], length: number): string {
  // JSON of the parts: no separator can be smuggled inside an account id or a customer code
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, length);
}

const compact = (date: string) => date.replaceAll('-', '');

/**
 * The id of an account's cycle for a period. Deterministic, so a retried schedule, a second
 * `POST /billing-cycles` or two concurrent starts all name the same cycle and a conditional write
 * (`attribute_not_exists`) decides which one runs it. Readable dates first (sortable per account),
 * then a digest that makes the id unique across accounts too.
 */
export function cycleId(accountId: string, periodStart: string, periodEnd: string): string {
  return `cyc_${compact(periodStart)}_${compact(periodEnd)}_${digest(['cycle', accountId, periodStart, periodEnd], 10)}`;
}

/**
 * The id of the invoice of one customer and currency in one cycle. Deterministic, so regenerating a
 * draft replaces it instead of creating a second invoice for the same purchases.
 */
export function invoiceId(accountId: string, period: BillingPeriod, customerCode: string, currency: string): string {
  return `inv_${compact(period.start)}_${digest(['invoice', accountId, period.start, period.end, customerCode, currency], 16)}`;
}

/**
 * The period a monthly billing-day schedule invoices when it fires on `runDate` (a date or an
 * EventBridge time, read as its UTC day): the month that ended on the latest billing day on or before
 * the run. Day 1 on 2026-11-01 → [2026-10-01, 2026-11-01); day 15 on 2026-11-15 → [2026-10-15,
 * 2026-11-15). A late run (2026-11-03 for day 1) still invoices the month that ended on 2026-11-01.
 */
export function scheduledPeriod(runDate: string, billingDay: number): BillingPeriod {
  try {
    const end = billingPeriodContaining(utcDate(runDate, 'runDate'), billingDay).start;
    const [year, month] = end.split('-').map(Number) as [number, number];
    return { start: monthDay(year, month - 1, billingDay), end };
  } catch (error) {
    if (error instanceof InvalidDateError) throw new ValidationError('invalid billing schedule', [error.message]);
    throw error;
  }
}
