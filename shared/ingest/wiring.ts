import { optionalEnv } from '../kernel/config';
import { dynamoClient, s3Client, sqsClient } from '../storage/aws';
import { bucketName, tableName } from '../storage/env';
import { draftedPurchases, latePurchases } from '../billing/wiring';
import { catalogStore } from '../catalog/wiring';
import { accountStore } from '../platform/wiring';
import { recoveryPolicy } from '../platform/use-cases/reconcile';
import { ratingContextLoader, ruleStore } from '../pricing/wiring';
import { DynamoDropLedger } from './adapters/dynamo/drops';
import { DynamoPurchaseStore } from './adapters/dynamo/purchases';
import { DynamoReevaluationStore } from './adapters/dynamo/reevaluations';
import { S3ChunkStore } from './adapters/s3/chunks';
import { S3DropFiles } from './adapters/s3/drops';
import { SqsMessageBus } from './adapters/sqs/bus';
import { DropService } from './use-cases/drop';
import { IngestService } from './use-cases/ingest';
import { PurchaseCountsService } from './use-cases/purchase-counts';
import { ReevaluationPlanner, Reevaluations, ReevaluationWorker } from './use-cases/reevaluation';
import { ReevaluationReconciler } from './use-cases/reevaluation-recovery';

/** Ingest wiring: acceptance of purchases (API and drops), the purchase store and journal, re-evaluations. */

export function purchaseStore(): DynamoPurchaseStore {
  return new DynamoPurchaseStore(dynamoClient(), tableName());
}

export function purchaseCounts(): PurchaseCountsService {
  return new PurchaseCountsService(purchaseStore());
}

export function chunkStore(): S3ChunkStore {
  return new S3ChunkStore(s3Client(), bucketName());
}

function bus() {
  return new SqsMessageBus(sqsClient(), { remap: optionalEnv('REMAP_QUEUE_URL') });
}

function reevaluationStore() {
  return new DynamoReevaluationStore(dynamoClient(), tableName());
}

/** Starts tracked re-evaluations (record first, then message) for catalogue and rule changes. */
export function reevaluations(): Reevaluations {
  return new Reevaluations(reevaluationStore(), bus());
}

export function ingestService(): IngestService {
  // Functions that may send to the billing queue tell billing about late purchases (every acceptor does).
  const late = latePurchases();
  const drafted = draftedPurchases();
  return new IngestService({
    purchases: purchaseStore(),
    rating: ratingContextLoader(),
    reevaluations: reevaluationStore(),
    chunks: chunkStore(),
    onStored: late ? (accountId, records, storedAt) => late.notice(accountId, records, storedAt) : undefined,
    asRead: (accountId, records) => drafted.asRead(accountId, records),
  });
}

export function dropService(): DropService {
  return new DropService(
    ingestService(),
    new S3DropFiles(s3Client(), bucketName()),
    new DynamoDropLedger(dynamoClient(), tableName()),
    accountStore(),
  );
}

export function reevaluationPlanner(): ReevaluationPlanner {
  return new ReevaluationPlanner(catalogStore(), ruleStore(), chunkStore());
}

/** The re-evaluation queue's consumer: plans, re-rates, re-maps and keeps each re-evaluation's record. */
export function reevaluationWorker(): ReevaluationWorker {
  return new ReevaluationWorker({
    planner: reevaluationPlanner(),
    reevaluator: ingestService(),
    store: reevaluationStore(),
    bus: bus(),
    policy: recoveryPolicy(),
  });
}

export function reevaluationReconciler(): ReevaluationReconciler {
  return new ReevaluationReconciler({ store: reevaluationStore(), bus: bus(), policy: recoveryPolicy() });
}
