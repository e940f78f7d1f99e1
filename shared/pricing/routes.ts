import { z } from 'zod';
import { calendarDate, decimal, identifier, isoDate } from '../kernel/fields';
import { pageOf, routeTable } from '../edge/routes';
import { routingRuleDefinitionSchema } from './domain/rules';

/** Pricing operations: price rules, routing rules and the usage preview of a customer. */

const CHARGE_MODELS = ['standard', 'graduated', 'volume', 'package', 'percentage', 'graduated_percentage', 'expression'] as const;

/** A price rule as it is sent and stored (the body is checked by `parsePriceRuleDefinition`, decimals as strings). */
const priceRuleFields = {
  productCluster: identifier,
  customerCluster: identifier.nullable().optional().meta({ description: 'null or absent: every customer' }),
  currency: z.string().regex(/^[A-Z]{3}$/),
  validFrom: isoDate,
  validTo: isoDate.nullable().optional().meta({ description: 'exclusive; null or absent: open-ended' }),
  priority: z.int().min(-1_000_000).max(1_000_000).default(0).meta({ description: 'lower wins among equally specific rules' }),
  condition: z.string().nullable().optional().meta({ description: 'expression over quantity, dates, metadata.<key>' }),
  scope: z.enum(['purchase', 'period']).default('purchase').meta({
    description: 'period: priced on the summed quantity of the billing period; such purchases show `pricing: "period"` and no amount of their own',
  }),
  groupBy: z.string().nullable().optional().meta({ description: 'metadata key (period scope)' }),
  model: z
    .object({ type: z.enum(CHARGE_MODELS) })
    .loose()
    .meta({ description: 'the charge model and its parameters; decimals as strings' }),
};
const priceRuleInput = z.object(priceRuleFields).meta({ id: 'PriceRuleInput' });
const priceRule = z.object({ id: identifier, ...priceRuleFields }).meta({ id: 'PriceRule' });

const routingRuleInput = routingRuleDefinitionSchema.meta({ id: 'RoutingRuleInput' });
const routingRule = z
  .object({ id: identifier, ...routingRuleDefinitionSchema.shape, targetCustomer: identifier.meta({ description: 'the customer who pays' }) })
  .meta({ id: 'RoutingRule' });

const usageLine = z
  .object({
    description: z.string(),
    productCluster: z.string(),
    quantity: decimal,
    unitPrice: decimal,
    amount: decimal,
    group: z.string().nullable(),
  })
  .partial();
const usage = z
  .object({
    customer: z.string(),
    periodStart: calendarDate,
    periodEnd: calendarDate,
    currency: z.string(),
    purchases: z.int(),
    lines: z.array(usageLine),
    subtotal: decimal,
    notBillable: z.record(z.string(), z.int()).meta({ description: 'purchases not billable yet, by reason' }),
  })
  .partial()
  .meta({ id: 'Usage' });

const CANDIDATE_OUTCOMES = [
  'wins',
  'ambiguous',
  'blocked',
  'lower-priority',
  'less-specific',
  'condition-false',
  'condition-error',
  'not-valid-on-date',
  'other-customer-cluster',
  'other-product-cluster',
  'other-currency',
  'other-customer',
] as const;
const PREVIEW_REASONS = ['unknown-customer', 'unknown-product', 'future-date', 'no-price-rule', 'on-hold'] as const;

