import type Decimal from 'decimal.js';
import { z } from 'zod';
import { calendarDate, decimal, identifier } from '../../kernel/fields';
import { ConflictError, ValidationError } from '../../kernel/errors';
import { D, toWire } from '../../kernel/money';
import { monthDay } from '../../kernel/dates';
import { describeIssues, strictErrors } from '../../kernel/validation';
import { parametersSchema } from './offer';

/**
 * Subscriptions (docs/product.md §6, docs/api.md "Catalogue, offers, subscriptions"): an offer × a customer ×
 * a quantity, from `startDate` and, optionally, up to `endDate` (exclusive: the last day served is the day
 * before). Every later operation is appended to `history` with its effective date, in the past or the
 * future; nothing in the history is ever rewritten:
 *
 * - `change`: a new offer and/or quantity. `immediate` applies from `effectiveDate`; `end-of-term` from the
 *   end of the term that contains it (`termEnd`). The entry keeps that day as `appliesFrom`.
 * - `pause` / `resume`: no service (and no recurring charge) from the pause's effective date to the resume's.
 * - `cancel`: `immediate` ends the subscription on `effectiveDate`, `end-of-term` at the end of the term
 *   that contains it; the entry keeps that day as `appliesFrom` (exclusive end of service).
 *
 * All dates are whole UTC days (`YYYY-MM-DD`). Everything here is pure: the status of a subscription on
 * a day (`subscriptionStatus`) and its `timeline` are functions of the record, the trial days of the offer
 * it started with and the day asked about.
 */

// ------------------------------------------------------------------------------------------ records

export type Policy = 'immediate' | 'end-of-term';

export type HistoryEntry =
  | { type: 'change'; effectiveDate: string; policy: Policy; appliesFrom: string; offer: string | null; quantity: string | null; recordedAt: string }
  | { type: 'pause'; effectiveDate: string; recordedAt: string }
  | { type: 'resume'; effectiveDate: string; recordedAt: string }
  | { type: 'cancel'; effectiveDate: string; policy: Policy; appliesFrom: string; recordedAt: string };

export type SubscriptionStatus = 'pending' | 'trial' | 'active' | 'paused' | 'cancelled' | 'ended';
export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ['pending', 'trial', 'active', 'paused', 'cancelled', 'ended'];

/** What `PUT /subscriptions/{id}` sets once; the same terms again are the same subscription. */
export interface SubscriptionTerms {
  customer: string;
  offer: string;
  /** Decimal wire text (> 0). */
  quantity: string;
  startDate: string;
  /** Exclusive; null: open-ended. */
  endDate: string | null;
  parameters: Record<string, string>;
}

