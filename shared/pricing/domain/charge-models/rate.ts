import type Decimal from 'decimal.js';
import { inDecimalRange, outOfRangeReason } from '../../../kernel/money';
import { RatingError } from '../errors';
import { expressionAmount } from './expression';
import { graduatedAmount } from './graduated';
import { graduatedPercentageAmount } from './graduated-percentage';
import { packageAmount } from './package';
import { percentageAmount } from './percentage';
import { standardAmount } from './standard';
import type { ChargeModel, RateInput } from './types';
import { volumeAmount } from './volume';

/**
 * The exact amount of one purchase (or one period sum) under `model`, at full precision; rounding to
 * the currency happens on invoice lines, never here.
 *
 * Credits: a negative quantity (or base) costs exactly minus what the same positive one costs, so a
 * credit reverses its charge whatever the model (tiers, packages, fees, min/max included). Expression
 * models see the signed values and decide for themselves.
 */
export function rate(model: ChargeModel, input: RateInput): Decimal {
  const amount = unbounded(model, input);
  // An amount is held to the bounds of every decimal the API reads: what is stored must read back.
  if (!inDecimalRange(amount)) throw new RatingError(`amount ${outOfRangeReason(amount)}`);
  return amount;
}

function unbounded(model: ChargeModel, input: RateInput): Decimal {
  switch (model.type) {
    case 'standard':
      return standardAmount(model, input);
    case 'graduated':
      return graduatedAmount(model, input);
    case 'volume':
      return volumeAmount(model, input);
    case 'package':
      return packageAmount(model, input);
    case 'percentage':
      return percentageAmount(model, input);
    case 'graduated_percentage':
      return graduatedPercentageAmount(model, input);
    case 'expression':
      return expressionAmount(model, input);
  }
}
