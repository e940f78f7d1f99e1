import { mapLimit } from '../../kernel/concurrency';
import type { SubscriberTerms } from '../../pricing/domain/subscribers';
import type { SubscriberTermsSource } from '../../pricing/ports';
import type { PriceRule } from '../../pricing/domain/rules';
import { subscriberTerms, subscriptionPriceRules, subscriptionRuleScopes } from '../domain/rating';
import { offersOf } from '../domain/subscription';
import type { SubscriptionRecord, SubscriptionStore } from '../ports';

/** An account with up to this many subscriptions is read in one consistent query; a larger one customer by customer. */
const ACCOUNT_PAGE = 200;
/** Customer queries in flight when an account has more subscriptions than one page. */
const CUSTOMER_QUERIES = 16;
/**
 * A chunk naming more customers than this reads the account's whole partition (pages of 1,000, a few MB for
 * 10,000 subscriptions) rather than one customer-index query per customer: a chunk of 1,000 purchases of
 * 1,000 customers would otherwise wait on 1,000 queries.
 */
const CUSTOMERS_FOR_ONE_QUERY_EACH = 50;

/**
 * Rating's view of subscriptions (pricing's `SubscriberTermsSource`): the subscriptions of the customers a
 * chunk names, their offers, and what they make of them (`subscriberTerms`). An account with no more than
 * 200 subscriptions is read in one consistent query of its partition (an account without any costs one
 * empty query per chunk); a larger one through the customer index, one query per customer named, unless the
 * chunk names many customers: then the whole partition is read, page after page.
 */
export class SubscriberTermsReader implements SubscriberTermsSource {
  constructor(private readonly store: Pick<SubscriptionStore, 'listSubscriptions' | 'getOffers'>) {}

  async subscriberTerms(accountId: string, customers: readonly string[]): Promise<SubscriberTerms> {
    if (!customers.length) return { rules: [], windows: [] };
    const wanted = new Set(customers);
    const first = await this.store.listSubscriptions(accountId, {}, { limit: ACCOUNT_PAGE });
    let subscriptions: SubscriptionRecord[];
    if (first.next === null) subscriptions = first.items.filter((s) => wanted.has(s.customer));
    else if (wanted.size > CUSTOMERS_FOR_ONE_QUERY_EACH) {
      subscriptions = first.items.filter((s) => wanted.has(s.customer));
      let cursor: string | undefined = first.next;
      while (cursor) {
        const page = await this.store.listSubscriptions(accountId, {}, { limit: 1000, cursor });
        subscriptions.push(...page.items.filter((s) => wanted.has(s.customer)));
        cursor = page.next ?? undefined;
      }
    } else {
      const pages = await mapLimit([...wanted], CUSTOMER_QUERIES, (customer) => this.customerSubscriptions(accountId, customer));
      subscriptions = pages.flat();
    }
    if (!subscriptions.length) return { rules: [], windows: [] };
    const offers = await this.store.getOffers(accountId, [...offersOfAll(subscriptions)]);
    return subscriberTerms(subscriptions, offers);
  }

  /**
   * For billing: every usage-charge rule of the account's subscriptions by id (the model that prices a period
   * sum of purchases whose `priceRule` names it) and the `subscription.<key>` names each one reads.
   */
  async accountRules(accountId: string): Promise<{ rules: Map<string, PriceRule>; scopes: Map<string, Record<string, string>> }> {
    const subscriptions: SubscriptionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.listSubscriptions(accountId, {}, { limit: 1000, cursor });
      subscriptions.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor);
    const offers = await this.store.getOffers(accountId, [...offersOfAll(subscriptions)]);
    return { rules: subscriptionPriceRules(subscriptions, offers), scopes: subscriptionRuleScopes(subscriptions, offers) };
  }

  private async customerSubscriptions(accountId: string, customer: string): Promise<SubscriptionRecord[]> {
    const out: SubscriptionRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.listSubscriptions(accountId, { customer }, { limit: 100, cursor });
      out.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor);
    return out;
  }
}

/** The offers subscriptions start with or change to. */
const offersOfAll = (subscriptions: readonly SubscriptionRecord[]): Set<string> => new Set(subscriptions.flatMap(offersOf));
