import type { Page, PageRequest } from '../kernel/page';
import type { RoutingRule, WirePriceRule } from './domain/rules';
import type { SubscriberTerms } from './domain/subscribers';

/**
 * The pricing ports: what the pricing use cases ask of storage and queues. Adapters beside them implement them on
 * DynamoDB, S3 and SQS; nothing here knows about the AWS SDK.
 */

/** Price rules are stored in their wire form and compiled when loaded. */
export interface RuleStore {
  priceRules(accountId: string): Promise<WirePriceRule[]>;
  getPriceRule(accountId: string, id: string): Promise<WirePriceRule | null>;
  listPriceRules(accountId: string, page: PageRequest): Promise<Page<WirePriceRule>>;
  routingRules(accountId: string): Promise<RoutingRule[]>;
  getRoutingRule(accountId: string, id: string): Promise<RoutingRule | null>;
  listRoutingRules(accountId: string, page: PageRequest): Promise<Page<RoutingRule>>;
  /** The rule set's version, read before the checks a save makes. */
  version(accountId: string): Promise<number>;
  /** Saves a rule if the rule set is still at `expectedVersion`; false when another save came first. */
  savePriceRule(accountId: string, rule: WirePriceRule, expectedVersion: number): Promise<boolean>;
  saveRoutingRule(accountId: string, rule: RoutingRule, expectedVersion: number): Promise<boolean>;
}

/**
 * What rating reads of the account's subscriptions (implemented by the subscriptions context, over its store):
 * the usage-charge rules and the parameter windows of the subscriptions of these customers (and of no others).
 */
export interface SubscriberTermsSource {
  subscriberTerms(accountId: string, customers: readonly string[]): Promise<SubscriberTerms>;
}
