import { createHash, type Hash } from 'node:crypto';
import type Decimal from 'decimal.js';
import { DomainError, ValidationError } from '../../kernel/errors';
import { isIsoDate } from '../../kernel/fields';
import { D, InvalidDecimalError, parseDecimal, toWire } from '../../kernel/money';
import { COLUMN_TYPES, columnNameProblem, MAX_COLUMNS, toWireValue, type Column, type ColumnType, type Row, type Value } from './columns';
import type { ErrorRow } from './pipeline';
import { KNOWN_COLUMN_TYPES } from './rows';

/**
 * The batch file format (docs/product.md §5): a CSV whose header types every column
 * (`reference:string,quantity:decimal,purchaseDate:date,…`), an error file (JSON Lines, one error row per
 * line) and a JSON description `{columns, rows, errors, totals, checksum}`.
 *
 * CSV conventions: `\n` line ends; a field is quoted when it holds `,` `"` CR LF or leading/trailing
 * space, or is the empty string; an unquoted empty field is null, so `""` (empty text) and null survive
 * a round trip. Decimals are plain text at full precision (`0.0004`, never `4e-4`), booleans
 * `true`/`false`, dates ISO text as given. The writer hands out one line at a time and hashes and sums
 * as it goes, so a batch of any size is written in O(columns + currencies) memory.
 */

export interface BatchDescription {
  columns: Column[];
  rows: number;
  errors: number;
  /** Sum of the `amount` column per `currency`, at full precision (invoices round, batches do not). */
  totals: Record<string, string>;
  /** SHA-256 (hex) of the CSV file's UTF-8 bytes exactly as written, header included. */
  checksum: string;
}

