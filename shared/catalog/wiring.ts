import { dynamoClient } from '../storage/aws';
import { tableName } from '../storage/env';
import { reevaluations } from '../ingest/wiring';
import { accountStore } from '../platform/wiring';
import { DynamoCatalogStore } from './adapters/dynamo/catalog';
import { CatalogService } from './use-cases/catalog';

/** Catalog wiring: customers, clusters and aliases. */

export function catalogStore(): DynamoCatalogStore {
  return new DynamoCatalogStore(dynamoClient(), tableName());
}

export function catalogService(): CatalogService {
  return new CatalogService(catalogStore(), accountStore(), reevaluations());
}
