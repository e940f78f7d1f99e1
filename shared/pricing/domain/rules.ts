import { z } from 'zod';
import type { ClusterTree } from '../../catalog/domain/clusters';
import { currency, identifier, isoDate } from '../../kernel/fields';
import { describeIssues, strictErrors } from '../../kernel/validation';
import { chargeModelSchema, toWireModel } from './charge-models/schema';
import type { ChargeModel, WireChargeModel } from './charge-models/types';
import { utcInstant } from '../../kernel/dates';
import { AmbiguousPriceRulesError, AmbiguousRoutingError, ExpressionError, InvalidPriceRuleError, RoutingOverlapError } from './errors';
import { compileExpression } from './expression/compile';
import type { CompiledExpression, Scope, ScopeValue } from './expression/types';

/**
 * Price rules and routing rules (docs/product.md §3, §4; docs/api.md `PUT /price-rules/{id}`, `/routing-rules/{id}`):
 * which rule prices a purchase, which customer pays for it, and the checks made when a rule is saved.
 */

export interface ClusterTrees {
  readonly customers: ClusterTree;
  readonly products: ClusterTree;
}

// ------------------------------------------------------------------------------- price rule schema

export type RuleScope = 'purchase' | 'period';

export interface PriceRuleDefinition {
  readonly productCluster: string;
  /** null: every customer. */
  readonly customerCluster: string | null;
  readonly currency: string;
  readonly validFrom: string;
  /** Exclusive; null: open-ended. */
  readonly validTo: string | null;
  /** Lower wins among equally specific rules. */
  readonly priority: number;
  readonly condition: CompiledExpression | null;
  readonly scope: RuleScope;
  /** Metadata key grouping period sums (e.g. per MSISDN); period scope only. */
  readonly groupBy: string | null;
  readonly model: ChargeModel;
}

export interface PriceRule extends PriceRuleDefinition {
  readonly id: string;
  /**
   * Only the purchases this customer pays for (after routing). Never set on an account's own rules: only
   * the rules a subscription's usage charge makes (`subscriptionRuleId`, ./subscribers.ts) carry it, and a
   * rule bound to the paying customer is more specific than any rule on clusters.
   */
  readonly customer?: string | null;
}

const PRIORITY_MESSAGE = 'must be a whole number from -1000000 to 1000000';

const condition = z.unknown().transform((input, ctx): CompiledExpression | null => {
  if (input === undefined || input === null) return null;
  if (typeof input !== 'string') {
    ctx.issues.push({ code: 'custom', message: 'must be a string', input });
    return z.NEVER;
  }
  try {
    return compileExpression(input);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input });
    return z.NEVER;
  }
});

/** The body of `PUT /price-rules/{id}`; the id comes from the path. */
export const priceRuleDefinitionSchema = z
  .strictObject(
    {
      productCluster: identifier,
      customerCluster: identifier.nullish().transform((v) => v ?? null),
      currency,
      validFrom: isoDate,
      validTo: isoDate.nullish().transform((v) => v ?? null),
      priority: z
        .number({ error: PRIORITY_MESSAGE })
        .int(PRIORITY_MESSAGE)
        .min(-1_000_000, PRIORITY_MESSAGE)
        .max(1_000_000, PRIORITY_MESSAGE)
        .default(0),
      condition,
      scope: z.enum(['purchase', 'period'], { error: "must be 'purchase' or 'period'" }).default('purchase'),
      groupBy: z
        .string({ error: 'must be a metadata key' })
        .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a metadata key (letters, digits, _ . -)')
        .nullish()
        .transform((v) => v ?? null),
      model: chargeModelSchema,
    },
    strictErrors,
  )
  .transform((rule, ctx): PriceRuleDefinition => {
    if (rule.validTo !== null && utcInstant(rule.validTo) <= utcInstant(rule.validFrom)) {
      ctx.issues.push({ code: 'custom', message: `must be after validFrom (${rule.validFrom})`, path: ['validTo'], input: rule.validTo });
    }
    if (rule.groupBy !== null && rule.scope !== 'period') {
      ctx.issues.push({ code: 'custom', message: "only allowed with scope 'period'", path: ['groupBy'], input: rule.groupBy });
    }
    return rule;
  });

/** Parses a rule body; throws InvalidPriceRuleError whose `issues` read `"<field>: <message>"`. */
export function parsePriceRule(id: string, body: unknown): PriceRule {
  const result = priceRuleDefinitionSchema.safeParse(body);
  if (!result.success) throw new InvalidPriceRuleError(describeIssues(result.error.issues));
  return { id, ...result.data };
}

