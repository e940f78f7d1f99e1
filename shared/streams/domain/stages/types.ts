import type Decimal from 'decimal.js';
import type { ColumnSet, Row } from '../columns';
import type { ExchangeRateTable, IndexedLookupTable, InstantCache } from '../tables';
import type { AggregateStage } from './aggregate';
import type { ConvertCurrencyStage } from './convert-currency';
import type { CopyStage } from './copy';
import type { FilterStage } from './filter';
import type { FormulaStage } from './formula';
import type { LookupStage } from './lookup';
import type { RateStage } from './rate';
import type { SplitStage } from './split';
import type { VatStage, VatTable } from './vat';

/** What every stage shares: the list of types, the union of parsed stages, their compiled form and what they read at run time. */

export const STAGE_TYPES = ['rate', 'copy', 'split', 'formula', 'filter', 'convert-currency', 'lookup', 'vat', 'aggregate'] as const;
export type StageType = (typeof STAGE_TYPES)[number];

export type Stage = RateStage | CopyStage | SplitStage | FormulaStage | FilterStage | ConvertCurrencyStage | LookupStage | VatStage | AggregateStage;

export type WireStage = Record<string, unknown> & { type: StageType };

// ------------------------------------------------------------------------------------ run-time deps

export interface RateRequest {
  readonly product: string;
  readonly customer: string;
  readonly quantity: Decimal;
  readonly date: string;
  /** The whole row, for conditions and expression models that read other columns (meta.*, usedBy …). */
  readonly row: Readonly<Row>;
}

export interface RatedRow {
  readonly unitPrice: Decimal | null;
  readonly amount: Decimal;
  readonly currency: string;
  readonly priceRule: string | null;
}

/** Prices one row with the owner's price rules; `{error}` (e.g. no price rule) makes it an error row. */
export type Rater = (request: RateRequest) => RatedRow | { readonly error: string };

/** What compiled stages read: each built once per run by the pipeline. */
export interface StageDeps {
  readonly rater?: Rater;
  readonly exchangeRates?: ExchangeRateTable;
  readonly lookupTables?: ReadonlyMap<string, IndexedLookupTable>;
  readonly vatRates?: VatTable;
  /** Shared by the stages of one pipeline: consecutive stages reading the same date parse it once. */
  readonly instants?: InstantCache;
}

// -------------------------------------------------------------------------------- compiled stages

interface CompiledStageBase {
  readonly index: number;
  readonly type: StageType;
  /**
   * Declares the stage's output columns on `columns`, pushing `stages.<i>.<field>: …` for every column
   * it reads that cannot exist. `meta.*` columns may be absent (a period without that metadata key) and
   * read as null.
   */
  declare(columns: ColumnSet, issues: string[]): ColumnSet;
}

export interface RowStage extends CompiledStageBase {
  readonly barrier: false;
  /** Processes the row in place; false means a filter dropped it. Throws StageRowError for an error row. */
  apply(row: Row): boolean;
}

/** A stage that must see every row before it emits anything (aggregate). */
export interface BarrierStage extends CompiledStageBase {
  readonly barrier: true;
  add(row: Row): void;
  /** The accumulated result, once; the stage is empty afterwards. */
  drain(): Iterable<Row>;
}

export type CompiledStage = RowStage | BarrierStage;