export interface SubscriptionRecord extends SubscriptionTerms {
  id: string;
  /** Days before this date are charged (set by billing); null until billing charges the subscription. */
  chargedThrough: string | null;
  history: HistoryEntry[];
  /**
   * Negotiated unit prices, charge id → decimal wire text (`{"base":"21.50","setup":"0"}`), set once when a
   * quote is accepted (`createFromQuote`): billing uses it instead of the offer's price for that charge
   * (recurring: per unit of quantity and per period, in place of `price`/`prices`; one-off: the fee). Absent
   * or null on subscriptions made by `PUT /subscriptions/{id}`: the offer's prices apply.
   */
  prices?: Record<string, string> | null;
  /** Bumped by every operation; an operation is written only if the version it read is still there. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

// ------------------------------------------------------------------------------------------ bodies

const quantity = decimal.refine((q) => q.gt(0), 'must be a decimal greater than 0');
const policy = z.enum(['immediate', 'end-of-term'], { error: "must be 'immediate' or 'end-of-term'" });

export const subscriptionSchema = z
  .strictObject(
    {
      customer: identifier,
      offer: identifier,
      quantity: quantity.optional(),
      startDate: calendarDate,
      endDate: calendarDate.nullish(),
      parameters: parametersSchema.default({}),
    },
    strictErrors,
  )
  .transform((input, ctx): SubscriptionTerms => {
    if (input.endDate != null && input.endDate <= input.startDate) {
      ctx.issues.push({
        code: 'custom',
        message: `must be after startDate (${input.startDate}); the end is exclusive`,
        path: ['endDate'],
        input: input.endDate,
      });
    }
    return {
      customer: input.customer,
      offer: input.offer,
      quantity: toWire(input.quantity ?? new D(1)),
      startDate: input.startDate,
      endDate: input.endDate ?? null,
      parameters: input.parameters,
    };
  });

export const changeSchema = z
  .strictObject({ effectiveDate: calendarDate, offer: identifier.optional(), quantity: quantity.optional(), policy }, strictErrors)
  .transform((input, ctx) => {
    if (input.offer === undefined && input.quantity === undefined) {
      ctx.issues.push({ code: 'custom', message: 'a change needs an offer, a quantity or both', path: ['offer'], input: undefined });
    }
    return {
      effectiveDate: input.effectiveDate,
      offer: input.offer ?? null,
      quantity: input.quantity === undefined ? null : toWire(input.quantity),
      policy: input.policy,
    };
  });
export type ChangeInput = z.output<typeof changeSchema>;

export const pauseSchema = z.strictObject({ effectiveDate: calendarDate }, strictErrors);
export const cancelSchema = z.strictObject({ effectiveDate: calendarDate, policy }, strictErrors);

export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw new ValidationError(`invalid ${what}`, describeIssues(result.error.issues));
  return result.data;
}

/** A `prices` map as one canonical text (keys sorted; null and {} are the same: no override). */
export function pricesKey(prices: Record<string, string> | null | undefined): string {
  return JSON.stringify(Object.entries(prices ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The terms as one canonical text: a PUT of the same terms again is "unchanged", any other is a conflict. */
export function termsKey(terms: SubscriptionTerms): string {
  const parameters = Object.fromEntries(Object.entries(terms.parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify([terms.customer, terms.offer, terms.quantity, terms.startDate, terms.endDate, parameters]);
}

// ------------------------------------------------------------------------------------------ terms

/** `date` (a billing day, 1–28: it exists in every month) `months` months later. */
const addMonths = (date: string, months: number): string => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return monthDay(y, m + months, d);
};

const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The first day after the term of `date`: terms are `months` long (1, 3 or 12: the offer's longest recurring
 * period) and anchored on the customer's billing day. The first boundary is the first billing day on or
 * after `startDate` (days before it are a stub term of their own); then one every `months` months.
 * `termEnd(2026-01-15, day 1, 1 month, 2026-03-10)` → 2026-04-01; with 12 months → 2027-02-01.
 */
export function termEnd(startDate: string, billingDay: number, months: number, date: string): string {
  const [y, m, d] = startDate.split('-').map(Number) as [number, number, number];
  let boundary = d <= billingDay ? monthDay(y, m, billingDay) : monthDay(y, m + 1, billingDay);
  if (date < boundary) return boundary;
  const anchor = boundary;
  for (let k = 1; boundary <= date; k++) boundary = addMonths(anchor, k * months);
  return boundary;
}

// ------------------------------------------------------------------------------------------ replay

/** When an entry takes effect: a change or cancel from `appliesFrom`, a pause or resume from its effective date. */
/** The offers a subscription has had: the one it started with and every offer a change named, in that order. */
export function offersOf(sub: Pick<SubscriptionRecord, 'offer' | 'history'>): string[] {
  const ids = new Set([sub.offer]);
  for (const entry of sub.history) if (entry.type === 'change' && entry.offer) ids.add(entry.offer);
  return [...ids];
}

export const appliesFrom = (entry: HistoryEntry): string => ('appliesFrom' in entry ? entry.appliesFrom : entry.effectiveDate);

/** Entries in the order they take effect; entries of the same day in the order they were recorded. */
function inEffect(history: readonly HistoryEntry[]): HistoryEntry[] {
  return history
    .map((entry, order) => ({ entry, order }))
    .sort((a, b) => (appliesFrom(a.entry) < appliesFrom(b.entry) ? -1 : appliesFrom(a.entry) > appliesFrom(b.entry) ? 1 : a.order - b.order))
    .map((e) => e.entry);
}

/** The end of service: the earlier of `endDate` and a cancel's `appliesFrom` (null: open-ended), and why. */
export function serviceEnd(sub: Pick<SubscriptionRecord, 'endDate' | 'history'>): { date: string; reason: 'cancelled' | 'ended' } | null {
  const cancel = sub.history.find((e) => e.type === 'cancel');
  const cancelAt = cancel ? appliesFrom(cancel) : null;
  if (cancelAt !== null && (sub.endDate === null || cancelAt <= sub.endDate)) return { date: cancelAt, reason: 'cancelled' };
  return sub.endDate === null ? null : { date: sub.endDate, reason: 'ended' };
}

/**
 * Checks that `entry` can be appended to the history: its effective date is not before the start (400), it
 * does not come after the end of service (409 `subscription_cancelled` / `subscription_ended`), there is one
 * cancel at most, and, replayed in effective order with the rest, every pause finds the subscription running
 * and every resume finds it paused (409 `subscription_paused` / `subscription_not_paused`).
 */
export function checkOperation(sub: Pick<SubscriptionRecord, 'startDate' | 'endDate' | 'history'>, entry: HistoryEntry): void {
  if (entry.effectiveDate < sub.startDate) {
    throw new ValidationError(`invalid ${entry.type}`, [`effectiveDate: must not be before the subscription's startDate (${sub.startDate})`]);
  }
  const end = serviceEnd(sub);
  if (end !== null && entry.effectiveDate >= end.date) {
    const code = end.reason === 'cancelled' ? 'subscription_cancelled' : 'subscription_ended';
    throw new ConflictError(
      code,
      `the subscription is ${end.reason} from ${end.date}; a ${entry.type} effective ${entry.effectiveDate} comes after that`,
      [`effectiveDate: the subscription is ${end.reason} from ${end.date}`],
    );
  }
  if (entry.type === 'cancel' && sub.history.some((e) => e.type === 'cancel')) {
    throw new ConflictError('subscription_cancelled', 'the subscription is already cancelled', [
      'effectiveDate: the subscription already has a cancellation',
    ]);
  }
  if (entry.type !== 'pause' && entry.type !== 'resume') return;
  let paused = false;
  for (const e of inEffect([...sub.history, entry])) {
    if (e.type === 'pause') {
      if (paused) throw pauseConflict(e, entry, 'subscription_paused', 'is already paused');
      paused = true;
    } else if (e.type === 'resume') {
      if (!paused) throw pauseConflict(e, entry, 'subscription_not_paused', 'is not paused');
      paused = false;
    }
  }
}

function pauseConflict(at: HistoryEntry, entry: HistoryEntry, code: string, state: string): ConflictError {
  const when =
    at === entry
      ? `on ${entry.effectiveDate}`
      : `on ${at.effectiveDate} once this ${entry.type} (effective ${entry.effectiveDate}) is in the history`;
  return new ConflictError(code, `the subscription ${state} ${when}`, [`effectiveDate: the subscription ${state} ${when}`]);
}

// ------------------------------------------------------------------------------------------ status

const laterOf = (a: string, b: string) => (a > b ? a : b);

/** Whether the subscription is paused on `day`, from the pauses and resumes in effect by then. */
function pausedOn(history: readonly HistoryEntry[], day: string): boolean {
  let paused = false;
  for (const e of inEffect(history)) {
    if (appliesFrom(e) > day) break;
    if (e.type === 'pause') paused = true;
    else if (e.type === 'resume') paused = false;
  }
  return paused;
}

/**
 * The status of a subscription on `today`: `pending` before its start; `cancelled` / `ended` from the end of
 * service on (a cancellation's `appliesFrom`, or `endDate`, whichever comes first); `paused` between a pause
 * and its resume; `trial` during the first `trialDays` days (of the offer it started with); else `active`.
 */
export function subscriptionStatus(
  sub: Pick<SubscriptionRecord, 'startDate' | 'endDate' | 'history'>,
  trialDays: number,
  today: string,
): SubscriptionStatus {
  if (today < sub.startDate) return 'pending';
  const end = serviceEnd(sub);
  if (end !== null && today >= end.date) return end.reason;
  if (pausedOn(sub.history, today)) return 'paused';
  if (today < addDays(sub.startDate, trialDays)) return 'trial';
  return 'active';
}

/** The offer and quantity in force on `day` (the terms at start, then each change that applies by then). */
export function termsOn(sub: Pick<SubscriptionRecord, 'offer' | 'quantity' | 'history'>, day: string): { offer: string; quantity: string } {
  let terms = { offer: sub.offer, quantity: sub.quantity };
  for (const e of inEffect(sub.history)) {
    if (appliesFrom(e) > day) break;
    if (e.type === 'change') terms = { offer: e.offer ?? terms.offer, quantity: e.quantity ?? terms.quantity };
  }
  return terms;
}

// ------------------------------------------------------------------------------------------ timeline

/**
 * One stretch of a subscription's life with the same terms: the days [from, to) (`to` null: open-ended, only
 * on the last segment), the offer and quantity in force, whether it is paused (no service, no recurring
 * charge) and whether it lies in the free trial (recurring charges are free then).
 */
export interface TimelineSegment {
  readonly from: string;
  readonly to: string | null;
  readonly offer: string;
  readonly quantity: Decimal;
  readonly paused: boolean;
  readonly trial: boolean;
}

/**
 * The timeline of a subscription: what billing reads to price recurring charges.
 *
 * ```
 * { start: '2026-01-15',            // startDate
 *   end: '2026-07-01' | null,       // end of service (exclusive): a cancellation's appliesFrom or endDate; null open-ended
 *   endReason: 'cancelled' | 'ended' | null,
 *   segments: [                     // contiguous, ordered, non-empty days: segments[0].from = start,
 *     { from, to, offer, quantity, paused, trial },   // segments[i].to = segments[i+1].from,
 *     ...                                              // last .to = end (null when open-ended)
 *   ] }
 * ```
 *
 * A new segment starts wherever something changes: the end of the trial (`trialDays` of the offer the
 * subscription started with), a change (from its `appliesFrom`), a pause, a resume. Operations recorded
 * later but effective earlier are placed by their effective day, so the timeline is the same whatever order
 * the operations were made in. Billing days, periods and prices are billing's to apply over it.
 */
export interface Timeline {
  readonly start: string;
  readonly end: string | null;
  readonly endReason: 'cancelled' | 'ended' | null;
  readonly segments: readonly TimelineSegment[];
}

export function timeline(sub: Pick<SubscriptionRecord, 'startDate' | 'endDate' | 'offer' | 'quantity' | 'history'>, trialDays: number): Timeline {
  const end = serviceEnd(sub);
  const trialEnd = addDays(sub.startDate, trialDays);
  const boundaries = new Set<string>([sub.startDate]);
  if (trialDays > 0) boundaries.add(trialEnd);
  for (const e of sub.history) if (e.type !== 'cancel') boundaries.add(laterOf(appliesFrom(e), sub.startDate));
  const days = [...boundaries].filter((d) => end === null || d < end.date).sort();
  const segments: TimelineSegment[] = [];
  for (const [i, from] of days.entries()) {
    const to = days[i + 1] ?? end?.date ?? null;
    const terms = termsOn(sub, from);
    const segment = { from, to, offer: terms.offer, quantity: new D(terms.quantity), paused: pausedOn(sub.history, from), trial: from < trialEnd };
    const last = segments.at(-1);
    // boundaries where nothing changes (a change to the same terms) do not cut a segment
    if (
      last &&
      last.offer === segment.offer &&
      last.quantity.eq(segment.quantity) &&
      last.paused === segment.paused &&
      last.trial === segment.trial
    ) {
      segments[segments.length - 1] = { ...last, to };
    } else segments.push(segment);
  }
  return { start: sub.startDate, end: end?.date ?? null, endReason: end?.reason ?? null, segments };
}
