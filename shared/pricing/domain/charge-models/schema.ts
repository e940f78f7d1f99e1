import { z } from 'zod';
import { describeIssues } from '../../../kernel/validation';
import { InvalidChargeModelError } from '../errors';
import { expressionInput, expressionModel, expressionWire } from './expression';
import { graduatedInput, graduatedModel, graduatedWire } from './graduated';
import { graduatedPercentageInput, graduatedPercentageModel, graduatedPercentageWire } from './graduated-percentage';
import { packageInput, packageModel, packageWire } from './package';
import { percentageInput, percentageModel, percentageWire } from './percentage';
import { standardInput, standardModel, standardWire } from './standard';
import { CHARGE_MODEL_TYPES, type ChargeModel, type WireChargeModel } from './types';
import { volumeInput, volumeModel, volumeWire } from './volume';

/**
 * Every charge model of docs/api.md, from wire JSON (decimals as strings or numbers) to a typed model
 * holding Decimals. Field checks run first; cross-field rules (tier order, min ≤ max) only on models
 * whose fields are all valid, so each message is about one real problem.
 */
export const chargeModelSchema = z
  .discriminatedUnion(
    'type',
    [standardInput, graduatedInput, volumeInput, packageInput, percentageInput, graduatedPercentageInput, expressionInput],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `must be one of ${CHARGE_MODEL_TYPES.join(', ')}`
          : issue.code === 'invalid_type'
            ? 'must be an object with a type'
            : undefined,
    },
  )
  .transform((input, ctx): ChargeModel => {
    switch (input.type) {
      case 'standard':
        return standardModel(input);
      case 'graduated':
        return graduatedModel(input, ctx.issues);
      case 'volume':
        return volumeModel(input, ctx.issues);
      case 'package':
        return packageModel(input);
      case 'percentage':
        return percentageModel(input, ctx.issues);
      case 'graduated_percentage':
        return graduatedPercentageModel(input, ctx.issues);
      case 'expression':
        return expressionModel(input);
    }
  });

/** Parses a wire model; throws InvalidChargeModelError whose `issues` read `"<field>: <message>"`. */
export function parseChargeModel(input: unknown): ChargeModel {
  const result = chargeModelSchema.safeParse(input);
  if (!result.success) throw new InvalidChargeModelError(describeIssues(result.error.issues));
  return result.data;
}

/** The API shape of a model, decimals as strings (GET responses); parsing it gives the model back. */
export function toWireModel(model: ChargeModel): WireChargeModel {
  switch (model.type) {
    case 'standard':
      return standardWire(model);
    case 'graduated':
      return graduatedWire(model);
    case 'volume':
      return volumeWire(model);
    case 'package':
      return packageWire(model);
    case 'percentage':
      return percentageWire(model);
    case 'graduated_percentage':
      return graduatedPercentageWire(model);
    case 'expression':
      return expressionWire(model);
  }
}
