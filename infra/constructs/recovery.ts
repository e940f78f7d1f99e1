import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { baseEnvironment, type ContextProps } from './context';
import { BillstreamFunction } from './function';
import { ObjectGrants } from './grants';

/** How often the reconciler looks for work that stopped making progress. */
export const RECONCILE_RATE = Duration.minutes(1);

/** Key patterns of the data bucket (shared/storage/keys.ts `objects`). */
const CYCLES = 'cycles/*';

/**
 * Recovery: the reconciler, one scheduled function that resumes long-running work which stopped making
 * progress (a crash, a lost message, a message in a DLQ): billing cycles from their state, stream runs as
 * a new attempt, shares again (shared/platform/use-cases/reconcile.ts; its parts are listed in shared/platform/wiring.ts).
 * It finds open work through the sparse `OPENWORK#<kind>` partitions of gsi1 (never a Scan), writes only
 * the conditional "resumed" marks and failures, and sends the resuming messages to the queues of the work.
 */
export class Recovery extends Construct {
  readonly reconciler: BillstreamFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: ContextProps) {
    super(scope, id);
    const { table, bucket, billingQueue, streamsQueue, remapQueue } = props.state;

    this.reconciler = new BillstreamFunction(this, 'Reconciler', {
      entry: 'functions/platform/reconciler.ts',
      timeout: Duration.seconds(60),
      memorySize: 512,
      environment: {
        ...baseEnvironment(props),
        TABLE_NAME: table.tableName,
        BUCKET_NAME: bucket.bucketName,
        BILLING_QUEUE_URL: billingQueue.queueUrl,
        STREAMS_QUEUE_URL: streamsQueue.queueUrl,
        REMAP_QUEUE_URL: remapQueue.queueUrl, // re-evaluations are re-run through their own queue
      },
    });
    // Item-level actions only: read the open work (gsi1) and the records, mark resumes and failures
    // (a failed batch is a conditional put and the removal of its index item, in one transaction).
    iam.Grant.addToPrincipal({
      grantee: this.reconciler,
      actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resourceArns: [table.tableArn],
    });
    iam.Grant.addToPrincipal({ grantee: this.reconciler, actions: ['dynamodb:Query'], resourceArns: [`${table.tableArn}/index/gsi1`] });
    const objects = new ObjectGrants(bucket);
    objects.grant(this.reconciler, ['s3:GetObject'], CYCLES); // a run's plan names the slices its collectors read
    objects.grantList(this.reconciler);
    billingQueue.grantSendMessages(this.reconciler);
    streamsQueue.grantSendMessages(this.reconciler);
    remapQueue.grantSendMessages(this.reconciler);

    this.schedule = new events.Rule(this, 'ReconcileSchedule', {
      description: 'Resumes billing cycles, stream runs and shares that stopped making progress',
      schedule: events.Schedule.rate(RECONCILE_RATE),
      targets: [new targets.LambdaFunction(this.reconciler, { retryAttempts: 2 })],
    });
  }
}
