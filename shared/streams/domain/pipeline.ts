import { isRefusal, ValidationError } from '../../kernel/errors';
import { cannotPrice } from '../../pricing/domain/errors';
import { ColumnSet, copyRow, StageRowError, type Column, type InputRow, type Row } from './columns';
import { compileStage } from './stages/compile';
import type { CompiledStage, Rater, Stage, StageDeps, StageType } from './stages/types';
import { vatTable } from './stages/vat';
import { ExchangeRateTable, indexLookupTable, InstantCache, type ExchangeRate, type IndexedLookupTable, type LookupTable } from './tables';
import type { VatRateEntry } from './vat-rates';

/**
 * A stream run's transformation (docs/product.md §5): rows go in one at a time and come out one at a time,
 * each through the stages in order. Nothing is dropped silently: a row a stage cannot process comes out
 * as an error row naming the stage and the reason, a row a filter removes is counted, and a row an
 * aggregate consumes comes back (as part of its group) from `finish()`.
 *
 * Per row the pipeline copies the row once (the caller's object is never modified) and then runs one
 * precompiled closure per stage on that copy; tables are indexed and expressions compiled before the
 * first row.
 */

export interface PipelineDeps {
  /** Needed by `rate` stages: the owner's price rules, wired by the caller. */
  readonly rater?: Rater;
  /** The owner's effective-dated exchange rates (`convert-currency`). */
  readonly exchangeRates?: readonly ExchangeRate[] | ExchangeRateTable;
  /** The owner's lookup tables by id (`lookup`); only the tables the stages name are indexed. */
  readonly lookupTables?: ReadonlyMap<string, LookupTable> | Readonly<Record<string, LookupTable>>;
  /** Replaces the shipped EU standard VAT table (`vat`). */
  readonly vatRates?: readonly VatRateEntry[];
}

/** A row a stage could not process, as that stage received it. */
export interface ErrorRow {
  readonly row: Row;
  /** Index of the stage in the stream's `stages`. */
  readonly stage: number;
  readonly type: StageType;
  readonly reason: string;
}

export type PushOutcome =
  | { readonly kind: 'row'; readonly row: Row }
  | { readonly kind: 'error'; readonly error: ErrorRow }
  /** A filter stage removed the row on purpose. */
  | { readonly kind: 'filtered'; readonly stage: number }
  /** An aggregate stage took the row into its groups; the group comes out of `finish()`. */
  | { readonly kind: 'held'; readonly stage: number };

export interface PipelineStats {
  /** Rows pushed. */
  readonly input: number;
  /** Rows that came out (from `push` and `finish`). */
  readonly output: number;
  readonly errors: number;
  readonly filtered: number;
  /** Rows consumed by aggregate stages. */
  readonly aggregated: number;
  /** Group rows aggregate stages emitted. */
  readonly groups: number;
}

export interface PipelineResult {
  readonly rows: Row[];
  readonly errors: ErrorRow[];
}

export interface Pipeline {
  /** The output columns for these input columns; throws ValidationError naming each stage field that cannot fit. */
  columns(input: readonly Column[]): Column[];
  push(row: InputRow): PushOutcome;
  /** Ends the run: aggregate groups go through the stages after their aggregate. Call once. */
  finish(): PipelineResult;
  /** Counts so far. Always input + groups = output + errors + filtered + aggregated. */
  readonly stats: PipelineStats;
}

function tableOf(tables: PipelineDeps['lookupTables'], id: string): LookupTable | undefined {
  if (tables === undefined) return undefined;
  if (tables instanceof Map) return tables.get(id);
  return Object.hasOwn(tables, id) ? (tables as Readonly<Record<string, LookupTable>>)[id] : undefined;
}

function stageDeps(stages: readonly Stage[], deps: PipelineDeps): StageDeps {
  const lookupTables = new Map<string, IndexedLookupTable>();
  for (const stage of stages) {
    if (stage.type !== 'lookup' || lookupTables.has(stage.table)) continue;
    const table = tableOf(deps.lookupTables, stage.table);
    if (table !== undefined) lookupTables.set(stage.table, indexLookupTable(stage.table, table));
  }
  const rates = deps.exchangeRates;
  return {
    rater: deps.rater,
    exchangeRates: rates === undefined ? undefined : rates instanceof ExchangeRateTable ? rates : new ExchangeRateTable(rates),
    lookupTables,
    vatRates: deps.vatRates === undefined ? undefined : vatTable(deps.vatRates),
    instants: new InstantCache(),
  };
}

