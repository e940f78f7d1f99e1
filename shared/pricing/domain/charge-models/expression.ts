import type Decimal from 'decimal.js';
import { z } from 'zod';
import { strictErrors } from '../../../kernel/validation';
import { ExpressionError } from '../errors';
import { compileExpression } from '../expression/compile';
import type { CompiledExpression, ScopeValue } from '../expression/types';
import { own } from './amounts';
import type { RateInput, WireOf } from './types';

/** `expression`: a formula over the quantity, the purchase's metadata and the caller's extra names. */
export interface ExpressionModel {
  readonly type: 'expression';
  readonly expression: string;
  readonly compiled: CompiledExpression;
  /** Where each name the expression reads comes from at rating time. */
  readonly bindings: readonly ScopeBinding[];
}

const expressionSource = z.unknown().transform((input, ctx): { expression: string; compiled: CompiledExpression } => {
  if (typeof input !== 'string') {
    ctx.issues.push({ code: 'custom', message: input === undefined ? 'required' : 'must be a string', input });
    return z.NEVER;
  }
  try {
    return { expression: input, compiled: compileExpression(input) };
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    ctx.issues.push({ code: 'custom', message: error.message, input });
    return z.NEVER;
  }
});

export const expressionInput = z.strictObject({ type: z.literal('expression'), expression: expressionSource }, strictErrors);

export function expressionModel(input: z.output<typeof expressionInput>): ExpressionModel {
  return {
    type: 'expression',
    expression: input.expression.expression,
    compiled: input.expression.compiled,
    bindings: bindingsOf(input.expression.compiled),
  };
}

export function expressionWire(model: ExpressionModel): WireOf<'expression'> {
  return { type: 'expression', expression: model.expression };
}

export function expressionAmount(model: ExpressionModel, input: RateInput): Decimal {
  return model.compiled.evaluateDecimal(expressionScope(model, input));
}

const METADATA_PREFIXES = ['metadata.', 'meta.'] as const;

/** Where each name an expression model reads comes from; worked out once, at parse time. */
export interface ScopeBinding {
  readonly name: string;
  readonly from: 'quantity' | 'metadata' | 'scope';
  /** The metadata key (for `metadata.<key>` / `meta.<key>`), else the name itself. */
  readonly key: string;
}

/**
 * `quantity`, then `metadata.<key>` (also as `meta.<key>`, the stream column name), then the caller's
 * extra scope: the purchase's own quantity and metadata cannot be shadowed by extra names.
 */
function bindingsOf(compiled: CompiledExpression): ScopeBinding[] {
  return compiled.identifiers.map((name): ScopeBinding => {
    if (name === 'quantity') return { name, from: 'quantity', key: name };
    const prefix = METADATA_PREFIXES.find((p) => name.startsWith(p));
    return prefix === undefined ? { name, from: 'scope', key: name } : { name, from: 'metadata', key: name.slice(prefix.length) };
  });
}

/** Only the names the expression reads, in a Map (read with own lookups only, whatever the keys). */
function expressionScope(model: ExpressionModel, input: RateInput): Map<string, ScopeValue> {
  const scope = new Map<string, ScopeValue>();
  const { metadata, scope: extra } = input;
  for (const binding of model.bindings) {
    if (binding.from === 'quantity') scope.set(binding.name, own(input.quantity));
    else if (binding.from === 'metadata') {
      if (metadata && Object.hasOwn(metadata, binding.key)) scope.set(binding.name, metadata[binding.key]);
    } else if (extra && Object.hasOwn(extra, binding.key)) scope.set(binding.name, extra[binding.key]);
  }
  return scope;
}
