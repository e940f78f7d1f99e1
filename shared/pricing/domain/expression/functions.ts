import { dayNumber, InvalidDateError, utcDate } from '../../../kernel/dates';
import { D, InvalidDecimalError, parseDecimal } from '../../../kernel/money';
import { ExpressionEvaluationError } from '../errors';
import type { Evaluator, Value } from './types';
import { describe, num, text, truthy } from './values';

/** The fixed table of functions expressions may call. */

export interface FunctionSpec {
  readonly min: number;
  readonly max: number;
  /** Eager functions get their evaluated arguments. */
  readonly apply?: (args: readonly Value[], pos: number) => Value;
  /** Lazy functions (`if`, `coalesce`) build their own closure over the argument evaluators. */
  readonly compile?: (args: readonly Evaluator[]) => Evaluator;
}

const HUNDRED = new D(100);
const ONE = new D(1);
const ZERO = new D(0);

function decimalPlaces(value: Value, pos: number): number {
  const places = num(value, 'round', pos);
  if (!places.isInteger() || places.lt(0) || places.gt(40)) {
    throw new ExpressionEvaluationError('round: decimal places must be a whole number from 0 to 40', pos);
  }
  return places.toNumber();
}

function extreme(name: 'min' | 'max') {
  return (args: readonly Value[], pos: number): Value => {
    let best = num(args[0]!, name, pos);
    for (let i = 1; i < args.length; i++) {
      const candidate = num(args[i]!, name, pos);
      if (name === 'min' ? candidate.lt(best) : candidate.gt(best)) best = candidate;
    }
    return best;
  };
}

function isoDay(value: Value, what: string, pos: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw new ExpressionEvaluationError(`${what} expects an ISO date, got ${describe(value)}`, pos);
  try {
    return utcDate(value);
  } catch (error) {
    if (error instanceof InvalidDateError) throw new ExpressionEvaluationError(`${what}: ${describe(value)} is not an ISO date`, pos);
    throw error;
  }
}

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  [
    'if',
    {
      min: 3,
      max: 3,
      compile:
        ([c, a, b]) =>
        (s) =>
          truthy(c!(s)) ? a!(s) : b!(s),
    },
  ],
  [
    'coalesce',
    {
      min: 1,
      max: Infinity,
      compile: (args) => (s) => {
        for (const arg of args) {
          const value = arg(s);
          if (value !== null) return value;
        }
        return null;
      },
    },
  ],
  [
    'round',
    {
      min: 1,
      max: 2,
      apply: ([x, places], pos) => num(x!, 'round', pos).toDecimalPlaces(places === undefined ? 0 : decimalPlaces(places, pos), D.ROUND_HALF_UP),
    },
  ],
  ['floor', { min: 1, max: 1, apply: ([x], pos) => num(x!, 'floor', pos).floor() }],
  ['ceil', { min: 1, max: 1, apply: ([x], pos) => num(x!, 'ceil', pos).ceil() }],
  ['abs', { min: 1, max: 1, apply: ([x], pos) => num(x!, 'abs', pos).abs() }],
  ['min', { min: 1, max: Infinity, apply: extreme('min') }],
  ['max', { min: 1, max: Infinity, apply: extreme('max') }],
  ['markup', { min: 2, max: 2, apply: ([cost, pct], pos) => num(cost!, 'markup', pos).times(num(pct!, 'markup', pos).div(HUNDRED).plus(ONE)) }],
  [
    'margin',
    {
      min: 2,
      max: 2,
      apply: ([priceValue, costValue], pos) => {
        const price = num(priceValue!, 'margin', pos);
        const cost = num(costValue!, 'margin', pos);
        return price.isZero() ? ZERO : price.minus(cost).div(price).times(HUNDRED);
      },
    },
  ],
  [
    'number',
    {
      min: 1,
      max: 1,
      apply: ([x], pos) => {
        if (x === null || x instanceof D) return x;
        if (typeof x === 'string') {
          try {
            return parseDecimal(x, 'number');
          } catch (error) {
            if (error instanceof InvalidDecimalError) throw new ExpressionEvaluationError(`number: ${describe(x)} is not a decimal`, pos);
            throw error;
          }
        }
        throw new ExpressionEvaluationError(`number expects text or a number, got ${describe(x!)}`, pos);
      },
    },
  ],
  [
    'contains',
    {
      min: 2,
      max: 2,
      apply: ([haystack, needle], pos) => {
        const h = text(haystack!, 'contains', pos);
        const n = text(needle!, 'contains', pos);
        return h !== null && n !== null && h.includes(n);
      },
    },
  ],
  [
    'startsWith',
    {
      min: 2,
      max: 2,
      apply: ([value, prefix], pos) => {
        const v = text(value!, 'startsWith', pos);
        const p = text(prefix!, 'startsWith', pos);
        return v !== null && p !== null && v.startsWith(p);
      },
    },
  ],
  [
    'concat',
    { min: 1, max: Infinity, apply: (args, pos) => args.map((a) => (typeof a === 'boolean' ? String(a) : (text(a, 'concat', pos) ?? ''))).join('') },
  ],
  ['date', { min: 1, max: 1, apply: ([x], pos) => isoDay(x!, 'date', pos) }],
  [
    'days',
    {
      min: 2,
      max: 2,
      apply: ([from, to], pos) => {
        const a = isoDay(from!, 'days', pos);
        const b = isoDay(to!, 'days', pos);
        return a === null || b === null ? null : new D(dayNumber(b) - dayNumber(a));
      },
    },
  ],
]);

/** The names callable in expressions (for documentation and editors). */
export const EXPRESSION_FUNCTIONS: readonly string[] = [...FUNCTIONS.keys()];