/** Why a thrown error is a row's failure (its reason), or null when it is a defect that must fail the run. */
function reasonOf(error: unknown): string | null {
  if (error instanceof StageRowError) return error.reason;
  // a row that cannot be priced, or a value a rule refuses (a decimal or a date that is not one, ...)
  if (cannotPrice(error) || isRefusal(error)) return error.message;
  return null;
}

/** Compiles the stages for one run. Throws ValidationError for stages whose tables do not exist. */
export function compilePipeline(stages: readonly Stage[], deps: PipelineDeps = {}): Pipeline {
  const shared = stageDeps(stages, deps);
  const compiled: CompiledStage[] = stages.map((stage, i) => compileStage(stage, i, shared));
  const n = compiled.length;
  const filteredAt = compiled.map((_, stage) => Object.freeze({ kind: 'filtered' as const, stage }));
  const heldAt = compiled.map((_, stage) => Object.freeze({ kind: 'held' as const, stage }));
  const stats = { input: 0, output: 0, errors: 0, filtered: 0, aggregated: 0, groups: 0 };
  let finished = false;

  const run = (row: Row, from: number): PushOutcome => {
    for (let i = from; i < n; i++) {
      const stage = compiled[i]!;
      try {
        if (stage.barrier) {
          stage.add(row);
          stats.aggregated++;
          return heldAt[i]!;
        }
        if (!stage.apply(row)) {
          stats.filtered++;
          return filteredAt[i]!;
        }
      } catch (error) {
        const reason = reasonOf(error);
        if (reason === null) throw error;
        stats.errors++;
        return { kind: 'error', error: { row, stage: i, type: stage.type, reason } };
      }
    }
    stats.output++;
    return { kind: 'row', row };
  };

  return {
    columns(input) {
      const issues: string[] = [];
      let columns = new ColumnSet(input);
      for (const stage of compiled) columns = stage.declare(columns, issues);
      if (issues.length > 0) throw new ValidationError("the stages do not fit the stream's columns", issues);
      return columns.toArray();
    },
    push(input) {
      if (finished) throw new Error('pipeline already finished');
      stats.input++;
      return run(copyRow(input), 0);
    },
    finish() {
      if (finished) throw new Error('pipeline already finished');
      finished = true;
      const rows: Row[] = [];
      const errors: ErrorRow[] = [];
      // Barriers in stage order: a group of barrier i can only be held again by a later barrier.
      for (let i = 0; i < n; i++) {
        const stage = compiled[i]!;
        if (!stage.barrier) continue;
        for (const group of stage.drain()) {
          stats.groups++;
          const outcome = run(group, i + 1);
          if (outcome.kind === 'row') rows.push(outcome.row);
          else if (outcome.kind === 'error') errors.push(outcome.error);
        }
      }
      return { rows, errors };
    },
    get stats(): PipelineStats {
      return { ...stats };
    },
  };
}

/** The output columns of `stages` for `input` columns, without running anything (save-time checks). */
export function outputColumns(stages: readonly Stage[], input: readonly Column[], deps: PipelineDeps = {}): Column[] {
  const rater: Rater = deps.rater ?? (() => ({ error: 'not rating' }));
  return compilePipeline(stages, { ...deps, rater }).columns(input);
}

export interface RunResult extends PipelineResult {
  readonly stats: PipelineStats;
}

/** Runs `rows` through a fresh pipeline in memory (tests, small uploads). */
export function runPipeline(stages: readonly Stage[], rows: Iterable<InputRow>, deps: PipelineDeps = {}): RunResult {
  const pipeline = compilePipeline(stages, deps);
  const out: Row[] = [];
  const errors: ErrorRow[] = [];
  for (const input of rows) {
    const outcome = pipeline.push(input);
    if (outcome.kind === 'row') out.push(outcome.row);
    else if (outcome.kind === 'error') errors.push(outcome.error);
  }
  const rest = pipeline.finish();
  out.push(...rest.rows);
  errors.push(...rest.errors);
  return { rows: out, errors, stats: pipeline.stats };
}

export type StreamedOutcome = { readonly kind: 'row'; readonly row: Row } | { readonly kind: 'error'; readonly error: ErrorRow };

/**
 * Streams `source` through `pipeline`: yields each output row and error row as soon as it exists, then
 * what `finish()` emits. Memory stays O(1) per row (plus O(groups) for aggregates).
 */
export async function* transformRows(pipeline: Pipeline, source: AsyncIterable<InputRow> | Iterable<InputRow>): AsyncGenerator<StreamedOutcome> {
  for await (const input of source) {
    const outcome = pipeline.push(input);
    if (outcome.kind === 'row' || outcome.kind === 'error') yield outcome;
  }
  const rest = pipeline.finish();
  for (const row of rest.rows) yield { kind: 'row', row };
  for (const error of rest.errors) yield { kind: 'error', error };
}