/** A value that does not fit its column, or a header that cannot be read. */
export class BatchFormatError extends DomainError {
  readonly kind = 'failed';
  readonly code = 'batch_format';
  constructor(message: string) {
    super(message);
    this.name = 'BatchFormatError';
  }
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

function field(text: string): string {
  return text === '' || NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `name:type,…` (without line end). */
export function formatHeader(columns: readonly Column[]): string {
  return columns.map((c) => field(`${c.name}:${c.type}`)).join(',');
}

function cell(value: Value | undefined, column: Column): string {
  if (value === undefined || value === null) return '';
  switch (column.type) {
    case 'decimal':
      if (value instanceof D) return toWire(value);
      if (typeof value === 'string') {
        try {
          return toWire(parseDecimal(value, column.name));
        } catch (error) {
          if (!(error instanceof InvalidDecimalError)) throw error;
        }
      }
      break;
    case 'string':
      if (typeof value === 'string') return field(value);
      return value instanceof D ? toWire(value) : String(value);
    case 'boolean':
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      break;
    case 'date':
      if (typeof value === 'string' && isIsoDate(value)) return field(value);
      break;
  }
  throw new BatchFormatError(
    `column ${column.name} (${column.type}) cannot hold ${value instanceof D ? 'a decimal' : typeof value === 'string' ? `'${value.slice(0, 40)}'` : String(value)}`,
  );
}

export interface BatchWriterOptions {
  /** The stream's currency: totals put rows without a currency value under it. */
  readonly currency: string;
}

/**
 * Writes one batch: `header()` first, then `row()` per row and `error()` per error row (each returns
 * the line to append, `\n` included), then `describe()`.
 */
export class BatchWriter {
  private readonly hash: Hash = createHash('sha256');
  private readonly totals = new Map<string, Decimal>();
  private readonly indexOfAmount: number;
  private rowCount = 0;
  private errorCount = 0;
  private started = false;
  private description: BatchDescription | null = null;

  constructor(
    readonly columns: readonly Column[],
    private readonly options: BatchWriterOptions,
  ) {
    const problems = headerProblems(columns.map((c) => c.name));
    if (problems.length > 0) throw new BatchFormatError(problems.join('; '));
    this.indexOfAmount = columns.findIndex((c) => c.name === 'amount' && c.type === 'decimal');
  }

  header(): string {
    if (this.started) throw new BatchFormatError('the header is written once, first');
    this.started = true;
    return this.emit(`${formatHeader(this.columns)}\n`);
  }

  /** One CSV line. Throws BatchFormatError when a value does not fit its column's type. */
  row(row: Readonly<Row>): string {
    if (!this.started || this.description !== null) throw new BatchFormatError('rows go between header() and describe()');
    const columns = this.columns;
    let line = '';
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += ',';
      line += cell(row[columns[i]!.name], columns[i]!);
    }
    if (this.indexOfAmount >= 0) this.addToTotals(row);
    this.rowCount++;
    return this.emit(`${line}\n`);
  }

  /** One line of the error file: `{"stage","type","reason","row"}` with wire values. Not part of the checksum. */
  error(error: ErrorRow): string {
    this.errorCount++;
    return `${errorLine(error)}\n`;
  }

  /** The JSON description; ends the batch. */
  describe(): BatchDescription {
    if (this.description !== null) return this.description;
    if (!this.started) this.header();
    const totals: Record<string, string> = {};
    for (const currency of [...this.totals.keys()].sort()) totals[currency] = toWire(this.totals.get(currency)!);
    this.description = {
      columns: this.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: this.rowCount,
      errors: this.errorCount,
      totals,
      checksum: this.hash.digest('hex'),
    };
    return this.description;
  }

  /** The whole CSV, line by line (header first), for rows already at hand. */
  *lines(rows: Iterable<Readonly<Row>>): Generator<string> {
    yield this.header();
    for (const row of rows) yield this.row(row);
  }

  private emit(line: string): string {
    this.hash.update(line, 'utf8');
    return line;
  }

  private addToTotals(row: Readonly<Row>): void {
    const amount = row.amount;
    if (amount === undefined || amount === null) return;
    const value = amount instanceof D ? amount : typeof amount === 'string' ? parseDecimal(amount, 'amount') : null;
    if (value === null) return;
    const currency = typeof row.currency === 'string' && row.currency !== '' ? row.currency : this.options.currency;
    const sum = this.totals.get(currency);
    this.totals.set(currency, sum === undefined ? new D(value) : sum.plus(value));
  }
}

/** An error row as one JSON line (no line end). */
export function errorLine(error: ErrorRow): string {
  const row: Record<string, string | boolean | null> = {};
  for (const name of Object.keys(error.row)) row[name] = toWireValue(error.row[name]);
  return JSON.stringify({ stage: error.stage, type: error.type, reason: error.reason, row });
}

// ------------------------------------------------------------------------------------------ reading

/**
 * csv-parse `cast` that keeps null and empty text apart: an unquoted empty field is null, `""` is ''.
 * Use with `BATCH_CSV_PARSE_OPTIONS` when reading batch files.
 */
export function batchCsvCast(value: string, context: { readonly quoting: boolean }): string | null {
  return value === '' && !context.quoting ? null : value;
}

/**
 * Options for csv-parse. `relax_column_count` lets a short or long line reach the reader, which reports
 * it as that row's error instead of failing the whole file.
 */
export const BATCH_CSV_PARSE_OPTIONS = Object.freeze({ cast: batchCsvCast, bom: true, relax_column_count: true, skip_empty_lines: true });

function headerProblems(names: readonly string[]): string[] {
  const problems: string[] = [];
  if (names.length === 0) problems.push('header: no columns');
  if (names.length > MAX_COLUMNS) problems.push(`header: at most ${MAX_COLUMNS} columns`);
  const seen = new Set<string>();
  names.forEach((name, i) => {
    const problem = columnNameProblem(name);
    if (problem !== null) problems.push(`header.${i}: ${problem}`);
    if (seen.has(name)) problems.push(`header.${i}: column '${name}' appears twice`);
    seen.add(name);
  });
  return problems;
}

export interface HeaderOptions {
  /**
   * false (default for batch files): every column must say its type. true (uploads): a bare name takes the
   * standard column's type (`quantity` → decimal, `purchaseDate` → date …) and any other name is text.
   */
  readonly untyped?: boolean;
}

/** Reads a typed header record. Throws ValidationError naming each bad column. */
export function parseHeader(record: readonly (string | null)[], options: HeaderOptions = {}): Column[] {
  const problems: string[] = [];
  const columns = record.map((entry, i): Column => {
    const text = (entry ?? '').trim();
    const colon = text.lastIndexOf(':');
    if (colon < 0) {
      if (!options.untyped) problems.push(`header.${i}: '${text.slice(0, 40)}' has no type (name:${COLUMN_TYPES.join('|')})`);
      return { name: text, type: KNOWN_COLUMN_TYPES.get(text) ?? 'string' };
    }
    const type = text.slice(colon + 1);
    if (!(COLUMN_TYPES as readonly string[]).includes(type))
      problems.push(`header.${i}: unknown type '${type.slice(0, 20)}' (${COLUMN_TYPES.join(', ')})`);
    return { name: text.slice(0, colon), type: type as ColumnType };
  });
  problems.push(...headerProblems(columns.map((c) => c.name)));
  if (problems.length > 0) throw new ValidationError('unreadable CSV header', problems);
  return columns;
}

export type ReadResult =
  | { readonly ok: true; readonly row: Row }
  /** `record` counts data records from 1 (the header is record 0). */
  | { readonly ok: false; readonly record: number; readonly reason: string; readonly fields: readonly (string | null)[] };

function parseCell(text: string | null, column: Column): Value {
  if (text === null) return null;
  if (column.type === 'string') return text;
  if (text === '') return null;
  switch (column.type) {
    case 'decimal':
      return parseDecimal(text, column.name);
    case 'boolean': {
      const lower = text.trim().toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      throw new BatchFormatError(`${column.name}: not true or false: '${text.slice(0, 40)}'`);
    }
    case 'date':
      if (isIsoDate(text.trim())) return text.trim();
      throw new BatchFormatError(`${column.name}: not an ISO date: '${text.slice(0, 40)}'`);
  }
}

/**
 * Turns csv-parse records back into typed rows, one record at a time: the first record is the header.
 * A record that does not fit (field count, a value not of its column's type) is returned as not ok with
 * the reason, so an uploaded file's bad line becomes an error row while the good lines go on.
 */
export class BatchReader {
  private header: Column[] | null = null;
  private records = 0;

  constructor(private readonly options: HeaderOptions = {}) {}

  get columns(): readonly Column[] {
    if (this.header === null) throw new BatchFormatError('the header has not been read yet');
    return this.header;
  }

  /** null for the header record, else the row or why it cannot be read. */
  read(record: readonly (string | null)[]): ReadResult | null {
    if (this.header === null) {
      this.header = parseHeader(record, this.options);
      return null;
    }
    const number = ++this.records;
    const columns = this.header;
    if (record.length !== columns.length) {
      return { ok: false, record: number, reason: `expected ${columns.length} fields, found ${record.length}`, fields: record };
    }
    const row: Row = {};
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      try {
        row[column.name] = parseCell(record[i]!, column);
      } catch (error) {
        if (error instanceof InvalidDecimalError || error instanceof BatchFormatError) {
          return { ok: false, record: number, reason: error.message, fields: record };
        }
        throw error;
      }
    }
    return { ok: true, row };
  }
}
