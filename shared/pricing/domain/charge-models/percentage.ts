import type Decimal from 'decimal.js';
import { z } from 'zod';
import { toWire } from '../../../kernel/money';
import { strictErrors } from '../../../kernel/validation';
import { baseOf, HUNDRED, signed } from './amounts';
import { base, baseKeyOf, fee, optionalPrice, price, wireOrNull, type Issues } from './fields';
import type { Base, RateInput, WireOf } from './types';

/** `percentage`: rate% of a base plus a fixed fee, clamped per purchase. */
export interface PercentageModel {
  readonly type: 'percentage';
  readonly rate: Decimal;
  readonly base: Base;
  /** The metadata key of the base, or null when the base is the quantity. */
  readonly baseKey: string | null;
  readonly fixedFee: Decimal;
  readonly minPerPurchase: Decimal | null;
  readonly maxPerPurchase: Decimal | null;
  /** rate / 100 */
  readonly factor: Decimal;
}

export const percentageInput = z.strictObject(
  {
    type: z.literal('percentage'),
    rate: price(),
    base,
    fixedFee: fee(),
    minPerPurchase: optionalPrice(),
    maxPerPurchase: optionalPrice(),
  },
  strictErrors,
);

export function percentageModel(input: z.output<typeof percentageInput>, issues: Issues): PercentageModel {
  const { minPerPurchase, maxPerPurchase } = input;
  if (minPerPurchase !== null && maxPerPurchase?.lt(minPerPurchase)) {
    issues.push({
      code: 'custom',
      message: `must not be less than minPerPurchase (${toWire(minPerPurchase)})`,
      path: ['maxPerPurchase'],
      input: toWire(maxPerPurchase),
    });
  }
  return {
    type: 'percentage',
    rate: input.rate,
    base: input.base,
    baseKey: baseKeyOf(input.base),
    fixedFee: input.fixedFee,
    minPerPurchase,
    maxPerPurchase,
    factor: input.rate.div(HUNDRED),
  };
}

export function percentageWire(model: PercentageModel): WireOf<'percentage'> {
  return {
    type: 'percentage',
    rate: toWire(model.rate),
    base: model.base,
    fixedFee: toWire(model.fixedFee),
    minPerPurchase: wireOrNull(model.minPerPurchase),
    maxPerPurchase: wireOrNull(model.maxPerPurchase),
  };
}

export function percentageAmount(model: PercentageModel, input: RateInput): Decimal {
  return signed(baseOf(model.baseKey, input), model, percentage);
}

/**
 * rate% of the base plus the fixed fee, clamped per purchase. A zero base is still a transaction, so
 * it costs the fixed fee (clamped to the minimum), unlike tiered models where zero costs nothing.
 */
function percentage(base: Decimal, model: PercentageModel): Decimal {
  let amount = base.times(model.factor).plus(model.fixedFee);
  if (model.minPerPurchase !== null && amount.lt(model.minPerPurchase)) amount = model.minPerPurchase;
  if (model.maxPerPurchase !== null && amount.gt(model.maxPerPurchase)) amount = model.maxPerPurchase;
  return amount;
}
