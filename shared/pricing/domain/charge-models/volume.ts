import type Decimal from 'decimal.js';
import { z } from 'zod';
import { strictErrors } from '../../../kernel/validation';
import { own, signed, ZERO } from './amounts';
import type { Issues } from './fields';
import { bandOf, tier, tiersOf, unitPriceTiers, wireUnitPriceTiers, type Band, type Tier } from './tiers';
import type { RateInput, WireOf } from './types';

/** `volume`: all units at the price of the tier the total falls in, plus that tier's flat fee. */
export interface VolumeModel {
  readonly type: 'volume';
  readonly tiers: readonly Tier[];
  readonly bands: readonly Band[];
}

export const volumeInput = z.strictObject({ type: z.literal('volume'), tiers: tiersOf(tier) }, strictErrors);

export function volumeModel(input: z.output<typeof volumeInput>, issues: Issues): VolumeModel {
  return { type: 'volume', ...unitPriceTiers(input.tiers, issues) };
}

export function volumeWire(model: VolumeModel): WireOf<'graduated' | 'volume'> {
  return { type: 'volume', tiers: wireUnitPriceTiers(model.tiers) };
}

export function volumeAmount(model: VolumeModel, input: RateInput): Decimal {
  return signed(own(input.quantity), model.bands, volume);
}

/** Zero units cost nothing; otherwise all units at the tier the total falls in, plus its fee. */
function volume(q: Decimal, bands: readonly Band[]): Decimal {
  if (q.isZero()) return ZERO;
  const band = bandOf(q, bands);
  return q.times(band.price).plus(band.flatFee);
}
