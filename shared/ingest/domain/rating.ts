import type Decimal from 'decimal.js';
import type { ClusterTree } from '../../catalog/domain/clusters';
import { dateKey, instant } from '../../kernel/fields';
import { D, toWire } from '../../kernel/money';
import { cannotPrice } from '../../pricing/domain/errors';
import { rate } from '../../pricing/domain/charge-models';
import { purchaseScope, routePurchase, selectPriceRule, type CustomerFacts, type PriceRule, type RoutingRule } from '../../pricing/domain/rules';
import { checkSubscriptionNames, parseSubscriptionRuleId, subscriptionNames, type SubscriptionWindow } from '../../pricing/domain/subscribers';
import type { MappingDecision, PurchaseInput, PurchaseReason, PurchaseStatus } from './purchase';

/**
 * Everything an account's purchases are mapped, routed and priced against, loaded once per chunk
 * (or per re-evaluation page) so every purchase of it is decided against the same catalogue.
 */
export interface RatingContext {
  customers: ReadonlyMap<string, CustomerFacts>;
  aliases: ReadonlyMap<string, string>;
  customerTree: ClusterTree;
  productTree: ClusterTree;
  routingRules: readonly RoutingRule[];
  /** The account's rules and the rules its subscribers' usage charges make (bound to their customer). */
  priceRules: readonly PriceRule[];
  /** Days each paying customer is subscribed, with the parameters expressions read as `subscription.<key>`. */
  subscriptions?: ReadonlyMap<string, readonly SubscriptionWindow[]>;
  /** Purchases dated after this instant are `future-date`. */
  now: Date;
}

/** The pipeline's full decision about a purchase: mapping, routing and pricing. */
export interface RatingDecision extends MappingDecision {
  routingRule: string | null;
  priceRule: string | null;
  /** Full precision; null when not priced or priced per period at the cycle. */
  amount: string | null;
  currency: string | null;
  /** `purchase` when `amount` is the purchase's own price, `period` when its rule prices period sums. */
  pricing: 'purchase' | 'period' | null;
  /** Why a rule that applies could not price the purchase (bad metadata, ambiguous rules …). */
  ratingError: string | null;
}

const none = { routingRule: null, priceRule: null, amount: null, currency: null, pricing: null, ratingError: null } as const;

/**
 * Maps, routes and rates one purchase (docs/product.md §2–4):
 * unknown customer / product → `unmapped`; routing decided from the original customer only; the payer's
 * cluster and currency select the most specific price rule; a purchase dated in the future waits
 * (`future-date`); a held payer's purchases are priced but `not-invoiced` / `on-hold`.
 */
export function ratePurchase(p: PurchaseInput, ctx: RatingContext): RatingDecision {
  const customer = ctx.customers.get(p.customerCode) ?? null;
  const productCluster = ctx.aliases.get(p.productLabel) ?? null;
  if (!customer) return { ...none, ...unmapped('unknown-customer', null, productCluster) };
  if (!productCluster || !ctx.productTree.has(productCluster)) return { ...none, ...unmapped('unknown-product', customer.code, null) };

  let route: RoutingRule | null = null;
  let payer = customer;
  try {
    route = ctx.customerTree.has(customer.cluster) ? routePurchase(ctx.routingRules, customer.cluster, productCluster, trees(ctx)) : null;
  } catch (error) {
    return { ...none, ...decided('not-invoiced', 'no-price-rule', customer.code, customer.code, productCluster), ratingError: message(error) };
  }
  if (route) {
    const target = ctx.customers.get(route.targetCustomer);
    if (!target) {
      return {
        ...none,
        ...decided('not-invoiced', 'no-price-rule', customer.code, route.targetCustomer, productCluster),
        routingRule: route.id,
        ratingError: `routing target '${route.targetCustomer}' is not a customer`,
      };
    }
    payer = target;
  }
  const base = { ...none, routingRule: route?.id ?? null, customer: customer.code, billedTo: payer.code, productCluster };

  if (instant(p.purchaseDate) > ctx.now.getTime()) return { ...base, status: 'not-invoiced', reason: 'future-date' };

  let rule: PriceRule | null;
  let amount: Decimal | null = null;
  try {
    const { windows, day, names, scope } = conditionScope(p, ctx, customer.code, payer);
    if (names.conflicts.size) checkConditions(ctx, productCluster, payer, names.conflicts);
    rule = ctx.customerTree.has(payer.cluster)
      ? selectPriceRule(ctx.priceRules, {
          productCluster,
          customerCluster: payer.cluster,
          currency: payer.currency,
          customer: payer.code,
          purchaseDate: p.purchaseDate,
          trees: trees(ctx),
          scope,
        })
      : null;
    if (rule && rule.scope === 'purchase') {
      // A subscription's usage charge reads its own subscription's parameters; an account rule those of every subscription in service.
      const own = rule.customer != null ? parseSubscriptionRuleId(rule.id) : null;
      const model = own ? subscriptionNames(windows, day, own.subscription) : names;
      checkSubscriptionNames(rule, model.conflicts, payer.code);
      amount = rate(rule.model, { quantity: new D(p.quantity), metadata: p.metadata, scope: { ...scopeOf(p), ...model.values } });
    }
  } catch (error) {
    if (!cannotPrice(error)) throw error;
    return { ...base, status: 'not-invoiced', reason: 'no-price-rule', ratingError: message(error) };
  }
  // A held payer's purchases wait for the hold whatever their price; without a rule they are still shown as held.
  if (!rule)
    return payer.onHold ? { ...base, status: 'not-invoiced', reason: 'on-hold' } : { ...base, status: 'not-invoiced', reason: 'no-price-rule' };

  const priced = {
    ...base,
    priceRule: rule.id,
    amount: amount === null ? null : toWire(amount),
    currency: payer.currency,
    pricing: rule.scope,
  };
  return payer.onHold ? { ...priced, status: 'not-invoiced', reason: 'on-hold' } : { ...priced, status: 'rated', reason: null };
}

