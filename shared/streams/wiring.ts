import { requireEnv } from '../kernel/config';
import { dynamoClient, s3Client, sqsClient } from '../storage/aws';
import { bucketName, tableName } from '../storage/env';
import { catalogStore } from '../catalog/wiring';
import { chunkStore, purchaseStore } from '../ingest/wiring';
import { accountStore } from '../platform/wiring';
import { recoveryPolicy } from '../platform/use-cases/reconcile';
import { ratingContextLoader, rulesService } from '../pricing/wiring';
import { DynamoStreamTablesStore } from './adapters/dynamo/stream-tables';
import { DynamoStreamStore } from './adapters/dynamo/streams';
import { S3StreamFiles } from './adapters/s3/files';
import { SqsStreamBus } from './adapters/sqs/bus';
import { StreamCycleBatches } from './use-cases/billing-batches';
import { StreamReconciler } from './use-cases/run-recovery';
import { StreamRunner } from './use-cases/runner';
import { StreamService } from './use-cases/service';
import { StreamTablesService } from './use-cases/stream-tables';

/** Streams wiring: stream definitions and runs, batches and shares, exchange rates and lookup tables. */

const streamStore = () => new DynamoStreamStore(dynamoClient(), tableName());
const streamFiles = () => new S3StreamFiles(s3Client(), bucketName());
const streamBus = () => new SqsStreamBus(sqsClient(), requireEnv('STREAMS_QUEUE_URL'));

/** Exchange rates and lookup tables: the table and the lookup-tables/ objects of the data bucket. */
export function streamTablesService(): StreamTablesService {
  return new StreamTablesService(new DynamoStreamTablesStore(dynamoClient(), tableName(), streamFiles()));
}

export function streamService(): StreamService {
  const rules = rulesService();
  return new StreamService({
    streams: streamStore(),
    files: streamFiles(),
    bus: streamBus(),
    tables: streamTablesService(),
    putPriceRule: (accountId, id, body) => rules.putPriceRule(accountId, id, body),
  });
}

export function streamRunner(): StreamRunner {
  return new StreamRunner({
    streams: streamStore(),
    files: streamFiles(),
    bus: streamBus(),
    chunks: chunkStore(),
    purchases: purchaseStore(),
    catalog: catalogStore(),
    accounts: accountStore(),
    rating: ratingContextLoader(),
    tables: streamTablesService(),
  });
}

/** The billing streams' batches a cycle collects. */
export function streamCycleBatches(): StreamCycleBatches {
  return new StreamCycleBatches(streamStore(), streamFiles(), streamBus());
}

export function streamReconciler(): StreamReconciler {
  return new StreamReconciler({ streams: streamStore(), bus: streamBus(), policy: recoveryPolicy() });
}