const pricePreviewInput = z
  .object({
    productLabel: identifier,
    customerCode: identifier,
    quantity: decimal,
    purchaseDate: isoDate,
    endDate: isoDate.nullable().optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .meta({
    id: 'PricePreviewInput',
    description: 'a purchase as `POST /purchases` takes it (checked by the same schema), without `reference`: nothing is stored',
  });

const pricePreview = z
  .object({
    customer: identifier.nullable().meta({ description: 'the customer after mapping' }),
    billedTo: identifier.nullable().meta({ description: 'the customer who pays, after routing' }),
    routingRule: identifier.nullable(),
    productCluster: identifier.nullable(),
    priceRule: identifier.nullable().meta({ description: 'the rule the pipeline would price it with now' }),
    amount: decimal.nullable().meta({ description: 'full precision; null when not priced or priced per period' }),
    currency: z.string().nullable(),
    pricing: z.enum(['purchase', 'period']).nullable(),
    status: z.enum(['unmapped', 'not-invoiced', 'rated']),
    reason: z.enum(PREVIEW_REASONS).nullable(),
    ratingError: z.string().nullable().meta({ description: 'why a rule that applies could not price it' }),
    candidates: z
      .array(
        z.object({
          priceRule: identifier,
          outcome: z.enum(CANDIDATE_OUTCOMES),
          why: z.string(),
        }),
      )
      .meta({
        description: 'every price rule judged for the paying customer: the winner first, then the rules that applied and lost, then the others',
      }),
  })
  .meta({ id: 'PricePreview' });

const saved = (schema: z.ZodType, what: string) => ({
  200: { description: `the ${what}, replaced`, schema },
  201: { description: `the ${what}, created`, schema },
});

export const pricingRoutes = routeTable({
  putPriceRule: {
    method: 'PUT',
    path: '/v1/accounts/{a}/price-rules/{id}',
    summary: 'Create or replace a price rule',
    description: 'A rule exactly as specific as another one of the same priority is refused (409 `ambiguous_price_rules`).',
    auth: 'account-write',
    body: priceRuleInput,
    responses: { ...saved(priceRule, 'price rule'), 409: { description: 'another rule is equally specific' } },
  },
  getPriceRule: {
    method: 'GET',
    path: '/v1/accounts/{a}/price-rules/{id}',
    summary: 'Read a price rule',
    auth: 'account-read',
    responses: { 200: { description: 'the price rule', schema: priceRule } },
  },
  listPriceRules: {
    method: 'GET',
    path: '/v1/accounts/{a}/price-rules',
    summary: 'List price rules',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of price rules', schema: pageOf(priceRule) } },
  },
  putRoutingRule: {
    method: 'PUT',
    path: '/v1/accounts/{a}/routing-rules/{id}',
    summary: 'Create or replace a routing rule',
    description: 'A rule that overlaps another one is refused (409 `routing_overlap`, naming the rule it overlaps).',
    auth: 'account-write',
    body: routingRuleInput,
    responses: { ...saved(routingRule, 'routing rule'), 409: { description: 'the rule overlaps another one' } },
  },
  getRoutingRule: {
    method: 'GET',
    path: '/v1/accounts/{a}/routing-rules/{id}',
    summary: 'Read a routing rule',
    auth: 'account-read',
    responses: { 200: { description: 'the routing rule', schema: routingRule } },
  },
  listRoutingRules: {
    method: 'GET',
    path: '/v1/accounts/{a}/routing-rules',
    summary: 'List routing rules',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of routing rules', schema: pageOf(routingRule) } },
  },
  previewPrice: {
    method: 'POST',
    path: '/v1/accounts/{a}/price-preview',
    summary: 'Price one purchase without storing it: which rule wins and why',
    description:
      'Maps, routes and prices the purchase exactly as the pipeline would now, and judges every price rule for the paying customer. Writes nothing, so a viewer key may call it, and it is not in the audit log.',
    auth: 'account-read',
    readOnly: true,
    body: pricePreviewInput,
    responses: { 200: { description: 'the decision and every candidate rule', schema: pricePreview } },
  },
  getUsage: {
    method: 'GET',
    path: '/v1/accounts/{a}/customers/{code}/usage',
    summary: 'Current charges of a customer for a period',
    description: 'As its invoice would show them now: the purchases billed to it, period rules on the summed quantities.',
    auth: 'account-read',
    query: z.object({ periodStart: calendarDate, periodEnd: calendarDate.meta({ description: 'exclusive' }) }),
    responses: { 200: { description: 'the charges so far', schema: usage } },
  },
});
