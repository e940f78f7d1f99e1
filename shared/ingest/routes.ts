import { z } from 'zod';
import { decimal, identifier, isoDate } from '../kernel/fields';
import { pageOf, routeTable } from '../edge/routes';
import { MAX_PURCHASES_PER_REQUEST } from './domain/ingest';
import { PURCHASE_STATUSES, purchaseSchema } from './domain/purchase';
import { PURCHASE_REASONS, WAITING_STATUSES } from './domain/counts';

/** Ingest operations: accept a batch of purchases (202, asynchronous mapping), read one, list them. */

/**
 * What `POST /purchases` checks of the request as a whole; each purchase is then checked on its own
 * (`purchaseSchema`), and one that fails is rejected in the reply without refusing the others.
 */
export const purchaseBatch = z.object(
  {
    purchases: z
      .array(z.unknown(), { error: (i) => (i.input === undefined ? 'required' : 'must be an array of purchases') })
      .min(1, 'must hold at least one purchase')
      .max(MAX_PURCHASES_PER_REQUEST, `at most ${MAX_PURCHASES_PER_REQUEST} purchases per request`),
  },
  { error: 'body must be a JSON object {"purchases":[...]}' },
);

const purchaseInput = purchaseSchema.meta({ id: 'PurchaseInput' });

const MAPPING_REASONS = PURCHASE_REASONS;
const nullableId = identifier.nullable();

const purchase = z
  .object({
    reference: identifier,
    productLabel: identifier,
    customerCode: identifier.meta({ description: 'the customer code as submitted' }),
    quantity: decimal,
    purchaseDate: isoDate,
    endDate: isoDate.nullable(),
    metadata: z.record(z.string(), z.union([z.string(), z.boolean()])),
    status: z.enum(PURCHASE_STATUSES).meta({ description: '`received` while still in flight' }),
    reason: z.enum(MAPPING_REASONS).nullable(),
    customer: nullableId,
    billedTo: nullableId,
    routingRule: nullableId,
    productCluster: nullableId,
    priceRule: nullableId,
    amount: decimal.nullable(),
    currency: z.string().nullable(),
    invoice: nullableId,
    pricing: z.enum(['purchase', 'period']).meta({ description: 'present once priced' }),
    ratingError: z.string().meta({ description: 'present when a rule applies but cannot price the purchase' }),
  })
  .partial()
  .meta({ id: 'Purchase', description: 'a purchase with its mapping, routing and rating decisions' });

const ingestResult = z
  .object({
    accepted: z.array(z.string()).meta({ description: 'references accepted now' }),
    duplicates: z.array(z.string()).meta({ description: 'references already accepted with the same content' }),
    rejected: z.array(
      z
        .object({
          index: z.int(),
          reference: z.string().nullable(),
          code: z.enum(['invalid', 'duplicate_conflict', 'not_processed']),
          errors: z.array(z.string()),
        })
        .partial(),
    ),
  })
  .partial()
  .meta({ id: 'IngestResult' });

const count = z.int().min(0);
const purchaseCounts = z
  .object({
    byStatus: z.object(Object.fromEntries(WAITING_STATUSES.map((s) => [s, count]))),
    byReason: z.object(Object.fromEntries(PURCHASE_REASONS.map((r) => [r, count]))),
    total: count.meta({ description: 'purchases waiting, in all' }),
  })
  .meta({ id: 'PurchaseCounts', description: 'exact counts of the purchases that wait (`unmapped` and `not-invoiced`), by status and reason' });

/** `from` inclusive, `to` exclusive on purchaseDate, as in the list. */
export const purchaseRange = z.object({ from: isoDate.optional(), to: isoDate.optional() });

export const ingestRoutes = routeTable({
  submitPurchases: {
    method: 'POST',
    path: '/v1/accounts/{a}/purchases',
    summary: `Submit 1 to ${MAX_PURCHASES_PER_REQUEST} purchases`,
    description: 'Each purchase is checked on its own; mapping and rating are asynchronous.',
    auth: 'account-write',
    body: z.object({ purchases: z.array(purchaseInput).min(1).max(MAX_PURCHASES_PER_REQUEST) }),
    responses: {
      202: { description: 'accepted, duplicate and rejected purchases', schema: ingestResult },
      413: { description: 'the body is larger than 6 MB' },
    },
  },
  getPurchase: {
    method: 'GET',
    path: '/v1/accounts/{a}/purchases/{reference}',
    summary: 'Read a purchase with its mapping decision',
    auth: 'account-read',
    responses: { 200: { description: 'the purchase', schema: purchase } },
  },
  listPurchases: {
    method: 'GET',
    path: '/v1/accounts/{a}/purchases',
    summary: 'List purchases, in purchase-month then arrival order',
    description: '`customer` is the original customer code; `from` inclusive, `to` exclusive on purchaseDate.',
    auth: 'account-read',
    page: true,
    query: z.object({
      status: z.enum(PURCHASE_STATUSES, { error: `must be one of ${PURCHASE_STATUSES.join(', ')}` }).optional(),
      customer: identifier.optional(),
      from: isoDate.optional(),
      to: isoDate.optional(),
    }),
    responses: { 200: { description: 'a page of purchases', schema: pageOf(purchase) } },
  },
  countPurchases: {
    method: 'GET',
    path: '/v1/accounts/{a}/purchase-counts',
    summary: 'Count the purchases that wait, by status and reason',
    description:
      'Exact at any volume: one pass over the sparse indexes of waiting purchases (unmapped and not-invoiced), reading status, reason and date only. Rated, invoiced and completed purchases are not counted. `from` inclusive, `to` exclusive on purchaseDate.',
    auth: 'account-read',
    query: purchaseRange,
    responses: { 200: { description: 'the counts', schema: purchaseCounts } },
  },
});
