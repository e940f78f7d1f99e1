import type Decimal from 'decimal.js';

/** The values, scopes, syntax tree and compiled form of an expression, and the bounds on its source. */

export type Value = Decimal | string | boolean | null;
/** What a scope may hold. JS numbers are accepted for non-money context values and read as decimals. */
export type ScopeValue = Value | number | undefined;
/** Flat names, dots included: `{ quantity, 'metadata.roaming': 'yes' }`. */
export type Scope = ReadonlyMap<string, ScopeValue> | Readonly<Record<string, ScopeValue>>;

export interface CompiledExpression {
  readonly source: string;
  /** Names the expression reads, in order of first use (lets callers build only the scope it needs). */
  readonly identifiers: readonly string[];
  evaluate(scope: Scope): Value;
  /** The value as a decimal; numeric strings are accepted, anything else is an evaluation error. */
  evaluateDecimal(scope: Scope): Decimal;
  /** Truthiness: null, false, 0 and '' are false. */
  evaluateBoolean(scope: Scope): boolean;
}

export const MAX_SOURCE_LENGTH = 2000;
export const MAX_DEPTH = 64;

// ---------------------------------------------------------------------------------------------- AST

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=';

export type ExpressionNode =
  | { readonly kind: 'literal'; readonly value: Value; readonly pos: number; readonly depth: number }
  | { readonly kind: 'name'; readonly name: string; readonly pos: number; readonly depth: number }
  | { readonly kind: 'negate' | 'not'; readonly operand: ExpressionNode; readonly pos: number; readonly depth: number }
  | { readonly kind: 'and' | 'or'; readonly left: ExpressionNode; readonly right: ExpressionNode; readonly pos: number; readonly depth: number }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOperator;
      readonly left: ExpressionNode;
      readonly right: ExpressionNode;
      readonly pos: number;
      readonly depth: number;
    }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly ExpressionNode[]; readonly pos: number; readonly depth: number };

export type Evaluator = (scope: Scope) => Value;