/**
 * What price conditions see for a purchase once routed: its facts with the payer as `customerCode` and the
 * original customer as `usedBy`, and the payer's subscriptions on the purchase's day as `subscription.<key>`.
 */
export function conditionScope(p: PurchaseInput, ctx: Pick<RatingContext, 'subscriptions'>, usedBy: string, payer: CustomerFacts) {
  const windows = ctx.subscriptions?.get(payer.code) ?? NO_WINDOWS;
  const day = windows.length ? dateKey(p.purchaseDate) : '';
  const names = windows.length ? subscriptionNames(windows, day) : NO_NAMES;
  const scope = purchaseScope({ ...p, usedBy, customerCode: payer.code });
  for (const [name, value] of Object.entries(names.values)) scope.set(name, value);
  return { windows, day, names, scope };
}

const NO_WINDOWS: readonly SubscriptionWindow[] = [];
const NO_NAMES: { values: Record<string, string>; conflicts: Map<string, string[]> } = { values: {}, conflicts: new Map() };

/**
 * A condition reading a `subscription.<key>` the payer's subscriptions disagree on cannot be evaluated: checked
 * on every rule that could otherwise price the purchase, before any condition runs.
 */
function checkConditions(ctx: RatingContext, productCluster: string, payer: CustomerFacts, conflicts: ReadonlyMap<string, readonly string[]>): void {
  for (const rule of ctx.priceRules) {
    if (rule.condition === null || rule.currency !== payer.currency || !ctx.productTree.isAncestorOrSelf(rule.productCluster, productCluster))
      continue;
    checkSubscriptionNames(rule, conflicts, payer.code, 'condition');
  }
}

function unmapped(reason: PurchaseReason, customer: string | null, productCluster: string | null): MappingDecision {
  return { status: 'unmapped', reason, customer, billedTo: customer, productCluster };
}

function decided(status: PurchaseStatus, reason: PurchaseReason | null, customer: string, billedTo: string, productCluster: string): MappingDecision {
  return { status, reason, customer, billedTo, productCluster };
}

function trees(ctx: RatingContext) {
  return { customers: ctx.customerTree, products: ctx.productTree };
}

function scopeOf(p: PurchaseInput): Record<string, string | null> {
  return { purchaseDate: p.purchaseDate, endDate: p.endDate, productLabel: p.productLabel, customerCode: p.customerCode };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True when two decisions would leave the stored purchase the same. */
export function sameRating(a: RatingDecision, b: RatingDecision): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.customer === b.customer &&
    a.billedTo === b.billedTo &&
    a.productCluster === b.productCluster &&
    a.routingRule === b.routingRule &&
    a.priceRule === b.priceRule &&
    a.amount === b.amount &&
    a.currency === b.currency &&
    a.pricing === b.pricing &&
    a.ratingError === b.ratingError
  );
}
