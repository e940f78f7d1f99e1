import type Decimal from 'decimal.js';
import { ExpressionError, ExpressionEvaluationError } from '../errors';
import { FUNCTIONS } from './functions';
import { parseExpression } from './parser';
import type { BinaryOperator, CompiledExpression, Evaluator, ExpressionNode, Scope, ScopeValue, Value } from './types';
import { asNumber, describe, equals, num, order, readScope, truthy } from './values';

/** The compiler: a syntax tree to plain closures, constant subtrees folded once. */

const BINARY: Readonly<Record<BinaryOperator, (a: Value, b: Value, pos: number) => Value>> = {
  '+': (a, b, pos) => num(a, "'+'", pos).plus(num(b, "'+'", pos)),
  '-': (a, b, pos) => num(a, "'-'", pos).minus(num(b, "'-'", pos)),
  '*': (a, b, pos) => num(a, "'*'", pos).times(num(b, "'*'", pos)),
  '/': (a, b, pos) => {
    const divisor = num(b, "'/'", pos);
    const dividend = num(a, "'/'", pos);
    if (divisor.isZero()) throw new ExpressionEvaluationError(`division by zero at ${pos}`, pos);
    return dividend.div(divisor);
  },
  '%': (a, b, pos) => {
    const divisor = num(b, "'%'", pos);
    const dividend = num(a, "'%'", pos);
    if (divisor.isZero()) throw new ExpressionEvaluationError(`division by zero at ${pos}`, pos);
    return dividend.mod(divisor);
  },
  '==': (a, b) => equals(a, b),
  '!=': (a, b) => !equals(a, b),
  '<': (a, b, pos) => compareWith(order(a, b, '<', pos), (c) => c < 0),
  '<=': (a, b, pos) => compareWith(order(a, b, '<=', pos), (c) => c <= 0),
  '>': (a, b, pos) => compareWith(order(a, b, '>', pos), (c) => c > 0),
  '>=': (a, b, pos) => compareWith(order(a, b, '>=', pos), (c) => c >= 0),
};

function compareWith(comparison: number | null, holds: (c: number) => boolean): boolean {
  return comparison !== null && holds(comparison);
}

interface Compiled {
  readonly evaluate: Evaluator;
  /** No names below: the value can be computed once, at compile time. */
  readonly constant: boolean;
}

const EMPTY_SCOPE: Scope = Object.freeze(Object.create(null) as Record<string, ScopeValue>);

/**
 * Folds a constant subtree into its value. A subtree that fails (`1/0`) is left to fail at evaluation,
 * where the contract says division by zero is reported.
 */
function fold(evaluate: Evaluator): Compiled {
  try {
    const value = evaluate(EMPTY_SCOPE);
    return { evaluate: () => value, constant: true };
  } catch (error) {
    if (error instanceof ExpressionError) return { evaluate, constant: false };
    throw error;
  }
}

function compileNode(n: ExpressionNode, names: Set<string>): Compiled {
  switch (n.kind) {
    case 'literal': {
      const value = n.value;
      return { evaluate: () => value, constant: true };
    }
    case 'name': {
      const { name, pos } = n;
      names.add(name);
      return { evaluate: (s) => readScope(s, name, pos), constant: false };
    }
    case 'negate': {
      const operand = compileNode(n.operand, names);
      const f = operand.evaluate;
      const pos = n.pos;
      const evaluate: Evaluator = (s) => num(f(s), "unary '-'", pos).neg();
      return operand.constant ? fold(evaluate) : { evaluate, constant: false };
    }
    case 'not': {
      const operand = compileNode(n.operand, names);
      const f = operand.evaluate;
      const evaluate: Evaluator = (s) => !truthy(f(s));
      return operand.constant ? fold(evaluate) : { evaluate, constant: false };
    }
    case 'and':
    case 'or': {
      const left = compileNode(n.left, names);
      const right = compileNode(n.right, names);
      const l = left.evaluate;
      const r = right.evaluate;
      const evaluate: Evaluator = n.kind === 'and' ? (s) => truthy(l(s)) && truthy(r(s)) : (s) => truthy(l(s)) || truthy(r(s));
      return left.constant && right.constant ? fold(evaluate) : { evaluate, constant: false };
    }
    case 'binary': {
      const left = compileNode(n.left, names);
      const right = compileNode(n.right, names);
      const l = left.evaluate;
      const r = right.evaluate;
      const op = BINARY[n.op];
      const pos = n.pos;
      const evaluate: Evaluator = (s) => op(l(s), r(s), pos);
      return left.constant && right.constant ? fold(evaluate) : { evaluate, constant: false };
    }
    case 'call': {
      const spec = FUNCTIONS.get(n.name)!;
      const args = n.args.map((arg) => compileNode(arg, names));
      const fns = args.map((arg) => arg.evaluate);
      const pos = n.pos;
      let evaluate: Evaluator;
      if (spec.compile) {
        evaluate = spec.compile(fns);
      } else {
        const apply = spec.apply!;
        // Fixed small arities avoid building an argument array with `map` on every evaluation.
        if (fns.length === 1) {
          const [a] = fns as [Evaluator];
          evaluate = (s) => apply([a(s)], pos);
        } else if (fns.length === 2) {
          const [a, b] = fns as [Evaluator, Evaluator];
          evaluate = (s) => apply([a(s), b(s)], pos);
        } else {
          evaluate = (s) =>
            apply(
              fns.map((f) => f(s)),
              pos,
            );
        }
      }
      return args.every((arg) => arg.constant) ? fold(evaluate) : { evaluate, constant: false };
    }
  }
}

/** Compiles once; the result is immutable and safe to share between concurrent ratings. */
export function compileExpression(source: string): CompiledExpression {
  const ast = parseExpression(source);
  const names = new Set<string>();
  const root = compileNode(ast, names).evaluate;

  const evaluate = (scope: Scope): Value => {
    const effective = scope === null || typeof scope !== 'object' ? EMPTY_SCOPE : scope;
    try {
      return root(effective);
    } catch (error) {
      if (error instanceof ExpressionError) throw error;
      // decimal.js or string limits: still a failure of this expression on this input, never a crash
      throw new ExpressionEvaluationError(`evaluation failed: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
  };

  return Object.freeze({
    source,
    identifiers: Object.freeze([...names]),
    evaluate,
    evaluateDecimal(scope: Scope): Decimal {
      const value = evaluate(scope);
      const decimal = asNumber(value);
      if (decimal === null) throw new ExpressionEvaluationError(`expression must produce a number, got ${describe(value)}`, 0);
      if (!decimal.isFinite()) throw new ExpressionEvaluationError('expression produced a number out of range', 0);
      return decimal;
    },
    evaluateBoolean(scope: Scope): boolean {
      return truthy(evaluate(scope));
    },
  });
}
