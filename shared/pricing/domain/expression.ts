import type Decimal from 'decimal.js';
import { D, InvalidDecimalError, MAX_EXPONENT, MIN_EXPONENT, parseDecimal, toWire } from '../../kernel/money';
import { dayNumber, utcDate } from '../../kernel/dates';
import { ExpressionError, ExpressionEvaluationError, InvalidDateError } from './errors';

/**
 * The safe expression language of price conditions, `expression` charge models and `formula` /
 * `filter` stages (PRODUCT.md §3, §5).
 *
 * Safety comes from construction, not from filtering: a hand-written tokenizer and Pratt parser accept
 * only literals, names, a fixed set of operators and a fixed table of functions; the AST is compiled
 * once into plain closures. User text never reaches `eval`/`new Function`, names are read from the scope
 * with own-property lookups only (`__proto__`, `constructor`, `globalThis` are just unknown names, i.e.
 * null), calls are only possible on names of the function table (there are no first-class functions),
 * and there are no loops, assignments or member access. Source length and nesting are bounded, so
 * neither compile nor evaluation can exhaust the stack.
 *
 * Values are Decimal, string, boolean or null. Arithmetic is decimal.js (precision 40, half-up);
 * numeric strings (CSV metadata such as "12.50") are read as decimals wherever a number is expected.
 */

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
  | { readonly kind: 'binary'; readonly op: BinaryOperator; readonly left: ExpressionNode; readonly right: ExpressionNode; readonly pos: number; readonly depth: number }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly ExpressionNode[]; readonly pos: number; readonly depth: number };

// ----------------------------------------------------------------------------------------- tokens

type Token =
  | { readonly kind: 'number'; readonly text: string; readonly pos: number; readonly value: Decimal }
  | { readonly kind: 'string'; readonly text: string; readonly pos: number; readonly value: string }
  | { readonly kind: 'literal'; readonly text: string; readonly pos: number; readonly value: boolean | null }
  | { readonly kind: 'name'; readonly text: string; readonly pos: number }
  | { readonly kind: 'op'; readonly text: string; readonly pos: number; readonly op: string }
  | { readonly kind: 'end'; readonly text: string; readonly pos: number };

const NUMBER = /\d+(?:\.\d*)?|\.\d+/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/y;
/** Longest first, so `<=` is not read as `<` then `=`. */
const OPERATORS = ['||', '&&', '==', '!=', '<=', '>=', '<', '>', '!', '+', '-', '*', '/', '%', '(', ')', ','];
const KEYWORD_OPERATORS: ReadonlyMap<string, string> = new Map([['and', '&&'], ['or', '||'], ['not', '!']]);
const KEYWORD_LITERALS: ReadonlyMap<string, boolean | null> = new Map([['true', true], ['false', false], ['null', null]]);
const ESCAPES: ReadonlyMap<string, string> = new Map([['\\', '\\'], ["'", "'"], ['"', '"'], ['n', '\n'], ['t', '\t'], ['r', '\r']]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = (c >= '0' && c <= '9') || c === '.' ? NUMBER.exec(source) : null;
    if (number) {
      const end = i + number[0].length;
      // `1e5`, `1.2.3`, `12abc`: refuse rather than read as a number followed by a stray name
      if (end < source.length && /[A-Za-z0-9_.]/.test(source[end]!)) {
        const junk = /[A-Za-z0-9_.]*/y;
        junk.lastIndex = end;
        throw new ExpressionError(`malformed number '${source.slice(i, end) + junk.exec(source)![0]}' at ${i}`, i);
      }
      tokens.push({ kind: 'number', text: number[0], pos: i, value: literal(number[0], i) });
      i = end;
      continue;
    }
    if (c === "'" || c === '"') {
      const [value, end] = readString(source, i);
      tokens.push({ kind: 'string', text: source.slice(i, end), pos: i, value });
      i = end;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(source);
    if (name) {
      const text = name[0];
      const op = KEYWORD_OPERATORS.get(text);
      if (op !== undefined) tokens.push({ kind: 'op', text, pos: i, op });
      else if (KEYWORD_LITERALS.has(text)) tokens.push({ kind: 'literal', text, pos: i, value: KEYWORD_LITERALS.get(text)! });
      else tokens.push({ kind: 'name', text, pos: i });
      i += text.length;
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op, pos: i, op });
      i += op.length;
      continue;
    }
    const hint = c === '=' ? " (use '==' to compare)" : c === '&' ? " (use '&&' or 'and')" : c === '|' ? " (use '||' or 'or')" : '';
    throw new ExpressionError(`unexpected character '${c}' at ${i}${hint}`, i);
  }
  tokens.push({ kind: 'end', text: 'end of expression', pos: source.length });
  return tokens;
}

