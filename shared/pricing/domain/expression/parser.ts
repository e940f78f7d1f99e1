import { ExpressionError } from '../errors';
import { FUNCTIONS, type FunctionSpec } from './functions';
import { tokenize, type Token } from './tokens';
import { MAX_DEPTH, MAX_SOURCE_LENGTH, type BinaryOperator, type ExpressionNode } from './types';

/** The Pratt parser: tokens to a syntax tree, its depth bounded as it grows. */

/** Binding powers, loosest first. `not` sits below comparisons: `not a == b` is `not (a == b)`. */
const BP_OR = 10;
const BP_AND = 20;
const BP_COMPARE = 30;
const BP_ADD = 40;
const BP_MULTIPLY = 50;
const BP_UNARY = 60;

const INFIX: ReadonlyMap<string, number> = new Map([
  ['||', BP_OR],
  ['&&', BP_AND],
  ['==', BP_COMPARE],
  ['!=', BP_COMPARE],
  ['<', BP_COMPARE],
  ['<=', BP_COMPARE],
  ['>', BP_COMPARE],
  ['>=', BP_COMPARE],
  ['+', BP_ADD],
  ['-', BP_ADD],
  ['*', BP_MULTIPLY],
  ['/', BP_MULTIPLY],
  ['%', BP_MULTIPLY],
]);

class Parser {
  private at = 0;
  private nesting = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): ExpressionNode {
    const node = this.expression(0);
    const next = this.peek();
    if (next.kind !== 'end') throw unexpected(next);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private next(): Token {
    return this.tokens[this.at++]!;
  }

  private isOp(token: Token, op: string): boolean {
    return token.kind === 'op' && token.op === op;
  }

  private expression(minBp: number): ExpressionNode {
    // Recursion is bounded here (parentheses and prefix operators nest without building deeper nodes).
    if (++this.nesting > MAX_DEPTH) throw tooDeep(this.peek().pos);
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'op') break;
      const bp = INFIX.get(token.op);
      if (bp === undefined || bp <= minBp) break;
      this.at++;
      const right = this.expression(bp);
      if (token.op === '&&' || token.op === '||') {
        left = node({ kind: token.op === '&&' ? 'and' : 'or', left, right, pos: token.pos }, left, right);
      } else {
        left = node({ kind: 'binary', op: token.op as BinaryOperator, left, right, pos: token.pos }, left, right);
      }
      const after = this.peek();
      if (bp === BP_COMPARE && after.kind === 'op' && INFIX.get(after.op) === BP_COMPARE) {
        // `a < b < c` means something different in every language; make the author say `a < b and b < c`
        throw new ExpressionError(`comparisons cannot be chained: '${after.text}' at ${after.pos} (combine them with 'and')`, after.pos);
      }
    }
    this.nesting--;
    return left;
  }

  private prefix(): ExpressionNode {
    const token = this.next();
    switch (token.kind) {
      case 'number':
      case 'string':
      case 'literal':
        return { kind: 'literal', value: token.value, pos: token.pos, depth: 1 };
      case 'name':
        return this.isOp(this.peek(), '(') ? this.call(token) : { kind: 'name', name: token.text, pos: token.pos, depth: 1 };
      case 'end':
        throw new ExpressionError(`unexpected end of expression at ${token.pos}`, token.pos);
      case 'op':
        if (token.op === '(') {
          const inner = this.expression(0);
          const close = this.next();
          if (!this.isOp(close, ')')) throw new ExpressionError(`expected ')' at ${close.pos}, found ${describeToken(close)}`, close.pos);
          return inner;
        }
        if (token.op === '-') {
          const operand = this.expression(BP_UNARY);
          return node({ kind: 'negate', operand, pos: token.pos }, operand);
        }
        if (token.op === '!') {
          const operand = this.expression(BP_AND);
          return node({ kind: 'not', operand, pos: token.pos }, operand);
        }
        throw unexpected(token);
    }
  }

  private call(nameToken: Token): ExpressionNode {
    const spec = FUNCTIONS.get(nameToken.text);
    if (spec === undefined) throw new ExpressionError(`unknown function '${nameToken.text}'`, nameToken.pos);
    this.at++; // '('
    const args: ExpressionNode[] = [];
    if (this.isOp(this.peek(), ')')) {
      this.at++;
    } else {
      for (;;) {
        args.push(this.expression(0));
        const separator = this.next();
        if (this.isOp(separator, ')')) break;
        if (!this.isOp(separator, ',')) {
          throw new ExpressionError(`expected ',' or ')' at ${separator.pos}, found ${describeToken(separator)}`, separator.pos);
        }
      }
    }
    if (args.length < spec.min || args.length > spec.max) {
      throw new ExpressionError(`function '${nameToken.text}' takes ${arity(spec)}, got ${args.length}`, nameToken.pos);
    }
    return node({ kind: 'call', name: nameToken.text, args, pos: nameToken.pos }, ...args);
  }
}

type NodeWithoutDepth = ExpressionNode extends infer N ? (N extends ExpressionNode ? Omit<N, 'depth'> : never) : never;

/** Builds a node and enforces the depth limit as the tree grows (a long `a+a+…` chain is deep too). */
function node(partial: NodeWithoutDepth, ...children: ExpressionNode[]): ExpressionNode {
  let depth = 0;
  for (const child of children) if (child.depth > depth) depth = child.depth;
  if (depth + 1 > MAX_DEPTH) throw tooDeep(partial.pos);
  return { ...partial, depth: depth + 1 } as ExpressionNode;
}

function tooDeep(pos: number): ExpressionError {
  return new ExpressionError(`expression nests too deeply (more than ${MAX_DEPTH} levels) at ${pos}`, pos);
}

function unexpected(token: Token): ExpressionError {
  if (token.kind === 'end') return new ExpressionError(`unexpected end of expression at ${token.pos}`, token.pos);
  return new ExpressionError(`unexpected token '${token.text}' at ${token.pos}`, token.pos);
}

function describeToken(token: Token): string {
  return token.kind === 'end' ? 'end of expression' : `'${token.text}'`;
}

function arity(spec: FunctionSpec): string {
  if (spec.max === Infinity) return `at least ${spec.min} argument${spec.min === 1 ? '' : 's'}`;
  if (spec.min === spec.max) return `${spec.min} argument${spec.min === 1 ? '' : 's'}`;
  return `${spec.min} to ${spec.max} arguments`;
}

/** Parses without compiling; exported for diagnostics and tests. */
export function parseExpression(source: string): ExpressionNode {
  if (typeof source !== 'string') throw new ExpressionError('expression must be a string', 0);
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExpressionError(`expression is longer than ${MAX_SOURCE_LENGTH} characters`, MAX_SOURCE_LENGTH);
  }
  if (source.trim() === '') throw new ExpressionError('expression is empty', 0);
  return new Parser(tokenize(source)).parse();
}
