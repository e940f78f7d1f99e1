import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction, PDFKIT_FONTS } from './function';
import { operations } from '../../shared/edge/routes';
import { billingRoutes } from '../../shared/billing/routes';
import { grantTable, ObjectGrants } from './grants';

/**
 * The billing consumer's timeout. One message is one unit of a cycle's fan-out (plan, collect a slice of
 * the journal, invoice one partition, write one export), sized to finish well inside it.
 */
export const BILLING_CONSUMER_TIMEOUT = Duration.seconds(300);

/** What State's BillingQueue must use: AWS's advice of six times the consumer's timeout. */
export const BILLING_QUEUE_VISIBILITY_TIMEOUT = Duration.seconds(BILLING_CONSUMER_TIMEOUT.toSeconds() * 6);

/** Invoicers running at once: bounds the write rate one cycle puts on the table (see docs/architecture.md). */
const MAX_CONSUMER_CONCURRENCY = 20;

/** Key patterns of the data bucket (shared/storage/keys.ts `objects`). */
const JOURNAL = 'journal/*';
const CYCLES = 'cycles/*';
const INVOICES = 'invoices/*';
const EXPORTS = 'exports/*';
const BATCHES = 'batches/*';

export interface BillingProps extends ContextProps {
  /** State's BillingQueue (with its DLQ), visibility timeout BILLING_QUEUE_VISIBILITY_TIMEOUT. */
  readonly billingQueue: sqs.IQueue;
}

/**
 * Billing (docs/product.md §7): the billing API (cycles, invoices, documents, credit notes, schedule, exports),
 * the cycle consumer that fans a cycle out through the BillingQueue (plan → collect → invoice → finish,
 * plus exports), and the daily scheduler that starts the cycles of the accounts whose billing day it is.
 */
export class Billing extends Construct {
  readonly api: BillstreamFunction;
  readonly cycleConsumer: BillstreamFunction;
  readonly scheduler: BillstreamFunction;

  constructor(scope: Construct, id: string, props: BillingProps) {
    super(scope, id);
    const { state, billingQueue } = props;
    const { table, bucket } = state;
    const base = baseEnvironment(props);
    const TABLE_NAME = table.tableName;
    const BUCKET_NAME = bucket.bucketName;
    const BILLING_QUEUE_URL = billingQueue.queueUrl;
    const objects = new ObjectGrants(bucket);

    // Billing API: starts cycles (one message), reads reports and invoices, approves (renders the approved
    // PDF, completes purchases), issues credit notes, serves documents (a draft's preview PDF rendered on
    // its first request) and exports, keeps the schedule.
    this.api = new BillstreamFunction(this, 'Api', {
      entry: 'functions/billing/api.ts',
      timeout: Duration.seconds(29),
      environment: { ...base, TABLE_NAME, BUCKET_NAME, BILLING_QUEUE_URL, ADMIN_KEY_HASH: props.adminKeyHash },
      bundleFiles: PDFKIT_FONTS,
    });
    grantTable(table, this.api, 'readWrite');
    objects.grant(this.api, ['s3:GetObject'], JOURNAL, INVOICES, EXPORTS); // troubleshooting walks the journal
    objects.grant(this.api, ['s3:PutObject'], INVOICES); // approved PDFs, draft previews, credit note documents
    objects.grant(this.api, ['s3:DeleteObject'], INVOICES); // the PDF an approval or a void superseded
    objects.grantList(this.api);
    billingQueue.grantSendMessages(this.api);
    for (const r of operations(billingRoutes)) props.api.route(r.method, r.path, this.api);

    // Cycle consumer: plans a cycle from the journal, collects rated purchases into partition files,
    // invoices one partition per message (drafts, PDF + CSV, purchases marked invoiced), merges the report;
    // also writes exports. Every step is idempotent, so redeliveries are harmless.
    this.cycleConsumer = new BillstreamFunction(this, 'CycleConsumer', {
      entry: 'functions/billing/cycle-consumer.ts',
      timeout: BILLING_CONSUMER_TIMEOUT,
      environment: {
        ...base,
        TABLE_NAME,
        BUCKET_NAME,
        BILLING_QUEUE_URL,
        STREAMS_QUEUE_URL: props.state.streamsQueue.queueUrl,
      },
      bundleFiles: PDFKIT_FONTS,
    });
    grantTable(table, this.cycleConsumer, 'readWrite');
    objects.grant(this.cycleConsumer, ['s3:GetObject'], JOURNAL, CYCLES, INVOICES, BATCHES); // billing streams' batches are invoiced
    objects.grant(this.cycleConsumer, ['s3:PutObject'], CYCLES, INVOICES, EXPORTS);
    objects.grant(this.cycleConsumer, ['s3:DeleteObject'], CYCLES, INVOICES); // finished parts, superseded draft documents
    objects.grant(this.cycleConsumer, ['s3:AbortMultipartUpload'], EXPORTS);
    objects.grantList(this.cycleConsumer);
    billingQueue.grantSendMessages(this.cycleConsumer);
    props.state.streamsQueue.grantSendMessages(this.cycleConsumer); // runs a billing stream that has no batch of the period yet
    // One message per invocation: each is minutes of work at most and the fan-out is the parallelism;
    // batching would run a cycle's partitions one after another in one container.
    this.cycleConsumer.addEventSource(
      new SqsEventSource(billingQueue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: MAX_CONSUMER_CONCURRENCY }),
    );

    // Scheduler: once a day, starts the cycles of the accounts whose billing day it is (one index
    // partition per day of month, written by PUT /billing-schedule). No per-account AWS schedules.
    this.scheduler = new BillstreamFunction(this, 'Scheduler', {
      entry: 'functions/billing/scheduler.ts',
      timeout: Duration.seconds(300),
      memorySize: 512,
      environment: { ...base, TABLE_NAME, BILLING_QUEUE_URL },
    });
    grantTable(table, this.scheduler, 'readWrite'); // reads the day's index, creates the cycles
    billingQueue.grantSendMessages(this.scheduler);
    new events.Rule(this, 'DailySchedule', {
      description: 'Starts the billing cycles of the accounts whose billing day is today (UTC)',
      schedule: events.Schedule.expression('cron(0 1 * * ? *)'),
      targets: [new targets.LambdaFunction(this.scheduler, { retryAttempts: 2 })],
    });
  }
}
