import type Decimal from 'decimal.js';
import type { ScopeValue } from '../expression/types';
import type { ExpressionModel } from './expression';
import type { GraduatedModel } from './graduated';
import type { GraduatedPercentageModel } from './graduated-percentage';
import type { PackageModel } from './package';
import type { PercentageModel } from './percentage';
import type { StandardModel } from './standard';
import type { VolumeModel } from './volume';

/** What every charge model shares: the union of models, their wire shape and what rating reads. */

export type ChargeModel = StandardModel | GraduatedModel | VolumeModel | PackageModel | PercentageModel | GraduatedPercentageModel | ExpressionModel;

export type ChargeModelType = ChargeModel['type'];

export const CHARGE_MODEL_TYPES: readonly ChargeModelType[] = [
  'standard',
  'graduated',
  'volume',
  'package',
  'percentage',
  'graduated_percentage',
  'expression',
];

/** `quantity`, or `metadata.<key>` for a numeric metadata field. */
export type Base = 'quantity' | `metadata.${string}`;

// --------------------------------------------------------------------------------------------- wire

export type WireDecimal = string;
export type WireChargeModel =
  | { type: 'standard'; unitPrice: WireDecimal }
  | { type: 'graduated' | 'volume'; tiers: { upTo: WireDecimal | null; unitPrice: WireDecimal; flatFee: WireDecimal }[] }
  | { type: 'package'; packageSize: WireDecimal; packagePrice: WireDecimal; freeUnits: WireDecimal }
  | {
      type: 'percentage';
      rate: WireDecimal;
      base: Base;
      fixedFee: WireDecimal;
      minPerPurchase: WireDecimal | null;
      maxPerPurchase: WireDecimal | null;
    }
  | { type: 'graduated_percentage'; base: Base; tiers: { upTo: WireDecimal | null; rate: WireDecimal; flatFee: WireDecimal }[] }
  | { type: 'expression'; expression: string };

/** The wire shape of one model type (graduated and volume share theirs: ask for `'graduated' | 'volume'`). */
export type WireOf<T extends ChargeModelType> = Extract<WireChargeModel, { type: T }>;

// ------------------------------------------------------------------------------------------- rating

export type MetadataValue = string | Decimal | boolean | null;

export interface RateInput {
  /** Per-purchase quantity, or the summed quantity of a period for period-scope rules. */
  readonly quantity: Decimal;
  readonly metadata?: Readonly<Record<string, MetadataValue | number | undefined>>;
  /** Further names for `expression` models (amount, purchaseDate, currency …). */
  readonly scope?: Readonly<Record<string, ScopeValue>>;
}
