import {
  compileSubscriberRule,
  parseSubscriptionRuleId,
  subscriptionRuleId,
  type SubscriberRuleWire,
  type SubscriberTerms,
  type SubscriptionWindow,
} from '../../pricing/domain/subscribers';
import type { PriceRule } from '../../pricing/domain/rules';
import type { OfferRecord } from './offer';
import { timeline, type SubscriptionRecord } from './subscription';

/**
 * What rating reads of subscriptions (docs/product.md §6), built from the records: for every stretch of days
 * a subscription is in service (its timeline's segments that are not paused; trial days are in service:
 * the trial makes recurring fees free, not usage), the parameters of the offer in force overridden by the
 * subscription's own, and one price rule per usage charge of that offer:
 *
 * ```
 * { id: 'subscription#<subscription>#<offer>#<charge>', customer: <subscriber>, customerCluster: null,
 *   productCluster: <charge's>, currency: <offer's>, validFrom: <segment from>, validTo: <segment to | null>,
 *   priority: 0, condition: null, scope: <charge's>, groupBy: null, model: <charge's> }
 * ```
 *
 * Consecutive segments with the same offer (the end of a trial, a change of quantity) make one rule and one
 * window. A subscription whose offer (or an offer it changes to) is gone gives nothing for those days.
 */
export function subscriberTerms(subscriptions: readonly SubscriptionRecord[], offers: ReadonlyMap<string, OfferRecord>): SubscriberTerms {
  const rules: SubscriberRuleWire[] = [];
  const windows: SubscriptionWindow[] = [];
  for (const sub of subscriptions) {
    const trialDays = offers.get(sub.offer)?.trialDays ?? 0;
    const stretches: { from: string; to: string | null; offer: OfferRecord }[] = [];
    for (const segment of timeline(sub, trialDays).segments) {
      const offer = segment.paused ? undefined : offers.get(segment.offer);
      if (offer === undefined) continue;
      const last = stretches.at(-1);
      if (last && last.to === segment.from && last.offer.id === offer.id) last.to = segment.to;
      else stretches.push({ from: segment.from, to: segment.to, offer });
    }
    for (const { from, to, offer } of stretches) {
      windows.push({ subscription: sub.id, customer: sub.customer, from, to, parameters: { ...offer.parameters, ...sub.parameters } });
      for (const charge of offer.charges) {
        if (charge.type !== 'usage') continue;
        rules.push({
          id: subscriptionRuleId({ subscription: sub.id, offer: offer.id, charge: charge.id }),
          customer: sub.customer,
          productCluster: charge.productCluster,
          customerCluster: null,
          currency: offer.currency,
          validFrom: from,
          validTo: to,
          priority: 0,
          condition: null,
          scope: charge.scope,
          groupBy: null,
          model: charge.model,
        });
      }
    }
  }
  return { rules, windows };
}

/**
 * The price rules of a set of subscriptions, compiled (for billing: the model of a purchase whose `priceRule`
 * names a subscription's usage charge, e.g. to price a period sum). Rules of one id share one model; the map
 * keeps, per id, its first stretch.
 */
export function subscriptionPriceRules(
  subscriptions: readonly SubscriptionRecord[],
  offers: ReadonlyMap<string, OfferRecord>,
): Map<string, PriceRule> {
  const out = new Map<string, PriceRule>();
  for (const wire of subscriberTerms(subscriptions, offers).rules) if (!out.has(wire.id)) out.set(wire.id, compileSubscriberRule(wire));
  return out;
}

/**
 * The `subscription.<key>` names each usage-charge rule reads (for billing: the scope of a period sum priced
 * by such a rule). They depend on the subscription and the offer only, which the rule id names.
 */
export function subscriptionRuleScopes(
  subscriptions: readonly SubscriptionRecord[],
  offers: ReadonlyMap<string, OfferRecord>,
): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const terms = subscriberTerms(subscriptions, offers);
  for (const rule of terms.rules) {
    const ref = parseSubscriptionRuleId(rule.id);
    const offer = ref ? offers.get(ref.offer) : undefined;
    const sub = subscriptions.find((s) => s.id === ref?.subscription);
    if (!ref || !offer || !sub || out.has(rule.id)) continue;
    out.set(rule.id, Object.fromEntries(Object.entries({ ...offer.parameters, ...sub.parameters }).map(([k, v]) => [`subscription.${k}`, v])));
  }
  return out;
}
