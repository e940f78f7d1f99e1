import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { grantTable, ObjectGrants } from './grants';
import { CONSUMER_TIMEOUT } from './state';

/** Key patterns of the data bucket (shared/keys.ts `objects`). */
const INFLIGHT = 'ingest/inflight/*';
const JOURNAL = 'journal/*';
const DROPS = 'drops/*';
const DROP_RESULTS = 'drops/*/results/*';

/** Drop files the S3 notification hands to the drop function. */
export const DROP_SUFFIXES = ['.csv', '.jsonl'] as const;

/**
 * Ingest, the claim-check pipeline (docs/architecture.md): the purchases API writes chunks to S3 and one
 * message per chunk; the chunk consumer maps and stores them; the remap consumer re-maps purchases when
 * a customer or alias appears; S3 drops feed the same path; the sweeper re-sends lost chunk messages.
 */
export class Ingest extends Construct {
  readonly api: BillstreamFunction;
  readonly chunkConsumer: BillstreamFunction;
  readonly remapConsumer: BillstreamFunction;
  readonly drop: BillstreamFunction;
  readonly sweeper: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    const { table, bucket, ingestQueue, remapQueue, billingQueue } = state;
    const base = baseEnvironment(props);
    const TABLE_NAME = table.tableName;
    const BUCKET_NAME = bucket.bucketName;
    const objects = new ObjectGrants(bucket);

    // Purchases API: reads the table (duplicate check, GET), writes chunks, sends one message per chunk.
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/ingest/api.ts',
      timeout: Duration.seconds(29),
      // I/O-bound (validation, one BatchGet per 100 references, one PUT, one send): 512 MB is plenty and halves GB-s.
      memorySize: 512,
      environment: { ...base, TABLE_NAME, BUCKET_NAME, INGEST_QUEUE_URL: ingestQueue.queueUrl, ADMIN_KEY_HASH: props.adminKeyHash },
    });
    grantTable(table, this.api, 'read');
    objects.grant(this.api, ['s3:PutObject'], INFLIGHT);
    objects.grant(this.api, ['s3:GetObject'], INFLIGHT, JOURNAL); // GET of a purchase in flight; listings walk the journal
    objects.grantList(this.api);
    ingestQueue.grantSendMessages(this.api);
    const purchases = '/v1/accounts/{a}/purchases';
    props.api.route('POST', purchases, this.api);
    props.api.route('GET', purchases, this.api);
    props.api.route('GET', `${purchases}/{reference}`, this.api);

    // Chunk consumer: maps and writes each purchase once, appends the journal, deletes the chunk.
    this.chunkConsumer = new BillstreamFunction(this, 'ChunkConsumer', {
      entry: 'functions/ingest/chunk-consumer.ts',
      timeout: CONSUMER_TIMEOUT,
      // Holds one chunk (≤ 1,000 purchases) and waits on DynamoDB: memory buys nothing here, GB-s cost does.
      memorySize: 512,
      environment: { ...base, TABLE_NAME, BUCKET_NAME, REMAP_QUEUE_URL: remapQueue.queueUrl, BILLING_QUEUE_URL: billingQueue.queueUrl },
    });
    grantTable(table, this.chunkConsumer, 'readWrite');
    objects.grant(this.chunkConsumer, ['s3:GetObject', 's3:DeleteObject'], INFLIGHT);
    objects.grant(this.chunkConsumer, ['s3:PutObject'], JOURNAL);
    objects.grantList(this.chunkConsumer);
    remapQueue.grantSendMessages(this.chunkConsumer);
    billingQueue.grantSendMessages(this.chunkConsumer); // late purchases of a period that already has a cycle
    this.consume(this.chunkConsumer, ingestQueue);

    // Remap (re-evaluation) consumer: re-maps the unmapped purchases of one index partition (conditional on
    // version), plans the re-evaluation a catalogue or rule change calls for by walking the journal, and
    // fans the purchases to re-rate out as further messages on its own queue.
    this.remapConsumer = new BillstreamFunction(this, 'RemapConsumer', {
      entry: 'functions/ingest/remap-consumer.ts',
      timeout: CONSUMER_TIMEOUT,
      environment: { ...base, TABLE_NAME, BUCKET_NAME, REMAP_QUEUE_URL: remapQueue.queueUrl, BILLING_QUEUE_URL: billingQueue.queueUrl },
    });
    grantTable(table, this.remapConsumer, 'readWrite');
    objects.grant(this.remapConsumer, ['s3:GetObject'], JOURNAL);
    objects.grantList(this.remapConsumer);
    remapQueue.grantSendMessages(this.remapConsumer);
    billingQueue.grantSendMessages(this.remapConsumer); // a re-priced purchase of a billed period rebuilds its drafts
    this.consume(this.remapConsumer, remapQueue);

    // S3 drop: streams the dropped file into chunks, marks it done in the table, writes the result.
    this.drop = new BillstreamFunction(this, 'Drop', {
      entry: 'functions/ingest/drop.ts',
      timeout: Duration.seconds(900),
      memorySize: 1024,
      environment: { ...base, TABLE_NAME, BUCKET_NAME, INGEST_QUEUE_URL: ingestQueue.queueUrl },
    });
    grantTable(table, this.drop, 'readWrite');
    objects.grant(this.drop, ['s3:GetObject'], DROPS);
    objects.grant(this.drop, ['s3:PutObject'], DROP_RESULTS, INFLIGHT);
    objects.grantList(this.drop);
    ingestQueue.grantSendMessages(this.drop);
    for (const suffix of DROP_SUFFIXES) {
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.drop), { prefix: 'drops/', suffix });
    }

    // Sweeper: lists in-flight chunks and re-sends the message of stale ones. It never touches the table;
    // TABLE_NAME is read by the ingest service's wiring only.
    this.sweeper = new BillstreamFunction(this, 'Sweeper', {
      entry: 'functions/ingest/sweeper.ts',
      timeout: Duration.seconds(60),
      environment: { ...base, TABLE_NAME, BUCKET_NAME, INGEST_QUEUE_URL: ingestQueue.queueUrl },
    });
    objects.grantList(this.sweeper);
    ingestQueue.grantSendMessages(this.sweeper);
    new events.Rule(this, 'SweepSchedule', {
      description: 'Re-sends the messages of in-flight ingest chunks older than five minutes',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.sweeper, { retryAttempts: 2 })],
    });
  }

  private consume(fn: lambda.Function, queue: sqs.IQueue): void {
    fn.addEventSource(
      new SqsEventSource(queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true }),
    );
  }
}
