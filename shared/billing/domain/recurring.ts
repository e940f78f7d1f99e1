import type Decimal from 'decimal.js';
import { ValidationError } from '../../kernel/errors';
import { D, roundMoney } from '../../kernel/money';
import { utcDate } from '../../kernel/dates';
import { daysBetween } from '../../kernel/proration';
import type { BillingPeriod } from '../../kernel/periods';

import {
  type BilledLine,
  type ChargeTimeline,
  type RecurringCharge,
  type Segment,
  type SubscriptionLine,
  type SubscriptionLineKind,
  type SubscriptionLinesInput,
  ZERO,
  charged,
  compareText,
  earlier,
  lastDay,
  later,
  nextDay,
  zeroless,
} from './recurring-model';
import { type Fragment, type Piece, check, duePieces, recurringFragments } from './recurring-terms';

export type {
  BilledLine,
  ChargeTimeline,
  ChargeTiming,
  EffectivePrice,
  MinimumCharge,
  OneOffCharge,
  RecurringCharge,
  Segment,
  SubscriptionCharge,
  SubscriptionLine,
  SubscriptionLineKind,
  SubscriptionLinesInput,
} from './recurring-model';

/**
 * The subscription lines of one invoice (docs/product.md §6–7, docs/api.md "Catalogue, offers,
 * subscriptions"): recurring fees, corrections of fees already billed, one-off fees and minimum
 * top-ups. Pure: the same input always gives the same lines, in the same order.
 *
 * Input: one `ChargeTimeline` per subscription and charge of its offer(s) — the segments [from, to) of
 * the subscription's timeline during which that charge applies, each with its quantity and whether it
 * is paused (or in a trial) — the customer's billing-day history, and every line already `billed` for these
 * subscriptions on the customer's *other* invoices (approved ones, and drafts of other periods so their
 * days are not charged twice). The invoice being computed must not be in `billed`: a draft is rebuilt.
 *
 * Recurring charges (Kill Bill's invoice tests are the reference for the amounts):
 * - A run is a stretch of contiguous segments, neither paused nor in a trial. Its charge periods start with the run
 *   (`chargePeriodsFrom`: anchored on the billing day in force, a first or resumed period running to
 *   the end of the month, quarter or year that contains it). A slice is a charge period cut to the run;
 *   it is split at quantity changes and at the `validFrom` of effective-dated prices.
 * - A piece of a slice is due at price × quantity × its days ÷ days of the charge period containing it
 *   (its `base`). The invoice of [ps, pe) charges, of what is due and not billed yet, the days before
 *   pe of in-arrears charges and the slices of in-advance charges that start on or before pe — so the
 *   slices that start in (ps, pe] and anything due earlier that no invoice carries (a subscription
 *   entered late or a change dated in the past). Paused days are not due.
 * - Corrections: where billed days no longer match what is due (another price, quantity or charge
 *   period, a pause, a cancellation), the invoice credits the billed terms for exactly those days (a
 *   `credit` line: negative quantity and amount) and charges what is due on the new terms (a
 *   `recurring` line). Billed lines are never changed. Days billed at the same daily rate as now due
 *   are left alone, whatever the slicing.
 * - Each line is rounded half-up once.
 *
 * One-off fees go on the invoice that carries the subscription's first recurring charges (or, without
 * recurring charges, the one whose period contains its first day), once per subscription and charge.
 * A minimum tops the subscription's usage of the period plus its recurring fees due for the days of
 * [ps, pe) (whichever invoice bills them) up to the amount, when the subscription is active in the period.
 */
// --- lines --------------------------------------------------------------------------------------

interface Keyed {
  readonly line: SubscriptionLine;
  readonly order: number;
}

const KIND_ORDER: Readonly<Record<SubscriptionLineKind, number>> = { 'one-off': 0, credit: 1, recurring: 2, usage: 3, minimum: 4 };

function fragmentLine(fragment: Fragment, timeline: ChargeTimeline, currency: string): SubscriptionLine {
  const days = daysBetween(fragment.start, fragment.end);
  const baseDays = daysBetween(fragment.base.start, fragment.base.end);
  const label = timeline.label ?? timeline.charge.id;
  const span = `${fragment.start} to ${lastDay(fragment.end)}${days === baseDays ? '' : ` (${days} of ${baseDays} days)`}`;
  return {
    kind: fragment.kind,
    subscription: timeline.subscription,
    charge: timeline.charge.id,
    servicePeriod: { start: fragment.start, end: fragment.end },
    chargePeriod: { ...fragment.base },
    description: fragment.kind === 'credit' ? `Credit: ${label}, ${span}` : `${label}, ${span}`,
    productCluster: timeline.charge.productCluster,
    quantity: zeroless(fragment.quantity),
    unitPrice: fragment.unitPrice,
    amount: zeroless(roundMoney(fragment.unitPrice.times(fragment.quantity).times(days).div(baseDays), currency)),
    group: null,
    priceRule: null,
  };
}

