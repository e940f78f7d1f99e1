import { dynamoClient } from '../storage/aws';
import { tableName } from '../storage/env';
import { catalogStore } from '../catalog/wiring';
import { subscriptionService, subscriptionStore } from '../subscriptions/wiring';
import { DynamoQuoteStore } from './adapters/dynamo/quotes';
import { QuoteService } from './use-cases/quotes';

/** Quotes wiring: quotes over the single table; offers from subscriptions' store, customers from the catalog, accepted quotes through the subscription service. */

export function quoteStore(): DynamoQuoteStore {
  return new DynamoQuoteStore(dynamoClient(), tableName());
}

export function quoteService(): QuoteService {
  return new QuoteService(quoteStore(), subscriptionStore(), catalogStore(), subscriptionService());
}
