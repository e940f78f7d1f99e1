import { z } from 'zod';
import { ExpressionError } from '../../../pricing/domain/errors';
import { compileExpression } from '../../../pricing/domain/expression/compile';
import type { CompiledExpression } from '../../../pricing/domain/expression/types';
import { columnName } from '../columns';

/** Field schemas several stages share. */

/** A compiled expression; `metadata.<key>` gets a hint because stream rows call that column `meta.<key>`. */
export const expression = z.unknown().transform((input, ctx): CompiledExpression => {
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
    ctx.issues.push({
      code: 'custom',
      message: `unknown column '${metadataName}' (stream rows name metadata columns 'meta.${metadataName.slice(9)}')`,
      input,
    });
    return z.NEVER;
  }
  return compiled;
});

export function distinctColumns(min: number, max: number) {
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

export const optionalColumn = columnName.optional();
