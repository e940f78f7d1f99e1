import type Decimal from 'decimal.js';
import { ValidationError } from '../../kernel/errors';
import { isIsoDate } from '../../kernel/fields';
import { D, roundMoney } from '../../kernel/money';
import { dayNumber, dayToDate, utcDate } from '../../kernel/dates';
import { billingPeriodContaining, daysBetween, prorate } from '../../kernel/proration';
import { derivedUnitPrice, type InvoiceLine } from '../../billing/domain/lines';
import type { BillingPeriod } from '../../kernel/periods';

/**
 * Subscription fees on an invoice (docs/product.md §6-7; Kill Bill's proration examples are the reference).
 *
 * A subscription is billed in *windows*: its monthly billing periods anchored on its billing day, the
 * first one starting on the subscription's start (a stub when that is not a billing day) and the last
 * one cut at its end. A window's fee is prorated by days over the billing period it lies in.
 *
 * - `in-arrears`: the invoice of period [ps, pe) charges the days of [ps, pe) the subscription ran.
 * - `in-advance`: the invoice of [ps, pe) charges the windows that *start* in (ps, pe]: the coming
 *   period that starts when the invoiced one ends, and the first (prorated) window of a subscription
 *   that started during it. Consecutive periods partition the window starts, so nothing is charged
 *   twice or skipped, whatever the account's billing day is.
 *
 * `billedThrough` (optional, set by the caller when an invoice with the fees is approved) overrides
 * where charging resumes: a subscription entered late, with a start before the last invoiced period,
 * is then caught up on its next invoice instead of being missed.
 *
 * Not handled here (next step): a change of quantity or fee inside a window already billed in advance
 * (that needs a credit/debit of the difference against what was billed), and suspension.
 */

export type BillingTiming = 'in-advance' | 'in-arrears';

/** From `from` (inclusive) the quantity and/or the per-unit fee change (upgrade, downgrade, seats). */
export interface SubscriptionChange {
  readonly from: string;
  readonly quantity?: Decimal;
  readonly fee?: Decimal;
}

export interface Subscription {
  readonly id: string;
  /** Shown on the invoice line (offer name). */
  readonly description: string;
  readonly productCluster: string;
  readonly currency: string;
  /** Per unit and per monthly billing period. */
  readonly fee: Decimal;
  readonly quantity: Decimal;
  readonly start: string;
  /** Exclusive; null: open-ended. */
  readonly end: string | null;
  /** 1-28. */
  readonly billingDay: number;
  readonly timing: BillingTiming;
  readonly changes?: readonly SubscriptionChange[];
  /** Days before this date are already charged. */
  readonly billedThrough?: string | null;
}

