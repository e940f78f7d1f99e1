import type Decimal from 'decimal.js';
import { InvalidDecimalError, MAX_EXPONENT, MIN_EXPONENT, parseDecimal } from '../../../kernel/money';
import { ExpressionError } from '../errors';

/** The tokenizer: source text to tokens, number and string literals read and checked on the way. */

export type Token =
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
const KEYWORD_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['and', '&&'],
  ['or', '||'],
  ['not', '!'],
]);
const KEYWORD_LITERALS: ReadonlyMap<string, boolean | null> = new Map([
  ['true', true],
  ['false', false],
  ['null', null],
]);
const ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\'],
  ["'", "'"],
  ['"', '"'],
  ['n', '\n'],
  ['t', '\t'],
  ['r', '\r'],
]);

export function tokenize(source: string): Token[] {
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
    throw new ExpressionError(
      `number ${shown} at ${pos} is out of range: numbers must be below 10^${MAX_EXPONENT + 1}, at most ${MAX_EXPONENT - MIN_EXPONENT + 1} digits`,
      pos,
    );
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
