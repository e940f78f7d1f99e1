import type Decimal from 'decimal.js';
import type { ClusterTree } from '../../catalog/domain/clusters';
import { cannotPrice } from '../../pricing/domain/errors';
import { rate } from '../../pricing/domain/charge-models/rate';
import type { MetadataValue } from '../../pricing/domain/charge-models/types';
import { purchaseScope, selectPriceRule, type PriceRule } from '../../pricing/domain/rules';
import type { CustomerFacts } from '../../pricing/domain/rules';
import { META_PREFIX } from './rows';
import type { Rater, RateRequest, RatedRow } from './stages/types';

/** What the `rate` stage prices rows against: the stream owner's catalogue and price rules. */
export interface RowRatingContext {
  readonly customers: ReadonlyMap<string, CustomerFacts>;
  /** Product label (alias) → product cluster id. */
  readonly aliases: ReadonlyMap<string, string>;
  readonly customerTree: ClusterTree;
  readonly productTree: ClusterTree;
  readonly priceRules: readonly PriceRule[];
}

/**
 * The `rate` stage's rater (docs/product.md §5): a row is priced like a purchase of its customer, with the
 * most specific price rule of the owner for the row's product cluster, the customer's cluster and
 * currency, valid at the row's date. A row is already routed (its customer pays), so routing does not
 * apply again; rows are priced one by one, so a period-scoped rule cannot price a row.
 *
 * The product column may hold a product label (an alias) or a product cluster id.
 */
export function rowRater(ctx: RowRatingContext): Rater {
  const trees = { customers: ctx.customerTree, products: ctx.productTree };
  return (request: RateRequest): RatedRow | { error: string } => {
    const customer = ctx.customers.get(request.customer);
    if (customer === undefined) return { error: `customer '${request.customer}' is not a customer of this account` };
    const productCluster = ctx.aliases.get(request.product) ?? (ctx.productTree.has(request.product) ? request.product : null);
    if (productCluster === null) return { error: `product '${request.product}' is neither a product label nor a product cluster of this account` };
    if (!ctx.customerTree.has(customer.cluster)) return { error: `customer '${customer.code}' is in unknown cluster '${customer.cluster}'` };
    const metadata = metadataOf(request.row);
    try {
      const rule = selectPriceRule(ctx.priceRules, {
        productCluster,
        customerCluster: customer.cluster,
        currency: customer.currency,
        purchaseDate: request.date,
        trees,
        scope: purchaseScope({
          quantity: request.quantity,
          purchaseDate: request.date,
          productLabel: request.product,
          customerCode: customer.code,
          metadata,
        }),
      });
      if (rule === null)
        return {
          error: `no price rule for product cluster '${productCluster}' and customer '${customer.code}' (${customer.currency}) on ${request.date}`,
        };
      if (rule.scope !== 'purchase') return { error: `price rule '${rule.id}' prices period sums (scope: period) and cannot price one row` };
      const amount = rate(rule.model, {
        quantity: request.quantity,
        metadata,
        scope: { purchaseDate: request.date, productLabel: request.product, customerCode: customer.code },
      });
      return { unitPrice: unitPriceOf(amount, request.quantity), amount, currency: customer.currency, priceRule: rule.id };
    } catch (error) {
      if (cannotPrice(error)) return { error: error.message };
      throw error;
    }
  };
}

/** The row's `meta.<key>` columns as metadata (so conditions and percentage bases read them as for purchases). */
function metadataOf(row: RateRequest['row']): Record<string, MetadataValue> {
  const metadata: Record<string, MetadataValue> = {};
  for (const name of Object.keys(row)) {
    if (!name.startsWith(META_PREFIX)) continue;
    const value = row[name];
    if (value !== undefined) metadata[name.slice(META_PREFIX.length)] = value as MetadataValue;
  }
  return metadata;
}

function unitPriceOf(amount: Decimal, quantity: Decimal): Decimal | null {
  return quantity.isZero() ? null : amount.dividedBy(quantity);
}
