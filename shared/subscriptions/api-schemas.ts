import { z } from 'zod';
import { calendarDate, decimal, identifier } from '../kernel/fields';
import { SUBSCRIPTION_STATUSES } from './domain/subscription';

/**
 * What the catalogue, offer and subscription operations take and answer on the wire, as zod schemas (for
 * the OpenAPI document). The bodies are checked by the domain (`parseOffer`, `subscriptionSchema`, …),
 * which names each bad field.
 */

const updatedAt = z.string().meta({ description: 'ISO 8601 date-time of the last change' });
const money = decimal.meta({ description: 'a decimal as a string' });
const percent = decimal.meta({ description: 'percent, 0–100' });

const cpq = {
  listPrice: money.optional().meta({ description: 'CPQ: the list price (defaults to price)' }),
  floorPrice: money.optional().meta({ description: 'CPQ: no quoted price under it (at most the list price)' }),
  maxDiscount: percent.optional().meta({ description: 'CPQ: no quoted discount over it' }),
  approvalAbove: percent.optional().meta({ description: 'CPQ: a quoted discount over it needs an admin’s approval' }),
};

const recurring = z
  .object({
    id: identifier,
    type: z.literal('recurring'),
    productCluster: identifier,
    price: money.optional().meta({ description: 'per unit of quantity and per period; or `prices`' }),
    prices: z
      .array(z.object({ validFrom: calendarDate, price: money }))
      .optional()
      .meta({ description: 'effective-dated prices instead of `price`, validFrom strictly increasing' }),
    period: z.enum(['month', 'quarter', 'year']),
    timing: z.enum(['in-advance', 'in-arrears']),
    ...cpq,
  })
  .meta({ id: 'RecurringCharge' });
const oneOff = z
  .object({ id: identifier, type: z.literal('one-off'), productCluster: identifier, price: money, ...cpq })
  .meta({ id: 'OneOffCharge' });
const usage = z
  .object({
    id: identifier,
    type: z.literal('usage'),
    productCluster: identifier,
    model: z.object({ type: z.string() }).loose().meta({ description: 'a price-rule charge model (see PUT /price-rules)' }),
    scope: z.enum(['purchase', 'period']).default('purchase'),
    ...cpq,
  })
  .meta({ id: 'UsageCharge', description: "prices the subscriber's purchases of the product cluster while subscribed" });
const minimum = z
  .object({ id: identifier, type: z.literal('minimum'), amount: money, ...cpq })
  .meta({ id: 'MinimumCharge', description: 'minimum spend per billing period, topped up by a line' });
const charge = z.discriminatedUnion('type', [recurring, oneOff, usage, minimum]);

const parameters = z
  .record(z.string(), z.string())
  .meta({ description: 'name → decimal or text; rating expressions read them as `subscription.<name>`' });

export const catalogue = z
  .object({ id: identifier, name: z.string(), description: z.string().nullable(), updatedAt })
  .meta({ id: 'Catalogue', description: 'a group of offers' });

const offerFields = {
  catalogue: identifier,
  name: z.string(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  trialDays: z.int().min(0).max(3650).default(0),
  parameters: parameters.optional(),
  charges: z.array(charge),
};
export const offerInput = z.object(offerFields).meta({ id: 'OfferInput' });
export const offer = z.object({ id: identifier, ...offerFields, updatedAt }).meta({ id: 'Offer', description: 'what a customer subscribes to' });

const policy = z.enum(['immediate', 'end-of-term']);

export const subscriptionInput = z
  .object({
    customer: identifier,
    offer: identifier,
    quantity: decimal.optional().meta({ description: 'greater than 0, default "1"' }),
    startDate: calendarDate,
    endDate: calendarDate.nullable().optional().meta({ description: 'exclusive' }),
    parameters: parameters.optional(),
  })
  .meta({ id: 'SubscriptionInput' });

const historyEntry = z
  .object({
    type: z.enum(['change', 'pause', 'resume', 'cancel']),
    effectiveDate: calendarDate,
    policy: policy.optional(),
    appliesFrom: calendarDate.optional().meta({ description: 'change and cancel: the day it takes effect (end-of-term: the end of the term)' }),
    offer: identifier.nullable().optional(),
    quantity: decimal.nullable().optional(),
    recordedAt: z.string(),
  })
  .meta({ id: 'SubscriptionHistoryEntry' });

export const subscription = z
  .object({
    id: identifier,
    customer: identifier,
    offer: identifier.meta({ description: 'the offer in force today' }),
    quantity: decimal.meta({ description: 'the quantity in force today' }),
    startDate: calendarDate,
    endDate: calendarDate.nullable(),
    status: z.enum(SUBSCRIPTION_STATUSES as [string, ...string[]]).meta({ description: 'as of today' }),
    chargedThrough: calendarDate.nullable().meta({ description: 'days before it are charged; null until billing charges it' }),
    parameters,
    prices: z
      .record(z.string(), decimal)
      .nullable()
      .meta({ description: 'negotiated unit prices, charge id → decimal (set by an accepted quote); null: the offer’s prices' }),
    history: z.array(historyEntry),
  })
  .meta({ id: 'Subscription' });

export const changeInput = z
  .object({ effectiveDate: calendarDate, offer: identifier.optional(), quantity: decimal.optional(), policy })
  .meta({ id: 'SubscriptionChange' });
export const effectiveInput = z.object({ effectiveDate: calendarDate }).meta({ id: 'EffectiveDate' });
export const cancelInput = z.object({ effectiveDate: calendarDate, policy }).meta({ id: 'SubscriptionCancel' });