const keyOf = (subscription: string, charge: string) => JSON.stringify([subscription, charge]);

/**
 * The timeline (offer) that names a fragment's line: a recurring fragment is named by the timeline whose days
 * it lies in; a credit reverses billed days, so it is named by the timeline that was billed for them (the one
 * in force on the first day of the billed line it reverses), not by an offer that replaced it on those days.
 * Undefined when no timeline has a piece there (e.g. a change dated back to the billed line's first day).
 */
function namingTimeline(
  fragment: Fragment,
  owned: readonly { piece: Piece; timeline: ChargeTimeline }[],
  billed: readonly BilledLine[],
): ChargeTimeline | undefined {
  const inForceOn = (day: string) => owned.find((o) => o.piece.start <= day && day < o.piece.end)?.timeline;
  if (fragment.kind === 'recurring') return inForceOn(fragment.start);
  const reversed = billed.find((l) => l.kind === 'recurring' && l.servicePeriod.start <= fragment.start && fragment.start < l.servicePeriod.end);
  return reversed === undefined ? inForceOn(fragment.start) : inForceOn(reversed.servicePeriod.start);
}

function firstActiveDay(segments: readonly Segment[]): string | null {
  const first = segments.find(charged);
  return first === undefined ? null : utcDate(first.from);
}

/** Whether the subscription's first recurring charges are on or before this invoice (see the module comment). */
function firstChargesReached(recurring: readonly ChargeTimeline[], own: ChargeTimeline, period: BillingPeriod): boolean {
  if (recurring.length === 0) {
    const first = firstActiveDay(own.segments);
    return first !== null && first < period.end;
  }
  return recurring.some((t) => {
    const first = firstActiveDay(t.segments);
    if (first === null) return false;
    return (t.charge as RecurringCharge).timing === 'in-advance' ? first <= period.end : first < period.end;
  });
}

/** Full-precision recurring amount due for the days of [ps, pe). */
function dueWithin(pieces: readonly Piece[], period: BillingPeriod): Decimal {
  let sum = ZERO;
  for (const piece of pieces) {
    const days = daysBetween(later(piece.start, period.start), earlier(piece.end, period.end));
    if (days <= 0) continue;
    sum = sum.plus(piece.unitPrice.times(piece.quantity).times(days).div(daysBetween(piece.base.start, piece.base.end)));
  }
  return sum;
}

function activeWithin(segments: readonly Segment[], period: BillingPeriod): boolean {
  return segments.some((s) => charged(s) && utcDate(s.from) < period.end && (s.to === null || utcDate(s.to) > period.start));
}

/**
 * The subscription lines of one customer's invoice for `period` (see the module comment), ordered by
 * subscription, first day, kind (one-off, credit, recurring, minimum) and charge. Throws
 * ValidationError naming each bad field (nothing is dropped silently).
 */