export interface WirePriceRule {
  id: string;
  productCluster: string;
  customerCluster: string | null;
  currency: string;
  validFrom: string;
  validTo: string | null;
  priority: number;
  condition: string | null;
  scope: RuleScope;
  groupBy: string | null;
  model: WireChargeModel;
}

export function toWirePriceRule(rule: PriceRule): WirePriceRule {
  return {
    id: rule.id,
    productCluster: rule.productCluster,
    customerCluster: rule.customerCluster,
    currency: rule.currency,
    validFrom: rule.validFrom,
    validTo: rule.validTo,
    priority: rule.priority,
    condition: rule.condition?.source ?? null,
    scope: rule.scope,
    groupBy: rule.groupBy,
    model: toWireModel(rule.model),
  };
}

// -------------------------------------------------------------------------------------- selection

export interface PriceSelectionContext {
  /** The purchase's product cluster (from its product label). */
  readonly productCluster: string;
  /** The cluster of the customer who pays, after routing. */
  readonly customerCluster: string;
  /** The paying customer's currency. */
  readonly currency: string;
  /** The paying customer's code: rules bound to a customer (subscriptions' usage charges) apply to it only. */
  readonly customer?: string;
  readonly purchaseDate: string;
  readonly trees: ClusterTrees;
  /** Names conditions may read (see `purchaseScope`). */
  readonly scope?: Scope;
}

const EMPTY_SCOPE: Scope = new Map();

interface Validity {
  readonly from: number;
  /** Infinity when open-ended. */
  readonly to: number;
}

/** Instants of each rule's window, parsed once per rule object rather than once per purchase. */
const validityCache = new WeakMap<PriceRuleDefinition, Validity>();

function validityOf(rule: PriceRuleDefinition): Validity {
  let validity = validityCache.get(rule);
  if (validity === undefined) {
    validity = { from: utcInstant(rule.validFrom, 'validFrom'), to: rule.validTo === null ? Infinity : utcInstant(rule.validTo, 'validTo') };
    validityCache.set(rule, validity);
  }
  return validity;
}

function inValidity(rule: PriceRuleDefinition, at: number): boolean {
  const { from, to } = validityOf(rule);
  return from <= at && at < to;
}

/** Why a rule does not apply to a purchase, in the order `selectPriceRule` checks (the condition last). */
export type Inapplicability =
  | 'other-currency'
  | 'other-customer'
  | 'other-product-cluster'
  | 'other-customer-cluster'
  | 'not-valid-on-date'
  | 'condition-false';

/**
 * The first reason the rule does not apply, or null when it applies. Rules on clusters that no longer
 * exist apply to nothing. `at` is the purchase date's instant (`utcInstant`).
 */
export function inapplicability(rule: PriceRule, ctx: PriceSelectionContext, at: number): Inapplicability | null {
  if (rule.currency !== ctx.currency) return 'other-currency';
  if (rule.customer != null && rule.customer !== ctx.customer) return 'other-customer';
  if (!ctx.trees.products.isAncestorOrSelf(rule.productCluster, ctx.productCluster)) return 'other-product-cluster';
  if (rule.customerCluster !== null && !ctx.trees.customers.isAncestorOrSelf(rule.customerCluster, ctx.customerCluster))
    return 'other-customer-cluster';
  if (!inValidity(rule, at)) return 'not-valid-on-date';
  if (rule.condition !== null && !rule.condition.evaluateBoolean(ctx.scope ?? EMPTY_SCOPE)) return 'condition-false';
  return null;
}

function applies(rule: PriceRule, ctx: PriceSelectionContext, at: number): boolean {
  return inapplicability(rule, ctx, at) === null;
}

export interface Specificity {
  /** 1 for a rule bound to the paying customer (a subscription's usage charge): it outranks every rule on clusters. */
  readonly subscriber: number;
  readonly product: number;
  /** -1 for a rule without customer cluster: less specific than any cluster, the root included. */
  readonly customer: number;
  readonly priority: number;
}

export function specificity(rule: PriceRule, trees: ClusterTrees): Specificity {
  return {
    subscriber: rule.customer == null ? 0 : 1,
    product: trees.products.depth(rule.productCluster),
    customer: rule.customerCluster === null ? -1 : trees.customers.depth(rule.customerCluster),
    priority: rule.priority,
  };
}