function checkSubscription(sub: Subscription, currency: string): void {
  const details: string[] = [];
  const field = (name: string) => `subscriptions.${sub.id}.${name}`;
  if (sub.currency !== currency) details.push(`${field('currency')}: ${sub.currency} on an invoice in ${currency}`);
  if (sub.fee.isNeg()) details.push(`${field('fee')}: must not be negative`);
  if (sub.quantity.isNeg()) details.push(`${field('quantity')}: must not be negative`);
  if (!isIsoDate(sub.start)) details.push(`${field('start')}: not an ISO date`);
  if (sub.end !== null && (!isIsoDate(sub.end) || (isIsoDate(sub.start) && daysBetween(sub.start, sub.end) < 0))) {
    details.push(`${field('end')}: must be an ISO date not before start`);
  }
  if (sub.billedThrough != null && !isIsoDate(sub.billedThrough)) details.push(`${field('billedThrough')}: not an ISO date`);
  if (!Number.isInteger(sub.billingDay) || sub.billingDay < 1 || sub.billingDay > 28)
    details.push(`${field('billingDay')}: must be a whole number from 1 to 28`);
  (sub.changes ?? []).forEach((change, i) => {
    if (!isIsoDate(change.from)) details.push(`${field(`changes.${i}.from`)}: not an ISO date`);
    if (change.quantity?.isNeg()) details.push(`${field(`changes.${i}.quantity`)}: must not be negative`);
    if (change.fee?.isNeg()) details.push(`${field(`changes.${i}.fee`)}: must not be negative`);
  });
  if (details.length > 0) throw new ValidationError('invalid subscription', details);
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const later = (a: string, b: string) => (a > b ? a : b);
const earlier = (a: string, b: string) => (a < b ? a : b);

/**
 * The days [from, to) the invoice of `period` charges for this subscription, or null when none.
 * After approving that invoice, store `to` as the subscription's `billedThrough`.
 */
export function subscriptionCoverage(sub: Subscription, period: BillingPeriod): BillingPeriod | null {
  const start = utcDate(sub.start, 'start');
  const end = sub.end === null ? null : utcDate(sub.end, 'end');
  const resume = sub.billedThrough == null ? null : later(start, utcDate(sub.billedThrough, 'billedThrough'));
  let from: string;
  let to: string;
  if (sub.timing === 'in-arrears') {
    from = resume ?? later(start, period.start);
    to = period.end;
  } else {
    // the first window start after period.start: the subscription's own start, else the next billing day
    from = resume ?? (start > period.start ? start : later(start, billingPeriodContaining(period.start, sub.billingDay).end));
    if (resume === null && from > period.end) return null;
    to = billingPeriodContaining(period.end, sub.billingDay).end;
  }
  if (end !== null) to = earlier(to, end);
  return from < to ? { start: from, end: to } : null;
}

interface Terms {
  readonly fee: Decimal;
  readonly quantity: Decimal;
}

/** Quantity and fee in force on `date`: the subscription's, then each change from its date on. */
function termsOn(sub: Subscription, changes: readonly SubscriptionChange[], date: string): Terms {
  let terms: Terms = { fee: sub.fee, quantity: sub.quantity };
  for (const change of changes) {
    if (change.from > date) break;
    terms = { fee: change.fee ?? terms.fee, quantity: change.quantity ?? terms.quantity };
  }
  return terms;
}

const ONE = new D(1);
const lastDay = (end: string) => dayToDate(dayNumber(end) - 1);

/** The fee lines of one subscription on the invoice of `period`: one line per window and per change of terms. */
function linesOf(sub: Subscription, period: BillingPeriod, currency: string): { line: InvoiceLine; from: string }[] {
  checkSubscription(sub, currency);
  const coverage = subscriptionCoverage(sub, period);
  if (coverage === null) return [];
  const changes = [...(sub.changes ?? [])].map((c) => ({ ...c, from: utcDate(c.from, 'changes.from') })).sort((a, b) => compareText(a.from, b.from));
  const lines: { line: InvoiceLine; from: string }[] = [];
  let cursor = coverage.start;
  while (cursor < coverage.end) {
    const window = billingPeriodContaining(cursor, sub.billingDay);
    const nextChange = changes.find((c) => c.from > cursor)?.from;
    const until = earlier(earlier(window.end, coverage.end), nextChange ?? window.end);
    const { fee, quantity } = termsOn(sub, changes, cursor);
    const days = daysBetween(cursor, until);
    const windowDays = daysBetween(window.start, window.end);
    if (!quantity.isZero() && !fee.isZero()) {
      const perUnit = prorate({ fee, billingDay: sub.billingDay, from: cursor, to: until });
      const full = days === windowDays;
      lines.push({
        from: cursor,
        line: {
          description: `${sub.description}, ${cursor} to ${lastDay(until)}${full ? '' : ` (${days} of ${windowDays} days)`}`,
          productCluster: sub.productCluster,
          quantity,
          unitPrice: full ? fee : derivedUnitPrice(perUnit, ONE),
          amount: roundMoney(perUnit.times(quantity), currency),
          group: null,
          priceRule: null,
        },
      });
    }
    cursor = until;
  }
  return lines;
}

/**
 * The subscription fee lines of one customer's invoice in `currency` for `period`, ordered by the
 * first day they cover, then subscription. Each line is rounded once (fee × quantity × days / days
 * of its billing period). Throws ValidationError for a subscription in another currency or with
 * invalid terms (nothing is dropped silently).
 */
export function subscriptionLines(subscriptions: readonly Subscription[], period: BillingPeriod, currency: string): InvoiceLine[] {
  const keyed = subscriptions.flatMap((sub) => linesOf(sub, period, currency).map((entry, order) => ({ ...entry, sub: sub.id, order })));
  keyed.sort((a, b) => compareText(a.from, b.from) || compareText(a.sub, b.sub) || a.order - b.order);
  return keyed.map((k) => k.line);
}
