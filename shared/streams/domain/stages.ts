import type Decimal from 'decimal.js';
import { RE2JS, RE2JSException } from 're2js';
import { z } from 'zod';
import { ValidationError } from '../../kernel/errors';
import { currency, identifier, isIsoDate } from '../../kernel/fields';
import { D, inDecimalRange, outOfRangeReason, toWire } from '../../kernel/money';
import { ExpressionError } from '../../pricing/domain/errors';
import { compileExpression, isTruthy, type CompiledExpression } from '../../pricing/domain/expression';
import { describeIssues } from '../../kernel/validation';
import {
  ColumnSet,
  columnName,
  columnType,
  decimalOf,
  describeValue,
  read,
  requiredDecimal,
  requiredText,
  StageRowError,
  type ColumnType,
  type Row,
  type Value,
} from './columns';
import { EffectiveSeries, InstantCache, keyText, type ExchangeRateTable, type IndexedLookupTable } from './tables';
import { EU_STANDARD_VAT_RATES, type VatRateEntry } from './vat-rates';

/**
 * Stages of a stream (PRODUCT.md §5, API.md "Stages"): their JSON shapes, their validation when a stream
 * is saved, and their compiled form — one closure per stage that processes one row in place.
 *
 * Every row stage is atomic: it computes everything first and writes only when nothing can fail any more,
 * so a row it rejects reaches the error output exactly as the stage received it.
 */

export const STAGE_TYPES = ['rate', 'copy', 'split', 'formula', 'filter', 'convert-currency', 'lookup', 'vat', 'aggregate'] as const;
export type StageType = (typeof STAGE_TYPES)[number];

// ------------------------------------------------------------------------------------ definitions

/** `{"type":"rate"}`: columns default to productLabel, customerCode, quantity, purchaseDate. */
export interface RateStage {
  readonly type: 'rate';
  readonly product?: string;
  readonly customer?: string;
  readonly quantity?: string;
  readonly date?: string;
}
/** `{"type":"copy","columns":{"customerCode":"meta.reseller"}}`: target ← source. */
export interface CopyStage {
  readonly type: 'copy';
  readonly columns: Readonly<Record<string, string>>;
}
export interface SplitStage {
  readonly type: 'split';
  readonly column: string;
  readonly pattern: string;
  readonly into: readonly string[];
  /** Compiled with RE2: linear-time matching, the same capture groups as the pattern's (?:…) aside. */
  readonly regex: RE2JS;
}
/** `columnType` (default decimal) is the type of the column written; `type` names the stage. */
export interface FormulaStage {
  readonly type: 'formula';
  readonly column: string;
  readonly expression: string;
  readonly columnType?: ColumnType;
  readonly compiled: CompiledExpression;
}
/** Exactly one of `keep` and `drop`. */
export interface FilterStage {
  readonly type: 'filter';
  readonly keep?: string;
  readonly drop?: string;
  readonly compiled: CompiledExpression;
}
export interface ConvertCurrencyStage {
  readonly type: 'convert-currency';
  readonly columns: readonly string[];
  readonly to: string;
  /** The date column that picks the rate (default purchaseDate). */
  readonly date?: string;
}
export interface LookupStage {
  readonly type: 'lookup';
  readonly table: string;
  readonly key: string;
  readonly columns: readonly string[];
  /** A key missing from the table gives null columns instead of an error row. */
  readonly optional?: boolean;
}
export interface VatStage {
  readonly type: 'vat';
  readonly country: string;
  readonly into: string;
  /** The date column that picks the rate (default purchaseDate; an empty date takes the current rate). */
  readonly date?: string;
}
export interface AggregateStage {
  readonly type: 'aggregate';
  readonly groupBy: readonly string[];
  readonly sum: readonly string[];
}

export type Stage =
  | RateStage
  | CopyStage
  | SplitStage
  | FormulaStage
  | FilterStage
  | ConvertCurrencyStage
  | LookupStage
  | VatStage
  | AggregateStage;

export type WireStage = Record<string, unknown> & { type: StageType };

// ------------------------------------------------------------------------------------- validation

export const MAX_PATTERN_LENGTH = 200;
/** Split input longer than this is a row error: a split column holds a code or a label, not a text. */
export const MAX_SPLIT_INPUT_LENGTH = 256;
/**
 * RE2's time per character grows with the compiled program; this bound keeps the worst pattern at about
 * a millisecond per 256-character row (`.{1000}` or `(a{100}){10}` are refused; real split patterns
 * compile to a few dozen instructions).
 */
