import type Decimal from 'decimal.js';
import { toWire } from '../../kernel/money';
import { daysBetween } from '../../kernel/proration';
import type { BillingPeriod } from '../../kernel/periods';
import { subscriptionStatus, timeline } from '../../subscriptions/domain/subscription';
import type { OfferRecord } from '../../subscriptions/ports';
import { allSubscriptions } from './cycle/subscriptions';
import type { Invoice } from '../domain/invoice';
import type { InvoiceLine } from '../domain/lines';
import { offersOf } from '../domain/subscription-charges';
import type { CycleSubscriptions } from '../ports';

/**
 * The subscriptions part of a customer's troubleshooting bundle: each subscription with its timeline (the
 * segments billing prices), and each subscription line of the period's invoices with how its amount
 * came about (docs/api.md "Catalogue, offers, subscriptions").
 */

export interface LineExplanation {
  invoice: string;
  kind: string;
  subscription: string;
  charge: string;
  servicePeriod: { start: string; end: string };
  chargePeriod: { start: string; end: string } | null;
  quantity: string;
  unitPrice: string;
  amount: string;
  why: string;
}

/** How a subscription line's amount is computed, in words and figures. */
export function explainLine(line: InvoiceLine): string {
  const unit = toWire(line.unitPrice);
  const quantity = toWire(line.quantity);
  const amount = toWire(line.amount);
  switch (line.kind) {
    case 'recurring':
    case 'credit': {
      const cp = line.chargePeriod!;
      const days = daysBetween(line.servicePeriod!.start, line.servicePeriod!.end);
      const base = daysBetween(cp.start, cp.end);
      const exact = line.unitPrice.times(line.quantity).times(days).div(base);
      const formula = `${unit} × ${quantity} × ${days} day(s) ÷ ${base} day(s) of the charge period ${cp.start} to ${cp.end} (end exclusive) = ${exact.toSignificantDigits(12).toFixed()}, rounded half-up once to ${amount}`;
      return line.kind === 'credit'
        ? `credit of days already billed on another invoice, at the terms they were billed at: ${formula}`
        : `recurring fee: ${formula}`;
    }
    case 'one-off':
      return `one-off fee on the invoice that carries the subscription's first charges: ${unit} × ${quantity} = ${amount}`;
    case 'minimum':
      return `minimum spend: tops the subscription's usage and recurring fees for ${line.servicePeriod!.start} to ${line.servicePeriod!.end} up to its minimum by ${amount}`;
    case 'usage':
      return `usage priced by the subscription's usage charge (price rule ${line.priceRule}): ${quantity} at ${unit} = ${amount}`;
    default:
      return '';
  }
}

export async function subscriptionsSection(
  store: CycleSubscriptions,
  accountId: string,
  customer: string,
  period: BillingPeriod,
  invoices: readonly Invoice[],
  today: string,
) {
  const subs = await allSubscriptions(store, accountId, { customer });
  const offers: Map<string, OfferRecord> = subs.length ? await store.getOffers(accountId, [...new Set(subs.flatMap(offersOf))]) : new Map();
  const lines: LineExplanation[] = [];
  for (const invoice of invoices) {
    for (const line of invoice.lines) {
      if (!line.kind || !line.subscription || !line.charge || !line.servicePeriod) continue;
      lines.push({
        invoice: invoice.id,
        kind: line.kind,
        subscription: line.subscription,
        charge: line.charge,
        servicePeriod: line.servicePeriod,
        chargePeriod: line.chargePeriod ?? null,
        quantity: toWire(line.quantity),
        unitPrice: toWire(line.unitPrice),
        amount: toWire(line.amount),
        why: explainLine(line),
      });
    }
  }
  return {
    billingPeriod: period,
    subscriptions: subs.map((sub) => {
      const trialDays = offers.get(sub.offer)?.trialDays ?? 0;
      const segments = timeline(sub, trialDays).segments.map((s) => ({ ...s, quantity: toWire(s.quantity as Decimal) }));
      return {
        id: sub.id,
        offers: offersOf(sub),
        status: subscriptionStatus(sub, trialDays, today),
        chargedThrough: sub.chargedThrough,
        timeline: segments,
        missingOffers: offersOf(sub).filter((id) => !offers.has(id)),
      };
    }),
    subscriptionLines: lines,
  };
}
