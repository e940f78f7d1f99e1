import { dynamoClient } from '../storage/aws';
import { tableName } from '../storage/env';
import { catalogStore } from '../catalog/wiring';
import { reevaluations } from '../ingest/wiring';
import { DynamoSubscriptionStore } from './adapters/dynamo/subscriptions';
import { OfferService } from './use-cases/offers';
import { SubscriberTermsReader } from './use-cases/subscriber-terms';
import { SubscriptionService } from './use-cases/subscriptions';

/** Subscriptions wiring: catalogues, offers and subscriptions over the single table; customers and product clusters from the catalog. */

export function subscriptionStore(): DynamoSubscriptionStore {
  return new DynamoSubscriptionStore(dynamoClient(), tableName());
}

export function offerService(): OfferService {
  return new OfferService(subscriptionStore(), catalogStore(), undefined, reevaluations());
}

export function subscriptionService(): SubscriptionService {
  return new SubscriptionService(subscriptionStore(), catalogStore(), undefined, reevaluations());
}

/** What rating reads of subscriptions (pricing's `SubscriberTermsSource`). */
export function subscriberTerms(): SubscriberTermsReader {
  return new SubscriberTermsReader(subscriptionStore());
}