export const MAX_PATTERN_PROGRAM_SIZE = 1000;

/**
 * Compiles a split pattern with RE2 (re2js), whose matching time is linear in the input whatever the
 * pattern: `^(.*a){8}$` or `(a+)+` cost microseconds, where a backtracking engine (JS RegExp) can take
 * seconds or forever on one row and block everything else the process serves. What RE2 cannot match in
 * linear time, backreferences and lookaround, it does not compile: such a pattern is refused at save.
 */
export function compilePattern(pattern: string): { pattern: RE2JS } | { problem: string } {
  if (pattern === '') return { problem: 'must not be empty' };
  if (pattern.length > MAX_PATTERN_LENGTH) return { problem: `must be at most ${MAX_PATTERN_LENGTH} characters` };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    return { problem: patternMessage(error.message) };
  }
  const size = compiled.programSize();
  if (size > MAX_PATTERN_PROGRAM_SIZE) {
    return { problem: `too complex: it compiles to ${size} instructions, at most ${MAX_PATTERN_PROGRAM_SIZE} (use smaller repeat counts)` };
  }
  return { pattern: compiled };
}

/** Why `pattern` cannot be a split pattern, or null. */
export function patternProblem(pattern: string): string | null {
  const compiled = compilePattern(pattern);
  return 'problem' in compiled ? compiled.problem : null;
}

