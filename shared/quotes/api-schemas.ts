import { z } from 'zod';
import { calendarDate, decimal, identifier } from '../kernel/fields';
import { QUOTE_STATUSES } from './domain/quote';

/**
 * What the quote operations take and answer on the wire, as zod schemas (for the OpenAPI document). The
 * bodies are checked by the domain (`quoteSchema`, `acceptSchema`), which names each bad field.
 */

const money = decimal.meta({ description: 'a decimal as a string' });

export const quoteInput = z
  .object({
    customer: identifier,
    offer: identifier,
    validUntil: calendarDate.meta({ description: 'the last day the quote can be accepted' }),
    lines: z
      .array(
        z.object({
          charge: identifier.meta({ description: 'a recurring or one-off charge of the offer' }),
          quantity: decimal.meta({ description: 'greater than 0; every line of a quote has the same quantity (the subscription’s)' }),
          discount: decimal.optional().meta({ description: 'percent of the list price, 0–100 (or unitPrice, not both)' }),
          unitPrice: money.optional().meta({ description: 'a negotiated unit price (or discount, not both)' }),
        }),
      )
      .min(1)
      .max(100),
    notes: z.string().max(4000).nullable().optional(),
  })
  .meta({ id: 'QuoteInput' });

const line = z
  .object({
    charge: identifier,
    quantity: decimal,
    listPrice: money,
    discount: decimal.meta({ description: 'percent of the list price (implied by a negotiated unit price: 4 places)' }),
    unitPrice: money.meta({ description: 'exact: what the subscription bills per unit and period' }),
    amount: money.meta({ description: 'unitPrice × quantity, rounded half-up to the currency’s minor unit' }),
  })
  .meta({ id: 'QuoteLine' });

export const quote = z
  .object({
    id: identifier,
    version: z.int().min(1),
    status: z
      .enum(QUOTE_STATUSES as [string, ...string[]])
      .meta({ description: 'as of today (`expired` after validUntil unless accepted or declined)' }),
    customer: identifier,
    offer: identifier,
    validUntil: calendarDate,
    notes: z.string().nullable(),
    lines: z.array(line),
    total: money,
    currency: z.string().regex(/^[A-Z]{3}$/),
    subscription: identifier.nullable().meta({ description: 'the subscription an accepted quote became' }),
    createdAt: z.string().meta({ description: 'ISO 8601 date-time the version was made' }),
  })
  .meta({ id: 'Quote' });

export const acceptInput = z
  .object({
    startDate: calendarDate,
    subscription: identifier.optional().meta({ description: 'the id of the new subscription (default: the quote’s id)' }),
  })
  .meta({ id: 'QuoteAcceptance' });

export const binary = z.string().meta({ format: 'binary' });
