/**
 * Stages of a stream (docs/product.md §5, docs/api.md "Stages"): their JSON shapes, their validation when a stream
 * is saved, and their compiled form — one closure per stage that processes one row in place.
 *
 * Every row stage is atomic: it computes everything first and writes only when nothing can fail any more,
 * so a row it rejects reaches the error output exactly as the stage received it.
 *
 * One file per stage (its type, its schema, its compiler); `types.ts` holds what all stages share, `schema.ts`
 * parses and shows a stage, `compile.ts` dispatches to the stage's compiler, `patterns.ts` checks split patterns.
 */

export * from './types';
export * from './patterns';
export { parseStage, stageSchema, toWireStage } from './schema';
export { compileStage } from './compile';
export type { RateStage } from './rate';
export type { CopyStage } from './copy';
export { MAX_SPLIT_INPUT_LENGTH, type SplitStage } from './split';
export type { FormulaStage } from './formula';
export type { FilterStage } from './filter';
export type { ConvertCurrencyStage } from './convert-currency';
export type { LookupStage } from './lookup';
export { vatTable, type VatStage, type VatTable } from './vat';
export type { AggregateStage } from './aggregate';
