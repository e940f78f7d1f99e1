import { ClusterTree } from '../../catalog/domain/clusters';
import { parsePriceRule, type PriceRule, type WirePriceRule } from '../domain/rules';
import { ratePurchase, type RatingContext, type RatingDecision } from '../../ingest/domain/rating';
import type { PurchaseInput } from '../../ingest/domain/purchase';
import type { RowRatingContext } from '../../streams/domain/row-rating';
import type { CatalogStore, CustomerRecord } from '../../catalog/ports';
import { compileSubscriberRule, NO_SUBSCRIBER_TERMS, windowsByCustomer, type SubscriberRuleWire } from '../domain/subscribers';
import type { RuleStore, SubscriberTermsSource } from '../ports';

export type Rater = (p: PurchaseInput) => RatingDecision;

const NO_SUBSCRIPTIONS: SubscriberTermsSource = { subscriberTerms: async () => NO_SUBSCRIBER_TERMS };

/**
 * Loads the catalogue a set of purchases is rated against: the account's rules and cluster trees, the
 * customers they name (and the routing targets), the aliases of their labels, and what those customers'
 * subscriptions add (their usage charges as rules bound to the subscriber, their parameters by day). Nothing
 * is cached across calls, so a change of catalogue is seen by the very next chunk.
 */
export class RatingContextLoader {
  /** Compiled rules keyed by their stored form, so an unchanged rule is not compiled again. */
  private readonly compiled = new Map<string, PriceRule>();

  constructor(
    private readonly catalog: CatalogStore,
    private readonly rules: RuleStore,
    private readonly now: () => Date = () => new Date(),
    private readonly subscriptions: SubscriberTermsSource = NO_SUBSCRIPTIONS,
  ) {}

  async load(accountId: string, purchases: readonly Pick<PurchaseInput, 'customerCode' | 'productLabel'>[]): Promise<RatingContext> {
    const [priceRules, routingRules, customerClusters, productClusters] = await Promise.all([
      this.rules.priceRules(accountId),
      this.rules.routingRules(accountId),
      this.catalog.allCustomerClusters(accountId),
      this.catalog.allProductClusters(accountId),
    ]);
    const codes = new Set(purchases.map((p) => p.customerCode));
    for (const rule of routingRules) codes.add(rule.targetCustomer);
    const [customers, aliases, subscribers] = await Promise.all([
      this.catalog.getCustomers(accountId, [...codes]),
      this.catalog.resolveAliases(accountId, [...new Set(purchases.map((p) => p.productLabel))]),
      this.subscriptions.subscriberTerms(accountId, [...codes]),
    ]);
    return {
      customers,
      aliases,
      customerTree: new ClusterTree(customerClusters),
      productTree: new ClusterTree(productClusters),
      routingRules,
      priceRules: [...priceRules.map((r) => this.compile(r)), ...subscribers.rules.map((r) => this.compile(r))],
      subscriptions: windowsByCustomer(subscribers.windows),
      now: this.now(),
    };
  }

  async rater(accountId: string, purchases: readonly Pick<PurchaseInput, 'customerCode' | 'productLabel'>[]): Promise<Rater> {
    const context = await this.load(accountId, purchases);
    return (p) => ratePurchase(p, context);
  }

  /**
   * What a stream's `rate` stage prices rows against: every customer of the account (rows may name any),
   * the aliases of every product cluster, and the compiled price rules. Loaded once per run.
   */
  async rowContext(accountId: string): Promise<RowRatingContext> {
    const [priceRules, customerClusters, productClusters, customers] = await Promise.all([
      this.rules.priceRules(accountId),
      this.catalog.allCustomerClusters(accountId),
      this.catalog.allProductClusters(accountId),
      allCustomers(this.catalog, accountId),
    ]);
    return {
      customers: new Map(customers.map((c) => [c.code, { code: c.code, cluster: c.cluster, currency: c.currency, onHold: c.onHold }])),
      aliases: new Map(productClusters.flatMap((cluster) => cluster.aliases.map((alias) => [alias, cluster.id] as const))),
      customerTree: new ClusterTree(customerClusters),
      productTree: new ClusterTree(productClusters),
      priceRules: priceRules.map((r) => this.compile(r)),
    };
  }

  private compile(wire: WirePriceRule | SubscriberRuleWire): PriceRule {
    const key = JSON.stringify(wire);
    let rule = this.compiled.get(key);
    if (!rule) {
      if ('customer' in wire) rule = compileSubscriberRule(wire);
      else {
        const { id, ...definition } = wire;
        rule = parsePriceRule(id, definition);
      }
      if (this.compiled.size > 10_000) this.compiled.clear();
      this.compiled.set(key, rule);
    }
    return rule;
  }
}

/** Every customer of an account, read page by page. */
export async function allCustomers(catalog: Pick<CatalogStore, 'listCustomers'>, accountId: string): Promise<CustomerRecord[]> {
  const out: CustomerRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.listCustomers(accountId, { limit: 1000, cursor });
    out.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  return out;
}
