import type Decimal from 'decimal.js';
import { z } from 'zod';
import { toWire } from '../../../kernel/money';
import { strictErrors } from '../../../kernel/validation';
import { baseOf, HUNDRED, signed } from './amounts';
import { base, baseKeyOf, wireOrNull, type Issues } from './fields';
import { graduated } from './graduated';
import { bandsOf, checkTierBounds, percentageTier, tiersOf, type Band, type PercentageTier } from './tiers';
import type { Base, RateInput, WireOf } from './types';

/** `graduated_percentage`: each tier's part of the base at that tier's rate, plus the flat fee of every tier reached. */
export interface GraduatedPercentageModel {
  readonly type: 'graduated_percentage';
  readonly base: Base;
  readonly baseKey: string | null;
  readonly tiers: readonly PercentageTier[];
  /** Bands priced per unit of base, i.e. rate / 100. */
  readonly bands: readonly Band[];
}

export const graduatedPercentageInput = z.strictObject(
  { type: z.literal('graduated_percentage'), base, tiers: tiersOf(percentageTier) },
  strictErrors,
);

export function graduatedPercentageModel(input: z.output<typeof graduatedPercentageInput>, issues: Issues): GraduatedPercentageModel {
  checkTierBounds(input.tiers, issues);
  const tiers: PercentageTier[] = input.tiers.map((t) => ({ upTo: t.upTo, rate: t.rate, flatFee: t.flatFee }));
  return {
    type: 'graduated_percentage',
    base: input.base,
    baseKey: baseKeyOf(input.base),
    tiers,
    bands: bandsOf(tiers, (t) => t.rate.div(HUNDRED)),
  };
}

export function graduatedPercentageWire(model: GraduatedPercentageModel): WireOf<'graduated_percentage'> {
  return {
    type: 'graduated_percentage',
    base: model.base,
    tiers: model.tiers.map((t) => ({ upTo: wireOrNull(t.upTo), rate: toWire(t.rate), flatFee: toWire(t.flatFee) })),
  };
}

export function graduatedPercentageAmount(model: GraduatedPercentageModel, input: RateInput): Decimal {
  return signed(baseOf(model.baseKey, input), model.bands, graduated);
}
