import { z } from 'zod';
import { ValidationError } from '../../../kernel/errors';
import { identifier } from '../../../kernel/fields';
import { columnName, describeValue, read, StageRowError } from '../columns';
import { keyText } from '../tables';
import { reads } from './checks';
import { distinctColumns } from './fields';
import type { RowStage, StageDeps } from './types';

export interface LookupStage {
  readonly type: 'lookup';
  readonly table: string;
  readonly key: string;
  readonly columns: readonly string[];
  /** A key missing from the table gives null columns instead of an error row. */
  readonly optional?: boolean;
}

export const lookupSchema = z.strictObject({
  type: z.literal('lookup'),
  table: identifier,
  key: columnName,
  columns: distinctColumns(1, 50),
  optional: z.boolean({ error: 'must be true or false' }).optional(),
});

export function lookupStage(stage: LookupStage, index: number, deps: StageDeps): RowStage {
  const table = deps.lookupTables?.get(stage.table);
  if (table === undefined) throw new ValidationError('invalid stream', [`stages.${index}.table: unknown lookup table '${stage.table}'`]);
  const missing = stage.columns.filter((c) => !table.columns.has(c));
  if (table.index.size > 0 && missing.length > 0) {
    throw new ValidationError(
      'invalid stream',
      missing.map((c) => `stages.${index}.columns.${stage.columns.indexOf(c)}: lookup table '${stage.table}' has no column '${c}'`),
    );
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
          throw new StageRowError(
            value === null || value === '' ? `${key} is empty` : `${key} ${describeValue(value)} is not in lookup table '${stage.table}'`,
          );
        }
        for (let i = 0; i < n; i++) row[targets[i]!] = null;
        return true;
      }
      for (let i = 0; i < n; i++) row[targets[i]!] = read(match, targets[i]!);
      return true;
    },
  };
}
