import type Decimal from 'decimal.js';
import { inDecimalRange, outOfRangeReason } from '../../../kernel/money';
import { ExpressionError } from '../../../pricing/domain/errors';
import { describeValue, StageRowError, type ColumnSet, type Value } from '../columns';

/** Checks compiled stages share: columns a stage reads, results it writes, dates and expressions of one row. */

export function reads(columns: ColumnSet, name: string, field: string, index: number, issues: string[]): void {
  if (!columns.has(name) && !name.startsWith('meta.')) issues.push(`stages.${index}.${field}: unknown column '${name}'`);
}

/** Decimals past the range money.ts reads back are refused, so every batch written can be read again. */
export function checked(value: Decimal, column: string): Decimal {
  if (!inDecimalRange(value)) throw new StageRowError(`${column}: result ${outOfRangeReason(value)}`);
  return value;
}

export function notADate(column: string, value: Value): StageRowError {
  return new StageRowError(value === null || value === '' ? `${column} is empty` : `${column}: not an ISO date: ${describeValue(value)}`);
}

/** Evaluates an expression for one row; its failure makes that row an error row naming the field. */
export function inRow<T>(field: string, evaluate: () => T): T {
  try {
    return evaluate();
  } catch (error) {
    if (error instanceof ExpressionError) throw new StageRowError(`${field}: ${error.message}`);
    throw error;
  }
}