/** A number literal, held to the bounds of every decimal the API reads (money.ts): no 400-digit constants. */
function literal(text: string, pos: number): Decimal {
  try {
    return parseDecimal(text, 'number');
  } catch (error) {
    if (!(error instanceof InvalidDecimalError)) throw error;
    const shown = text.length > 24 ? `${text.slice(0, 20)}… (${text.length} characters)` : text;
    throw new ExpressionError(`number ${shown} at ${pos} is out of range: numbers must be below 10^${MAX_EXPONENT + 1}, at most ${MAX_EXPONENT - MIN_EXPONENT + 1} digits`, pos);
  }
}

function readString(source: string, start: number): [string, number] {
  const quote = source[start];
  let value = '';
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i]!;
    if (c === quote) return [value, i + 1];
    if (c === '\\') {
      const escaped = ESCAPES.get(source[i + 1] ?? '');
      if (escaped === undefined) throw new ExpressionError(`unknown escape '\\${source[i + 1] ?? ''}' at ${i}`, i);
      value += escaped;
      i++;
    } else {
      value += c;
    }
  }
  throw new ExpressionError(`unterminated string starting at ${start}`, start);
}

// ----------------------------------------------------------------------------------------- parser

/** Binding powers, loosest first. `not` sits below comparisons: `not a == b` is `not (a == b)`. */
const BP_OR = 10;
const BP_AND = 20;
const BP_COMPARE = 30;
const BP_ADD = 40;
const BP_MULTIPLY = 50;
const BP_UNARY = 60;

