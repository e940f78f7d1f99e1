import { InvalidDateError } from '../../kernel/dates';
import { DomainError, type ErrorKind } from '../../kernel/errors';

/**
 * Errors of the pricing domain: `DomainError`s like every other, each with a stable `code` and a `kind`
 * (the HTTP edge decides the status once). `PricingError` groups them so rating can tell "this purchase
 * cannot be priced" from a fault.
 */
export abstract class PricingError extends DomainError {}

/** An expression or condition that does not compile. `position` is the 0-based offset in the source. */
export class ExpressionError extends PricingError {
  readonly kind: ErrorKind = 'invalid';
  readonly code: string = 'invalid_expression';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/**
 * An expression that compiled but failed on one purchase (division by zero, text where a number was
 * needed). It is a rating failure of that purchase, not invalid input of the request that saved the rule.
 */
export class ExpressionEvaluationError extends ExpressionError {
  override readonly kind: ErrorKind = 'failed';
  override readonly code: string = 'expression_evaluation_failed';
}

/** A charge model or price rule definition that breaks a rule; `issues` are `"<field>: <message>"`. */
export class InvalidChargeModelError extends PricingError {
  readonly kind = 'invalid';
  readonly code = 'invalid_charge_model';
  constructor(readonly issues: readonly string[]) {
    super(`invalid charge model: ${issues.join('; ')}`, issues);
  }
}

export class InvalidPriceRuleError extends PricingError {
  readonly kind = 'invalid';
  readonly code = 'invalid_price_rule';
  constructor(readonly issues: readonly string[]) {
    super(`invalid price rule: ${issues.join('; ')}`, issues);
  }
}

/** A purchase that a model cannot price (e.g. the percentage base field is missing). */
export class RatingError extends PricingError {
  readonly kind = 'failed';
  readonly code = 'rating_failed';
}

/** Two price rules are equally specific for the same purchase (docs/product.md §3: a configuration error). */
export class AmbiguousPriceRulesError extends PricingError {
  readonly kind = 'conflict';
  readonly code = 'ambiguous_price_rules';
  constructor(readonly ruleIds: readonly [string, string]) {
    super(`price rules '${ruleIds[0]}' and '${ruleIds[1]}' are equally specific`, [`ambiguous with: price rule '${ruleIds[1]}'`]);
  }
}

/** Saving a routing rule whose clusters are both on the same ancestor lines as an existing rule's. */
export class RoutingOverlapError extends PricingError {
  readonly kind = 'conflict';
  readonly code = 'routing_overlap';
  constructor(
    readonly ruleId: string,
    readonly overlapsWith: string,
  ) {
    super(`routing rule '${ruleId}' overlaps routing rule '${overlapsWith}'`, [`overlaps: routing rule '${overlapsWith}'`]);
  }
}

/** Two routing rules match a purchase equally well; only a race between two saves can cause it. */
export class AmbiguousRoutingError extends PricingError {
  readonly kind = 'conflict';
  readonly code = 'ambiguous_routing';
  constructor(readonly ruleIds: readonly [string, string]) {
    super(`routing rules '${ruleIds[0]}' and '${ruleIds[1]}' both route the purchase`);
  }
}

/**
 * Whether an error means "this purchase cannot be priced" (rating records it on the purchase or row): an error
 * of the pricing domain, or a date of the purchase that is not a date (the kernel's InvalidDateError).
 */
export function cannotPrice(error: unknown): error is PricingError | InvalidDateError {
  return error instanceof PricingError || error instanceof InvalidDateError;
}
