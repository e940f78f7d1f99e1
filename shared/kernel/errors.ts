/**
 * The one error model. Every error the code raises on purpose is a `DomainError`: a stable `code` for
 * clients, a `message`, `details` naming each bad field, and a `kind` saying what sort of refusal it is.
 * The domain knows nothing of HTTP: the edge (shared/edge/errors.ts) maps each kind to its status once.
 * `name` comes from the class (subclasses that must keep theirs in a minified bundle set it themselves).
 */

/**
 * - `invalid`: the input breaks a rule (400); every invalid error shows the one public code `invalid_input`.
 * - `unauthenticated` (401), `forbidden` (403), `not-found` (404), `too-large` (413), `throttled` (429).
 * - `conflict`: the state or a uniqueness rule refuses it (409); `code` says which conflict.
 * - `failed`: work on data already accepted failed (a purchase that cannot be rated, a row a stage cannot
 *   process, a stored tree that is not a tree). The code that does the work catches it and records it; one
 *   that reaches the edge is a fault, answered as a bare 500.
 */
export type ErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'too-large' | 'throttled' | 'failed';

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  abstract readonly code: string;
  readonly details: string[];

  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = [...details];
  }
}

/**
 * Whether the error refuses something (bad input, a missing thing, a conflict, ...) rather than being a
 * `failed` piece of work: a refusal is the caller's to hear (a 4xx, a batch or a customer marked with it),
 * a failure is a defect of the work that is retried and then reported.
 */
export function isRefusal(error: unknown): error is DomainError {
  return error instanceof DomainError && error.kind !== 'failed';
}

export class ValidationError extends DomainError {
  readonly kind = 'invalid';
  readonly code = 'invalid_input';
}

export class UnauthorizedError extends DomainError {
  readonly kind = 'unauthenticated';
  readonly code = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  readonly code = 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not-found';
  readonly code = 'not_found';
}

/** A state or uniqueness conflict; `code` says which (alias_taken, account_exists, ...). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict';
  constructor(
    readonly code: string,
    message: string,
    details: readonly string[] = [],
  ) {
    super(message, details);
  }
}

/** Too many requests of one account; try again after `retryAfterSeconds`. */
export class ThrottledError extends DomainError {
  readonly kind = 'throttled';
  readonly code = 'throttled';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly kind = 'too-large';
  readonly code = 'payload_too_large';
}