/** > 0 when `a` is more specific than `b`; 0 when they tie on all three. */
export function compareSpecificity(a: Specificity, b: Specificity): number {
  return a.subscriber - b.subscriber || a.product - b.product || a.customer - b.customer || b.priority - a.priority;
}

/**
 * The rule that prices a purchase, or null when none applies (`no-price-rule`). Applicable: product
 * cluster is ancestor-or-self of the purchase's, customer cluster (if any) ancestor-or-self of the
 * payer's, bound to the payer (if bound to a customer), same currency, purchaseDate in [validFrom, validTo),
 * condition true. Most specific wins: a rule bound to the payer (a subscription's usage charge) first,
 * then deepest product cluster, then deepest customer cluster, then lowest priority. A tie at the top throws
 * AmbiguousPriceRulesError naming both rules (ties below the winner do not matter).
 *
 * A condition that fails to evaluate propagates: silently skipping it could pick a cheaper rule.
 */
export function selectPriceRule(candidates: readonly PriceRule[], ctx: PriceSelectionContext): PriceRule | null {
  const at = utcInstant(ctx.purchaseDate, 'purchaseDate');
  let best: PriceRule | null = null;
  let bestRank: Specificity | null = null;
  let tiedWith: PriceRule | null = null;
  for (const rule of candidates) {
    if (!applies(rule, ctx, at)) continue;
    const rank = specificity(rule, ctx.trees);
    const order = bestRank === null ? 1 : compareSpecificity(rank, bestRank);
    if (order > 0) {
      best = rule;
      bestRank = rank;
      tiedWith = null;
    } else if (order === 0) {
      tiedWith = rule;
    }
  }
  if (best !== null && tiedWith !== null) throw new AmbiguousPriceRulesError([best.id, tiedWith.id]);
  return best;
}

// --------------------------------------------------------------------------------- save-time check

function windowsOverlap(a: PriceRuleDefinition, b: PriceRuleDefinition): boolean {
  const x = validityOf(a);
  const y = validityOf(b);
  return x.from < y.to && y.from < x.to;
}

/**
 * Two rules that could tie for some purchase: same product cluster, same customer cluster (or both
 * none), same priority, same currency, overlapping validity.
 *
 * Conditions are deliberately ignored: whether two conditions can both hold is undecidable in general,
 * so two conditional rules at the same level are refused and the author separates them by priority.
 * That is conservative: it may refuse rules that would never actually collide, but a saved rule set
 * never fails at rating time for a reason visible at save time. Rules on different clusters never tie:
 * two different clusters at the same depth are never both ancestors-or-self of one cluster.
 */
export function rulesCollide(a: PriceRule, b: PriceRule): boolean {
  return (
    a.productCluster === b.productCluster &&
    a.customerCluster === b.customerCluster &&
    a.priority === b.priority &&
    a.currency === b.currency &&
    windowsOverlap(a, b)
  );
}

/** The first colliding pair in a rule set, or null. */
export function findAmbiguity(rules: readonly PriceRule[]): readonly [string, string] | null {
  // Only rules sharing clusters, priority and currency can collide: compare within those groups.
  const groups = new Map<string, PriceRule[]>();
  for (const rule of rules) {
    const key = JSON.stringify([rule.productCluster, rule.customerCluster, rule.priority, rule.currency]);
    const group = groups.get(key);
    if (group) group.push(rule);
    else groups.set(key, [rule]);
  }
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        if (windowsOverlap(group[i]!, group[j]!)) return [group[i]!.id, group[j]!.id];
      }
    }
  }
  return null;
}

/**
 * Save-time check of one rule against the account's others (a rule with the same id is the one being
 * replaced and is skipped). Throws AmbiguousPriceRulesError naming the saved rule and the one it collides with.
 */
export function checkPriceRuleCollision(rule: PriceRule, existing: readonly PriceRule[]): void {
  const other = existing.find((candidate) => candidate.id !== rule.id && rulesCollide(rule, candidate));
  if (other) throw new AmbiguousPriceRulesError([rule.id, other.id]);
}

// ---------------------------------------------------------------------------------------- routing

export interface RoutingRuleDefinition {
  readonly customerCluster: string;
  readonly productCluster: string;
  /** Code of the customer who pays. */
  readonly targetCustomer: string;
}

export interface RoutingRule extends RoutingRuleDefinition {
  readonly id: string;
}

/** The body of `PUT /routing-rules/{id}`. */
export const routingRuleDefinitionSchema = z.strictObject(
  { customerCluster: identifier, productCluster: identifier, targetCustomer: identifier },
  strictErrors,
);

