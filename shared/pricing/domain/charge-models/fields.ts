import type Decimal from 'decimal.js';
import { z } from 'zod';
import { InvalidDecimalError, parseDecimal, toWire } from '../../../kernel/money';
import { ZERO } from './amounts';
import type { Base, WireDecimal } from './types';

/** Field schemas several charge models share. */

type Sign = 'nonNegative' | 'positive';
const SIGN_MESSAGE: Record<Sign, string> = {
  nonNegative: 'must not be negative',
  positive: 'must be greater than 0',
};

type Absent = { readonly kind: 'required' } | { readonly kind: 'default'; readonly value: Decimal | null };
export const REQUIRED: Absent = { kind: 'required' };

/**
 * A decimal field: JSON string or number, read by `parseDecimal` (never through a JS number for text),
 * then checked for sign. `absent` says what a missing key means; `nullable` lets an explicit null through.
 */
export function decimalField(sign: Sign, absent: Absent, nullable = false) {
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

export const price = () => decimalField('nonNegative', REQUIRED) as z.ZodType<Decimal, unknown>;
export const fee = () => decimalField('nonNegative', { kind: 'default', value: ZERO }) as z.ZodType<Decimal, unknown>;
export const optionalPrice = () => decimalField('nonNegative', { kind: 'default', value: null }, true) as z.ZodType<Decimal | null, unknown>;
/** Required key, null meaning "no upper bound". */
export const upTo = () => decimalField('positive', REQUIRED, true) as z.ZodType<Decimal | null, unknown>;

const BASE = /^(quantity|metadata\.[A-Za-z0-9_.-]{1,128})$/;
export const base = z.unknown().transform((input, ctx): Base => {
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

export function baseKeyOf(b: Base): string | null {
  return b === 'quantity' ? null : b.slice('metadata.'.length);
}

export type Issues = z.core.$RefinementCtx['issues'];

export const wireOrNull = (d: Decimal | null): WireDecimal | null => (d === null ? null : toWire(d));
