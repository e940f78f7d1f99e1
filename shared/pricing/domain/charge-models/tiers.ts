import type Decimal from 'decimal.js';
import { z } from 'zod';
import { toWire } from '../../../kernel/money';
import { strictErrors } from '../../../kernel/validation';
import { ZERO } from './amounts';
import { fee, price, upTo, wireOrNull, type Issues } from './fields';

/** Tiers and the bands rating precomputes from them: shared by graduated, volume and graduated_percentage. */

export interface Tier {
  /** Inclusive, cumulative upper bound; null on the last tier only. */
  readonly upTo: Decimal | null;
  readonly unitPrice: Decimal;
  readonly flatFee: Decimal;
}

export interface PercentageTier {
  readonly upTo: Decimal | null;
  /** Percent of the base. */
  readonly rate: Decimal;
  readonly flatFee: Decimal;
}

/** A tier as rating uses it: units in (from, upTo] cost `price` each. */
export interface Band {
  readonly from: Decimal;
  readonly upTo: Decimal | null;
  readonly price: Decimal;
  readonly flatFee: Decimal;
  /**
   * The amount at the band's start (all lower tiers, fees included, plus this tier's fee). Graduated
   * rating is `base + (q − from) × price`: never the difference of two huge numbers, so it stays exact at
   * the precision's edge (`q × price + (base − from × price)` lost digits near 10^29).
   */
  readonly base: Decimal;
}

export const MAX_TIERS = 100;

export const tier = z.strictObject({ upTo: upTo(), unitPrice: price(), flatFee: fee() }, strictErrors);
export const percentageTier = z.strictObject({ upTo: upTo(), rate: price(), flatFee: fee() }, strictErrors);

export function tiersOf<T extends z.ZodType>(item: T) {
  return z
    .array(item, { error: (issue) => (issue.input === undefined ? 'required' : 'must be a list of tiers') })
    .min(1, 'must have at least one tier')
    .max(MAX_TIERS, `must have at most ${MAX_TIERS} tiers`);
}

/** Tier bounds: strictly increasing, null only (and always) on the last tier. */
export function checkTierBounds(tiers: readonly { upTo: Decimal | null }[], issues: Issues): void {
  const last = tiers.length - 1;
  tiers.forEach((t, i) => {
    const path = ['tiers', i, 'upTo'];
    if (t.upTo === null) {
      if (i !== last) issues.push({ code: 'custom', message: 'only the last tier may have upTo null', path, input: null });
      return;
    }
    if (i === last) {
      issues.push({ code: 'custom', message: 'the last tier must have upTo null (no upper bound)', path, input: toWire(t.upTo) });
      return;
    }
    const previous = i > 0 ? tiers[i - 1]!.upTo : null;
    if (previous !== null && !t.upTo.gt(previous)) {
      issues.push({ code: 'custom', message: `must be greater than the previous tier's upTo (${toWire(previous)})`, path, input: toWire(t.upTo) });
    }
  });
}

/** Precomputes the bands of a tiered model; `perUnit` is the unit price (or rate / 100). */
export function bandsOf<T extends { upTo: Decimal | null; flatFee: Decimal }>(tiers: readonly T[], perUnit: (t: T) => Decimal): Band[] {
  const bands: Band[] = [];
  let from = ZERO;
  let below = ZERO; // full amount of all lower tiers, their flat fees included
  for (const t of tiers) {
    const unit = perUnit(t);
    const base = below.plus(t.flatFee);
    bands.push({ from, upTo: t.upTo, price: unit, flatFee: t.flatFee, base });
    if (t.upTo === null) break;
    below = below.plus(t.upTo.minus(from).times(unit)).plus(t.flatFee);
    from = t.upTo;
  }
  return bands;
}

export function bandOf(q: Decimal, bands: readonly Band[]): Band {
  // Few tiers: a linear scan beats a binary search and stops at the first band that holds q.
  for (let i = 0; i < bands.length - 1; i++) {
    if (q.lte(bands[i]!.upTo!)) return bands[i]!;
  }
  return bands[bands.length - 1]!;
}

/** The tiers of a graduated or volume model, their bounds checked, and their bands. */
export function unitPriceTiers(input: readonly Tier[], issues: Issues): { tiers: Tier[]; bands: Band[] } {
  checkTierBounds(input, issues);
  const tiers: Tier[] = input.map((t) => ({ upTo: t.upTo, unitPrice: t.unitPrice, flatFee: t.flatFee }));
  return { tiers, bands: bandsOf(tiers, (t) => t.unitPrice) };
}

export function wireUnitPriceTiers(tiers: readonly Tier[]) {
  return tiers.map((t) => ({ upTo: wireOrNull(t.upTo), unitPrice: toWire(t.unitPrice), flatFee: toWire(t.flatFee) }));
}
