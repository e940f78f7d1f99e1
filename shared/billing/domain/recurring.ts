import type Decimal from 'decimal.js';
import { ValidationError } from '../../kernel/errors';
import { isIsoDate } from '../../kernel/fields';
import { D, isCurrency, roundMoney } from '../../kernel/money';
import { dayNumber, dayToDate, InvalidDateError, utcDate } from '../../kernel/dates';
import {
  type BillingDayHistory,
  CHARGE_PERIOD_MONTHS,
  type ChargePeriodUnit,
  chargePeriodsFrom,
  checkBillingDayHistory,
  type DatePeriod,
  daysBetween,
} from '../../kernel/proration';
import type { BillingPeriod } from '../../kernel/periods';
import type { InvoiceLine } from './lines';

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

export type ChargeTiming = 'in-advance' | 'in-arrears';
export type SubscriptionLineKind = 'recurring' | 'one-off' | 'credit' | 'minimum' | 'usage';

export interface EffectivePrice {
  readonly validFrom: string;
  readonly price: Decimal;
}

/** Per unit of the subscription's quantity and per `period`: either `price` or effective-dated `prices`. */
export interface RecurringCharge {
  readonly type: 'recurring';
  readonly id: string;
  readonly productCluster: string;
  readonly price?: Decimal;
  readonly prices?: readonly EffectivePrice[];
  readonly period: ChargePeriodUnit;
  readonly timing: ChargeTiming;
}

/** Per unit of the quantity on the subscription's first day under the charge. */
export interface OneOffCharge {
  readonly type: 'one-off';
  readonly id: string;
  readonly productCluster: string;
  readonly price: Decimal;
}

/** Minimum spend per billing period. */
export interface MinimumCharge {
  readonly type: 'minimum';
  readonly id: string;
  readonly productCluster: string;
  readonly amount: Decimal;
}

export type SubscriptionCharge = RecurringCharge | OneOffCharge | MinimumCharge;

/**
 * [from, to) of a subscription's timeline; `to` null: open-ended. The subscriptions domain's
 * `TimelineSegment` is one (filter a timeline's segments by offer to get a charge's). Paused and trial
 * days bear no recurring fee and no minimum.
 */
export interface Segment {
  readonly from: string;
  readonly to: string | null;
  readonly quantity: Decimal;
  readonly paused: boolean;
  readonly trial?: boolean;
}

const charged = (segment: Segment): boolean => !segment.paused && segment.trial !== true;

export interface ChargeTimeline {
  readonly subscription: string;
  /** Shown in line descriptions (e.g. the offer's name); the charge id when absent. */
  readonly label?: string;
  readonly charge: SubscriptionCharge;
  /** Oldest first, not overlapping; gaps are days without the charge. */
  readonly segments: readonly Segment[];
  /** Minimum charges only: the subscription's usage amount for the invoiced period (its usage lines). */
  readonly usage?: Decimal;
}

/** An invoice line of a subscription. `unitPrice` is the charge's price per unit and per charge period. */
export interface SubscriptionLine extends InvoiceLine {
  readonly kind: SubscriptionLineKind;
  readonly subscription: string;
  readonly charge: string;
  /** The days the line is for, end exclusive. */
  readonly servicePeriod: DatePeriod;
  /** Recurring and credit lines: the charge period whose days divide the price; null otherwise. */
  readonly chargePeriod: DatePeriod | null;
}

/** What an earlier line must keep for corrections to be computed against it. */
export type BilledLine = Pick<
  SubscriptionLine,
  'kind' | 'subscription' | 'charge' | 'servicePeriod' | 'quantity' | 'unitPrice' | 'amount' | 'chargePeriod'
>;

export interface SubscriptionLinesInput {
  /** The invoiced billing period [ps, pe). */
  readonly period: BillingPeriod;
  readonly currency: string;
  readonly billingDays: BillingDayHistory;
  readonly charges: readonly ChargeTimeline[];
  /** Lines of the customer's other invoices for these subscriptions (see above). */
  readonly billed: readonly BilledLine[];
}

const ZERO = new D(0);
const zeroless = (d: Decimal): Decimal => (d.isZero() ? ZERO : d);
const nextDay = (date: string): string => dayToDate(dayNumber(date) + 1);
const lastDay = (end: string): string => dayToDate(dayNumber(end) - 1);
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const later = (a: string, b: string): string => (a > b ? a : b);
const earlier = (a: string, b: string): string => (a < b ? a : b);

