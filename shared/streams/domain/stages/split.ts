import type { RE2JS } from 're2js';
import { z } from 'zod';
import { columnName, describeValue, read, requiredText, StageRowError } from '../columns';
import { reads } from './checks';
import { distinctColumns } from './fields';
import { compilePattern } from './patterns';
import type { RowStage } from './types';

export interface SplitStage {
  readonly type: 'split';
  readonly column: string;
  readonly pattern: string;
  readonly into: readonly string[];
  /** Compiled with RE2: linear-time matching, the same capture groups as the pattern's (?:…) aside. */
  readonly regex: RE2JS;
}

/** Split input longer than this is a row error: a split column holds a code or a label, not a text. */
export const MAX_SPLIT_INPUT_LENGTH = 256;

export const splitSchema = z
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

export function splitStage(stage: SplitStage, index: number): RowStage {
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
      if (text.length > MAX_SPLIT_INPUT_LENGTH)
        throw new StageRowError(`${column} is longer than ${MAX_SPLIT_INPUT_LENGTH} characters; split does not read it`);
      const match = regex.exec(text);
      if (match === null) throw new StageRowError(`${column} ${describeValue(value)} does not match the pattern`);
      for (let i = 0; i < n; i++) row[into[i]!] = match[i + 1] ?? null;
      return true;
    },
  };
}
