/**
 * Charge models (docs/product.md §3, docs/api.md `model`): how a quantity (or a base amount) becomes an amount.
 *
 * Parsing turns the wire JSON into models holding Decimals and everything rating needs precomputed
 * (tier bands with their cumulative amounts, rate/100, the compiled expression), so `rate()` does the
 * least decimal work per purchase: a graduated purchase costs one multiplication and one addition.
 *
 * One file per model (its type, its input schema, its wire shape, its amount); `types.ts` holds what all
 * models share, `tiers.ts` the tiers and bands of the tiered ones, `schema.ts` parses and shows a model,
 * `rate.ts` dispatches to the model's amount.
 */

export * from './types';
export { MAX_TIERS, type Band, type PercentageTier, type Tier } from './tiers';
export { chargeModelSchema, parseChargeModel, toWireModel } from './schema';
export { rate } from './rate';
export type { StandardModel } from './standard';
export type { GraduatedModel } from './graduated';
export type { VolumeModel } from './volume';
export type { PackageModel } from './package';
export type { PercentageModel } from './percentage';
export type { GraduatedPercentageModel } from './graduated-percentage';
export type { ExpressionModel, ScopeBinding } from './expression';
