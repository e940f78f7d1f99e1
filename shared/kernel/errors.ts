/**
 * Typed domain errors. Each carries a stable `code` for clients and the HTTP status it maps to;
 * the HTTP edge (shared/edge) decides once how they are shown. `details` name each bad field.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly statusCode: number;
  readonly details: string[];

  constructor(message: string, details: string[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'invalid_input';
  readonly statusCode = 400;
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
  readonly statusCode = 401;
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
  readonly statusCode = 403;
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  readonly statusCode = 404;
}

/** 409: a state or uniqueness conflict; `code` says which (alias_taken, account_exists, ...). */
export class ConflictError extends DomainError {
  readonly statusCode = 409;
  constructor(readonly code: string, message: string, details: string[] = []) {
    super(message, details);
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
  readonly statusCode = 413;
}