const INFIX: ReadonlyMap<string, number> = new Map([
  ['||', BP_OR], ['&&', BP_AND],
  ['==', BP_COMPARE], ['!=', BP_COMPARE], ['<', BP_COMPARE], ['<=', BP_COMPARE], ['>', BP_COMPARE], ['>=', BP_COMPARE],
  ['+', BP_ADD], ['-', BP_ADD], ['*', BP_MULTIPLY], ['/', BP_MULTIPLY], ['%', BP_MULTIPLY],
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

// ---------------------------------------------------------------------------------- value helpers

type Evaluator = (scope: Scope) => Value;

/** Numeric text as metadata carries it; no exponent, so `1e999999` from a CSV cannot blow up a sum. */
const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function asNumber(value: Value): Decimal | null {
  if (value instanceof D) return value;
  if (typeof value === 'string' && value.length <= 100 && NUMERIC_TEXT.test(value)) return new D(value);
  return null;
}

function describe(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (typeof value === 'string') return `text '${value.length > 30 ? `${value.slice(0, 30)}…` : value}'`;
  return `number ${toWire(value)}`;
}

function kindOf(value: Value): string {
  return value === null ? 'null' : typeof value === 'boolean' ? 'boolean' : typeof value === 'string' ? 'text' : 'number';
}

function num(value: Value, what: string, pos: number): Decimal {
  if (value instanceof D) return value;
  const parsed = asNumber(value);
  if (parsed === null) throw new ExpressionEvaluationError(`${what} expects a number, got ${describe(value)}`, pos);
  return parsed;
}

function truthy(value: Value): boolean {
  if (value === null || value === false || value === '') return false;
  if (value === true || typeof value === 'string') return true;
  return !value.isZero();
}

function equals(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  const x = asNumber(a);
  const y = x === null ? null : asNumber(b);
  if (x !== null && y !== null) return x.eq(y);
  return typeof a === typeof b && a === b;
}

/** -1/0/1, or null when either side is null: like SQL, an ordering against a missing value is false. */
function order(a: Value, b: Value, op: string, pos: number): number | null {
  if (a === null || b === null) return null;
  const x = asNumber(a);
  const y = x === null ? null : asNumber(b);
  if (x !== null && y !== null) return x.cmp(y);
  // Text against text, ISO dates included: '2026-01-31' < '2026-02-01'.
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new ExpressionEvaluationError(`'${op}' cannot compare ${kindOf(a)} with ${kindOf(b)}`, pos);
}

function text(value: Value, what: string, pos: number): string | null {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'boolean') throw new ExpressionEvaluationError(`${what} expects text, got ${describe(value)}`, pos);
  return toWire(value);
}

function readScope(scope: Scope, name: string, pos: number): Value {
  const raw: unknown =
    scope instanceof Map ? scope.get(name) : Object.hasOwn(scope, name) ? (scope as Record<string, unknown>)[name] : undefined;
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string' || typeof raw === 'boolean') return raw;
  // Decimals of another clone would compute with that clone's precision; re-wrap them in ours.
  if (raw instanceof D) return raw.constructor === D ? raw : new D(raw);
  if (typeof raw === 'number' && Number.isFinite(raw)) return new D(String(raw));
  throw new ExpressionEvaluationError(`'${name}' holds a value expressions cannot use`, pos);
}

// -------------------------------------------------------------------------------------- functions

interface FunctionSpec {
  readonly min: number;
  readonly max: number;
  /** Eager functions get their evaluated arguments. */
  readonly apply?: (args: readonly Value[], pos: number) => Value;
  /** Lazy functions (`if`, `coalesce`) build their own closure over the argument evaluators. */
  readonly compile?: (args: readonly Evaluator[]) => Evaluator;
}

const HUNDRED = new D(100);
const ONE = new D(1);
const ZERO = new D(0);

function decimalPlaces(value: Value, pos: number): number {
  const places = num(value, 'round', pos);
  if (!places.isInteger() || places.lt(0) || places.gt(40)) {
    throw new ExpressionEvaluationError('round: decimal places must be a whole number from 0 to 40', pos);
  }
  return places.toNumber();
}

function extreme(name: 'min' | 'max') {
  return (args: readonly Value[], pos: number): Value => {
    let best = num(args[0]!, name, pos);
    for (let i = 1; i < args.length; i++) {
      const candidate = num(args[i]!, name, pos);
      if (name === 'min' ? candidate.lt(best) : candidate.gt(best)) best = candidate;
    }
    return best;
  };
}

function isoDay(value: Value, what: string, pos: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw new ExpressionEvaluationError(`${what} expects an ISO date, got ${describe(value)}`, pos);
  try {
    return utcDate(value);
  } catch (error) {
    if (error instanceof InvalidDateError) throw new ExpressionEvaluationError(`${what}: ${describe(value)} is not an ISO date`, pos);
    throw error;
  }
}

const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  ['if', { min: 3, max: 3, compile: ([c, a, b]) => (s) => (truthy(c!(s)) ? a!(s) : b!(s)) }],
  [
    'coalesce',
    {
      min: 1,
      max: Infinity,
      compile: (args) => (s) => {
        for (const arg of args) {
          const value = arg(s);
          if (value !== null) return value;
        }
        return null;
      },
    },
  ],
  [
    'round',
    {
      min: 1,
      max: 2,
      apply: ([x, places], pos) =>
        num(x!, 'round', pos).toDecimalPlaces(places === undefined ? 0 : decimalPlaces(places, pos), D.ROUND_HALF_UP),
    },
  ],
  ['floor', { min: 1, max: 1, apply: ([x], pos) => num(x!, 'floor', pos).floor() }],
  ['ceil', { min: 1, max: 1, apply: ([x], pos) => num(x!, 'ceil', pos).ceil() }],
  ['abs', { min: 1, max: 1, apply: ([x], pos) => num(x!, 'abs', pos).abs() }],
  ['min', { min: 1, max: Infinity, apply: extreme('min') }],
  ['max', { min: 1, max: Infinity, apply: extreme('max') }],
  [
    'markup',
    { min: 2, max: 2, apply: ([cost, pct], pos) => num(cost!, 'markup', pos).times(num(pct!, 'markup', pos).div(HUNDRED).plus(ONE)) },
  ],
  [
    'margin',
    {
      min: 2,
      max: 2,
      apply: ([priceValue, costValue], pos) => {
        const price = num(priceValue!, 'margin', pos);
        const cost = num(costValue!, 'margin', pos);
        return price.isZero() ? ZERO : price.minus(cost).div(price).times(HUNDRED);
      },
    },
  ],
  [
    'number',
    {
      min: 1,
      max: 1,
      apply: ([x], pos) => {
        if (x === null || x instanceof D) return x;
        if (typeof x === 'string') {
          try {
            return parseDecimal(x, 'number');
          } catch (error) {
            if (error instanceof InvalidDecimalError) throw new ExpressionEvaluationError(`number: ${describe(x)} is not a decimal`, pos);
            throw error;
          }
        }
        throw new ExpressionEvaluationError(`number expects text or a number, got ${describe(x!)}`, pos);
      },
    },
  ],
  [
    'contains',
    {
      min: 2,
      max: 2,
      apply: ([haystack, needle], pos) => {
        const h = text(haystack!, 'contains', pos);
        const n = text(needle!, 'contains', pos);
        return h !== null && n !== null && h.includes(n);
      },
    },
  ],
  [
    'startsWith',
    {
      min: 2,
      max: 2,
      apply: ([value, prefix], pos) => {
        const v = text(value!, 'startsWith', pos);
        const p = text(prefix!, 'startsWith', pos);
        return v !== null && p !== null && v.startsWith(p);
      },
    },
  ],
  [
    'concat',
    { min: 1, max: Infinity, apply: (args, pos) => args.map((a) => (typeof a === 'boolean' ? String(a) : (text(a, 'concat', pos) ?? ''))).join('') },
  ],
  ['date', { min: 1, max: 1, apply: ([x], pos) => isoDay(x!, 'date', pos) }],
  [
    'days',
    {
      min: 2,
      max: 2,
      apply: ([from, to], pos) => {
        const a = isoDay(from!, 'days', pos);
        const b = isoDay(to!, 'days', pos);
        return a === null || b === null ? null : new D(dayNumber(b) - dayNumber(a));
      },
    },
  ],
]);

/** The names callable in expressions (for documentation and editors). */
export const EXPRESSION_FUNCTIONS: readonly string[] = [...FUNCTIONS.keys()];

// ------------------------------------------------------------------------------------- compilation

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
          evaluate = (s) => apply(fns.map((f) => f(s)), pos);
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

/** Whether `value` counts as true in conditions and `if` (null, false, 0 and '' do not). */
export { truthy as isTruthy };
