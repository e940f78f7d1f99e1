import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { operations } from '../../shared/edge/routes';
import { streamRoutes, tableRoutes } from '../../shared/streams/routes';
import { grantTable, ObjectGrants } from './grants';

/**
 * The stream consumer's timeout: one message is one whole stream run (rows streamed S3 → stages → S3) or
 * the sharing of one published batch; a million rows take about a minute locally.
 */
export const STREAMS_CONSUMER_TIMEOUT = Duration.minutes(15);
/** AWS's advice of six times the consumer's timeout. */
export const STREAMS_QUEUE_VISIBILITY_TIMEOUT = Duration.seconds(STREAMS_CONSUMER_TIMEOUT.toSeconds() * 6);

/** Key patterns of the data bucket (shared/storage/keys.ts `objects`). */
const JOURNAL = 'journal/*';
const BATCHES = 'batches/*';
const STREAM_FILES = 'streams/*';
const LOOKUP_TABLES = 'lookup-tables/*';

/**
 * Streams (docs/product.md §5): stream definitions, exchange rates and lookup tables, runs that stream a
 * batch's rows through its stages into S3, publishing that shares rows with partner accounts, and the
 * partner's computed streams that run on each share, all through the StreamsQueue.
 */
export class Streams extends Construct {
  readonly api: BillstreamFunction;
  readonly runConsumer: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    const { table, bucket, streamsQueue } = state;
    const base = baseEnvironment(props);
    const objects = new ObjectGrants(bucket);
    const environment = { ...base, TABLE_NAME: table.tableName, BUCKET_NAME: bucket.bucketName, STREAMS_QUEUE_URL: streamsQueue.queueUrl };

    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/streams/api.ts',
      timeout: Duration.seconds(29),
      // applying a pricing batch saves price rules, whose re-evaluation goes through the remap queue
      environment: { ...environment, ADMIN_KEY_HASH: props.adminKeyHash, REMAP_QUEUE_URL: state.remapQueue.queueUrl },
    });
    grantTable(table, this.api, 'readWrite');
    objects.grant(this.api, ['s3:GetObject'], BATCHES, STREAM_FILES, LOOKUP_TABLES);
    objects.grant(this.api, ['s3:PutObject'], STREAM_FILES, LOOKUP_TABLES);
    objects.grantList(this.api);
    streamsQueue.grantSendMessages(this.api);
    state.remapQueue.grantSendMessages(this.api); // applying a pricing batch saves price rules

    // Run consumer: one run or one share per message; every step is idempotent (batch ids and share ids
    // are deterministic, the batch record moves running → draft conditionally).
    this.runConsumer = new BillstreamFunction(this, 'RunConsumer', {
      entry: 'functions/streams/run-consumer.ts',
      timeout: STREAMS_CONSUMER_TIMEOUT,
      environment,
    });
    grantTable(table, this.runConsumer, 'readWrite');
    objects.grant(this.runConsumer, ['s3:GetObject'], JOURNAL, BATCHES, STREAM_FILES, LOOKUP_TABLES);
    objects.grant(this.runConsumer, ['s3:PutObject', 's3:AbortMultipartUpload'], BATCHES);
    objects.grantList(this.runConsumer);
    streamsQueue.grantSendMessages(this.runConsumer);
    this.runConsumer.addEventSource(new SqsEventSource(streamsQueue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 10 }));

    for (const r of operations(streamRoutes, tableRoutes)) props.api.route(r.method, r.path, this.api);
  }
}
