import type Decimal from 'decimal.js';
import { z } from 'zod';
import { D, inDecimalRange, InvalidDecimalError, outOfRangeReason, parseDecimal, toWire } from '../../kernel/money';
import { describeIssues, strictErrors } from '../../kernel/validation';
import { ExpressionError, InvalidChargeModelError, RatingError } from './errors';
import { compileExpression, type CompiledExpression, type ScopeValue } from './expression';

/**
 * Charge models (PRODUCT.md §3, API.md `model`): how a quantity (or a base amount) becomes an amount.
 *
 * Parsing turns the wire JSON into models holding Decimals and everything rating needs precomputed
 * (tier bands with their cumulative amounts, rate/100, the compiled expression), so `rate()` does the
 * least decimal work per purchase: a graduated purchase costs one multiplication and one addition.
 */

// ------------------------------------------------------------------------------------------- types

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

/** `quantity`, or `metadata.<key>` for a numeric metadata field. */
export type Base = 'quantity' | `metadata.${string}`;

export interface StandardModel {
  readonly type: 'standard';
  readonly unitPrice: Decimal;
}
export interface GraduatedModel {
  readonly type: 'graduated';
  readonly tiers: readonly Tier[];
  readonly bands: readonly Band[];
}
export interface VolumeModel {
  readonly type: 'volume';
  readonly tiers: readonly Tier[];
  readonly bands: readonly Band[];
}
export interface PackageModel {
  readonly type: 'package';
  readonly packageSize: Decimal;
  readonly packagePrice: Decimal;
  readonly freeUnits: Decimal;
}
export interface PercentageModel {
  readonly type: 'percentage';
  readonly rate: Decimal;
  readonly base: Base;
  /** The metadata key of the base, or null when the base is the quantity. */
  readonly baseKey: string | null;
  readonly fixedFee: Decimal;
  readonly minPerPurchase: Decimal | null;
  readonly maxPerPurchase: Decimal | null;
  /** rate / 100 */
  readonly factor: Decimal;
}
export interface GraduatedPercentageModel {
  readonly type: 'graduated_percentage';
  readonly base: Base;
  readonly baseKey: string | null;
  readonly tiers: readonly PercentageTier[];
  /** Bands priced per unit of base, i.e. rate / 100. */
  readonly bands: readonly Band[];
}
export interface ExpressionModel {
  readonly type: 'expression';
  readonly expression: string;
  readonly compiled: CompiledExpression;
  /** Where each name the expression reads comes from at rating time. */
  readonly bindings: readonly ScopeBinding[];
}

export type ChargeModel =
  | StandardModel
  | GraduatedModel
  | VolumeModel
  | PackageModel
  | PercentageModel
  | GraduatedPercentageModel
  | ExpressionModel;

export type ChargeModelType = ChargeModel['type'];

export const CHARGE_MODEL_TYPES: readonly ChargeModelType[] = [
  'standard', 'graduated', 'volume', 'package', 'percentage', 'graduated_percentage', 'expression',
];

export const MAX_TIERS = 100;

// ------------------------------------------------------------------------------------ field schemas

type Sign = 'nonNegative' | 'positive';
const SIGN_MESSAGE: Record<Sign, string> = {
  nonNegative: 'must not be negative',
  positive: 'must be greater than 0',
};

type Absent = { readonly kind: 'required' } | { readonly kind: 'default'; readonly value: Decimal | null };
const REQUIRED: Absent = { kind: 'required' };

/**
 * A decimal field: JSON string or number, read by `parseDecimal` (never through a JS number for text),
 * then checked for sign. `absent` says what a missing key means; `nullable` lets an explicit null through.
 */
function decimalField(sign: Sign, absent: Absent, nullable = false) {
  return z.unknown().transform((input, ctx): Decimal | null => {
    if (input === undefined) {
      if (absent.kind === 'default') return absent.value;
      ctx.issues.push({ code: 'custom', message: 'required', input });
      return z.NEVER;
    }
    if (input === null && nullable) return null;
    let value: Decimal;
    try {
      value = parseDecimal(input, 'value');
    } catch (error) {
      if (!(error instanceof InvalidDecimalError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.reason, input });
      return z.NEVER;
    }
    // parseDecimal never returns -0, and decimal.js counts 0 as positive: compare with zero explicitly
    if ((sign === 'nonNegative' && value.lt(0)) || (sign === 'positive' && value.lte(0))) {
      ctx.issues.push({ code: 'custom', message: SIGN_MESSAGE[sign], input });
      return z.NEVER;
    }
    return value;
  });
}

const ZERO = new D(0);
const HUNDRED = new D(100);

