import { ValidationError } from '../../kernel/errors';
import { parseInput } from '../../kernel/validation';
import { conditionScope, ratePurchase, type RatingContext, type RatingDecision } from '../../ingest/domain/rating';
import { purchaseSchema, type PurchaseInput } from '../../ingest/domain/purchase';
import { explainCandidates, type CandidateExplanation } from '../domain/preview';
import type { RatingContextLoader } from './rating';

/** The purchase a preview prices is never stored: it has no reference of its own. */
const PREVIEW_REFERENCE = 'price-preview';

export interface PricePreviewResult {
  customer: string | null;
  billedTo: string | null;
  routingRule: string | null;
  productCluster: string | null;
  priceRule: string | null;
  amount: string | null;
  currency: string | null;
  pricing: 'purchase' | 'period' | null;
  status: RatingDecision['status'];
  reason: RatingDecision['reason'];
  ratingError: string | null;
  candidates: CandidateExplanation[];
}

/**
 * `POST /price-preview`: what the pipeline would decide for one purchase now, and every price rule with why it
 * won or lost. The decision is `ratePurchase` on the catalogue a chunk would load (`RatingContextLoader.load`),
 * the candidates are judged with the selection's own checks (`explainCandidates`); nothing is stored.
 */
export class PricePreview {
  constructor(private readonly loader: Pick<RatingContextLoader, 'load'>) {}

  async preview(accountId: string, body: unknown): Promise<PricePreviewResult> {
    const purchase = parsePreviewPurchase(body);
    const context = await this.loader.load(accountId, [purchase]);
    const decision = ratePurchase(purchase, context);
    return {
      customer: decision.customer,
      billedTo: decision.billedTo,
      routingRule: decision.routingRule,
      productCluster: decision.productCluster,
      priceRule: decision.priceRule,
      amount: decision.amount,
      currency: decision.currency,
      pricing: decision.pricing,
      status: decision.status,
      reason: decision.reason,
      ratingError: decision.ratingError,
      candidates: candidatesOf(purchase, decision, context),
    };
  }
}

/** The body is a purchase without `reference` (checked by the pipeline's own purchase schema). */
function parsePreviewPurchase(body: unknown): PurchaseInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('invalid body', ['body must be a JSON object']);
  if ('reference' in body) throw new ValidationError('invalid body', ['reference: not part of a preview (nothing is stored)']);
  return parseInput(purchaseSchema, { ...body, reference: PREVIEW_REFERENCE });
}

/**
 * The candidates for the customer who pays. None when the purchase does not map (no customer or product
 * cluster) or its routing fails: the selection never runs for it.
 */
function candidatesOf(purchase: PurchaseInput, decision: RatingDecision, context: RatingContext): CandidateExplanation[] {
  const payer = decision.billedTo === null ? undefined : context.customers.get(decision.billedTo);
  if (decision.status === 'unmapped' || decision.customer === null || decision.productCluster === null || !payer) return [];
  if (!context.customerTree.has(payer.cluster)) return [];
  const { scope } = conditionScope(purchase, context, decision.customer, payer);
  return explainCandidates(context.priceRules, {
    productCluster: decision.productCluster,
    customerCluster: payer.cluster,
    currency: payer.currency,
    customer: payer.code,
    purchaseDate: purchase.purchaseDate,
    trees: { customers: context.customerTree, products: context.productTree },
    scope,
  }).candidates;
}
