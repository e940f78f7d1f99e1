import { Match } from 'aws-cdk-lib/assertions';
import { MAX_RECEIVE_COUNT } from '../../shared/edge/sqs';
import { billstreamTemplate } from './template';

/** The reconciler: one schedule, and only what resuming and failing open work needs. */
describe('recovery (the reconciler)', () => {
  const t = billstreamTemplate();
  const fn = t.fn('functions/platform/reconciler.ts');
  const tableId = t.json.Outputs.TableName.Value.Ref as string;
  const bucketId = t.json.Outputs.BucketName.Value.Ref as string;
  const env = (entry: string, name: string) => t.resources[t.fn(entry)]!.Properties.Environment.Variables[name];

  test('runs every minute, retried twice by EventBridge', () => {
    t.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    t.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
    });
    expect(t.resources[fn]!.Properties.Timeout).toBe(60);
  });

  test('item-level table actions on the table and queries of gsi1, nothing else (no Scan, no batch writes)', () => {
    const onTable = t.statements(fn).filter((s) => s.Resource.some((r) => JSON.stringify(r).includes(`"${tableId}"`)));
    expect(new Set(onTable.flatMap((s) => s.Action))).toEqual(
      new Set(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']),
    );
    const index = onTable.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
    expect(index.flatMap((s) => s.Action)).toEqual(['dynamodb:Query']);
    expect(JSON.stringify(index[0]!.Resource)).toContain('/index/gsi1');
  });

  test('reads only the cycles’ plans in the bucket, and writes nothing there', () => {
    expect(t.keyPatterns(fn, bucketId, 's3:GetObject')).toEqual(['/cycles/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:PutObject')).toEqual([]);
    expect(t.keyPatterns(fn, bucketId, 's3:DeleteObject')).toEqual([]);
  });

  test('sends to the queues of the work it resumes (billing, streams, re-evaluations), and receives from none', () => {
    const queues = ['BILLING_QUEUE_URL', 'STREAMS_QUEUE_URL', 'REMAP_QUEUE_URL'].map((name) => {
      const ref = env('functions/platform/reconciler.ts', name).Ref as string;
      expect(t.resources[ref]!.Type).toBe('AWS::SQS::Queue');
      expect(t.actionsOn(fn, ref)).toContain('sqs:SendMessage');
      return ref;
    });
    expect(new Set(queues).size).toBe(3);
    expect(queues[0]).toBe(env('functions/billing/api.ts', 'BILLING_QUEUE_URL').Ref);
    expect(queues[1]).toBe(env('functions/streams/api.ts', 'STREAMS_QUEUE_URL').Ref);
    const sqsActions = t
      .statements(fn)
      .flatMap((s) => s.Action)
      .filter((a) => a.startsWith('sqs:'));
    expect(sqsActions.filter((a) => a !== 'sqs:SendMessage' && !a.startsWith('sqs:GetQueue'))).toEqual([]);
  });

  test('every consumed queue moves a message to its DLQ after MAX_RECEIVE_COUNT deliveries, the one the consumers call the last', () => {
    // the consumers compile MAX_RECEIVE_COUNT in (isLastDelivery): no variable of theirs can say otherwise
    const receives = (queueRef: string) => t.resources[queueRef]!.Properties.RedrivePolicy.maxReceiveCount;
    expect(receives(env('functions/billing/api.ts', 'BILLING_QUEUE_URL').Ref)).toBe(MAX_RECEIVE_COUNT);
    expect(receives(env('functions/streams/api.ts', 'STREAMS_QUEUE_URL').Ref)).toBe(MAX_RECEIVE_COUNT);
    expect(receives(env('functions/catalog/api.ts', 'REMAP_QUEUE_URL').Ref)).toBe(MAX_RECEIVE_COUNT);
    expect(MAX_RECEIVE_COUNT).toBe(5);
  });
});
