import type Decimal from 'decimal.js';
import { z } from 'zod';
import { calendarDate, currency, decimal, identifier, name } from '../../kernel/fields';
import { ValidationError } from '../../kernel/errors';
import { D, toWire } from '../../kernel/money';
import { describeIssues, strictErrors } from '../../kernel/validation';
import { chargeModelSchema, toWireModel } from '../../pricing/domain/charge-models/schema';
import type { WireChargeModel } from '../../pricing/domain/charge-models/types';

/**
 * Catalogues and offers (docs/product.md §6, docs/api.md "Catalogue, offers, subscriptions"). An offer is
 * what a customer subscribes to: a currency, an optional free trial, parameters that rating expressions
 * read as `subscription.<key>`, and charges:
 *
 * - `recurring`: per unit of the subscription's quantity and per `period` (month, quarter, year), billed
 *   `in-advance` or `in-arrears`; one `price`, or effective-dated `prices` ([{validFrom, price}], validFrom
 *   strictly increasing: each price holds from its validFrom to the next one's);
 * - `one-off`: a fee charged once (setup), on the invoice that carries the subscription's first charges;
 * - `usage`: a price-rule charge model (the pricing context's parser) pricing the subscriber's purchases of
 *   a product cluster, per purchase or per period;
 * - `minimum`: a spend per billing period, topped up by a line.
 *
 * Every charge may carry CPQ limits for quotes: `listPrice` (defaults to `price`), `floorPrice` (≤ the list
 * price), `maxDiscount` and `approvalAbove` (percents, 0–100). Everything is checked when the offer is saved;
 * each bad field is named (`charges.1.price: must not be negative`). Decimals are decimal.js while parsed
 * and wire strings (`"24.95"`) once stored.
 */

// ----------------------------------------------------------------------------------------- catalogues

export const catalogueSchema = z.strictObject(
  {
    name,
    description: z.string({ error: 'must be a string' }).max(2000, 'must be at most 2000 characters').nullish(),
  },
  strictErrors,
);
export type CatalogueInput = z.output<typeof catalogueSchema>;

export interface CatalogueRecord {
  id: string;
  name: string;
  description: string | null;
  updatedAt: string;
}

// -------------------------------------------------------------------------------------------- fields

const nonNegative = decimal.refine((v) => !v.isNeg(), 'must not be negative');
const percent = decimal.refine((v) => !v.isNeg() && v.lte(100), 'must be a percentage from 0 to 100');

/** Keys of `parameters`: names an expression can read as `subscription.<key>`. */
export const PARAMETER_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Offer and subscription parameters: a map of key → decimal or text. A JSON number becomes its decimal
 * text (exact); a string is kept as given (an expression compares or converts it).
 */
export const parametersSchema = z
  .unknown()
  .transform((input, ctx): Record<string, string> => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      ctx.issues.push({ code: 'custom', message: 'must be an object of name → decimal or string', input });
      return z.NEVER;
    }
    const entries = Object.entries(input);
    if (entries.length > 100) ctx.issues.push({ code: 'custom', message: 'at most 100 parameters', input });
    const out: Record<string, string> = {};
    for (const [key, value] of entries) {
      const problem = !PARAMETER_KEY.test(key)
        ? 'a parameter name is letters, digits and _ (not starting with a digit), at most 64'
        : typeof value === 'string'
          ? value.length > 1000
            ? 'must be at most 1000 characters'
            : null
          : typeof value !== 'number'
            ? 'must be a decimal or a string'
            : !Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))
              ? 'not an exact decimal; send it as a string'
              : null;
      if (problem !== null) ctx.issues.push({ code: 'custom', message: problem, path: [key], input: value });
      else out[key] = typeof value === 'string' ? value : toWire(new D(String(value)));
    }
    return out;
  })
  .meta({ type: 'object', description: 'name → decimal or text' });

const cpq = {
  listPrice: nonNegative.optional(),
  floorPrice: nonNegative.optional(),
  maxDiscount: percent.optional(),
  approvalAbove: percent.optional(),
};

