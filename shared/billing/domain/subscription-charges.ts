import { ValidationError } from '../../kernel/errors';
import { D } from '../../kernel/money';
import type { Charge, OfferDefinition } from '../../subscriptions/domain/offer';
import { offersOf, timeline, type SubscriptionRecord } from '../../subscriptions/domain/subscription';

export { offersOf };
import type { ChargeTimeline, Segment, SubscriptionCharge } from './recurring-model';

/**
 * From a subscription and its offers to what `subscriptionLines` prices: one `ChargeTimeline` per offer
 * and charge, holding the days of the subscription's timeline on which that offer was in force.
 *
 * - The trial is the one of the offer the subscription started with (its `trialDays`).
 * - A change of offer splits the timeline: the old offer's charges keep their segments before the change,
 *   the new offer's start with it. Timelines of the same charge id are one history for recurring.ts, so
 *   a `base` fee of both offers is prorated and corrected as one charge.
 * - A negotiated unit price (a quote's, `prices[chargeId]`) replaces the offer's price or prices of that
 *   charge for this subscription.
 * - Usage charges are priced at rating (as the subscriber's most specific price rule); the minimum is given
 *   the subscription's usage of the period by the caller.
 */

/** What billing reads of a subscription; `prices` are negotiated unit prices by charge id (quotes). */
export type BilledSubscription = Pick<
  SubscriptionRecord,
  'id' | 'customer' | 'offer' | 'quantity' | 'startDate' | 'endDate' | 'history' | 'chargedThrough'
> & {
  readonly prices?: Readonly<Record<string, string>> | null;
};

export type OfferOfRecord = Pick<OfferDefinition, 'name' | 'currency' | 'trialDays' | 'charges'>;

/**
 * The subscription's charge timelines in `currency` (an offer of another currency bills on that currency's
 * invoice). Throws when an offer of the subscription is missing: billing it without would under-charge.
 */
export function chargeTimelines(sub: BilledSubscription, offers: ReadonlyMap<string, OfferOfRecord>, currency: string): ChargeTimeline[] {
  const first = offers.get(sub.offer);
  const missing = offersOf(sub).filter((id) => !offers.has(id));
  if (!first || missing.length) {
    throw new ValidationError('invalid subscription charges', [`subscription ${sub.id}: offer(s) ${missing.join(', ')} not found`]);
  }
  const segments = timeline(sub, first.trialDays).segments;
  const out: ChargeTimeline[] = [];
  for (const offerId of offersOf(sub)) {
    const offer = offers.get(offerId)!;
    if (offer.currency !== currency) continue;
    const own: Segment[] = segments
      .filter((s) => s.offer === offerId)
      .map((s) => ({ from: s.from, to: s.to, quantity: s.quantity, paused: s.paused, trial: s.trial }));
    if (!own.length) continue;
    for (const charge of offer.charges) {
      const billed = toBilledCharge(charge, sub.prices?.[charge.id]);
      if (billed) out.push({ subscription: sub.id, label: offer.name, charge: billed, segments: own });
    }
  }
  return out;
}

/** The currencies a subscription bills in (its offers'). */
export function currenciesOf(sub: Pick<SubscriptionRecord, 'offer' | 'history'>, offers: ReadonlyMap<string, OfferOfRecord>): string[] {
  return [...new Set(offersOf(sub).flatMap((id) => (offers.has(id) ? [offers.get(id)!.currency] : [])))];
}

function toBilledCharge(charge: Charge, negotiated: string | undefined): SubscriptionCharge | null {
  switch (charge.type) {
    case 'recurring': {
      const priced =
        negotiated !== undefined
          ? { price: new D(negotiated) }
          : charge.price !== null
            ? { price: new D(charge.price) }
            : { prices: (charge.prices ?? []).map((p) => ({ validFrom: p.validFrom, price: new D(p.price) })) };
      return { type: 'recurring', id: charge.id, productCluster: charge.productCluster, period: charge.period, timing: charge.timing, ...priced };
    }
    case 'one-off':
      return { type: 'one-off', id: charge.id, productCluster: charge.productCluster, price: new D(negotiated ?? charge.price) };
    case 'minimum':
      return { type: 'minimum', id: charge.id, productCluster: '', amount: new D(negotiated ?? charge.amount) };
    case 'usage':
      return null;
  }
}