const price = () => decimalField('nonNegative', REQUIRED) as z.ZodType<Decimal, unknown>;
const fee = () => decimalField('nonNegative', { kind: 'default', value: ZERO }) as z.ZodType<Decimal, unknown>;
const optionalPrice = () => decimalField('nonNegative', { kind: 'default', value: null }, true) as z.ZodType<Decimal | null, unknown>;
/** Required key, null meaning "no upper bound". */
const upTo = () => decimalField('positive', REQUIRED, true) as z.ZodType<Decimal | null, unknown>;


const BASE = /^(quantity|metadata\.[A-Za-z0-9_.-]{1,128})$/;
const base = z
  .unknown()
  .transform((input, ctx): Base => {
    if (input === undefined) {
      ctx.issues.push({ code: 'custom', message: 'required', input });
      return z.NEVER;
    }
    if (typeof input !== 'string' || !BASE.test(input)) {
      ctx.issues.push({ code: 'custom', message: "must be 'quantity' or 'metadata.<key>'", input });
      return z.NEVER;
    }
    return input as Base;
  });

const tier = z.strictObject({ upTo: upTo(), unitPrice: price(), flatFee: fee() }, strictErrors);
const percentageTier = z.strictObject({ upTo: upTo(), rate: price(), flatFee: fee() }, strictErrors);

function tiersOf<T extends z.ZodType>(item: T) {
  return z
    .array(item, { error: (issue) => (issue.input === undefined ? 'required' : 'must be a list of tiers') })
    .min(1, 'must have at least one tier')
    .max(MAX_TIERS, `must have at most ${MAX_TIERS} tiers`);
}

const expressionSource = z.unknown().transform((input, ctx): { expression: string; compiled: CompiledExpression } => {
  if (typeof input !== 'string') {
    ctx.issues.push({ code: 'custom', message: input === undefined ? 'required' : 'must be a string', input });
    return z.NEVER;
  }
  try {
    return { expression: input, compiled: compileExpression(input) };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input });
    return z.NEVER;
  }
});

// ------------------------------------------------------------------------------------ model schemas

const standardInput = z.strictObject({ type: z.literal('standard'), unitPrice: price() }, strictErrors);
const graduatedInput = z.strictObject({ type: z.literal('graduated'), tiers: tiersOf(tier) }, strictErrors);
const volumeInput = z.strictObject({ type: z.literal('volume'), tiers: tiersOf(tier) }, strictErrors);
const packageInput = z.strictObject(
  {
    type: z.literal('package'),
    packageSize: decimalField('positive', REQUIRED) as z.ZodType<Decimal, unknown>,
    packagePrice: price(),
    freeUnits: fee(),
  },
  strictErrors,
);
const percentageInput = z.strictObject(
  {
    type: z.literal('percentage'),
    rate: price(),
    base,
    fixedFee: fee(),
    minPerPurchase: optionalPrice(),
    maxPerPurchase: optionalPrice(),
  },
  strictErrors,
);
const graduatedPercentageInput = z.strictObject(
  { type: z.literal('graduated_percentage'), base, tiers: tiersOf(percentageTier) },
  strictErrors,
);
const expressionInput = z.strictObject({ type: z.literal('expression'), expression: expressionSource }, strictErrors);

type Issues = z.core.$RefinementCtx['issues'];

