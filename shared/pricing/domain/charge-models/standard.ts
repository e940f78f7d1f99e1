import type Decimal from 'decimal.js';
import { z } from 'zod';
import { toWire } from '../../../kernel/money';
import { strictErrors } from '../../../kernel/validation';
import { own } from './amounts';
import { price } from './fields';
import type { RateInput, WireOf } from './types';

/** `standard`: every unit at one price. */
export interface StandardModel {
  readonly type: 'standard';
  readonly unitPrice: Decimal;
}

export const standardInput = z.strictObject({ type: z.literal('standard'), unitPrice: price() }, strictErrors);

export function standardModel(input: z.output<typeof standardInput>): StandardModel {
  return { type: 'standard', unitPrice: input.unitPrice };
}

export function standardWire(model: StandardModel): WireOf<'standard'> {
  return { type: 'standard', unitPrice: toWire(model.unitPrice) };
}

export function standardAmount(model: StandardModel, input: RateInput): Decimal {
  return own(input.quantity).times(model.unitPrice);
}
