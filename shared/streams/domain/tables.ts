import type Decimal from 'decimal.js';
import { z } from 'zod';
import { ValidationError } from '../../kernel/errors';
import { currency, decimal, instant, isIsoDate, isoDate } from '../../kernel/fields';
import { D, InvalidDecimalError, parseDecimal } from '../../kernel/money';
import { describeIssues, parseInput } from '../../kernel/validation';
import { columnName, columnNameProblem, type ColumnType, type Row, type Value } from './columns';

/**
 * The owner's tables that stages read (docs/api.md `PUT /exchange-rates/{FROM}-{TO}`, `PUT /lookup-tables/{id}`),
 * validated when saved and indexed once per run, so that a row costs a Map lookup and, for effective-dated
 * tables, a comparison of instants.
 */

// ------------------------------------------------------------------------------ effective dating

/**
 * Values valid from an instant on, sorted. `at(t)` is the latest value whose validFrom ≤ t, or undefined
 * when t is before the first one. The last answer is remembered: rows of one run mostly share a few dates.
 */
export class EffectiveSeries<T> {
  private readonly froms: number[] = [];
  private readonly values: T[] = [];
  private lastInstant = NaN;
  private lastIndex = -1;

  constructor(entries: readonly { readonly validFrom: string; readonly value: T }[]) {
    const sorted = entries.map((entry) => ({ from: instant(entry.validFrom), value: entry.value })).sort((a, b) => a.from - b.from);
    for (const entry of sorted) {
      // Two entries from the same instant: the later one saved replaces the earlier (PUT replaces).
      if (this.froms.length > 0 && this.froms[this.froms.length - 1] === entry.from) this.values[this.values.length - 1] = entry.value;
      else {
        this.froms.push(entry.from);
        this.values.push(entry.value);
      }
    }
  }

  get size(): number {
    return this.froms.length;
  }

  first(): T | undefined {
    return this.values[0];
  }

  latest(): T | undefined {
    return this.values[this.values.length - 1];
  }

  at(t: number): T | undefined {
    if (t === this.lastInstant) return this.lastIndex < 0 ? undefined : this.values[this.lastIndex];
    let lo = 0;
    let hi = this.froms.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.froms[mid]! <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    this.lastInstant = t;
    this.lastIndex = found;
    return found < 0 ? undefined : this.values[found];
  }
}

/** Instants of ISO dates, remembering the last one (consecutive rows usually carry the same date). */
export class InstantCache {
  private lastText: string | null = null;
  private lastValue = NaN;

  /** NaN when `text` is not an ISO date. */
  of(text: string): number {
    if (text === this.lastText) return this.lastValue;
    const value = isIsoDate(text) ? instant(text) : NaN;
    this.lastText = text;
    this.lastValue = value;
    return value;
  }
}

// ---------------------------------------------------------------------------------- exchange rates

/** One effective-dated rate: 1 `from` = `rate` `to`, from `validFrom` on. */
export interface ExchangeRate {
  readonly from: string;
  readonly to: string;
  readonly rate: Decimal | string;
  readonly validFrom: string;
}

const exchangeRateBody = z.strictObject({
  rate: decimal.refine((r) => r.gt(0), 'must be greater than 0'),
  validFrom: isoDate,
});

/** `PUT /exchange-rates/{FROM}-{TO}`: the pair from the path, `{rate, validFrom}` from the body. */
export function parseExchangeRate(pair: string, body: unknown): ExchangeRate {
  const m = /^([A-Z]{3})-([A-Z]{3})$/.exec(pair);
  if (!m) throw new ValidationError('invalid exchange rate', [`pair: '${pair.slice(0, 20)}' is not FROM-TO with ISO 4217 codes such as EUR-USD`]);
  if (m[1] === m[2]) throw new ValidationError('invalid exchange rate', ['pair: FROM and TO must differ']);
  const parsed = parseInput(exchangeRateBody, body, 'exchange rate');
  return { from: m[1]!, to: m[2]!, rate: parsed.rate, validFrom: parsed.validFrom.trim() };
}

/** Every pair's rates, effective-dated. Built once per run. */
export class ExchangeRateTable {
  private readonly pairs = new Map<string, EffectiveSeries<Decimal>>();

  constructor(rates: readonly ExchangeRate[]) {
    const grouped = new Map<string, { validFrom: string; value: Decimal }[]>();
    rates.forEach((entry, i) => {
      const where = `exchangeRates.${i}`;
      if (!currency.safeParse(entry.from).success || !currency.safeParse(entry.to).success) {
        throw new ValidationError('invalid exchange rate', [`${where}: from and to must be ISO 4217 codes`]);
      }
      if (typeof entry.validFrom !== 'string' || !isIsoDate(entry.validFrom)) {
        throw new ValidationError('invalid exchange rate', [`${where}.validFrom: not an ISO date`]);
      }
      let value: Decimal;
      try {
        value = parseDecimal(entry.rate, `${where}.rate`);
      } catch (error) {
        if (error instanceof InvalidDecimalError) throw new ValidationError('invalid exchange rate', [error.message]);
        throw error;
      }
      if (!value.gt(0)) throw new ValidationError('invalid exchange rate', [`${where}.rate: must be greater than 0`]);
      const key = `${entry.from}-${entry.to}`;
      let list = grouped.get(key);
      if (list === undefined) {
        list = [];
        grouped.set(key, list);
      }
      list.push({ validFrom: entry.validFrom, value });
    });
    for (const [key, list] of grouped) this.pairs.set(key, new EffectiveSeries(list));
  }

