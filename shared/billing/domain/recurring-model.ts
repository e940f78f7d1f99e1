import type Decimal from 'decimal.js';
import { D } from '../../kernel/money';
import { dayNumber, dayToDate } from '../../kernel/dates';
import type { BillingDayHistory, ChargePeriodUnit, DatePeriod } from '../../kernel/proration';
import type { BillingPeriod } from '../../kernel/periods';
import type { InvoiceLine, SubscriptionLineKind } from './lines';

export type { SubscriptionLineKind };

/** Subscription lines' inputs and outputs (recurring.ts explains them) and the small date helpers they share. */

export type ChargeTiming = 'in-advance' | 'in-arrears';

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

export const charged = (segment: Segment): boolean => !segment.paused && segment.trial !== true;

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

export const ZERO = new D(0);
export const zeroless = (d: Decimal): Decimal => (d.isZero() ? ZERO : d);
export const nextDay = (date: string): string => dayToDate(dayNumber(date) + 1);
export const lastDay = (end: string): string => dayToDate(dayNumber(end) - 1);
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
export const later = (a: string, b: string): string => (a > b ? a : b);
export const earlier = (a: string, b: string): string => (a < b ? a : b);