/** Tier bounds: strictly increasing, null only (and always) on the last tier. */
function checkTierBounds(tiers: readonly { upTo: Decimal | null }[], issues: Issues): void {
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
function bandsOf<T extends { upTo: Decimal | null; flatFee: Decimal }>(tiers: readonly T[], perUnit: (t: T) => Decimal): Band[] {
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

function baseKeyOf(b: Base): string | null {
  return b === 'quantity' ? null : b.slice('metadata.'.length);
}

/**
 * Every charge model of API.md, from wire JSON (decimals as strings or numbers) to a typed model
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
        return { type: 'standard', unitPrice: input.unitPrice };
      case 'graduated':
      case 'volume': {
        checkTierBounds(input.tiers, ctx.issues);
        const tiers: Tier[] = input.tiers.map((t) => ({ upTo: t.upTo, unitPrice: t.unitPrice, flatFee: t.flatFee }));
        return { type: input.type, tiers, bands: bandsOf(tiers, (t) => t.unitPrice) };
      }
      case 'package':
        return { type: 'package', packageSize: input.packageSize, packagePrice: input.packagePrice, freeUnits: input.freeUnits };
      case 'percentage': {
        const { minPerPurchase, maxPerPurchase } = input;
        if (minPerPurchase !== null && maxPerPurchase !== null && maxPerPurchase.lt(minPerPurchase)) {
          ctx.issues.push({
            code: 'custom',
            message: `must not be less than minPerPurchase (${toWire(minPerPurchase)})`,
            path: ['maxPerPurchase'],
            input: toWire(maxPerPurchase),
          });
        }
        return {
          type: 'percentage',
          rate: input.rate,
          base: input.base,
          baseKey: baseKeyOf(input.base),
          fixedFee: input.fixedFee,
          minPerPurchase,
          maxPerPurchase,
          factor: input.rate.div(HUNDRED),
        };
      }
      case 'graduated_percentage': {
        checkTierBounds(input.tiers, ctx.issues);
        const tiers: PercentageTier[] = input.tiers.map((t) => ({ upTo: t.upTo, rate: t.rate, flatFee: t.flatFee }));
        return {
          type: 'graduated_percentage',
          base: input.base,
          baseKey: baseKeyOf(input.base),
          tiers,
          bands: bandsOf(tiers, (t) => t.rate.div(HUNDRED)),
        };
      }
      case 'expression':
        return {
          type: 'expression',
          expression: input.expression.expression,
          compiled: input.expression.compiled,
          bindings: bindingsOf(input.expression.compiled),
        };
    }
  });

/** Parses a wire model; throws InvalidChargeModelError whose `issues` read `"<field>: <message>"`. */
export function parseChargeModel(input: unknown): ChargeModel {
  const result = chargeModelSchema.safeParse(input);
  if (!result.success) throw new InvalidChargeModelError(describeIssues(result.error.issues));
  return result.data;
}

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

const wireOrNull = (d: Decimal | null): WireDecimal | null => (d === null ? null : toWire(d));

/** The API shape of a model, decimals as strings (GET responses); parsing it gives the model back. */
export function toWireModel(model: ChargeModel): WireChargeModel {
  switch (model.type) {
    case 'standard':
      return { type: 'standard', unitPrice: toWire(model.unitPrice) };
    case 'graduated':
    case 'volume':
      return {
        type: model.type,
        tiers: model.tiers.map((t) => ({ upTo: wireOrNull(t.upTo), unitPrice: toWire(t.unitPrice), flatFee: toWire(t.flatFee) })),
      };
    case 'package':
      return {
        type: 'package',
        packageSize: toWire(model.packageSize),
        packagePrice: toWire(model.packagePrice),
        freeUnits: toWire(model.freeUnits),
      };
    case 'percentage':
      return {
        type: 'percentage',
        rate: toWire(model.rate),
        base: model.base,
        fixedFee: toWire(model.fixedFee),
        minPerPurchase: wireOrNull(model.minPerPurchase),
        maxPerPurchase: wireOrNull(model.maxPerPurchase),
      };
    case 'graduated_percentage':
      return {
        type: 'graduated_percentage',
        base: model.base,
        tiers: model.tiers.map((t) => ({ upTo: wireOrNull(t.upTo), rate: toWire(t.rate), flatFee: toWire(t.flatFee) })),
      };
    case 'expression':
      return { type: 'expression', expression: model.expression };
  }
}

// ------------------------------------------------------------------------------------------- rating

export type MetadataValue = string | Decimal | boolean | null;

export interface RateInput {
  /** Per-purchase quantity, or the summed quantity of a period for period-scope rules. */
  readonly quantity: Decimal;
  readonly metadata?: Readonly<Record<string, MetadataValue | number | undefined>>;
  /** Further names for `expression` models (amount, purchaseDate, currency …). */
  readonly scope?: Readonly<Record<string, ScopeValue>>;
}

/**
 * The exact amount of one purchase (or one period sum) under `model`, at full precision; rounding to
 * the currency happens on invoice lines, never here.
 *
 * Credits: a negative quantity (or base) costs exactly minus what the same positive one costs, so a
 * credit reverses its charge whatever the model (tiers, packages, fees, min/max included). Expression
 * models see the signed values and decide for themselves.
 */
export function rate(model: ChargeModel, input: RateInput): Decimal {
  const amount = unbounded(model, input);
  // An amount is held to the bounds of every decimal the API reads: what is stored must read back.
  if (!inDecimalRange(amount)) throw new RatingError(`amount ${outOfRangeReason(amount)}`);
  return amount;
}

function unbounded(model: ChargeModel, input: RateInput): Decimal {
  switch (model.type) {
    case 'standard':
      return own(input.quantity).times(model.unitPrice);
    case 'graduated':
      return signed(own(input.quantity), model.bands, graduated);
    case 'volume':
      return signed(own(input.quantity), model.bands, volume);
    case 'package':
      return signed(own(input.quantity), model, packaged);
    case 'percentage':
      return signed(baseOf(model.baseKey, input), model, percentage);
    case 'graduated_percentage':
      return signed(baseOf(model.baseKey, input), model.bands, graduated);
    case 'expression':
      return model.compiled.evaluateDecimal(expressionScope(model, input));
  }
}

/** Another Decimal clone would compute with its own precision; rating always uses ours. */
function own(value: Decimal): Decimal {
  return value.constructor === D ? value : new D(value);
}

function signed<M>(value: Decimal, model: M, amountOf: (positive: Decimal, model: M) => Decimal): Decimal {
  if (!value.isNeg()) return amountOf(value, model);
  if (value.isZero()) return amountOf(ZERO, model); // -0 prices as 0
  const amount = amountOf(value.neg(), model);
  return amount.isZero() ? ZERO : amount.neg();
}

function bandOf(q: Decimal, bands: readonly Band[]): Band {
  // Few tiers: a linear scan beats a binary search and stops at the first band that holds q.
  for (let i = 0; i < bands.length - 1; i++) {
    if (q.lte(bands[i]!.upTo!)) return bands[i]!;
  }
  return bands[bands.length - 1]!;
}

/** Zero units cost nothing; otherwise each tier's units at its price, fees of every tier touched. */
function graduated(q: Decimal, bands: readonly Band[]): Decimal {
  if (q.isZero()) return ZERO;
  const band = bandOf(q, bands);
  return q.minus(band.from).times(band.price).plus(band.base);
}

/** Zero units cost nothing; otherwise all units at the tier the total falls in, plus its fee. */
function volume(q: Decimal, bands: readonly Band[]): Decimal {
  if (q.isZero()) return ZERO;
  const band = bandOf(q, bands);
  return q.times(band.price).plus(band.flatFee);
}

function packaged(q: Decimal, model: PackageModel): Decimal {
  const billable = q.minus(model.freeUnits);
  if (!billable.isPos()) return ZERO;
  // divToInt and mod are exact, so a quantity a hair above a package boundary still opens a package
  const packages = billable.divToInt(model.packageSize).plus(billable.mod(model.packageSize).isZero() ? 0 : 1);
  return packages.times(model.packagePrice);
}

/**
 * rate% of the base plus the fixed fee, clamped per purchase. A zero base is still a transaction, so
 * it costs the fixed fee (clamped to the minimum), unlike tiered models where zero costs nothing.
 */
function percentage(base: Decimal, model: PercentageModel): Decimal {
  let amount = base.times(model.factor).plus(model.fixedFee);
  if (model.minPerPurchase !== null && amount.lt(model.minPerPurchase)) amount = model.minPerPurchase;
  if (model.maxPerPurchase !== null && amount.gt(model.maxPerPurchase)) amount = model.maxPerPurchase;
  return amount;
}

function baseOf(key: string | null, input: RateInput): Decimal {
  if (key === null) return own(input.quantity);
  const metadata = input.metadata;
  const raw = metadata && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
  if (raw === undefined || raw === null || raw === '') {
    throw new RatingError(`metadata.${key} is missing; the price takes its percentage of that field`);
  }
  if (typeof raw === 'boolean') throw new RatingError(`metadata.${key}: not a decimal`);
  try {
    return parseDecimal(raw, `metadata.${key}`);
  } catch (error) {
    if (error instanceof InvalidDecimalError) throw new RatingError(error.message);
    throw error;
  }
}

const METADATA_PREFIXES = ['metadata.', 'meta.'] as const;

/** Where each name an expression model reads comes from; worked out once, at parse time. */
export interface ScopeBinding {
  readonly name: string;
  readonly from: 'quantity' | 'metadata' | 'scope';
  /** The metadata key (for `metadata.<key>` / `meta.<key>`), else the name itself. */
  readonly key: string;
}

/**
 * `quantity`, then `metadata.<key>` (also as `meta.<key>`, the stream column name), then the caller's
 * extra scope: the purchase's own quantity and metadata cannot be shadowed by extra names.
 */
function bindingsOf(compiled: CompiledExpression): ScopeBinding[] {
  return compiled.identifiers.map((name): ScopeBinding => {
    if (name === 'quantity') return { name, from: 'quantity', key: name };
    const prefix = METADATA_PREFIXES.find((p) => name.startsWith(p));
    return prefix === undefined ? { name, from: 'scope', key: name } : { name, from: 'metadata', key: name.slice(prefix.length) };
  });
}

/** Only the names the expression reads, in a Map (read with own lookups only, whatever the keys). */
function expressionScope(model: ExpressionModel, input: RateInput): Map<string, ScopeValue> {
  const scope = new Map<string, ScopeValue>();
  const { metadata, scope: extra } = input;
  for (const binding of model.bindings) {
    if (binding.from === 'quantity') scope.set(binding.name, own(input.quantity));
    else if (binding.from === 'metadata') {
      if (metadata && Object.hasOwn(metadata, binding.key)) scope.set(binding.name, metadata[binding.key]);
    } else if (extra && Object.hasOwn(extra, binding.key)) scope.set(binding.name, extra[binding.key]);
  }
  return scope;
}
