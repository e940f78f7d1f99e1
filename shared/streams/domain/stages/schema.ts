import { z } from 'zod';
import { ValidationError } from '../../../kernel/errors';
import { describeIssues } from '../../../kernel/validation';
import { aggregateSchema } from './aggregate';
import { convertSchema } from './convert-currency';
import { copySchema } from './copy';
import { filterSchema } from './filter';
import { formulaSchema } from './formula';
import { lookupSchema } from './lookup';
import { rateSchema } from './rate';
import { splitSchema } from './split';
import { STAGE_TYPES, type Stage, type StageType, type WireStage } from './types';
import { vatSchema } from './vat';

/** A stage as a stream definition gives it: parsed when the stream is saved (patterns and expressions compiled), and shown back. */

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
  throw new ValidationError(
    'invalid stage',
    describeIssues(result.error.issues.map((issue) => ({ ...issue, path: ['stages', index, ...issue.path] }))),
  );
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
