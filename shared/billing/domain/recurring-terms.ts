import type Decimal from 'decimal.js';
import { ValidationError } from '../../kernel/errors';
import { isIsoDate } from '../../kernel/fields';
import { D, isCurrency } from '../../kernel/money';
import { InvalidDateError, utcDate } from '../../kernel/dates';
import {
  type BillingDayHistory,
  CHARGE_PERIOD_MONTHS,
  chargePeriodsFrom,
  checkBillingDayHistory,
  type DatePeriod,
  daysBetween,
} from '../../kernel/proration';
import type { BillingPeriod } from '../../kernel/periods';

import {
  type BilledLine,
  type ChargeTimeline,
  type ChargeTiming,
  type RecurringCharge,
  type Segment,
  type SubscriptionLinesInput,
  ZERO,
  charged,
  compareText,
  earlier,
} from './recurring-model';

/** What a subscription owes (the pieces due, checked inputs) and how it compares with what was billed: the terms behind recurring.ts. */

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

export function check(input: SubscriptionLinesInput): void {
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
export interface Piece {
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
export function duePieces(timeline: ChargeTimeline & { charge: RecurringCharge }, history: BillingDayHistory, until: string, field: string): Piece[] {
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
export interface Fragment {
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
export function recurringFragments(pieces: readonly Piece[], billed: readonly BilledLine[], period: BillingPeriod): Fragment[] {
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
