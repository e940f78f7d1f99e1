import type Decimal from 'decimal.js';
import { z } from 'zod';
import { DomainError } from '../../kernel/errors';
import '../../kernel/fields'; // installs the project's zod messages (unknown fields are named)
import { D, InvalidDecimalError, parseDecimal, toWire } from '../../kernel/money';
import type { Value } from '../../pricing/domain/expression/types';

/**
 * Columns, rows and typed values of stream tables (docs/product.md §5). A row is a plain object keyed by
 * column name (`meta.reseller` included, dots and all) holding Decimal | string | boolean | null; a
 * date is its ISO text. Plain objects rather than Maps because stage closures and expression scopes
 * read them with the cheapest lookups there are; the names they may carry are checked so that no
 * column can ever reach `Object.prototype` (`__proto__`, `constructor` …).
 */

export type { Value };

export const COLUMN_TYPES = ['string', 'decimal', 'boolean', 'date'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** A table row: column name → typed value. An absent column reads as null. */
export type Row = Record<string, Value>;
export type InputRow = Readonly<Row> | ReadonlyMap<string, Value>;

/** `reference`, `meta.reseller`, `meta.vm-name`: a letter or `_`, then letters, digits, `_ . -`. */
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
export const MAX_COLUMN_NAME_LENGTH = 128;
/** More columns than this is not a billing table; it bounds header parsing and row copies. */
export const MAX_COLUMNS = 500;

/** Why `name` cannot be a column, or null when it can. */
export function columnNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return name === undefined ? 'required' : 'must be a string';
  if (name === '') return 'must not be empty';
  if (name.length > MAX_COLUMN_NAME_LENGTH) return `must be at most ${MAX_COLUMN_NAME_LENGTH} characters`;
  if (!COLUMN_NAME.test(name)) return `'${name.slice(0, 40)}' is not a column name (a letter or _, then letters, digits, _ . -)`;
  // Row objects are plain objects: a column named like an Object.prototype member would read or write the prototype.
  if (name in Object.prototype) return `'${name}' is reserved`;
  return null;
}

export const columnName = z.unknown().transform((input, ctx): string => {
  const problem = columnNameProblem(input);
  if (problem !== null) {
    ctx.issues.push({ code: 'custom', message: problem, input });
    return z.NEVER;
  }
  return input as string;
});

export const columnType = z.enum(COLUMN_TYPES, { error: `must be one of ${COLUMN_TYPES.join(', ')}` });

/** A row value read by a stage: absent columns are null. */
export function read(row: Readonly<Row>, column: string): Value {
  const value = row[column];
  return value === undefined ? null : value;
}

/** A stage cannot process this row; `reason` is what the batch's error file shows. */
export class StageRowError extends DomainError {
  readonly kind = 'failed';
  readonly code = 'stage_row_failed';
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StageRowError';
  }
}

/** Short, safe rendering of a value inside a reason. */
export function describeValue(value: Value): string {
  if (value === null) return 'empty';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return toWire(value);
}

/**
 * A decimal from a row value: Decimals (re-wrapped into the project clone when needed) or decimal text
 * (untyped CSV uploads). Null stays null; anything else is a row error naming the column.
 */
export function decimalOf(value: Value, column: string): Decimal | null {
  if (value === null) return null;
  if (value instanceof D) return value.constructor === D ? value : new D(value);
  if (typeof value === 'string') {
    if (value === '') return null;
    try {
      return parseDecimal(value, column);
    } catch (error) {
      if (error instanceof InvalidDecimalError) throw new StageRowError(`${column}: not a decimal: ${describeValue(value)}`);
      throw error;
    }
  }
  throw new StageRowError(`${column}: not a decimal: ${describeValue(value)}`);
}

/** Like `decimalOf`, but an empty value is a row error too. */
export function requiredDecimal(value: Value, column: string): Decimal {
  const decimal = decimalOf(value, column);
  if (decimal === null) throw new StageRowError(`${column} is empty`);
  return decimal;
}

/** Text of a key-like value (codes, labels, countries): decimals print plainly; booleans and empties fail. */
export function requiredText(value: Value, column: string): string {
  if (typeof value === 'string' && value !== '') return value;
  if (value instanceof D) return toWire(value);
  if (value === null || value === '') throw new StageRowError(`${column} is empty`);
  throw new StageRowError(`${column}: expected text, got ${describeValue(value)}`);
}

/** The copy a pipeline works on: stages write into it, the caller's row is never touched. */
export function copyRow(input: InputRow): Row {
  if (input instanceof Map) {
    const row: Row = {};
    for (const [name, value] of input) {
      // Assigning `__proto__` on a plain object would set its prototype rather than a column.
      if (name in Object.prototype) throw new TypeError(`'${name}' cannot be a column`);
      row[name] = value;
    }
    return row;
  }
  return { ...(input as Readonly<Row>) };
}

/** Ordered column set used while stages declare their outputs. */
export class ColumnSet {
  private readonly types = new Map<string, ColumnType>();

  constructor(columns: readonly Column[] = []) {
    for (const column of columns) this.types.set(column.name, column.type);
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  type(name: string): ColumnType | undefined {
    return this.types.get(name);
  }

  /** Replaces the type of an existing column in place, or appends a new column. */
  set(name: string, type: ColumnType): void {
    this.types.set(name, type);
  }

  toArray(): Column[] {
    return [...this.types].map(([name, type]) => ({ name, type }));
  }
}

/** Wire form of a value (API JSON, error files): decimals as strings, everything else as is. */
export function toWireValue(value: Value | undefined): string | boolean | null {
  if (value === undefined || value === null) return null;
  if (value instanceof D) return toWire(value);
  return value as string | boolean;
}

/** A row in wire form with exactly `columns`, in order (`GET /batches/{id}/rows?format=json`). */
export function rowToWire(row: Readonly<Row>, columns: readonly Column[]): Record<string, string | boolean | null> {
  const out: Record<string, string | boolean | null> = {};
  for (const column of columns) out[column.name] = toWireValue(row[column.name]);
  return out;
}
