import type Decimal from 'decimal.js';
import { z } from 'zod';
import { strictErrors } from '../../../kernel/validation';
import { own, signed, ZERO } from './amounts';
import type { Issues } from './fields';
import { bandOf, tier, tiersOf, unitPriceTiers, wireUnitPriceTiers, type Band, type Tier } from './tiers';
import type { RateInput, WireOf } from './types';

/** `graduated`: each tier's units at that tier's price, plus the flat fee of every tier reached. */
export interface GraduatedModel {
  readonly type: 'graduated';
  readonly tiers: readonly Tier[];
  readonly bands: readonly Band[];
}

export const graduatedInput = z.strictObject({ type: z.literal('graduated'), tiers: tiersOf(tier) }, strictErrors);

export function graduatedModel(input: z.output<typeof graduatedInput>, issues: Issues): GraduatedModel {
  return { type: 'graduated', ...unitPriceTiers(input.tiers, issues) };
}

export function graduatedWire(model: GraduatedModel): WireOf<'graduated' | 'volume'> {
  return { type: 'graduated', tiers: wireUnitPriceTiers(model.tiers) };
}

export function graduatedAmount(model: GraduatedModel, input: RateInput): Decimal {
  return signed(own(input.quantity), model.bands, graduated);
}

/** Zero units cost nothing; otherwise each tier's units at its price, fees of every tier touched. */
export function graduated(q: Decimal, bands: readonly Band[]): Decimal {
  if (q.isZero()) return ZERO;
  const band = bandOf(q, bands);
  return q.minus(band.from).times(band.price).plus(band.base);
}