function patternMessage(message: string): string {
  if (/invalid escape sequence: `\\([1-9]|k)/.test(message)) return 'backreferences are not supported (a pattern must match in linear time)';
  if (/unsupported Perl syntax: `\(\?[=!]|invalid named capture: `\(\?<[=!]/.test(message)) {
    return 'lookahead and lookbehind are not supported (a pattern must match in linear time)';
  }
  return `not a valid regular expression: ${message.replace(/^error parsing regexp: /, '')}`;
}

/** A compiled expression; `metadata.<key>` gets a hint because stream rows call that column `meta.<key>`. */
const expression = z.unknown().transform((input, ctx): CompiledExpression => {
  if (typeof input !== 'string') {
    ctx.issues.push({ code: 'custom', message: input === undefined ? 'required' : 'must be a string', input });
    return z.NEVER;
  }
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(input);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input });
    return z.NEVER;
  }
  const metadataName = compiled.identifiers.find((name) => name.startsWith('metadata.'));
  if (metadataName !== undefined) {
    ctx.issues.push({ code: 'custom', message: `unknown column '${metadataName}' (stream rows name metadata columns 'meta.${metadataName.slice(9)}')`, input });
    return z.NEVER;
  }
  return compiled;
});

function distinctColumns(min: number, max: number) {
  return z
    .array(columnName, { error: (issue) => (issue.input === undefined ? 'required' : 'must be an array of column names') })
    .min(min, min === 1 ? 'must name at least one column' : `must name at least ${min} columns`)
    .max(max, `must name at most ${max} columns`)
    .superRefine((names, ctx) => {
      const seen = new Set<string>();
      names.forEach((name, i) => {
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i], message: `'${name}' appears twice` });
        seen.add(name);
      });
    });
}

const optionalColumn = columnName.optional();

const rateSchema = z.strictObject({
  type: z.literal('rate'),
  product: optionalColumn,
  customer: optionalColumn,
  quantity: optionalColumn,
  date: optionalColumn,
});

const MAX_COPIES = 100;
const copySchema = z.strictObject({
  type: z.literal('copy'),
  columns: z.unknown().transform((input, ctx): Readonly<Record<string, string>> => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      ctx.issues.push({ code: 'custom', message: input === undefined ? 'required' : 'must be an object of target: source column names', input });
      return z.NEVER;
    }
    const entries = Object.entries(input as Record<string, unknown>);
    if (entries.length === 0) ctx.issues.push({ code: 'custom', message: 'must copy at least one column', input });
    if (entries.length > MAX_COPIES) ctx.issues.push({ code: 'custom', message: `must copy at most ${MAX_COPIES} columns`, input });
    for (const [target, source] of entries) {
      const targetProblem = columnName.safeParse(target);
      if (!targetProblem.success) ctx.issues.push({ code: 'custom', path: [target], message: `target ${targetProblem.error.issues[0]!.message}`, input });
      const sourceProblem = columnName.safeParse(source);
      if (!sourceProblem.success) ctx.issues.push({ code: 'custom', path: [target], message: sourceProblem.error.issues[0]!.message, input });
    }
    return Object.freeze(Object.fromEntries(entries)) as Readonly<Record<string, string>>;
  }),
});

const splitSchema = z
  .strictObject({
    type: z.literal('split'),
    column: columnName,
    pattern: z.string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') }),
    into: distinctColumns(1, 20),
  })
  .transform((stage, ctx): SplitStage => {
    const compiled = compilePattern(stage.pattern);
    if ('problem' in compiled) {
      ctx.issues.push({ code: 'custom', path: ['pattern'], message: compiled.problem, input: stage.pattern });
      return z.NEVER;
    }
    const regex = compiled.pattern;
    const groups = regex.groupCount();
    if (groups !== stage.into.length) {
      ctx.issues.push({
        code: 'custom',
        path: ['into'],
        message: `the pattern has ${groups} capture group${groups === 1 ? '' : 's'} but into names ${stage.into.length} column${stage.into.length === 1 ? '' : 's'} (use (?:…) for groups that are not columns)`,
        input: stage.into,
      });
      return z.NEVER;
    }
    return { ...stage, regex };
  });

const formulaSchema = z
  .strictObject({
    type: z.literal('formula'),
    column: columnName,
    expression,
    columnType: columnType.optional(),
  })
  .transform((stage): FormulaStage => {
    const { expression: compiled, ...rest } = stage;
    return { ...rest, expression: compiled.source, compiled };
  });

const filterSchema = z
  .strictObject({ type: z.literal('filter'), keep: expression.optional(), drop: expression.optional() })
  .transform((stage, ctx): FilterStage => {
    if ((stage.keep === undefined) === (stage.drop === undefined)) {
      ctx.issues.push({ code: 'custom', path: ['keep'], message: "exactly one of 'keep' and 'drop' is required", input: stage });
      return z.NEVER;
    }
    return stage.keep !== undefined
      ? { type: 'filter', keep: stage.keep.source, compiled: stage.keep }
      : { type: 'filter', drop: stage.drop!.source, compiled: stage.drop! };
  });

const convertSchema = z
  .strictObject({ type: z.literal('convert-currency'), columns: distinctColumns(1, 20), to: currency, date: optionalColumn })
  .superRefine((stage, ctx) => {
    const i = stage.columns.indexOf('currency');
    if (i >= 0) ctx.addIssue({ code: 'custom', path: ['columns', i], message: "'currency' is set by the stage itself" });
  });

const lookupSchema = z.strictObject({
  type: z.literal('lookup'),
  table: identifier,
  key: columnName,
  columns: distinctColumns(1, 50),
  optional: z.boolean({ error: 'must be true or false' }).optional(),
});

const vatSchema = z.strictObject({ type: z.literal('vat'), country: columnName, into: columnName, date: optionalColumn });

const aggregateSchema = z
  .strictObject({ type: z.literal('aggregate'), groupBy: distinctColumns(0, 20), sum: distinctColumns(1, 20) })
  .superRefine((stage, ctx) => {
    stage.sum.forEach((name, i) => {
      if (stage.groupBy.includes(name)) ctx.addIssue({ code: 'custom', path: ['sum', i], message: `'${name}' is also a groupBy column` });
      if (name === 'currency') ctx.addIssue({ code: 'custom', path: ['sum', i], message: "'currency' cannot be summed" });
    });
  });

const STAGE_SCHEMAS: Readonly<Record<StageType, z.ZodType<Stage>>> = {
  rate: rateSchema,
  copy: copySchema,
  split: splitSchema,
  formula: formulaSchema,
  filter: filterSchema,
  'convert-currency': convertSchema,
  lookup: lookupSchema,
  vat: vatSchema,
  aggregate: aggregateSchema,
};

/** One stage of `stages`, dispatched on `type` so that errors speak of that stage's own fields. */
export const stageSchema = z.unknown().transform((input, ctx): Stage => {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    ctx.issues.push({ code: 'custom', message: 'must be an object', input });
    return z.NEVER;
  }
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string' || !(STAGE_TYPES as readonly string[]).includes(type)) {
    ctx.issues.push({
      code: 'custom',
      path: ['type'],
      message: type === undefined ? `required (one of ${STAGE_TYPES.join(', ')})` : `must be one of ${STAGE_TYPES.join(', ')}`,
      input,
    });
    return z.NEVER;
  }
  const result = STAGE_SCHEMAS[type as StageType].safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.issues.push({ code: 'custom', path: issue.path, message: issue.message, input });
    return z.NEVER;
  }
  return result.data;
});

/** Parses one stage; errors read `stages.<index>.<field>: <what is wrong>`. */
export function parseStage(input: unknown, index = 0): Stage {
  const result = stageSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError('invalid stage', describeIssues(result.error.issues.map((issue) => ({ ...issue, path: ['stages', index, ...issue.path] }))));
}

/** The stage as the API shows it: exactly the fields that were given, nothing compiled. */
export function toWireStage(stage: Stage): WireStage {
  switch (stage.type) {
    case 'split':
      return { type: 'split', column: stage.column, pattern: stage.pattern, into: [...stage.into] };
    case 'formula':
      return omitUndefined({ type: 'formula', column: stage.column, expression: stage.expression, columnType: stage.columnType });
    case 'filter':
      return omitUndefined({ type: 'filter', keep: stage.keep, drop: stage.drop });
    case 'copy':
      return { type: 'copy', columns: { ...stage.columns } };
    case 'convert-currency':
      return omitUndefined({ type: stage.type, columns: [...stage.columns], to: stage.to, date: stage.date });
    case 'lookup':
      return omitUndefined({ type: stage.type, table: stage.table, key: stage.key, columns: [...stage.columns], optional: stage.optional });
    case 'aggregate':
      return { type: stage.type, groupBy: [...stage.groupBy], sum: [...stage.sum] };
    default:
      return omitUndefined({ ...stage });
  }
}

function omitUndefined<T extends { type: StageType }>(value: T): WireStage {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as WireStage;
}

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

export type VatTable = ReadonlyMap<string, EffectiveSeries<Decimal>>;

export function vatTable(entries: readonly VatRateEntry[] = EU_STANDARD_VAT_RATES): VatTable {
  const grouped = new Map<string, { validFrom: string; value: Decimal }[]>();
  for (const entry of entries) {
    let list = grouped.get(entry.country);
    if (list === undefined) grouped.set(entry.country, (list = []));
    list.push({ validFrom: entry.validFrom, value: new D(entry.rate) });
  }
  return new Map([...grouped].map(([country, list]) => [country, new EffectiveSeries(list)]));
}

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

function reads(columns: ColumnSet, name: string, field: string, index: number, issues: string[]): void {
  if (!columns.has(name) && !name.startsWith('meta.')) issues.push(`stages.${index}.${field}: unknown column '${name}'`);
}

/** Decimals past the range money.ts reads back are refused, so every batch written can be read again. */
function checked(value: Decimal, column: string): Decimal {
  if (!inDecimalRange(value)) throw new StageRowError(`${column}: result ${outOfRangeReason(value)}`);
  return value;
}

function notADate(column: string, value: Value): StageRowError {
  return new StageRowError(value === null || value === '' ? `${column} is empty` : `${column}: not an ISO date: ${describeValue(value)}`);
}

/** Compiles one parsed stage for one run. Missing dependencies are errors of the caller's wiring or data. */
export function compileStage(stage: Stage, index: number, deps: StageDeps): CompiledStage {
  switch (stage.type) {
    case 'rate':
      return rateStage(stage, index, deps);
    case 'copy':
      return copyStage(stage, index);
    case 'split':
      return splitStage(stage, index);
    case 'formula':
      return formulaStage(stage, index);
    case 'filter':
      return filterStage(stage, index);
    case 'convert-currency':
      return convertStage(stage, index, deps);
    case 'lookup':
      return lookupStage(stage, index, deps);
    case 'vat':
      return vatStage(stage, index, deps);
    case 'aggregate':
      return aggregateStage(stage, index);
  }
}

function rateStage(stage: RateStage, index: number, deps: StageDeps): RowStage {
  const rater = deps.rater;
  if (rater === undefined) throw new Error(`stage ${index} (rate) needs a rater`);
  const product = stage.product ?? 'productLabel';
  const customer = stage.customer ?? 'customerCode';
  const quantity = stage.quantity ?? 'quantity';
  const date = stage.date ?? 'purchaseDate';
  const instants = deps.instants ?? new InstantCache();
  return {
    index,
    type: 'rate',
    barrier: false,
    declare(columns, issues) {
      reads(columns, product, 'product', index, issues);
      reads(columns, customer, 'customer', index, issues);
      reads(columns, quantity, 'quantity', index, issues);
      reads(columns, date, 'date', index, issues);
      columns.set('unitPrice', 'decimal');
      columns.set('amount', 'decimal');
      columns.set('currency', 'string');
      columns.set('priceRule', 'string');
      return columns;
    },
    apply(row) {
      const dateValue = read(row, date);
      if (typeof dateValue !== 'string' || Number.isNaN(instants.of(dateValue))) throw notADate(date, dateValue);
      const outcome = rater({
        product: requiredText(read(row, product), product),
        customer: requiredText(read(row, customer), customer),
        quantity: requiredDecimal(read(row, quantity), quantity),
        date: dateValue,
        row,
      });
      if ('error' in outcome) throw new StageRowError(outcome.error);
      if (!(outcome.amount instanceof D)) throw new TypeError('the rater must return the amount as a Decimal');
      row.unitPrice = outcome.unitPrice;
      row.amount = outcome.amount;
      row.currency = outcome.currency;
      row.priceRule = outcome.priceRule;
      return true;
    },
  };
}

function copyStage(stage: CopyStage, index: number): RowStage {
  const targets = Object.keys(stage.columns);
  const sources = targets.map((t) => stage.columns[t]!);
  const n = targets.length;
  const values: Value[] = new Array(n).fill(null);
  return {
    index,
    type: 'copy',
    barrier: false,
    declare(columns, issues) {
      const types = sources.map((source, i) => {
        reads(columns, source, `columns.${targets[i]}`, index, issues);
        return columns.type(source) ?? 'string';
      });
      targets.forEach((target, i) => columns.set(target, types[i]!));
      return columns;
    },
    apply(row) {
      // Read all, then write all: {"a":"b","b":"a"} swaps.
      for (let i = 0; i < n; i++) values[i] = read(row, sources[i]!);
      for (let i = 0; i < n; i++) row[targets[i]!] = values[i]!;
      return true;
    },
  };
}

function splitStage(stage: SplitStage, index: number): RowStage {
  const { column, regex, into } = stage;
  const n = into.length;
  return {
    index,
    type: 'split',
    barrier: false,
    declare(columns, issues) {
      reads(columns, column, 'column', index, issues);
      for (const name of into) columns.set(name, 'string');
      return columns;
    },
    apply(row) {
      const value = read(row, column);
      const text = requiredText(value, column);
      if (text.length > MAX_SPLIT_INPUT_LENGTH) throw new StageRowError(`${column} is longer than ${MAX_SPLIT_INPUT_LENGTH} characters; split does not read it`);
      const match = regex.exec(text);
      if (match === null) throw new StageRowError(`${column} ${describeValue(value)} does not match the pattern`);
      for (let i = 0; i < n; i++) row[into[i]!] = match[i + 1] ?? null;
      return true;
    },
  };
}

/** A formula's value as its column type; null stays null (an `if` may have no value for some rows). */
function coerce(value: Value, type: ColumnType, column: string): Value {
  if (value === null) return null;
  switch (type) {
    case 'decimal':
      if (value instanceof D) return checked(value, column);
      if (typeof value === 'string') return checked(requiredDecimal(value, column), column);
      throw new StageRowError(`${column}: expression must produce a decimal, got ${describeValue(value)}`);
    case 'string':
      return typeof value === 'string' ? value : value instanceof D ? toWire(value) : String(value);
    case 'boolean':
      return isTruthy(value);
    case 'date':
      if (typeof value === 'string' && isIsoDate(value)) return value;
      throw new StageRowError(`${column}: expression must produce an ISO date, got ${describeValue(value)}`);
  }
}

function formulaStage(stage: FormulaStage, index: number): RowStage {
  const { column, compiled } = stage;
  const type = stage.columnType ?? 'decimal';
  return {
    index,
    type: 'formula',
    barrier: false,
    declare(columns, issues) {
      for (const name of compiled.identifiers) reads(columns, name, 'expression', index, issues);
      columns.set(column, type);
      return columns;
    },
    apply(row) {
      row[column] = coerce(inRow(column, () => compiled.evaluate(row)), type, column);
      return true;
    },
  };
}

/** Evaluates an expression for one row; its failure makes that row an error row naming the field. */
function inRow<T>(field: string, evaluate: () => T): T {
  try {
    return evaluate();
  } catch (error) {
    if (error instanceof ExpressionError) throw new StageRowError(`${field}: ${error.message}`);
    throw error;
  }
}

function filterStage(stage: FilterStage, index: number): RowStage {
  const { compiled } = stage;
  const keep = stage.keep !== undefined;
  const field = keep ? 'keep' : 'drop';
  return {
    index,
    type: 'filter',
    barrier: false,
    declare(columns, issues) {
      for (const name of compiled.identifiers) reads(columns, name, field, index, issues);
      return columns;
    },
    apply(row) {
      return inRow(field, () => compiled.evaluateBoolean(row)) === keep;
    },
  };
}

function convertStage(stage: ConvertCurrencyStage, index: number, deps: StageDeps): RowStage {
  const { to } = stage;
  const targets = stage.columns;
  const n = targets.length;
  const date = stage.date ?? 'purchaseDate';
  const table = deps.exchangeRates;
  const converted: (Decimal | null)[] = new Array(n).fill(null);
  const instants = deps.instants ?? new InstantCache();
  // The series of the last source currency seen: a run mostly converts from one or two currencies.
  let lastFrom: string | null = null;
  let lastSeries: EffectiveSeries<Decimal> | undefined;
  return {
    index,
    type: 'convert-currency',
    barrier: false,
    declare(columns, issues) {
      reads(columns, 'currency', 'to', index, issues);
      reads(columns, date, 'date', index, issues);
      targets.forEach((name, i) => {
        reads(columns, name, `columns.${i}`, index, issues);
        const type = columns.type(name);
        if (type === 'boolean' || type === 'date') issues.push(`stages.${index}.columns.${i}: '${name}' is a ${type} column, not an amount`);
        columns.set(name, 'decimal');
      });
      columns.set('currency', 'string');
      return columns;
    },
    apply(row) {
      const current = read(row, 'currency');
      if (current === to) return true;
      const from = requiredText(current, 'currency');
      const dateValue = read(row, date);
      const at = typeof dateValue === 'string' ? instants.of(dateValue) : NaN;
      if (Number.isNaN(at)) throw notADate(date, dateValue);
      if (from !== lastFrom) {
        lastFrom = from;
        lastSeries = table?.series(from, to);
      }
      const rate = lastSeries?.at(at);
      if (rate === undefined) throw new StageRowError(`no exchange rate ${from}-${to} valid on ${dateValue as string}`);
      for (let i = 0; i < n; i++) {
        const name = targets[i]!;
        const amount = decimalOf(read(row, name), name);
        converted[i] = amount === null ? null : checked(amount.times(rate), name);
      }
      for (let i = 0; i < n; i++) row[targets[i]!] = converted[i]!;
      row.currency = to;
      return true;
    },
  };
}

function lookupStage(stage: LookupStage, index: number, deps: StageDeps): RowStage {
  const table = deps.lookupTables?.get(stage.table);
  if (table === undefined) throw new ValidationError('invalid stream', [`stages.${index}.table: unknown lookup table '${stage.table}'`]);
  const missing = stage.columns.filter((c) => !table.columns.has(c));
  if (table.index.size > 0 && missing.length > 0) {
    throw new ValidationError('invalid stream', missing.map((c) => `stages.${index}.columns.${stage.columns.indexOf(c)}: lookup table '${stage.table}' has no column '${c}'`));
  }
  const { key, columns: targets, optional = false } = stage;
  const n = targets.length;
  const index_ = table.index;
  return {
    index,
    type: 'lookup',
    barrier: false,
    declare(columns, issues) {
      reads(columns, key, 'key', index, issues);
      for (const name of targets) columns.set(name, table.columns.get(name) ?? 'string');
      return columns;
    },
    apply(row) {
      const value = read(row, key);
      const match = value === null || value === '' ? undefined : index_.get(keyText(value));
      if (match === undefined) {
        if (!optional) {
          throw new StageRowError(value === null || value === '' ? `${key} is empty` : `${key} ${describeValue(value)} is not in lookup table '${stage.table}'`);
        }
        for (let i = 0; i < n; i++) row[targets[i]!] = null;
        return true;
      }
      for (let i = 0; i < n; i++) row[targets[i]!] = read(match, targets[i]!);
      return true;
    },
  };
}

let defaultVat: VatTable | undefined;

function vatStage(stage: VatStage, index: number, deps: StageDeps): RowStage {
  const rates = deps.vatRates ?? (defaultVat ??= vatTable());
  const { country, into } = stage;
  const date = stage.date ?? 'purchaseDate';
  const instants = deps.instants ?? new InstantCache();
  return {
    index,
    type: 'vat',
    barrier: false,
    declare(columns, issues) {
      reads(columns, country, 'country', index, issues);
      if (stage.date !== undefined) reads(columns, date, 'date', index, issues);
      columns.set(into, 'decimal');
      return columns;
    },
    apply(row) {
      const value = read(row, country);
      const code = requiredText(value, country).trim().toUpperCase();
      const series = rates.get(code);
      if (series === undefined) throw new StageRowError(`${country}: no standard VAT rate for country ${describeValue(value)}`);
      const dateValue = read(row, date);
      let rate: Decimal | undefined;
      if (dateValue === null || dateValue === '') rate = series.latest();
      else {
        const at = typeof dateValue === 'string' ? instants.of(dateValue) : NaN;
        if (Number.isNaN(at)) throw notADate(date, dateValue);
        rate = series.at(at) ?? series.first();
      }
      row[into] = rate!;
      return true;
    },
  };
}

interface Group {
  readonly keys: Value[];
  readonly sums: Decimal[];
}

const ZERO = new D(0);

/** Length-prefixed so that no two different key tuples share an encoding. */
function encodeKey(value: Value): string {
  if (value === null) return 'n';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = typeof value === 'string' ? value : keyText(value);
  return `${typeof value === 'string' ? 's' : 'd'}${text.length}:${text}`;
}

/**
 * Groups rows and sums columns. A barrier: it holds one entry per group (the group's key values and its
 * running sums) and nothing per row, so its memory is O(groups), whatever the number of rows.
 * Amounts in different currencies are never added up: `currency` is always part of the group key
 * (and of the output) even when `groupBy` does not name it. An empty sum value counts as nothing; a
 * value that is not a decimal makes the row an error row (the group does not include it).
 */
function aggregateStage(stage: AggregateStage, index: number): BarrierStage {
  const keyColumns = stage.groupBy.includes('currency') ? [...stage.groupBy] : [...stage.groupBy, 'currency'];
  const sumColumns = stage.sum;
  const k = keyColumns.length;
  const s = sumColumns.length;
  const addends: (Decimal | null)[] = new Array(s).fill(null);
  const sums: Decimal[] = new Array(s).fill(ZERO);
  let groups = new Map<string, Group>();
  return {
    index,
    type: 'aggregate',
    barrier: true,
    declare(columns, issues) {
      const out = new ColumnSet();
      stage.groupBy.forEach((name, i) => {
        reads(columns, name, `groupBy.${i}`, index, issues);
        out.set(name, columns.type(name) ?? 'string');
      });
      out.set('currency', columns.type('currency') ?? 'string');
      sumColumns.forEach((name, i) => {
        reads(columns, name, `sum.${i}`, index, issues);
        const type = columns.type(name);
        if (type === 'boolean' || type === 'date') issues.push(`stages.${index}.sum.${i}: '${name}' is a ${type} column, not a number`);
        out.set(name, 'decimal');
      });
      return out;
    },
    add(row) {
      for (let i = 0; i < s; i++) addends[i] = decimalOf(read(row, sumColumns[i]!), sumColumns[i]!);
      let key = '';
      for (let i = 0; i < k; i++) key += encodeKey(read(row, keyColumns[i]!));
      const group = groups.get(key);
      // Every new sum first: a row that would take one out of range is an error row and adds nothing.
      for (let i = 0; i < s; i++) {
        const addend = addends[i];
        const sum = group?.sums[i] ?? ZERO;
        sums[i] = addend === null || addend === undefined ? sum : checked(sum.plus(addend), `sum of ${sumColumns[i]!}`);
      }
      if (group === undefined) groups.set(key, { keys: keyColumns.map((c) => read(row, c)), sums: sums.slice() });
      else for (let i = 0; i < s; i++) group.sums[i] = sums[i]!;
    },
    *drain() {
      const drained = groups;
      groups = new Map();
      for (const group of drained.values()) {
        const row: Row = {};
        for (let i = 0; i < k; i++) row[keyColumns[i]!] = group.keys[i]!;
        for (let i = 0; i < s; i++) row[sumColumns[i]!] = group.sums[i]!;
        yield row;
      }
    },
  };
}
