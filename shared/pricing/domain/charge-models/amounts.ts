import type Decimal from 'decimal.js';
import { D, InvalidDecimalError, parseDecimal } from '../../../kernel/money';
import { RatingError } from '../errors';
import type { RateInput } from './types';

/** The decimal arithmetic every charge model rates with. */

export const ZERO = new D(0);
export const HUNDRED = new D(100);

/** Another Decimal clone would compute with its own precision; rating always uses ours. */
export function own(value: Decimal): Decimal {
  return value.constructor === D ? value : new D(value);
}

export function signed<M>(value: Decimal, model: M, amountOf: (positive: Decimal, model: M) => Decimal): Decimal {
  if (!value.isNeg()) return amountOf(value, model);
  if (value.isZero()) return amountOf(ZERO, model); // -0 prices as 0
  const amount = amountOf(value.neg(), model);
  return amount.isZero() ? ZERO : amount.neg();
}

/** The base a percentage model takes its rate of: the quantity, or a numeric metadata field. */
export function baseOf(key: string | null, input: RateInput): Decimal {
  if (key === null) return own(input.quantity);
  const metadata = input.metadata;
  const raw = metadata && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
  if (raw === undefined || raw === null || raw === '') {
    throw new RatingError(`metadata.${key} is missing; the price takes its percentage of that field`);
  }
  if (typeof raw === 'boolean') throw new RatingError(`metadata.${key}: not a decimal`);
  try {
    return parseDecimal(raw, `metadata.${key}`);
  } catch (error) {
    if (error instanceof InvalidDecimalError) throw new RatingError(error.message);
    throw error;
  }
}
