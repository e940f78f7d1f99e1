import { z } from 'zod';
import { isIsoDate } from '../../../kernel/fields';
import { D, toWire } from '../../../kernel/money';
import { isTruthy } from '../../../pricing/domain/expression/values';
import type { CompiledExpression } from '../../../pricing/domain/expression/types';
import { columnName, columnType, describeValue, requiredDecimal, StageRowError, type ColumnType, type Value } from '../columns';
import { checked, inRow, reads } from './checks';
import { expression } from './fields';
import type { RowStage } from './types';

/** `columnType` (default decimal) is the type of the column written; `type` names the stage. */
export interface FormulaStage {
  readonly type: 'formula';
  readonly column: string;
  readonly expression: string;
  readonly columnType?: ColumnType;
  readonly compiled: CompiledExpression;
}

export const formulaSchema = z
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

export function formulaStage(stage: FormulaStage, index: number): RowStage {
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
      row[column] = coerce(
        inRow(column, () => compiled.evaluate(row)),
        type,
        column,
      );
      return true;
    },
  };
}