const recurringInput = z.strictObject(
  {
    id: identifier,
    type: z.literal('recurring'),
    productCluster: identifier,
    price: nonNegative.optional(),
    prices: z
      .array(z.strictObject({ validFrom: calendarDate, price: nonNegative }, strictErrors), { error: 'must be an array of {validFrom, price}' })
      .min(1, 'must hold at least one price')
      .max(100, 'at most 100 prices')
      .optional(),
    period: z.enum(['month', 'quarter', 'year'], { error: "must be 'month', 'quarter' or 'year'" }),
    timing: z.enum(['in-advance', 'in-arrears'], { error: "must be 'in-advance' or 'in-arrears'" }),
    ...cpq,
  },
  strictErrors,
);

const oneOffInput = z.strictObject(
  { id: identifier, type: z.literal('one-off'), productCluster: identifier, price: nonNegative, ...cpq },
  strictErrors,
);

const usageInput = z.strictObject(
  {
    id: identifier,
    type: z.literal('usage'),
    productCluster: identifier,
    model: chargeModelSchema,
    scope: z.enum(['purchase', 'period'], { error: "must be 'purchase' or 'period'" }).default('purchase'),
    ...cpq,
  },
  strictErrors,
);

const minimumInput = z.strictObject({ id: identifier, type: z.literal('minimum'), amount: nonNegative, ...cpq }, strictErrors);

const CHARGE_TYPES = ['recurring', 'one-off', 'usage', 'minimum'] as const;

const chargeInput = z.discriminatedUnion('type', [recurringInput, oneOffInput, usageInput, minimumInput], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `type: must be one of ${CHARGE_TYPES.join(', ')}`
      : issue.code === 'invalid_type'
        ? 'must be an object with a type'
        : undefined,
});

export const offerSchema = z.strictObject(
  {
    catalogue: identifier,
    name,
    currency,
    trialDays: z
      .number({ error: 'must be a whole number of days from 0 to 3650' })
      .int('must be a whole number of days from 0 to 3650')
      .min(0, 'must be a whole number of days from 0 to 3650')
      .max(3650, 'must be a whole number of days from 0 to 3650')
      .default(0),
    parameters: parametersSchema.default({}),
    charges: z.array(chargeInput, { error: 'must be an array of charges' }).max(100, 'at most 100 charges'),
  },
  strictErrors,
);

// --------------------------------------------------------------------------------------- stored form

export type ChargePeriod = 'month' | 'quarter' | 'year';
export type ChargeTiming = 'in-advance' | 'in-arrears';

/** CPQ limits as stored (null when not given; `listPrice` defaults to the charge's single price). */
export interface CpqLimits {
  listPrice: string | null;
  floorPrice: string | null;
  maxDiscount: string | null;
  approvalAbove: string | null;
}

export interface PricePoint {
  validFrom: string;
  price: string;
}

export type Charge =
  | ({
      id: string;
      type: 'recurring';
      productCluster: string;
      /** One price (`prices` null) or effective-dated prices (`price` null). */
      price: string | null;
      prices: PricePoint[] | null;
      period: ChargePeriod;
      timing: ChargeTiming;
    } & CpqLimits)
  | ({ id: string; type: 'one-off'; productCluster: string; price: string } & CpqLimits)
  | ({ id: string; type: 'usage'; productCluster: string; model: WireChargeModel; scope: 'purchase' | 'period' } & CpqLimits)
  | ({ id: string; type: 'minimum'; amount: string } & CpqLimits);

/** An offer's definition as given by `PUT /offers/{id}` (the id from the path). */
export interface OfferDefinition {
  catalogue: string;
  name: string;
  currency: string;
  trialDays: number;
  parameters: Record<string, string>;
  charges: Charge[];
}

export interface OfferRecord extends OfferDefinition {
  id: string;
  updatedAt: string;
}

const w = (v: Decimal | undefined): string | null => (v === undefined ? null : toWire(v));

