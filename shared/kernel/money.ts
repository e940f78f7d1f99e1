import Decimal from 'decimal.js';
import { DomainError } from './errors';

/**
 * Money and quantities: decimal.js values from parse to persist, strings on the wire.
 * A JS `number` never carries an amount.
 */

/**
 * The project's Decimal constructor. 40 significant digits keep a CDR priced at 0.0004 exact through
 * tier arithmetic and period sums; half-up is the commercial rounding invoices use. Exponent notation
 * is pushed far out so `toString()` of any realistic amount stays plain.
 */
export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });

export type Money = Decimal;

/** A decimal that cannot be read (bad text, NaN, Infinity, out of range); the message names the field. */
export class InvalidDecimalError extends DomainError {
  readonly kind = 'invalid';
  readonly code = 'invalid_decimal';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'InvalidDecimalError';
  }
}

/** Plain decimal text, optionally signed, optionally with an exponent (JSON number syntax, plus `.5` and `5.`). */
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Longer text is not a price or a quantity; refusing it keeps parsing cheap for hostile input. */
const MAX_TEXT_LENGTH = 100;
/**
 * |value| < 10^30 and non-zero values ≥ 10^-40: wide enough for any amount or CDR, narrow enough that
 * `toWire` never has to print thousands of digits for `1e999999`. Computed amounts are held to the same
 * bounds (`inDecimalRange`), so everything the service stores can be read back by `parseDecimal`.
 */
export const MAX_EXPONENT = 29;
export const MIN_EXPONENT = -40;

/** Whether a computed value may be stored: finite and within the bounds `parseDecimal` reads. */
export function inDecimalRange(value: Decimal): boolean {
  return value.isFinite() && (value.isZero() || (value.e <= MAX_EXPONENT && value.e >= MIN_EXPONENT));
}

/** What a computed value outside the bounds is told, e.g. `amount: 1.2e+431 is out of range (…)`. */
export function outOfRangeReason(value: Decimal): string {
  const shown = value.isFinite() ? value.toExponential(3) : value.toString();
  return `${shown} is out of range (a decimal must be below 10^${MAX_EXPONENT + 1} and, unless zero, at least 10^${MIN_EXPONENT} in size)`;
}

/**
 * Reads a decimal given as a JSON number or a decimal string. Strings are parsed straight into decimal.js
 * (never through a JS number); numbers go through their shortest round-trip text, and integers beyond
 * 2^53 are refused because the JSON parser has already lost their digits.
 */
export function parseDecimal(input: unknown, field: string): Decimal {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new InvalidDecimalError(field, 'not a finite decimal');
    if (Number.isInteger(input) && !Number.isSafeInteger(input)) {
      throw new InvalidDecimalError(field, 'too large to be exact as a JSON number; send it as a string');
    }
    text = String(input);
  } else if (typeof input === 'string') {
    // Spaces are refused, not trimmed: " 1 " is text that looks like a number, not a decimal.
    text = input;
    if (text.trim() === '') throw new InvalidDecimalError(field, 'not a decimal (empty)');
    if (text.length > MAX_TEXT_LENGTH) throw new InvalidDecimalError(field, `not a decimal (longer than ${MAX_TEXT_LENGTH} characters)`);
    if (!DECIMAL_TEXT.test(text)) throw new InvalidDecimalError(field, `not a decimal: '${text.slice(0, 40)}'`);
  } else if (input instanceof D) {
    return input.constructor === D ? input : new D(input);
  } else {
    throw new InvalidDecimalError(field, input === undefined || input === null ? 'required' : 'not a decimal');
  }
  const value = new D(text);
  if (value.isZero()) return new D(0); // normalises -0 and 0e5
  if (!inDecimalRange(value)) throw new InvalidDecimalError(field, 'out of range');
  return value;
}

/**
 * ISO 4217 minor units that differ from the usual 2. Zero: currencies without a circulating minor unit
 * (HUF is 2 in ISO 4217 even though cash is rounded; we follow the standard). Three: the dinar family.
 * Four: the Chilean and Uruguayan units of account.
 */
// biome-ignore format: a table, one line per number of minor units
const MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
});

export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code);
}

/** Decimal places of the currency's minor unit (2 unless ISO 4217 says otherwise). */
export function minorUnits(currency: string): number {
  return Object.hasOwn(MINOR_UNITS, currency) ? MINOR_UNITS[currency]! : 2;
}

/**
 * Rounds to the currency's minor unit, half-up. decimal.js ROUND_HALF_UP rounds ties away from zero,
 * so a credit of -0.125 EUR becomes -0.13: credits mirror charges exactly.
 */
export function roundMoney(amount: Decimal, currency: string): Decimal {
  return amount.toDecimalPlaces(minorUnits(currency), D.ROUND_HALF_UP);
}

/** Wire form: plain decimal text, never exponent notation, never `-0`. */
export function toWire(value: Decimal): string {
  return value.isZero() ? '0' : value.toFixed();
}

/** An invoice amount on the wire: rounded half-up and printed with exactly the minor-unit digits ("12.50"). */
export function toWireMoney(amount: Decimal, currency: string): string {
  const digits = minorUnits(currency);
  const rounded = amount.toDecimalPlaces(digits, D.ROUND_HALF_UP);
  return (rounded.isZero() ? new D(0) : rounded).toFixed(digits);
}
