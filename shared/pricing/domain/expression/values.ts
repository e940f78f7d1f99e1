import type Decimal from 'decimal.js';
import { D, toWire } from '../../../kernel/money';
import { ExpressionEvaluationError } from '../errors';
import type { Scope, Value } from './types';

/** How evaluation reads values: numbers out of text, truthiness, equality, ordering, names of the scope. */

/** Numeric text as metadata carries it; no exponent, so `1e999999` from a CSV cannot blow up a sum. */
const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export function asNumber(value: Value): Decimal | null {
  if (value instanceof D) return value;
  if (typeof value === 'string' && value.length <= 100 && NUMERIC_TEXT.test(value)) return new D(value);
  return null;
}

export function describe(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (typeof value === 'string') return `text '${value.length > 30 ? `${value.slice(0, 30)}…` : value}'`;
  return `number ${toWire(value)}`;
}

function kindOf(value: Value): string {
  return value === null ? 'null' : typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'text' : 'number';
}

export function num(value: Value, what: string, pos: number): Decimal {
  if (value instanceof D) return value;
  const parsed = asNumber(value);
  if (parsed === null) throw new ExpressionEvaluationError(`${what} expects a number, got ${describe(value)}`, pos);
  return parsed;
}

/** Whether `value` counts as true in conditions and `if` (null, false, 0 and '' do not). */
export function truthy(value: Value): boolean {
  if (value === null || value === false || value === '') return false;
  if (value === true || typeof value === 'string') return true;
  return !value.isZero();
}

export function equals(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  const x = asNumber(a);
  const y = x === null ? null : asNumber(b);
  if (x !== null && y !== null) return x.eq(y);
  return typeof a === typeof b && a === b;
}

/** -1/0/1, or null when either side is null: like SQL, an ordering against a missing value is false. */
export function order(a: Value, b: Value, op: string, pos: number): number | null {
  if (a === null || b === null) return null;
  const x = asNumber(a);
  const y = x === null ? null : asNumber(b);
  if (x !== null && y !== null) return x.cmp(y);
  // Text against text, ISO dates included: '2026-01-31' < '2026-02-01'.
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new ExpressionEvaluationError(`'${op}' cannot compare ${kindOf(a)} with ${kindOf(b)}`, pos);
}

export function text(value: Value, what: string, pos: number): string | null {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'boolean') throw new ExpressionEvaluationError(`${what} expects text, got ${describe(value)}`, pos);
  return toWire(value);
}

export function readScope(scope: Scope, name: string, pos: number): Value {
  const raw: unknown = scope instanceof Map ? scope.get(name) : Object.hasOwn(scope, name) ? (scope as Record<string, unknown>)[name] : undefined;
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string' || typeof raw === 'boolean') return raw;
  // Decimals of another clone would compute with that clone's precision; re-wrap them in ours.
  if (raw instanceof D) return raw.constructor === D ? raw : new D(raw);
  if (typeof raw === 'number' && Number.isFinite(raw)) return new D(String(raw));
  throw new ExpressionEvaluationError(`'${name}' holds a value expressions cannot use`, pos);
}

export { truthy as isTruthy };