/**
 * Parses the body of `PUT /offers/{id}`; throws ValidationError whose details name each bad field
 * (`charges.0.prices.1.validFrom: …`). References (catalogue, product clusters) are the use case's to check.
 */
export function parseOffer(body: unknown): OfferDefinition {
  const result = offerSchema.safeParse(body);
  const details = result.success ? [] : describeIssues(result.error.issues);
  if (!result.success) throw new ValidationError('invalid offer', details);
  const input = result.data;
  const seen = new Map<string, number>();
  const charges = input.charges.map((charge, i): Charge => {
    const at = (field: string) => `charges.${i}.${field}`;
    const first = seen.get(charge.id);
    if (first !== undefined) details.push(`${at('id')}: charge '${charge.id}' is also charges.${first}; charge ids are unique within an offer`);
    else seen.set(charge.id, i);
    const single = 'price' in charge ? charge.price : undefined;
    const listPrice = charge.listPrice ?? single;
    if (charge.floorPrice !== undefined && listPrice !== undefined && charge.floorPrice.gt(listPrice)) {
      details.push(`${at('floorPrice')}: must not be above the list price (${toWire(listPrice)})`);
    }
    const limits: CpqLimits = {
      listPrice: w(listPrice),
      floorPrice: w(charge.floorPrice),
      maxDiscount: w(charge.maxDiscount),
      approvalAbove: w(charge.approvalAbove),
    };
    switch (charge.type) {
      case 'recurring': {
        if ((charge.price === undefined) === (charge.prices === undefined)) {
          details.push(`${at('price')}: give either price or prices (effective-dated), not ${charge.price === undefined ? 'neither' : 'both'}`);
        }
        for (let p = 1; p < (charge.prices?.length ?? 0); p++) {
          const [before, point] = [charge.prices![p - 1]!, charge.prices![p]!];
          if (point.validFrom <= before.validFrom) {
            details.push(`${at(`prices.${p}.validFrom`)}: must be after prices.${p - 1}.validFrom (${before.validFrom})`);
          }
        }
        return {
          id: charge.id,
          type: 'recurring',
          productCluster: charge.productCluster,
          price: w(charge.price),
          prices: charge.prices?.map((p) => ({ validFrom: p.validFrom, price: toWire(p.price) })) ?? null,
          period: charge.period,
          timing: charge.timing,
          ...limits,
        };
      }
      case 'one-off':
        return { id: charge.id, type: 'one-off', productCluster: charge.productCluster, price: toWire(charge.price), ...limits };
      case 'usage':
        return {
          id: charge.id,
          type: 'usage',
          productCluster: charge.productCluster,
          model: toWireModel(charge.model),
          scope: charge.scope,
          ...limits,
        };
      default:
        return { id: charge.id, type: 'minimum', amount: toWire(charge.amount), ...limits };
    }
  });
  if (details.length) throw new ValidationError('invalid offer', details);
  return {
    catalogue: input.catalogue,
    name: input.name,
    currency: input.currency,
    trialDays: input.trialDays,
    parameters: input.parameters,
    charges,
  };
}

/** The product clusters an offer's charges name, each with the field that names it (for reference checks). */
export function offerProductClusters(offer: OfferDefinition): { field: string; productCluster: string }[] {
  return offer.charges.flatMap((c, i) => ('productCluster' in c ? [{ field: `charges.${i}.productCluster`, productCluster: c.productCluster }] : []));
}

/** The price of a recurring charge in force on `date` (a calendar date), or null before its first validFrom. */
export function recurringPriceOn(charge: Extract<Charge, { type: 'recurring' }>, date: string): Decimal | null {
  if (charge.price !== null) return new D(charge.price);
  let found: string | null = null;
  for (const point of charge.prices ?? []) if (point.validFrom <= date) found = point.price;
  return found === null ? null : new D(found);
}

/** Months in a recurring charge's period. */
export const PERIOD_MONTHS: Readonly<Record<ChargePeriod, number>> = { month: 1, quarter: 3, year: 12 };