// --- validation -------------------------------------------------------------------------------

function dateOrNull(value: unknown): string | null {
  return typeof value === 'string' && isIsoDate(value) ? utcDate(value) : null;
}

function checkSegments(segments: readonly Segment[], field: string, details: string[]): void {
  if (!Array.isArray(segments)) {
    details.push(`${field}: must be a list`);
    return;
  }
  let previousEnd: string | null | undefined;
  segments.forEach((segment, i) => {
    const from = dateOrNull(segment.from);
    const to = segment.to === null ? null : dateOrNull(segment.to);
    if (from === null) details.push(`${field}.${i}.from: not an ISO date`);
    if (segment.to !== null && to === null) details.push(`${field}.${i}.to: not an ISO date`);
    if (from !== null && to !== null && to <= from) details.push(`${field}.${i}.to: must be after from (${from})`);
    if (!D.isDecimal(segment.quantity) || segment.quantity.isNeg()) details.push(`${field}.${i}.quantity: must be a decimal, not negative`);
    if (previousEnd === null || (from !== null && typeof previousEnd === 'string' && from < previousEnd)) {
      details.push(`${field}.${i}.from: overlaps the segment before it`);
    }
    previousEnd = to;
  });
}

function checkCharge(timeline: ChargeTimeline, field: string, details: string[]): void {
  const charge = timeline.charge;
  if (typeof timeline.subscription !== 'string' || timeline.subscription.length === 0) details.push(`${field}.subscription: required`);
  if (typeof charge?.id !== 'string' || charge.id.length === 0) details.push(`${field}.charge.id: required`);
  const money = (value: unknown, name: string) => {
    if (!D.isDecimal(value) || (value as Decimal).isNeg()) details.push(`${field}.charge.${name}: must be a decimal, not negative`);
  };
  switch (charge?.type) {
    case 'recurring': {
      if (!(charge.period in CHARGE_PERIOD_MONTHS)) details.push(`${field}.charge.period: must be month, quarter or year`);
      if (charge.timing !== 'in-advance' && charge.timing !== 'in-arrears') details.push(`${field}.charge.timing: must be in-advance or in-arrears`);
      if ((charge.price === undefined) === (charge.prices === undefined)) details.push(`${field}.charge: exactly one of price and prices`);
      if (charge.price !== undefined) money(charge.price, 'price');
      (charge.prices ?? []).forEach((p, i) => {
        money(p.price, `prices.${i}.price`);
        const from = dateOrNull(p.validFrom);
        if (from === null) details.push(`${field}.charge.prices.${i}.validFrom: not an ISO date`);
        const before = i > 0 ? dateOrNull(charge.prices![i - 1]!.validFrom) : null;
        if (from !== null && before !== null && from <= before)
          details.push(`${field}.charge.prices.${i}.validFrom: must be after the price before it`);
      });
      if (charge.prices !== undefined && charge.prices.length === 0) details.push(`${field}.charge.prices: at least one price`);
      break;
    }
    case 'one-off':
      money(charge.price, 'price');
      break;
    case 'minimum':
      money(charge.amount, 'amount');
      if (timeline.usage !== undefined && !D.isDecimal(timeline.usage)) details.push(`${field}.usage: must be a decimal`);
      break;
    default:
      details.push(`${field}.charge.type: must be recurring, one-off or minimum`);
  }
  checkSegments(timeline.segments, `${field}.segments`, details);
}

function checkBilled(billed: readonly BilledLine[], details: string[]): void {
  billed.forEach((line, i) => {
    const start = dateOrNull(line.servicePeriod?.start);
    const end = dateOrNull(line.servicePeriod?.end);
    if (start === null || end === null || end <= start) details.push(`billed.${i}.servicePeriod: must be ISO dates with end after start`);
    if (line.kind === 'recurring' || line.kind === 'credit') {
      const base = line.chargePeriod;
      if (base === null || dateOrNull(base?.start) === null || dateOrNull(base?.end) === null || base.end <= base.start) {
        details.push(`billed.${i}.chargePeriod: required for ${line.kind} lines (ISO dates, end after start)`);
      }
    }
  });
}