/**
 * The id of an existing routing rule the new one overlaps, or null. Two rules overlap when their
 * customer clusters are on one ancestor line and so are their product clusters: some purchase would
 * then match both (docs/product.md §4). The rule being replaced (same id) is skipped.
 */
export function routingOverlap(
  newRule: RoutingRule,
  existingRules: readonly RoutingRule[],
  customerTree: ClusterTree,
  productTree: ClusterTree,
): string | null {
  const other = existingRules.find(
    (rule) =>
      rule.id !== newRule.id &&
      customerTree.onSameLine(rule.customerCluster, newRule.customerCluster) &&
      productTree.onSameLine(rule.productCluster, newRule.productCluster),
  );
  return other?.id ?? null;
}

/** Save-time form of `routingOverlap`: throws RoutingOverlapError (409 `routing_overlap`). */
export function checkRoutingOverlap(
  newRule: RoutingRule,
  existingRules: readonly RoutingRule[],
  customerTree: ClusterTree,
  productTree: ClusterTree,
): void {
  const overlapping = routingOverlap(newRule, existingRules, customerTree, productTree);
  if (overlapping !== null) throw new RoutingOverlapError(newRule.id, overlapping);
}

/**
 * The routing rule deciding who pays for a purchase, or null (the customer pays itself). Decided from
 * the purchase's original customer only, so rules never chain.
 *
 * Saved rules never overlap, but moving a cluster later can make two rules match one purchase; the
 * most specific then wins (deepest customer cluster, then deepest product cluster), which is what the
 * overlap check would have let the author express. Only identical clusters (a race between two saves)
 * remain ambiguous and throw.
 */
export function routePurchase(
  rules: readonly RoutingRule[],
  customerClusterOfOriginalCustomer: string,
  productCluster: string,
  trees: ClusterTrees,
): RoutingRule | null {
  let best: RoutingRule | null = null;
  let tiedWith: RoutingRule | null = null;
  let bestRank: readonly [number, number] = [-1, -1];
  for (const rule of rules) {
    if (!trees.customers.isAncestorOrSelf(rule.customerCluster, customerClusterOfOriginalCustomer)) continue;
    if (!trees.products.isAncestorOrSelf(rule.productCluster, productCluster)) continue;
    const rank = [trees.customers.depth(rule.customerCluster), trees.products.depth(rule.productCluster)] as const;
    const order = rank[0] - bestRank[0] || rank[1] - bestRank[1];
    if (best === null || order > 0) {
      best = rule;
      bestRank = rank;
      tiedWith = null;
    } else if (order === 0) {
      tiedWith = rule;
    }
  }
  if (best !== null && tiedWith !== null) throw new AmbiguousRoutingError([best.id, tiedWith.id]);
  return best;
}

// ------------------------------------------------------------------------------------ purchase scope

export interface PurchaseFacts {
  readonly quantity: ScopeValue;
  readonly purchaseDate: string;
  readonly endDate?: string | null;
  readonly productLabel?: string;
  readonly customerCode?: string;
  readonly usedBy?: string;
  readonly metadata?: Readonly<Record<string, ScopeValue>>;
}

/**
 * The names conditions and expression models see for a purchase: `quantity`, `purchaseDate`,
 * `endDate`, `productLabel`, `customerCode`, `usedBy`, and each metadata key as `metadata.<key>` and
 * `meta.<key>` (the stream column name), so one condition reads the same in rules and stream stages.
 */
export function purchaseScope(purchase: PurchaseFacts): Map<string, ScopeValue> {
  const scope = new Map<string, ScopeValue>([
    ['quantity', purchase.quantity],
    ['purchaseDate', purchase.purchaseDate],
    ['endDate', purchase.endDate ?? null],
  ]);
  if (purchase.productLabel !== undefined) scope.set('productLabel', purchase.productLabel);
  if (purchase.customerCode !== undefined) scope.set('customerCode', purchase.customerCode);
  if (purchase.usedBy !== undefined) scope.set('usedBy', purchase.usedBy);
  for (const [key, value] of Object.entries(purchase.metadata ?? {})) {
    scope.set(`metadata.${key}`, value);
    scope.set(`meta.${key}`, value);
  }
  return scope;
}

/** What rating needs to know about a customer. */
export interface CustomerFacts {
  code: string;
  cluster: string;
  currency: string;
  onHold: boolean;
}
