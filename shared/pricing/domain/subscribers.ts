import { RatingError } from './errors';
import { parsePriceRule, type PriceRule, type WirePriceRule } from './rules';

/**
 * What rating knows of subscriptions (docs/product.md §6: a usage charge is "more specific than any account
 * price rule, for that customer while subscribed"; offer parameters "become inputs of rating"). The
 * subscriptions context builds these from its subscriptions and offers (`subscriberTerms` in
 * shared/subscriptions/domain/rating.ts); pricing only reads them, so it never depends on subscriptions.
 *
 * - A usage charge of an offer becomes one price rule per stretch of days the subscription is in service
 *   with that offer (its timeline's non-paused segments, trial days included), bound to the subscriber:
 *   `customer` set, so it outranks every rule on clusters for the purchases that customer pays for.
 * - Each such stretch also carries the subscription's parameters (the offer's, overridden by the
 *   subscription's own), which expressions and conditions read as `subscription.<key>`.
 */

/**
 * Ids of the rules a subscription's usage charge makes: `subscription#<subscription>#<offer>#<charge>`. A
 * user's rule id can never take this form (identifiers refuse `#`), and neither can its parts, so the id reads
 * back unambiguously. The offer is part of it: after a change of offer the same charge id may price
 * otherwise, and one id always names one model.
 */
const PREFIX = 'subscription#';

export interface SubscriptionRuleRef {
  readonly subscription: string;
  readonly offer: string;
  readonly charge: string;
}

export function subscriptionRuleId(ref: SubscriptionRuleRef): string {
  return `${PREFIX}${ref.subscription}#${ref.offer}#${ref.charge}`;
}

/** The subscription, offer and charge a purchase's `priceRule` names, or null for an account's own rule. */
export function parseSubscriptionRuleId(id: string | null | undefined): SubscriptionRuleRef | null {
  if (typeof id !== 'string' || !id.startsWith(PREFIX)) return null;
  const parts = id.slice(PREFIX.length).split('#');
  if (parts.length !== 3 || parts.some((part) => part === '')) return null;
  const [subscription, offer, charge] = parts as [string, string, string];
  return { subscription, offer, charge };
}

/** A usage charge's rule as the subscriptions context hands it over: a stored rule's shape, bound to its subscriber. */
export interface SubscriberRuleWire extends WirePriceRule {
  readonly customer: string;
}

/** Days [from, to) (whole UTC days; `to` null: open-ended) a subscription is in service with these parameters. */
export interface SubscriptionWindow {
  readonly subscription: string;
  readonly customer: string;
  readonly from: string;
  readonly to: string | null;
  /** The offer's parameters overridden by the subscription's own (key → decimal or text). */
  readonly parameters: Readonly<Record<string, string>>;
}

export interface SubscriberTerms {
  readonly rules: readonly SubscriberRuleWire[];
  readonly windows: readonly SubscriptionWindow[];
}

export const NO_SUBSCRIBER_TERMS: SubscriberTerms = { rules: [], windows: [] };

/** Parses a subscriber rule like a stored rule and binds it to its customer. */
export function compileSubscriberRule(wire: SubscriberRuleWire): PriceRule {
  const { id, customer, ...definition } = wire;
  return { ...parsePriceRule(id, definition), customer };
}

/** Windows by customer, for the rating context. */
export function windowsByCustomer(windows: readonly SubscriptionWindow[]): Map<string, SubscriptionWindow[]> {
  const out = new Map<string, SubscriptionWindow[]>();
  for (const window of windows) {
    const list = out.get(window.customer);
    if (list) list.push(window);
    else out.set(window.customer, [window]);
  }
  return out;
}

const NAME_PREFIX = 'subscription.';

/**
 * The `subscription.<key>` names a customer's subscriptions give on `day`: every window covering the day
 * (of `only` that subscription, when given: a subscription's usage charge reads its own parameters). Keys two
 * subscriptions give different values for are left out of `values` and listed in `conflicts` with the
 * subscriptions giving them: a rule reading one of them cannot be priced (`checkSubscriptionNames`).
 */
export function subscriptionNames(
  windows: readonly SubscriptionWindow[],
  day: string,
  only?: string,
): { values: Record<string, string>; conflicts: Map<string, string[]> } {
  const values: Record<string, string> = {};
  const from = new Map<string, string>();
  const conflicts = new Map<string, string[]>();
  for (const window of windows) {
    if (only !== undefined && window.subscription !== only) continue;
    if (day < window.from || (window.to !== null && day >= window.to)) continue;
    for (const [key, value] of Object.entries(window.parameters)) {
      const name = `${NAME_PREFIX}${key}`;
      const known = conflicts.get(name);
      if (known) {
        if (!known.includes(window.subscription)) known.push(window.subscription);
      } else if (!Object.hasOwn(values, name)) {
        values[name] = value;
        from.set(name, window.subscription);
      } else if (values[name] !== value) {
        conflicts.set(name, [from.get(name)!, window.subscription]);
        delete values[name];
      }
    }
  }
  return { values, conflicts };
}

/** The names a rule reads: its condition's and (unless only the condition is asked about) an expression model's. */
function namesRead(rule: PriceRule, part: 'rule' | 'condition'): readonly string[] {
  const names = rule.condition?.identifiers ?? [];
  return part === 'rule' && rule.model.type === 'expression' ? [...names, ...rule.model.compiled.identifiers] : names;
}

/**
 * Throws RatingError when `rule` (or only its condition) reads a `subscription.<key>` that the customer's
 * subscriptions give different values for, naming them: picking either value could bill the wrong one.
 */
export function checkSubscriptionNames(
  rule: PriceRule,
  conflicts: ReadonlyMap<string, readonly string[]>,
  customer: string,
  part: 'rule' | 'condition' = 'rule',
): void {
  if (conflicts.size === 0) return;
  for (const name of namesRead(rule, part)) {
    const subscriptions = conflicts.get(name);
    if (subscriptions) {
      throw new RatingError(
        `${name} differs between the subscriptions ${subscriptions.map((s) => `'${s}'`).join(' and ')} of customer '${customer}' (rule '${rule.id}')`,
      );
    }
  }
}
