import { z } from 'zod';
import { calendarDate } from '../../kernel/fields';
import { ValidationError } from '../../kernel/errors';
import { strictErrors } from '../../kernel/validation';
import {
  type BillingDayChange,
  type BillingDayHistory,
  billingDayOn,
  checkBillingDayHistory,
  customerPeriodContaining,
} from '../../kernel/proration';

/**
 * A customer's billing days over time (docs/api.md "Billing days and cycles", docs/product.md §6).
 *
 * The history is a list of `{from, billingDay}`, oldest first, the first with `from: null` (since ever).
 * Setting a day from a date replaces the entry on that date or inserts one, and leaves later scheduled
 * changes in place; an entry that repeats the day before it is dropped (it would only cut a period in two),
 * so setting the day already in force is no change. No date before the start of the customer's current
 * billing period may be touched: those periods may already be invoiced.
 */

const wholeDay = z
  .number({ error: 'must be a whole number from 1 to 28' })
  .int('must be a whole number from 1 to 28')
  .min(1, 'must be from 1 to 28')
  .max(28, 'must be from 1 to 28');

export const billingDayChangeSchema = z.strictObject(
  {
    billingDay: wholeDay,
    effectiveDate: calendarDate.optional(),
  },
  strictErrors,
);
export type BillingDayChangeInput = z.output<typeof billingDayChangeSchema>;

/** What a customer record holds of its billing days; records written before histories have `billingDay` only. */
export interface BillingDaysOfRecord {
  readonly billingDay: number;
  readonly billingDays?: readonly BillingDayChange[];
}

/** The record's history (a record without one has had its `billingDay` since ever). */
export function historyOf(record: BillingDaysOfRecord): BillingDayChange[] {
  const history = record.billingDays?.length ? record.billingDays : [{ from: null, billingDay: record.billingDay }];
  return history.map((c, i) => ({ from: i === 0 ? null : c.from, billingDay: c.billingDay }));
}

/** `billingDay` from `from` on, until the next change already scheduled after `from`; normalised (see above). */
export function setBillingDayFrom(history: BillingDayHistory, billingDay: number, from: string): BillingDayChange[] {
  checkBillingDayHistory(history);
  const kept = history.filter((c, i) => i === 0 || c.from! !== from);
  const at = kept.findIndex((c, i) => i > 0 && c.from! > from);
  const inserted = at === -1 ? [...kept, { from, billingDay }] : [...kept.slice(0, at), { from, billingDay }, ...kept.slice(at)];
  const out = inserted.filter((c, i) => i === 0 || c.billingDay !== inserted[i - 1]!.billingDay);
  checkBillingDayHistory(out);
  return out;
}

export function sameHistory(a: BillingDayHistory, b: BillingDayHistory): boolean {
  return a.length === b.length && a.every((c, i) => c.from === b[i]!.from && c.billingDay === b[i]!.billingDay);
}

/**
 * POST /customers/{code}/billing-day: the history after changing to `input.billingDay` from
 * `input.effectiveDate` (default: the end of the customer's billing period containing `today`). An
 * effective date inside a period is fine (the period up to the new day becomes a stub); one before the
 * start of the current period is refused, naming `effectiveDate`.
 */
export function changeBillingDay(history: BillingDayHistory, input: BillingDayChangeInput, today: string): BillingDayChange[] {
  const current = customerPeriodContaining(history, today);
  const from = input.effectiveDate ?? current.end;
  if (from < current.start) {
    throw new ValidationError('invalid billing day change', [
      `effectiveDate: must not be before the start of the current billing period (${current.start}); earlier periods may already be invoiced`,
    ]);
  }
  return setBillingDayFrom(history, input.billingDay, from);
}

/**
 * PUT /customers/{code} of an existing customer: a `billingDay` equal to the day in force today (what a
 * GET returns, so a read-modify-write) keeps the history as it is, scheduled changes included; another
 * day applies from the end of the current period, like the POST without `effectiveDate`.
 */
export function replacedBillingDays(history: BillingDayHistory, billingDay: number, today: string): BillingDayChange[] {
  if (billingDayOn(history, today) === billingDay) return [...history];
  return changeBillingDay(history, { billingDay }, today);
}
