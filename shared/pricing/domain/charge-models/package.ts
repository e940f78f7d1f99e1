import type Decimal from 'decimal.js';
import { z } from 'zod';
import { toWire } from '../../../kernel/money';
import { strictErrors } from '../../../kernel/validation';
import { own, signed, ZERO } from './amounts';
import { decimalField, fee, price, REQUIRED } from './fields';
import type { RateInput, WireOf } from './types';

/** `package`: units past the free ones, in whole packages (a started package counts). */
export interface PackageModel {
  readonly type: 'package';
  readonly packageSize: Decimal;
  readonly packagePrice: Decimal;
  readonly freeUnits: Decimal;
}

export const packageInput = z.strictObject(
  {
    type: z.literal('package'),
    packageSize: decimalField('positive', REQUIRED) as z.ZodType<Decimal, unknown>,
    packagePrice: price(),
    freeUnits: fee(),
  },
  strictErrors,
);

export function packageModel(input: z.output<typeof packageInput>): PackageModel {
  return { type: 'package', packageSize: input.packageSize, packagePrice: input.packagePrice, freeUnits: input.freeUnits };
}

export function packageWire(model: PackageModel): WireOf<'package'> {
  return {
    type: 'package',
    packageSize: toWire(model.packageSize),
    packagePrice: toWire(model.packagePrice),
    freeUnits: toWire(model.freeUnits),
  };
}

export function packageAmount(model: PackageModel, input: RateInput): Decimal {
  return signed(own(input.quantity), model, packaged);
}

function packaged(q: Decimal, model: PackageModel): Decimal {
  const billable = q.minus(model.freeUnits);
  if (!billable.isPos()) return ZERO;
  // divToInt and mod are exact, so a quantity a hair above a package boundary still opens a package
  const packages = billable.divToInt(model.packageSize).plus(billable.mod(model.packageSize).isZero() ? 0 : 1);
  return packages.times(model.packagePrice);
}