function check(input: SubscriptionLinesInput): void {
  const details: string[] = [];
  const ps = dateOrNull(input.period?.start);
  const pe = dateOrNull(input.period?.end);
  if (ps === null || pe === null || pe <= ps) details.push('period: start and end must be ISO dates, end after start');
  if (!isCurrency(input.currency)) details.push('currency: must be an ISO 4217 code such as EUR');
  try {
    checkBillingDayHistory(input.billingDays);
  } catch (error) {
    if (!(error instanceof InvalidDateError)) throw error;
    details.push(error.message);
  }
  for (const [i, timeline] of input.charges.entries()) checkCharge(timeline, `charges.${i}`, details);
  checkBilled(input.billed, details);
  if (details.length > 0) throw new ValidationError('invalid subscription charges', details);
}

// --- what is due ------------------------------------------------------------------------------

/** A stretch of contiguous charged segments (neither paused nor trial). */
interface Run {
  readonly start: string;
  readonly end: string | null;
  readonly segments: readonly Segment[];
}

function runsOf(segments: readonly Segment[]): Run[] {
  const runs: { start: string; end: string | null; segments: Segment[] }[] = [];
  for (const segment of segments) {
    if (!charged(segment)) continue;
    const from = utcDate(segment.from);
    const to = segment.to === null ? null : utcDate(segment.to);
    const last = runs.at(-1);
    if (last !== undefined && last.end === from) {
      last.end = to;
      last.segments.push(segment);
    } else {
      runs.push({ start: from, end: to, segments: [segment] });
    }
  }
  return runs;
}

/** A part of a slice with one price and quantity. */
interface Piece {
  readonly start: string;
  readonly end: string;
  readonly unitPrice: Decimal;
  readonly quantity: Decimal;
  readonly base: DatePeriod;
  readonly sliceStart: string;
  readonly timing: ChargeTiming;
}

/** Price changes, oldest first; a single `price` is in force from the beginning (validFrom null). */
function pricesOf(charge: RecurringCharge): readonly { validFrom: string | null; price: Decimal }[] {
  return charge.prices?.map((p) => ({ validFrom: utcDate(p.validFrom), price: p.price })) ?? [{ validFrom: null, price: charge.price! }];
}

function priceOn(prices: readonly { validFrom: string | null; price: Decimal }[], date: string, field: string): Decimal {
  let found: Decimal | null = null;
  for (const p of prices) {
    if (p.validFrom === null || p.validFrom <= date) found = p.price;
  }
  if (found === null) throw new ValidationError('invalid subscription charges', [`${field}.charge.prices: no price in force on ${date}`]);
  return found;
}

/** The due pieces of a recurring charge, for every slice starting before `until`. */
function duePieces(timeline: ChargeTimeline & { charge: RecurringCharge }, history: BillingDayHistory, until: string, field: string): Piece[] {
  const prices = pricesOf(timeline.charge);
  const priceChanges = prices.flatMap((p) => (p.validFrom === null ? [] : [p.validFrom]));
  const pieces: Piece[] = [];
  for (const run of runsOf(timeline.segments)) {
    if (run.start >= until) break;
    const runLimit = run.end === null ? until : earlier(run.end, until);
    for (const period of chargePeriodsFrom(history, timeline.charge.period, run.start, runLimit)) {
      const sliceEnd = run.end === null ? period.end : earlier(period.end, run.end);
      if (sliceEnd <= period.start) continue;
      // split at segment boundaries (quantities) and price changes inside the slice
      const cuts = new Set<string>([period.start, sliceEnd]);
      for (const segment of run.segments) {
        const from = utcDate(segment.from);
        if (from > period.start && from < sliceEnd) cuts.add(from);
      }
      for (const change of priceChanges) if (change > period.start && change < sliceEnd) cuts.add(change);
      const points = [...cuts].sort(compareText);
      for (let i = 0; i + 1 < points.length; i++) {
        const start = points[i]!;
        let segment = run.segments[0]!;
        for (const s of run.segments) if (utcDate(s.from) <= start) segment = s;
        const unitPrice = priceOn(prices, start, field);
        if (unitPrice.isZero() || segment.quantity.isZero()) continue;
        pieces.push({
          start,
          end: points[i + 1]!,
          unitPrice,
          quantity: segment.quantity,
          base: { start: period.base.start, end: period.base.end },
          sliceStart: period.start,
          timing: timeline.charge.timing,
        });
      }
    }
  }
  return pieces;
}

// --- comparing with what was billed -------------------------------------------------------------

