import { utcInstant } from '../../kernel/dates';
import { cannotPrice } from './errors';
import {
  compareSpecificity,
  inapplicability,
  selectPriceRule,
  specificity,
  type Inapplicability,
  type PriceRule,
  type PriceSelectionContext,
  type Specificity,
} from './rules';

/**
 * "Which rule wins and why" (docs/api.md `POST /price-preview`): every price rule of the account, judged
 * against one purchase with the checks `selectPriceRule` makes (`inapplicability`, `specificity`), so the
 * explanation and the pipeline's choice cannot disagree.
 */

export type CandidateOutcome =
  | 'wins'
  /** Applies, but a rule on a deeper product or customer cluster (or a subscription's usage charge) wins. */
  | 'less-specific'
  /** Applies and is as specific as the winner, with a higher priority number (lower wins). */
  | 'lower-priority'
  /** Ties with another rule at the top: the purchase cannot be priced until one of them changes. */
  | 'ambiguous'
  /** Its condition could not be evaluated for this purchase (a missing or mistyped metadata value). */
  | 'condition-error'
  /** Would be the most specific, but another rule's condition failed to evaluate, so the selection fails. */
  | 'blocked'
  | Inapplicability;

export interface CandidateExplanation {
  readonly priceRule: string;
  readonly outcome: CandidateOutcome;
  readonly why: string;
}

/** Winner first, then the rules that applied and lost, then those that did not apply, each group by rule id. */
const ORDER: Readonly<Record<CandidateOutcome, number>> = {
  wins: 0,
  ambiguous: 1,
  blocked: 1,
  'lower-priority': 2,
  'less-specific': 3,
  'condition-false': 4,
  'condition-error': 4,
  'not-valid-on-date': 5,
  'other-customer-cluster': 6,
  'other-product-cluster': 7,
  'other-currency': 8,
  'other-customer': 9,
};

interface Applicable {
  readonly rule: PriceRule;
  readonly rank: Specificity;
}

export interface CandidatesExplained {
  /** What `selectPriceRule` chose, or null (nothing applies, a tie at the top, a condition that failed). */
  readonly winner: string | null;
  /** Why the selection failed, when it did. */
  readonly failure: string | null;
  readonly candidates: CandidateExplanation[];
}

/**
 * Judges each rule for the purchase `ctx` describes. The winner is whatever `selectPriceRule` (the pipeline's
 * selection) returns; with none, the applicable rules that nothing outranks are `ambiguous`.
 */
export function explainCandidates(rules: readonly PriceRule[], ctx: PriceSelectionContext): CandidatesExplained {
  let winner: string | null = null;
  let failure: string | null = null;
  try {
    winner = selectPriceRule(rules, ctx)?.id ?? null;
  } catch (error) {
    if (!cannotPrice(error)) throw error;
    failure = error.message;
  }
  const at = utcInstant(ctx.purchaseDate, 'purchaseDate');
  const out: CandidateExplanation[] = [];
  const applicable: Applicable[] = [];
  for (const rule of rules) {
    let reason: Inapplicability | null;
    try {
      reason = inapplicability(rule, ctx, at);
    } catch (error) {
      if (!cannotPrice(error)) throw error;
      out.push({
        priceRule: rule.id,
        outcome: 'condition-error',
        why: `condition '${rule.condition?.source}' cannot be evaluated: ${error.message}`,
      });
      continue;
    }
    if (reason === null) applicable.push({ rule, rank: specificity(rule, ctx.trees) });
    else out.push({ priceRule: rule.id, outcome: reason, why: inapplicableWhy(reason, rule, ctx) });
  }

  const top = applicable.find((a) => a.rule.id === winner) ?? null;
  const best = top ?? applicable.reduce<Applicable | null>((b, a) => (b === null || compareSpecificity(a.rank, b.rank) > 0 ? a : b), null);
  // A tie at the top leaves no winner (`selectPriceRule` refuses it): every rule of the tie is named with another.
  const ties = best === null ? [] : applicable.filter((a) => compareSpecificity(a.rank, best.rank) === 0);
  for (const candidate of applicable) {
    if (candidate === top) out.push({ priceRule: candidate.rule.id, outcome: 'wins', why: winsWhy(candidate, applicable.length) });
    else if (ties.length > 1 && ties.includes(candidate)) {
      const other = ties.find((t) => t !== candidate)!;
      out.push({
        priceRule: candidate.rule.id,
        outcome: 'ambiguous',
        why: `as specific as '${other.rule.id}' at the same priority ${candidate.rank.priority}: neither can win until one changes`,
      });
    } else if (top === null && candidate === best) {
      out.push({
        priceRule: candidate.rule.id,
        outcome: 'blocked',
        why: `would be the most specific, but the purchase cannot be priced: ${failure}`,
      });
    } else out.push(losing(candidate, best!));
  }
  out.sort((a, b) => ORDER[a.outcome] - ORDER[b.outcome] || (a.priceRule < b.priceRule ? -1 : a.priceRule > b.priceRule ? 1 : 0));
  return { winner, failure, candidates: out };
}

function losing(candidate: Applicable, best: Applicable): CandidateExplanation {
  const { rule, rank } = candidate;
  const other = best.rule;
  if (rank.subscriber < best.rank.subscriber) {
    return {
      priceRule: rule.id,
      outcome: 'less-specific',
      why: `'${other.id}' is a subscription's usage charge of the paying customer, which outranks account rules`,
    };
  }
  if (rank.product < best.rank.product) {
    return {
      priceRule: rule.id,
      outcome: 'less-specific',
      why: `product cluster '${rule.productCluster}' is less specific than '${other.productCluster}' of '${other.id}'`,
    };
  }
  if (rank.customer < best.rank.customer) {
    const own = rule.customerCluster === null ? 'applies to every customer' : `customer cluster '${rule.customerCluster}' is less specific`;
    return { priceRule: rule.id, outcome: 'less-specific', why: `${own}; '${other.id}' targets customer cluster '${other.customerCluster}'` };
  }
  return {
    priceRule: rule.id,
    outcome: 'lower-priority',
    why: `as specific as '${other.id}', but priority ${rank.priority} against its ${best.rank.priority} (lower wins)`,
  };
}

function winsWhy({ rule }: Applicable, applicable: number): string {
  const customers =
    rule.customer != null
      ? `bound to subscriber '${rule.customer}'`
      : rule.customerCluster === null
        ? 'every customer'
        : `customer cluster '${rule.customerCluster}'`;
  const lead = applicable === 1 ? 'the only rule that applies' : `the most specific of ${applicable} rules that apply`;
  return `${lead}: product cluster '${rule.productCluster}', ${customers}, priority ${rule.priority}`;
}

function inapplicableWhy(reason: Inapplicability, rule: PriceRule, ctx: PriceSelectionContext): string {
  switch (reason) {
    case 'other-currency':
      return `prices in ${rule.currency}; the paying customer is billed in ${ctx.currency}`;
    case 'other-customer':
      return `a subscription's usage charge of '${rule.customer}', not of the paying customer`;
    case 'other-product-cluster':
      return `product cluster '${rule.productCluster}' does not contain the purchase's '${ctx.productCluster}'`;
    case 'other-customer-cluster':
      return `customer cluster '${rule.customerCluster}' does not contain the paying customer's '${ctx.customerCluster}'`;
    case 'not-valid-on-date':
      return `valid from ${rule.validFrom}${rule.validTo === null ? '' : ` to ${rule.validTo}`}; the purchase is dated ${ctx.purchaseDate}`;
    case 'condition-false':
      return `condition '${rule.condition?.source}' is false for this purchase`;
  }
}
