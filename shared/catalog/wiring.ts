import { dynamoClient, s3Client } from '../storage/aws';
import { bucketName, tableName } from '../storage/env';
import { payerMoves } from '../billing/wiring';
import { reevaluations } from '../ingest/wiring';
import { accountStore } from '../platform/wiring';
import { DynamoCatalogStore } from './adapters/dynamo/catalog';
import { DynamoWaitingPurchases } from './adapters/dynamo/waiting';
import { S3CustomerDropFiles } from './adapters/s3/customer-drops';
import { CatalogService } from './use-cases/catalog';
import { CustomerImports } from './use-cases/customer-import';

/** Catalog wiring: customers, clusters and aliases, the account profile, customer imports. */

export function catalogStore(): DynamoCatalogStore {
  return new DynamoCatalogStore(dynamoClient(), tableName());
}

export function catalogService(): CatalogService {
  return new CatalogService(catalogStore(), accountStore(), reevaluations(), undefined, payerMoves());
}

/** Imports over HTTP (no bucket needed). */
export function customerImports(catalog = catalogService()): CustomerImports {
  return new CustomerImports(catalogStore(), catalog, accountStore(), null, waitingPurchases());
}

/** Imports of customer drops (`drops/<a>/customers/…`): needs BUCKET_NAME. */
export function customerDropImports(): CustomerImports {
  return new CustomerImports(catalogStore(), catalogService(), accountStore(), new S3CustomerDropFiles(s3Client(), bucketName()), waitingPurchases());
}

function waitingPurchases(): DynamoWaitingPurchases {
  return new DynamoWaitingPurchases(dynamoClient(), tableName());
}