  /** The series of one pair, or undefined when the owner has no rate at all for it. */
  series(from: string, to: string): EffectiveSeries<Decimal> | undefined {
    return this.pairs.get(`${from}-${to}`);
  }
}

// ---------------------------------------------------------------------------------- lookup tables

/** A lookup table as saved: the key column and rows of JSON values. */
export interface LookupTable {
  readonly key: string;
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

export const MAX_LOOKUP_ROWS = 100_000;

const lookupValue = z.union([z.string().max(1000, 'must be at most 1000 characters'), z.number(), z.boolean(), z.null()], {
  error: 'must be a string, number, boolean or null',
});

const lookupTableBody = z
  .strictObject({
    key: columnName,
    rows: z
      .array(z.record(z.string(), lookupValue, { error: 'must be an object' }), { error: 'must be an array of objects' })
      .max(MAX_LOOKUP_ROWS, `at most ${MAX_LOOKUP_ROWS} rows`),
  })
  .superRefine((table, ctx) => {
    const seen = new Set<string>();
    table.rows.forEach((row, i) => {
      for (const [name, value] of Object.entries(row)) {
        const problem = columnNameProblem(name);
        if (problem !== null) ctx.addIssue({ code: 'custom', path: ['rows', i, name], message: problem });
        if (typeof value === 'number') {
          try {
            parseDecimal(value, name);
          } catch (error) {
            if (!(error instanceof InvalidDecimalError)) throw error;
            ctx.addIssue({ code: 'custom', path: ['rows', i, name], message: error.reason });
          }
        }
      }
      const key = row[table.key];
      if (key === undefined || key === null || key === '') {
        ctx.addIssue({ code: 'custom', path: ['rows', i, table.key], message: 'the key column is required in every row' });
        return;
      }
      const text = keyText(key as string | number | boolean);
      if (seen.has(text)) ctx.addIssue({ code: 'custom', path: ['rows', i, table.key], message: `duplicate key '${text.slice(0, 40)}'` });
      seen.add(text);
    });
  });

/** `PUT /lookup-tables/{id}`: `{key, rows}`; every row has a unique, non-empty key. */
export function parseLookupTable(body: unknown): LookupTable {
  return parseInput(lookupTableBody, body, 'lookup table');
}

/** Keys compare as text: a row's decimal 42 finds a table key "42" or 42. */
export function keyText(value: Value | number): string {
  if (typeof value === 'number') return String(value);
  if (value instanceof D) return value.isZero() ? '0' : value.toFixed();
  return String(value);
}

/** A lookup table indexed by key with typed values, built once per run. */
export interface IndexedLookupTable {
  readonly key: string;
  /** Type of each column, inferred from the values: all numbers → decimal, all booleans → boolean, else string. */
  readonly columns: ReadonlyMap<string, ColumnType>;
  readonly index: ReadonlyMap<string, Readonly<Row>>;
}

export function indexLookupTable(id: string, table: LookupTable): IndexedLookupTable {
  const result = lookupTableBody.safeParse(table);
  if (!result.success) {
    throw new ValidationError(
      `invalid lookup table '${id}'`,
      describeIssues(result.error.issues).map((d) => `lookupTables.${id}.${d}`),
    );
  }
  const kinds = new Map<string, Set<'decimal' | 'boolean' | 'string'>>();
  for (const row of result.data.rows) {
    for (const [name, value] of Object.entries(row)) {
      if (value === null) continue;
      let set = kinds.get(name);
      if (set === undefined) {
        set = new Set();
        kinds.set(name, set);
      }
      set.add(typeof value === 'number' ? 'decimal' : typeof value === 'boolean' ? 'boolean' : 'string');
    }
  }
  const columns = new Map<string, ColumnType>();
  for (const [name, set] of kinds) columns.set(name, set.size === 1 ? [...set][0]! : 'string');
  const index = new Map<string, Row>();
  for (const raw of result.data.rows) {
    const row: Row = {};
    for (const [name, value] of Object.entries(raw)) row[name] = typed(value, columns.get(name) ?? 'string', name);
    index.set(keyText(raw[result.data.key] as string | number | boolean), row);
  }
  return { key: result.data.key, columns, index };
}

function typed(value: string | number | boolean | null, type: ColumnType, name: string): Value {
  if (value === null) return null;
  if (type === 'decimal') return parseDecimal(value, name);
  if (type === 'boolean' && typeof value === 'boolean') return value;
  return typeof value === 'number' ? keyText(value) : String(value);
}
