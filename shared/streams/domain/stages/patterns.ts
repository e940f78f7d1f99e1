import { RE2JS, RE2JSException } from 're2js';

export const MAX_PATTERN_LENGTH = 200;
/**
 * RE2's time per character grows with the compiled program; this bound keeps the worst pattern at about
 * a millisecond per 256-character row (`.{1000}` or `(a{100}){10}` are refused; real split patterns
 * compile to a few dozen instructions).
 */
export const MAX_PATTERN_PROGRAM_SIZE = 1000;

/**
 * Compiles a split pattern with RE2 (re2js), whose matching time is linear in the input whatever the
 * pattern: `^(.*a){8}$` or `(a+)+` cost microseconds, where a backtracking engine (JS RegExp) can take
 * seconds or forever on one row and block everything else the process serves. What RE2 cannot match in
 * linear time, backreferences and lookaround, it does not compile: such a pattern is refused at save.
 */
export function compilePattern(pattern: string): { pattern: RE2JS } | { problem: string } {
  if (pattern === '') return { problem: 'must not be empty' };
  if (pattern.length > MAX_PATTERN_LENGTH) return { problem: `must be at most ${MAX_PATTERN_LENGTH} characters` };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    return { problem: patternMessage(error.message) };
  }
  const size = compiled.programSize();
  if (size > MAX_PATTERN_PROGRAM_SIZE) {
    return { problem: `too complex: it compiles to ${size} instructions, at most ${MAX_PATTERN_PROGRAM_SIZE} (use smaller repeat counts)` };
  }
  return { pattern: compiled };
}

/** Why `pattern` cannot be a split pattern, or null. */
export function patternProblem(pattern: string): string | null {
  const compiled = compilePattern(pattern);
  return 'problem' in compiled ? compiled.problem : null;
}

function patternMessage(message: string): string {
  if (/invalid escape sequence: `\\([1-9]|k)/.test(message)) return 'backreferences are not supported (a pattern must match in linear time)';
  if (/unsupported Perl syntax: `\(\?[=!]|invalid named capture: `\(\?<[=!]/.test(message)) {
    return 'lookahead and lookbehind are not supported (a pattern must match in linear time)';
  }
  return `not a valid regular expression: ${message.replace(/^error parsing regexp: /, '')}`;
}
