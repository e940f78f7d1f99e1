import { billstreamTemplate } from './template';

/** Least privilege: each function may do what its handler does, and nothing that would hurt if it misbehaved. */
describe('least privilege', () => {
  const t = billstreamTemplate();
  const tableId = t.json.Outputs.TableName.Value.Ref as string;
  const bucketId = t.json.Outputs.BucketName.Value.Ref as string;
  const queueId = (entry: string, name: string) => t.resources[t.fn(entry)]!.Properties.Environment.Variables[name].Ref as string;
  const billingQueue = queueId('functions/ingest/api.ts', 'BILLING_QUEUE_URL');
  const remapQueue = queueId('functions/catalog/api.ts', 'REMAP_QUEUE_URL');

  // Bundled Node.js handlers; CDK's deploy-time helpers (the console's BucketDeployment runs Python) are not ours.
  const ours = t
    .ofType('AWS::Lambda::Function')
    .filter(([, f]) => f.Properties.Code.S3Key !== undefined && String(f.Properties.Runtime).startsWith('nodejs'));

  test('no statement of our roles allows "*" as a resource or as an action', () => {
    for (const [id] of ours) {
      for (const s of t.statements(id)) {
        expect({ id, resources: s.Resource }).not.toEqual({ id, resources: expect.arrayContaining(['*']) });
        for (const action of s.Action) expect(action).not.toMatch(/\*/);
      }
    }
  });

  test('the ingest API claims purchases (writes the table), keeps its intents under ingest/inflight/ and appends the journal', () => {
    const fn = t.fn('functions/ingest/api.ts');
    expect(t.actionsOn(fn, tableId)).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']),
    );
    expect(t.keyPatterns(fn, bucketId, 's3:PutObject').sort()).toEqual(['/ingest/inflight/*', '/journal/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:GetObject').sort()).toEqual(['/ingest/inflight/*', '/journal/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:DeleteObject')).toEqual(['/ingest/inflight/*']);
    expect(t.actionsOn(fn, billingQueue)).toContain('sqs:SendMessage'); // late purchases of a billed period
    expect(t.actionsOn(fn, remapQueue)).toEqual([]);
  });

  test('the ingest recovery finishes intents and stalled drops: the table, intents, the journal, drops and their results', () => {
    const fn = t.fn('functions/ingest/recovery.ts');
    expect(t.actionsOn(fn, tableId)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:BatchGetItem']));
    expect(t.keyPatterns(fn, bucketId, 's3:DeleteObject')).toEqual(['/ingest/inflight/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:PutObject').sort()).toEqual(['/drops/*/results/*', '/ingest/inflight/*', '/journal/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:GetObject').sort()).toEqual(['/drops/*', '/ingest/inflight/*']);
    expect(t.actionsOn(fn, remapQueue)).toEqual([]);
  });

  test('the remap consumer writes the table, reads the journal, fans out on its own queue, and nothing more', () => {
    const fn = t.fn('functions/ingest/remap-consumer.ts');
    expect(t.actionsOn(fn, tableId)).toContain('dynamodb:UpdateItem');
    expect(t.keyPatterns(fn, bucketId, 's3:GetObject')).toEqual(['/journal/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:PutObject')).toEqual([]);
    expect(t.keyPatterns(fn, bucketId, 's3:DeleteObject')).toEqual([]);
    expect(t.actionsOn(fn, remapQueue)).toContain('sqs:SendMessage');
  });

  test('the pricing API writes the table, reads only the journal, and sends re-evaluations', () => {
    const fn = t.fn('functions/pricing/api.ts');
    expect(t.actionsOn(fn, tableId)).toContain('dynamodb:PutItem');
    expect(t.keyPatterns(fn, bucketId, 's3:GetObject')).toEqual(['/journal/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:PutObject')).toEqual([]);
    expect(t.actionsOn(fn, remapQueue)).toContain('sqs:SendMessage');
  });

  test('the drop function reads drops, writes results, claims like the API, and nothing else in the bucket', () => {
    const fn = t.fn('functions/ingest/drop.ts');
    expect(t.keyPatterns(fn, bucketId, 's3:GetObject').sort()).toEqual(['/drops/*', '/ingest/inflight/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:PutObject').sort()).toEqual(['/drops/*/results/*', '/ingest/inflight/*', '/journal/*']);
    expect(t.keyPatterns(fn, bucketId, 's3:DeleteObject')).toEqual(['/ingest/inflight/*']);
    expect(t.actionsOn(fn, tableId)).toContain('dynamodb:PutItem');
  });

  test('platform and catalog never touch the bucket; the platform sends no messages', () => {
    for (const entry of ['functions/platform/api.ts', 'functions/catalog/api.ts']) expect(t.actionsOn(t.fn(entry), bucketId)).toEqual([]);
    expect(t.actionsOn(t.fn('functions/platform/api.ts'), remapQueue)).toEqual([]);
    expect(t.actionsOn(t.fn('functions/catalog/api.ts'), remapQueue)).toContain('sqs:SendMessage');
  });

  test('the billing scheduler only starts cycles: the table and the billing queue, no bucket', () => {
    const fn = t.fn('functions/billing/scheduler.ts');
    expect(t.actionsOn(fn, bucketId)).toEqual([]);
    expect(t.actionsOn(fn, remapQueue)).toEqual([]);
  });

  test('each function writes only its own log group', () => {
    for (const [id, f] of ours) {
      const logGroupId = f.Properties.LoggingConfig.LogGroup.Ref as string;
      const logStatements = t.statements(id).filter((s) => s.Action.some((a) => a.startsWith('logs:')));
      expect(logStatements.length).toBeGreaterThan(0);
      for (const s of logStatements) expect(s.Resource).toEqual([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]);
    }
  });
});
