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
import { operations } from '../../shared/edge/routes';
import { ingestRoutes } from '../../shared/ingest/routes';
import { CONSUMER_TIMEOUT } from './state';

/** Key patterns of the data bucket (shared/storage/keys.ts `objects`). */
const INFLIGHT = 'ingest/inflight/*';
const JOURNAL = 'journal/*';
const DROPS = 'drops/*';
const DROP_RESULTS = 'drops/*/results/*';

/** Drop files the S3 notification hands to the drop function. */
export const DROP_SUFFIXES = ['.csv', '.jsonl'] as const;

/**
 * Ingest (docs/architecture.md): the purchases API and the S3 drop claim each purchase with one conditional
 * write, already mapped and rated, and journal what they claimed before they answer; the remap consumer
 * re-maps purchases when a customer or alias appears; the recovery finishes acceptances that a crash or
 * a timeout stopped half-way, from the intent object each one writes first.
 */
export class Ingest extends Construct {
  readonly api: BillstreamFunction;
  readonly remapConsumer: BillstreamFunction;
  readonly drop: BillstreamFunction;
  readonly recovery: BillstreamFunction;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { state } = props;
    const { table, bucket, remapQueue, billingQueue } = state;
    const base = baseEnvironment(props);
    const TABLE_NAME = table.tableName;
    const BUCKET_NAME = bucket.bucketName;
    const BILLING_QUEUE_URL = billingQueue.queueUrl;
    const objects = new ObjectGrants(bucket);

    /** What accepting a chunk needs: the claims and re-ratings in the table, the intent and the journal in S3. */
    const acceptor = (fn: BillstreamFunction) => {
      grantTable(table, fn, 'readWrite');
      objects.grant(fn, ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], INFLIGHT);
      objects.grant(fn, ['s3:PutObject'], JOURNAL);
      objects.grantList(fn);
      billingQueue.grantSendMessages(fn); // late purchases of a period that already has a cycle
    };

    // Purchases API: validates, claims each purchase (one conditional put, mapped and rated), journals, answers.
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/ingest/api.ts',
      timeout: Duration.seconds(29),
      // I/O-bound (validation, one conditional put per purchase, two or three PUTs): 512 MB is plenty and halves GB-s.
      memorySize: 512,
      environment: { ...base, TABLE_NAME, BUCKET_NAME, BILLING_QUEUE_URL, ADMIN_KEY_HASH: props.adminKeyHash },
    });
    acceptor(this.api);
    objects.grant(this.api, ['s3:GetObject'], JOURNAL); // listings walk the journal
    for (const r of operations(ingestRoutes)) props.api.route(r.method, r.path, this.api);

    // Remap (re-evaluation) consumer: re-maps the unmapped purchases of one index partition (conditional on
    // version), plans the re-evaluation a catalogue or rule change calls for by walking the journal, and
    // fans the purchases to re-rate out as further messages on its own queue.
    this.remapConsumer = new BillstreamFunction(this, 'RemapConsumer', {
      entry: 'functions/ingest/remap-consumer.ts',
      timeout: CONSUMER_TIMEOUT,
      environment: { ...base, TABLE_NAME, BUCKET_NAME, REMAP_QUEUE_URL: remapQueue.queueUrl, BILLING_QUEUE_URL },
    });
    grantTable(table, this.remapConsumer, 'readWrite');
    objects.grant(this.remapConsumer, ['s3:GetObject'], JOURNAL);
    objects.grantList(this.remapConsumer);
    remapQueue.grantSendMessages(this.remapConsumer);
    billingQueue.grantSendMessages(this.remapConsumer); // a re-priced purchase of a billed period rebuilds its drafts
    this.consume(this.remapConsumer, remapQueue);

    // S3 drop: streams the dropped file through the same acceptance, marks it done in the table, writes the result.
    // A customer drop (drops/<a>/customers/…: S3 refuses a second notification overlapping drops/) is the catalog's
    // import, run by the same function; new customers start remaps.
    this.drop = new BillstreamFunction(this, 'Drop', {
      entry: 'functions/ingest/drop.ts',
      timeout: Duration.seconds(900),
      memorySize: 1024,
      environment: { ...base, TABLE_NAME, BUCKET_NAME, BILLING_QUEUE_URL, REMAP_QUEUE_URL: remapQueue.queueUrl },
    });
    acceptor(this.drop);
    remapQueue.grantSendMessages(this.drop);
    objects.grant(this.drop, ['s3:GetObject'], DROPS);
    objects.grant(this.drop, ['s3:PutObject'], DROP_RESULTS);
    for (const suffix of DROP_SUFFIXES) {
      bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.drop), { prefix: 'drops/', suffix });
    }

    // Recovery: every minute, finishes the acceptances whose intent is older than a few seconds (their
    // function crashed or timed out after claiming): journals what they claimed, removes the intent; and
    // runs again the drops that stopped making progress.
    this.recovery = new BillstreamFunction(this, 'Recovery', {
      entry: 'functions/ingest/recovery.ts',
      timeout: Duration.seconds(60),
      environment: { ...base, TABLE_NAME, BUCKET_NAME, BILLING_QUEUE_URL },
    });
    acceptor(this.recovery);
    objects.grant(this.recovery, ['s3:GetObject'], DROPS); // a stalled drop is read again from its first line
    objects.grant(this.recovery, ['s3:PutObject'], DROP_RESULTS);
    new events.Rule(this, 'RecoverySchedule', {
      description: 'Finishes ingest acceptances that stopped after claiming (a crash, a timeout)',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.recovery, { retryAttempts: 2 })],
    });
  }

  private consume(fn: lambda.Function, queue: sqs.IQueue): void {
    fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true }));
  }
}
