import { billstreamTemplate } from './template';

const ENTRIES = [
  'functions/platform/api.ts',
  'functions/catalog/api.ts',
  'functions/ingest/api.ts',
  'functions/ingest/remap-consumer.ts',
  'functions/ingest/drop.ts',
  'functions/ingest/recovery.ts',
  'functions/pricing/api.ts',
  'functions/billing/api.ts',
  'functions/billing/cycle-consumer.ts',
  'functions/billing/scheduler.ts',
  'functions/streams/api.ts',
  'functions/streams/run-consumer.ts',
  'functions/platform/reconciler.ts',
  'functions/subscriptions/api.ts',
  'functions/quotes/api.ts',
];

describe('functions', () => {
  const t = billstreamTemplate();
  // Bundled Node.js handlers; CDK's deploy-time helpers (the console's BucketDeployment runs Python) are not ours.
  const ours = t
    .ofType('AWS::Lambda::Function')
    .filter(([, f]) => f.Properties.Code.S3Key !== undefined && String(f.Properties.Runtime).startsWith('nodejs'));

  test('one bundled function per handler', () => {
    expect(ours.map(([, f]) => f.Properties.Description).sort()).toEqual([...ENTRIES].sort());
  });

  test('Node.js 22 on arm64, source maps on, logs kept one month', () => {
    for (const [, f] of ours) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(f.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      const logGroupId = f.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(t.resources[logGroupId]!.Properties.RetentionInDays).toBe(30);
    }
  });

  test('timeouts and memory per use', () => {
    const props = (entry: string) => t.resources[t.fn(entry)]!.Properties;
    expect(props('functions/platform/api.ts')).toMatchObject({ Timeout: 29, MemorySize: 512 });
    expect(props('functions/ingest/remap-consumer.ts')).toMatchObject({ Timeout: 60 });
    expect(props('functions/ingest/drop.ts')).toMatchObject({ Timeout: 900, MemorySize: 1024 });
    expect(props('functions/ingest/api.ts')).toMatchObject({ MemorySize: 512 });
    expect(props('functions/ingest/recovery.ts')).toMatchObject({ Timeout: 60 });
    expect(props('functions/billing/cycle-consumer.ts')).toMatchObject({ Timeout: 300 });
  });

  test('each function gets only the configuration it reads', () => {
    const base = ['LOG_LEVEL', 'NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME'];
    const env = (entry: string) => Object.keys(t.resources[t.fn(entry)]!.Properties.Environment.Variables).sort();
    const expected: Record<string, string[]> = {
      'functions/platform/api.ts': ['ADMIN_KEY_HASH', 'TABLE_NAME'],
      'functions/catalog/api.ts': ['ADMIN_KEY_HASH', 'BILLING_QUEUE_URL', 'REMAP_QUEUE_URL', 'TABLE_NAME'],
      'functions/ingest/api.ts': ['ADMIN_KEY_HASH', 'BILLING_QUEUE_URL', 'BUCKET_NAME', 'TABLE_NAME'],
      'functions/ingest/remap-consumer.ts': ['BILLING_QUEUE_URL', 'BUCKET_NAME', 'REMAP_QUEUE_URL', 'TABLE_NAME'],
      'functions/ingest/drop.ts': ['BILLING_QUEUE_URL', 'BUCKET_NAME', 'REMAP_QUEUE_URL', 'TABLE_NAME'],
      'functions/ingest/recovery.ts': ['BILLING_QUEUE_URL', 'BUCKET_NAME', 'TABLE_NAME'],
      'functions/pricing/api.ts': ['ADMIN_KEY_HASH', 'BUCKET_NAME', 'REMAP_QUEUE_URL', 'TABLE_NAME'],
      'functions/billing/api.ts': ['ADMIN_KEY_HASH', 'BILLING_QUEUE_URL', 'BUCKET_NAME', 'TABLE_NAME'],
      'functions/billing/cycle-consumer.ts': ['BILLING_QUEUE_URL', 'BUCKET_NAME', 'STREAMS_QUEUE_URL', 'TABLE_NAME'],
      'functions/billing/scheduler.ts': ['BILLING_QUEUE_URL', 'TABLE_NAME'],
      'functions/streams/api.ts': ['ADMIN_KEY_HASH', 'BUCKET_NAME', 'REMAP_QUEUE_URL', 'STREAMS_QUEUE_URL', 'TABLE_NAME'],
      'functions/streams/run-consumer.ts': ['BUCKET_NAME', 'STREAMS_QUEUE_URL', 'TABLE_NAME'],
      'functions/subscriptions/api.ts': ['ADMIN_KEY_HASH', 'REMAP_QUEUE_URL', 'TABLE_NAME'],
      'functions/quotes/api.ts': ['ADMIN_KEY_HASH', 'REMAP_QUEUE_URL', 'TABLE_NAME'],
      'functions/platform/reconciler.ts': ['BILLING_QUEUE_URL', 'BUCKET_NAME', 'REMAP_QUEUE_URL', 'STREAMS_QUEUE_URL', 'TABLE_NAME'],
    };
    for (const [entry, names] of Object.entries(expected)) expect(env(entry)).toEqual([...base, ...names].sort());
  });

  test('a variable has one value across functions (the local stack runs them in one process)', () => {
    const seen = new Map<string, string>();
    for (const [, f] of ours) {
      for (const [name, value] of Object.entries(f.Properties.Environment.Variables)) {
        const rendered = JSON.stringify(value);
        if (seen.has(name)) expect(`${name}=${rendered}`).toBe(`${name}=${seen.get(name)}`);
        seen.set(name, rendered);
      }
    }
  });

  test('the admin key reaches the API functions only as the NoEcho AdminKeyHash parameter', () => {
    expect(t.json.Parameters.AdminKeyHash).toMatchObject({ Type: 'String', NoEcho: true, AllowedPattern: '^[0-9a-f]{64}$' });
    for (const entry of ENTRIES.filter((e) => e.endsWith('/api.ts'))) {
      expect(t.resources[t.fn(entry)]!.Properties.Environment.Variables.ADMIN_KEY_HASH).toEqual({ Ref: 'AdminKeyHash' });
    }
  });

  test('outputs: API URL, console URL, table and bucket names', () => {
    expect(Object.keys(t.json.Outputs).sort()).toEqual(['ApiUrl', 'BucketName', 'ConsoleUrl', 'TableName']);
  });
});
