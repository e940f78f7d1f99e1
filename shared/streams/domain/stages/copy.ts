import { z } from 'zod';
import { columnName, read, type Value } from '../columns';
import { reads } from './checks';
import type { RowStage } from './types';

/** `{"type":"copy","columns":{"customerCode":"meta.reseller"}}`: target ← source. */
export interface CopyStage {
  readonly type: 'copy';
  readonly columns: Readonly<Record<string, string>>;
}

const MAX_COPIES = 100;
export const copySchema = z.strictObject({
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
      if (!targetProblem.success)
        ctx.issues.push({ code: 'custom', path: [target], message: `target ${targetProblem.error.issues[0]!.message}`, input });
      const sourceProblem = columnName.safeParse(source);
      if (!sourceProblem.success) ctx.issues.push({ code: 'custom', path: [target], message: sourceProblem.error.issues[0]!.message, input });
    }
    return Object.freeze(Object.fromEntries(entries)) as Readonly<Record<string, string>>;
  }),
});

export function copyStage(stage: CopyStage, index: number): RowStage {
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
      for (const [i, target] of targets.entries()) columns.set(target, types[i]!);
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
