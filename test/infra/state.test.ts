import { Match } from 'aws-cdk-lib/assertions';
import { billstreamTemplate } from './template';

describe('State: table, bucket, queues', () => {
  const t = billstreamTemplate();
  const tableId = t.json.Outputs.TableName.Value.Ref as string;
  const bucketId = t.json.Outputs.BucketName.Value.Ref as string;

  test('the table: pk/sk, on demand, point-in-time recovery, KMS encryption, TTL, retained', () => {
    const table = t.resources[tableId]!;
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  test('the sparse index gsi1 on gsi1pk/gsi1sk projects every attribute', () => {
    expect(t.resources[tableId]!.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    // Sparse: only the key attributes are declared, so items without gsi1pk are not indexed.
    expect(t.resources[tableId]!.Properties.AttributeDefinitions.map((a: { AttributeName: string }) => a.AttributeName).sort()).toEqual([
      'gsi1pk',
      'gsi1sk',
      'pk',
      'sk',
    ]);
  });

  test('the data bucket: no public access, encrypted, versioned, access-logged, retained', () => {
    const bucket = t.resources[bucketId]!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.any(String) } },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  test('every bucket denies requests without TLS', () => {
    for (const [id] of t.ofType('AWS::S3::Bucket')) {
      t.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  const queues = t.ofType('AWS::SQS::Queue');
  const dlqIds = new Set(
    queues.flatMap(([, q]) => (q.Properties.RedrivePolicy ? [q.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string] : [])),
  );
  const consumed = t.ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => ({
    queueId: m.Properties.EventSourceArn['Fn::GetAtt'][0] as string,
    functionId: m.Properties.FunctionName.Ref as string,
  }));

  test('the remap, billing and streams queues are consumed, each by one function', () => {
    expect(consumed).toHaveLength(3);
    expect(new Set(consumed.map((c) => c.queueId)).size).toBe(3);
    expect(dlqIds.size).toBe(3);
  });

  test('every queue that is not a DLQ has its own DLQ (5 receives), DLQs keep messages 14 days', () => {
    const sources = queues.filter(([id]) => !dlqIds.has(id));
    expect(sources.length).toBeGreaterThanOrEqual(2);
    const targets = sources.map(([, q]) => {
      expect(q.Properties.RedrivePolicy).toMatchObject({ maxReceiveCount: 5 });
      return q.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
    });
    expect(new Set(targets).size).toBe(targets.length);
    for (const id of dlqIds) expect(t.resources[id]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  test('every queue is encrypted (SQS-managed) and denies requests without TLS', () => {
    for (const [id, q] of queues) {
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
      t.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });

  test('visibility timeout of a consumed queue is at least six times its consumer timeout', () => {
    for (const { queueId, functionId } of consumed) {
      const visibility = t.resources[queueId]!.Properties.VisibilityTimeout as number;
      const timeout = t.resources[functionId]!.Properties.Timeout as number;
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    }
  });
});
