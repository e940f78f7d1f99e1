import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_RECEIVE_COUNT } from '../../shared/edge/sqs';
import { BILLING_QUEUE_VISIBILITY_TIMEOUT } from './billing';
import { STREAMS_QUEUE_VISIBILITY_TIMEOUT } from './streams';

/** SQS consumers (chunk and remap) run at most this long; their queues' visibility timeout follows from it. */
export const CONSUMER_TIMEOUT = Duration.seconds(60);

/** AWS's advice for Lambda event sources: visibility timeout at least six times the function timeout. */
const VISIBILITY_TIMEOUT = Duration.seconds(CONSUMER_TIMEOUT.toSeconds() * 6);

/**
 * The stateful part of Billstream: the single table, the data bucket (chunks, journal, drops) and the
 * pipeline queues with their dead-letter queues. Everything here is retained when the stack goes away.
 */
export class State extends Construct {
  readonly table: dynamodb.Table;
  readonly bucket: s3.Bucket;
  readonly remapQueue: sqs.Queue;
  /** A billing cycle's fan-out (plan, collect, invoice, finish, exports): see billing.ts. */
  readonly billingQueue: sqs.Queue;
  /** Stream runs and batch shares (docs/product.md §5), visibility STREAMS_QUEUE_VISIBILITY_TIMEOUT. */
  readonly streamsQueue: sqs.Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    // Encryption with the AWS-owned DynamoDB KMS key (aws/dynamodb): data at rest is KMS-encrypted and key
    // use is in CloudTrail, at no key or per-request KMS cost, and no function needs a kms: grant. A
    // customer-managed key would only pay off for cross-account access or crypto-shredding, neither of
    // which Billstream does.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Sparse: only items carrying gsi1pk (e.g. unmapped purchases) are indexed.
    this.table.addGlobalSecondaryIndex({
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the data bucket; logging it into itself would loop.',
    });

    this.bucket = new s3.Bucket(this, 'Data', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'data/',
      lifecycleRules: [
        // Chunks are deleted once mapped, journal objects are write-once: old versions are only a safety net.
        { noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.remapQueue = this.queueWithDlq('Remap');
    this.billingQueue = this.queueWithDlq('Billing', BILLING_QUEUE_VISIBILITY_TIMEOUT);
    this.streamsQueue = this.queueWithDlq('Streams', STREAMS_QUEUE_VISIBILITY_TIMEOUT);
  }

  /**
   * A queue whose messages move to its DLQ after MAX_RECEIVE_COUNT deliveries: the consumers read the same
   * constant (`isLastDelivery`) to record the work failed on the last one.
   */
  private queueWithDlq(name: string, visibilityTimeout = VISIBILITY_TIMEOUT): sqs.Queue {
    const dlq = new sqs.Queue(this, `${name}Dlq`, {
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    return new sqs.Queue(this, `${name}Queue`, {
      visibilityTimeout,
      deadLetterQueue: { queue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT },
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
  }
}