export function subscriptionLines(input: SubscriptionLinesInput): SubscriptionLine[] {
  check(input);
  const period = { start: utcDate(input.period.start), end: utcDate(input.period.end) };
  const { currency, billingDays } = input;
  const billedByKey = new Map<string, BilledLine[]>();
  for (const raw of input.billed) {
    const line: BilledLine = {
      ...raw,
      servicePeriod: { start: utcDate(raw.servicePeriod.start), end: utcDate(raw.servicePeriod.end) },
      chargePeriod: raw.chargePeriod === null ? null : { start: utcDate(raw.chargePeriod.start), end: utcDate(raw.chargePeriod.end) },
    };
    const key = keyOf(line.subscription, line.charge);
    let list = billedByKey.get(key);
    if (list === undefined) {
      list = [];
      billedByKey.set(key, list);
    }
    list.push(line);
  }
  const recurringBySubscription = new Map<string, ChargeTimeline[]>();
  for (const timeline of input.charges) {
    if (timeline.charge.type !== 'recurring') continue;
    let list = recurringBySubscription.get(timeline.subscription);
    if (list === undefined) {
      list = [];
      recurringBySubscription.set(timeline.subscription, list);
    }
    list.push(timeline);
  }

  const keyed: Keyed[] = [];
  const push = (line: SubscriptionLine) => keyed.push({ line, order: keyed.length });

  // recurring: timelines of the same subscription and charge (e.g. before and after a change of offer) are one history
  const groups = new Map<string, { timelines: ChargeTimeline[]; indexes: number[] }>();
  input.charges.forEach((timeline, index) => {
    if (timeline.charge.type !== 'recurring') return;
    const key = keyOf(timeline.subscription, timeline.charge.id);
    let group = groups.get(key);
    if (group === undefined) {
      group = { timelines: [], indexes: [] };
      groups.set(key, group);
    }
    group.timelines.push(timeline);
    group.indexes.push(index);
  });
  const piecesBySubscription = new Map<string, Piece[]>();
  for (const [key, group] of groups) {
    const billed = (billedByKey.get(key) ?? []).filter((l) => l.kind === 'recurring' || l.kind === 'credit');
    const billedEnd = billed.reduce((max, l) => later(max, utcDate(l.servicePeriod.end)), period.end);
    const until = later(billedEnd, nextDay(period.end));
    const owned: { piece: Piece; timeline: ChargeTimeline }[] = [];
    group.timelines.forEach((timeline, i) => {
      const field = `charges.${group.indexes[i]}`;
      for (const piece of duePieces(timeline as ChargeTimeline & { charge: RecurringCharge }, billingDays, until, field))
        owned.push({ piece, timeline });
    });
    owned.sort((x, y) => compareText(x.piece.start, y.piece.start));
    for (let i = 1; i < owned.length; i++) {
      if (owned[i]!.piece.start < owned[i - 1]!.piece.end) {
        throw new ValidationError('invalid subscription charges', [
          `charges.${group.indexes.join(',')}: segments of ${key} overlap on ${owned[i]!.piece.start}`,
        ]);
      }
    }
    const pieces = owned.map((o) => o.piece);
    const subscription = group.timelines[0]!.subscription;
    piecesBySubscription.set(subscription, [...(piecesBySubscription.get(subscription) ?? []), ...pieces]);
    for (const fragment of recurringFragments(pieces, billed, period)) {
      push(fragmentLine(fragment, namingTimeline(fragment, owned, billed) ?? group.timelines[0]!, currency));
    }
  }

  for (const timeline of input.charges) {
    const charge = timeline.charge;
    const billed = billedByKey.get(keyOf(timeline.subscription, charge.id)) ?? [];
    const label = timeline.label ?? charge.id;
    if (charge.type === 'one-off') {
      const first = firstActiveDay(timeline.segments);
      if (first === null || billed.some((l) => l.kind === 'one-off')) continue;
      if (!firstChargesReached(recurringBySubscription.get(timeline.subscription) ?? [], timeline, period)) continue;
      const quantity = timeline.segments.find(charged)!.quantity;
      push({
        kind: 'one-off',
        subscription: timeline.subscription,
        charge: charge.id,
        servicePeriod: { start: first, end: nextDay(first) },
        chargePeriod: null,
        description: `${label}, ${first}`,
        productCluster: charge.productCluster,
        quantity,
        unitPrice: charge.price,
        amount: zeroless(roundMoney(charge.price.times(quantity), currency)),
        group: null,
        priceRule: null,
      });
    } else if (charge.type === 'minimum') {
      if (!activeWithin(timeline.segments, period)) continue;
      if (billed.some((l) => l.kind === 'minimum' && utcDate(l.servicePeriod.start) === period.start && utcDate(l.servicePeriod.end) === period.end))
        continue;
      const spend = (timeline.usage ?? ZERO).plus(dueWithin(piecesBySubscription.get(timeline.subscription) ?? [], period));
      const topUp = roundMoney(charge.amount.minus(spend), currency);
      if (topUp.lte(0)) continue;
      push({
        kind: 'minimum',
        subscription: timeline.subscription,
        charge: charge.id,
        servicePeriod: { ...period },
        chargePeriod: null,
        description: `${label}, minimum ${charge.amount.toFixed()} for ${period.start} to ${lastDay(period.end)}`,
        productCluster: charge.productCluster,
        quantity: new D(1),
        unitPrice: topUp,
        amount: topUp,
        group: null,
        priceRule: null,
      });
    }
  }

  keyed.sort(
    (x, y) =>
      compareText(x.line.subscription, y.line.subscription) ||
      compareText(x.line.servicePeriod.start, y.line.servicePeriod.start) ||
      KIND_ORDER[x.line.kind] - KIND_ORDER[y.line.kind] ||
      compareText(x.line.charge, y.line.charge) ||
      x.order - y.order,
  );
  return keyed.map((k) => k.line);
}
