/**
 * The safe expression language of price conditions, `expression` charge models and `formula` /
 * `filter` stages (docs/product.md §3, §5).
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

export * from './types';
export { parseExpression } from './parser';
export { EXPRESSION_FUNCTIONS } from './functions';
export { compileExpression } from './compile';
export { isTruthy } from './values';
