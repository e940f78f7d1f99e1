import type { DomainError, ErrorKind } from '../kernel/errors';

/**
 * THE one map from an error's kind to its HTTP status. The domain says what went wrong (`kind`, `code`);
 * only the edge knows how HTTP shows it. Every `invalid` error answers with the one public code
 * `invalid_input` (its own code, e.g. `invalid_expression`, stays inside); the others show their own code.
 * A `failed` error reaching the edge is a fault: it is logged and answered as a bare 500.
 */
export const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  throttled: 429,
  failed: 500,
};

/** The public code of an error: `invalid_input` for every invalid one, its own code otherwise. */
export function publicCode(error: DomainError): string {
  return error.kind === 'invalid' ? 'invalid_input' : error.code;
}