/** A stretch of days to put on a line: `quantity` units at `unitPrice` per `base`. */
interface Fragment {
  readonly kind: 'recurring' | 'credit';
  readonly unitPrice: Decimal;
  readonly quantity: Decimal;
  readonly base: DatePeriod;
  start: string;
  end: string;
}

interface LiveTerms {
  readonly unitPrice: Decimal;
  readonly quantity: Decimal;
  readonly base: DatePeriod;
}

/** What the billed lines covering [a, b) still charge, netted per price and charge period (a credit cancels its charge). */
function liveTerms(billed: readonly BilledLine[], a: string, b: string): LiveTerms[] {
  const net = new Map<string, LiveTerms>();
  for (const line of billed) {
    if (line.servicePeriod.start > a || line.servicePeriod.end < b) continue;
    const base = line.chargePeriod!;
    const key = `${line.unitPrice.toFixed()}|${base.start}|${base.end}`;
    const seen = net.get(key);
    net.set(key, { unitPrice: line.unitPrice, base, quantity: (seen?.quantity ?? ZERO).plus(line.quantity) });
  }
  return [...net.values()].filter((t) => !t.quantity.isZero());
}

/** Same daily rate: price × quantity ÷ days of the charge period. */
function sameRate(a: LiveTerms, b: LiveTerms): boolean {
  return a.unitPrice
    .times(a.quantity)
    .times(daysBetween(b.base.start, b.base.end))
    .eq(b.unitPrice.times(b.quantity).times(daysBetween(a.base.start, a.base.end)));
}

const sameTerms = (a: Fragment, b: Fragment): boolean =>
  a.kind === b.kind && a.unitPrice.eq(b.unitPrice) && a.quantity.eq(b.quantity) && a.base.start === b.base.start && a.base.end === b.base.end;

/** The recurring and credit fragments of one subscription's charge on the invoice of `period`. */
function recurringFragments(pieces: readonly Piece[], billed: readonly BilledLine[], period: BillingPeriod): Fragment[] {
  const points = new Set<string>();
  for (const p of pieces) points.add(p.start).add(p.end);
  for (const line of billed) points.add(line.servicePeriod.start).add(line.servicePeriod.end);
  if (points.size === 0) return [];
  points.add(period.end);
  const sorted = [...points].sort(compareText);
  const fragments: Fragment[] = [];
  const open = new Map<string, Fragment>();
  const emit = (fragment: Fragment) => {
    const key = `${fragment.kind}|${fragment.unitPrice.toFixed()}|${fragment.quantity.toFixed()}|${fragment.base.start}|${fragment.base.end}`;
    const last = open.get(key);
    if (last !== undefined && last.end === fragment.start && sameTerms(last, fragment)) {
      last.end = fragment.end;
      return;
    }
    open.set(key, fragment);
    fragments.push(fragment);
  };
  let p = 0;
  let gapStart: string | null = null;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    while (p < pieces.length && pieces[p]!.end <= a) p++;
    const piece = p < pieces.length && pieces[p]!.start <= a ? pieces[p]! : null;
    // what is due is charged (and what it replaces credited) on the invoice of its slice; a stretch of
    // days no longer due at all is credited on the invoice of the period in which the stretch starts
    if (piece === null) gapStart ??= a;
    else gapStart = null;
    const inHorizon = piece === null ? gapStart! < period.end : piece.timing === 'in-arrears' ? a < period.end : piece.sliceStart <= period.end;
    if (!inHorizon) continue;
    const live = liveTerms(billed, a, b);
    if (piece !== null && live.length === 1 && live[0]!.quantity.isPos() && sameRate(live[0]!, piece)) continue;
    for (const terms of live) {
      emit({
        kind: terms.quantity.isPos() ? 'credit' : 'recurring',
        unitPrice: terms.unitPrice,
        quantity: terms.quantity.neg(),
        base: terms.base,
        start: a,
        end: b,
      });
    }
    if (piece !== null) {
      emit({ kind: 'recurring', unitPrice: piece.unitPrice, quantity: piece.quantity, base: piece.base, start: a, end: b });
    }
  }
  return fragments;
}

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
      // the timeline whose days the fragment lies in names the line (credits of days no longer due: the first one)
      const timeline = owned.find((o) => o.piece.start <= fragment.start && fragment.start < o.piece.end)?.timeline ?? group.timelines[0]!;
      push(fragmentLine(fragment, timeline, currency));
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
