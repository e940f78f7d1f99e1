import { z } from 'zod';
import type { CompiledExpression } from '../../../pricing/domain/expression/types';
import { inRow, reads } from './checks';
import { expression } from './fields';
import type { RowStage } from './types';

/** Exactly one of `keep` and `drop`. */
export interface FilterStage {
  readonly type: 'filter';
  readonly keep?: string;
  readonly drop?: string;
  readonly compiled: CompiledExpression;
}

export const filterSchema = z
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

export function filterStage(stage: FilterStage, index: number): RowStage {
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
