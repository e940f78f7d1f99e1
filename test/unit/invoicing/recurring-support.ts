import { D, toWireMoney } from '../../../shared/kernel/money';
import type { BillingDayHistory } from '../../../shared/kernel/proration';
import type { BillingPeriod } from '../../../shared/kernel/periods';
import {
  type BilledLine,
  type ChargeTimeline,
  type RecurringCharge,
  type Segment,
  type SubscriptionLine,
  subscriptionLines,
} from '../../../shared/billing/domain/recurring';

/** Builders for subscription-line tests: a charge, segments of a timeline, and a customer billed cycle after cycle. */

export function monthly(price: string, overrides: Partial<RecurringCharge> = {}): RecurringCharge {
  return { type: 'recurring', id: 'base', productCluster: 'plans', price: new D(price), period: 'month', timing: 'in-advance', ...overrides };
}

export const active = (from: string, to: string | null = null, quantity = '1'): Segment => ({ from, to, quantity: new D(quantity), paused: false });
export const paused = (from: string, to: string | null = null, quantity = '1'): Segment => ({ from, to, quantity: new D(quantity), paused: true });
export const trial = (from: string, to: string, quantity = '1'): Segment => ({ from, to, quantity: new D(quantity), paused: false, trial: true });

export function timeline(charge: ChargeTimeline['charge'], segments: Segment[], overrides: Partial<ChargeTimeline> = {}): ChargeTimeline {
  return { subscription: 'sub-1', charge, segments, ...overrides };
}

export const history = (billingDay: number, ...changes: [from: string, billingDay: number][]): BillingDayHistory => [
  { from: null, billingDay },
  ...changes.map(([from, day]) => ({ from, billingDay: day })),
];

/** What Kill Bill's ExpectedInvoiceItemCheck compares: start, end (exclusive), type, amount. */
export interface Item {
  start: string;
  end: string;
  kind: SubscriptionLine['kind'];
  amount: string;
}

export const items = (lines: readonly SubscriptionLine[], currency = 'USD'): Item[] =>
  lines.map((l) => ({ start: l.servicePeriod.start, end: l.servicePeriod.end, kind: l.kind, amount: toWireMoney(l.amount, currency) }));

export const item = (start: string, end: string, kind: Item['kind'], amount: string): Item => ({ start, end, kind, amount });

/**
 * A customer whose invoices are approved as soon as they are computed: each `invoice` call computes the
 * invoice of a period from the timelines known then and records its lines as billed.
 */
export class Customer {
  readonly billed: BilledLine[] = [];
  constructor(
    public billingDays: BillingDayHistory,
    readonly currency = 'USD',
  ) {}

  preview(period: BillingPeriod, charges: readonly ChargeTimeline[]): SubscriptionLine[] {
    return subscriptionLines({ period, currency: this.currency, billingDays: this.billingDays, charges, billed: this.billed });
  }

  invoice(period: BillingPeriod, charges: readonly ChargeTimeline[]): Item[] {
    const lines = this.preview(period, charges);
    this.billed.push(...lines);
    return items(lines, this.currency);
  }
}

export const period = (start: string, end: string): BillingPeriod => ({ start, end });

/** Monthly periods [day, day next month) from `start` for `count` months. */
export function months(start: string, count: number): BillingPeriod[] {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  return Array.from({ length: count }, (_, i) => ({
    start: new Date(Date.UTC(y, m - 1 + i, d)).toISOString().slice(0, 10),
    end: new Date(Date.UTC(y, m + i, d)).toISOString().slice(0, 10),
  }));
}
