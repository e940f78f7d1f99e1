/**
 * Errors of the pricing domain. Each has a stable `code`; the HTTP edge decides the status once.
 * They stay plain `Error` subclasses here so the pricing core has no dependency on the edge.
 */

export abstract class PricingError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An expression or condition that does not compile. `position` is the 0-based offset in the source. */
export class ExpressionError extends PricingError {
  readonly code: string = 'invalid_expression';
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

/**
 * An expression that compiled but failed on one purchase (division by zero, text where a number was
 * needed). It is a rating failure of that purchase, not invalid input of the request that saved the rule.
 */
export class ExpressionEvaluationError extends ExpressionError {
  override readonly code: string = 'expression_evaluation_failed';
}

/** A charge model or price rule definition that breaks a rule; `issues` are `"<field>: <message>"`. */
export class InvalidChargeModelError extends PricingError {
  readonly code = 'invalid_charge_model';
  constructor(readonly issues: readonly string[]) {
    super(`invalid charge model: ${issues.join('; ')}`);
  }
}

export class InvalidPriceRuleError extends PricingError {
  readonly code = 'invalid_price_rule';
  constructor(readonly issues: readonly string[]) {
    super(`invalid price rule: ${issues.join('; ')}`);
  }
}

/** A purchase that a model cannot price (e.g. the percentage base field is missing). */
export class RatingError extends PricingError {
  readonly code = 'rating_failed';
}

/** Two price rules are equally specific for the same purchase (PRODUCT.md §3: a configuration error). */
export class AmbiguousPriceRulesError extends PricingError {
  readonly code = 'ambiguous_price_rules';
  constructor(readonly ruleIds: readonly [string, string]) {
    super(`price rules '${ruleIds[0]}' and '${ruleIds[1]}' are equally specific`);
  }
}

/** Saving a routing rule whose clusters are both on the same ancestor lines as an existing rule's. */
export class RoutingOverlapError extends PricingError {
  readonly code = 'routing_overlap';
  constructor(readonly ruleId: string, readonly overlapsWith: string) {
    super(`routing rule '${ruleId}' overlaps routing rule '${overlapsWith}'`);
  }
}

/** Two routing rules match a purchase equally well; only a race between two saves can cause it. */
export class AmbiguousRoutingError extends PricingError {
  readonly code = 'ambiguous_routing';
  constructor(readonly ruleIds: readonly [string, string]) {
    super(`routing rules '${ruleIds[0]}' and '${ruleIds[1]}' both route the purchase`);
  }
}

/** A date that is not an ISO date or date-time, or a billing day outside 1–28. */
export class InvalidDateError extends PricingError {
  readonly code = 'invalid_date';
}
