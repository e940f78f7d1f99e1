import { dynamoClient } from '../storage/aws';
import { tableName } from '../storage/env';
import { catalogStore } from '../catalog/wiring';
import { reevaluations } from '../ingest/wiring';
import { subscriberTerms } from '../subscriptions/wiring';
import { DynamoRuleStore } from './adapters/dynamo/rules';
import { RatingContextLoader } from './use-cases/rating';
import { RulesService } from './use-cases/rules';
import { PricePreview } from './use-cases/preview';

/** Pricing wiring: price and routing rules, and the catalogue a batch of purchases is rated against. */

export function ruleStore(): DynamoRuleStore {
  return new DynamoRuleStore(dynamoClient(), tableName());
}

export function ratingContextLoader(): RatingContextLoader {
  return new RatingContextLoader(catalogStore(), ruleStore(), undefined, subscriberTerms());
}

export function rulesService(): RulesService {
  return new RulesService(ruleStore(), catalogStore(), reevaluations());
}

export function pricePreview(): PricePreview {
  return new PricePreview(ratingContextLoader());
}
