import { Match } from 'aws-cdk-lib/assertions';
import { apiDocument } from '../../functions/platform/openapi';
import { billstreamTemplate } from './template';

describe('event sources, schedule and HTTP routes', () => {
  const t = billstreamTemplate();
  const bucketId = t.json.Outputs.BucketName.Value.Ref as string;

  test('the remap consumer: batches of 10, 1 s window, partial batch failures; billing and streams: one message at a time', () => {
    const expected = new Map([['functions/ingest/remap-consumer.ts', 'remap']]);
    const mappings = t.ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(expected.size + 2);
    for (const entry of ['functions/billing/cycle-consumer.ts', 'functions/streams/run-consumer.ts']) {
      const mapping = mappings.find(([, m]) => m.Properties.FunctionName.Ref === t.fn(entry));
      expect(mapping?.[1].Properties).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    }
    for (const [entry] of expected) {
      const mapping = mappings.find(([, m]) => m.Properties.FunctionName.Ref === t.fn(entry));
      expect(mapping?.[1].Properties).toMatchObject({
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
    // Each consumer reads its own queue, and the queue is the one its producers are told about.
    const queueOf = (entry: string) =>
      mappings.find(([, m]) => m.Properties.FunctionName.Ref === t.fn(entry))![1].Properties.EventSourceArn['Fn::GetAtt'][0];
    const envQueue = (entry: string, name: string) => t.resources[t.fn(entry)]!.Properties.Environment.Variables[name].Ref;
    expect(queueOf('functions/ingest/remap-consumer.ts')).toBe(envQueue('functions/catalog/api.ts', 'REMAP_QUEUE_URL'));
    expect(queueOf('functions/streams/run-consumer.ts')).toBe(envQueue('functions/streams/api.ts', 'STREAMS_QUEUE_URL'));
  });

  test('S3 drops: ObjectCreated under drops/ ending in .csv or .jsonl invokes the drop function', () => {
    const notifications = t.resources[t.single('Custom::S3BucketNotifications')]!;
    expect(notifications.Properties.BucketName).toEqual({ Ref: bucketId });
    const configs = notifications.Properties.NotificationConfiguration.LambdaFunctionConfigurations as Array<{
      Events: string[];
      LambdaFunctionArn: unknown;
      Filter: { Key: { FilterRules: Array<{ Name: string; Value: string }> } };
    }>;
    const rules = configs.map((c) => {
      expect(c.Events).toEqual(['s3:ObjectCreated:*']);
      expect(c.LambdaFunctionArn).toEqual({ 'Fn::GetAtt': [t.fn('functions/ingest/drop.ts'), 'Arn'] });
      return Object.fromEntries(c.Filter.Key.FilterRules.map((r) => [r.Name, r.Value]));
    });
    expect(rules).toEqual(
      expect.arrayContaining([
        { prefix: 'drops/', suffix: '.csv' },
        { prefix: 'drops/', suffix: '.jsonl' },
      ]),
    );
    expect(rules).toHaveLength(2);
    t.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [t.fn('functions/ingest/drop.ts'), 'Arn'] },
    });
  });

  test('the ingest recovery runs every minute', () => {
    t.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [t.fn('functions/ingest/recovery.ts'), 'Arn'] } })],
    });
  });

  test('billing cycles of the day start at 01:00 UTC', () => {
    t.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 1 * * ? *)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [t.fn('functions/billing/scheduler.ts'), 'Arn'] } })],
    });
  });

  const routes = new Map<string, string>();
  for (const [, route] of t.ofType('AWS::ApiGatewayV2::Route')) {
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
    const integration = t.resources[integrationId]!.Properties;
    expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    routes.set(route.Properties.RouteKey, integration.IntegrationUri['Fn::GetAtt'][0]);
  }

  test.each([
    ['GET /v1/health', 'functions/platform/api.ts'],
    ['GET /v1/openapi.json', 'functions/platform/api.ts'],
    ['POST /v1/accounts', 'functions/platform/api.ts'],
    ['POST /v1/accounts/{a}/keys', 'functions/platform/api.ts'],
    ['$default', 'functions/platform/api.ts'],
    ['PUT /v1/accounts/{a}/customer-clusters/{id}', 'functions/catalog/api.ts'],
    ['GET /v1/accounts/{a}/customer-clusters/{id}', 'functions/catalog/api.ts'],
    ['GET /v1/accounts/{a}/customer-clusters', 'functions/catalog/api.ts'],
    ['PUT /v1/accounts/{a}/customers/{code}', 'functions/catalog/api.ts'],
    ['GET /v1/accounts/{a}/customers/{code}', 'functions/catalog/api.ts'],
    ['GET /v1/accounts/{a}/customers', 'functions/catalog/api.ts'],
    ['PUT /v1/accounts/{a}/product-clusters/{id}', 'functions/catalog/api.ts'],
    ['GET /v1/accounts/{a}/product-clusters/{id}', 'functions/catalog/api.ts'],
    ['GET /v1/accounts/{a}/product-clusters', 'functions/catalog/api.ts'],
    ['POST /v1/accounts/{a}/purchases', 'functions/ingest/api.ts'],
    ['GET /v1/accounts/{a}/purchases', 'functions/ingest/api.ts'],
    ['GET /v1/accounts/{a}/purchases/{reference}', 'functions/ingest/api.ts'],
    ['PUT /v1/accounts/{a}/price-rules/{id}', 'functions/pricing/api.ts'],
    ['GET /v1/accounts/{a}/price-rules/{id}', 'functions/pricing/api.ts'],
    ['GET /v1/accounts/{a}/price-rules', 'functions/pricing/api.ts'],
    ['PUT /v1/accounts/{a}/routing-rules/{id}', 'functions/pricing/api.ts'],
    ['GET /v1/accounts/{a}/routing-rules/{id}', 'functions/pricing/api.ts'],
    ['GET /v1/accounts/{a}/routing-rules', 'functions/pricing/api.ts'],
    ['GET /v1/accounts/{a}/customers/{code}/usage', 'functions/pricing/api.ts'],
    ['POST /v1/accounts/{a}/billing-cycles', 'functions/billing/api.ts'],
    ['GET /v1/accounts/{a}/billing-cycles/{id}', 'functions/billing/api.ts'],
    ['GET /v1/accounts/{a}/billing-cycles/{id}/customers/{code}', 'functions/billing/api.ts'],
    ['GET /v1/accounts/{a}/invoices', 'functions/billing/api.ts'],
    ['GET /v1/accounts/{a}/invoices/{id}', 'functions/billing/api.ts'],
    ['POST /v1/accounts/{a}/invoices/{id}/approve', 'functions/billing/api.ts'],
    ['GET /v1/accounts/{a}/invoices/{id}/document', 'functions/billing/api.ts'],
  ])('route %s → %s', (routeKey, entry) => {
    expect(routes.get(routeKey)).toBe(t.fn(entry));
  });

  test.each([
    'PUT /v1/accounts/{a}/streams/{id}',
    'PUT /v1/accounts/{a}/streams/{id}/upload',
    'POST /v1/accounts/{a}/streams/{id}/runs',
    'GET /v1/accounts/{a}/streams/{id}/batches',
    'GET /v1/accounts/{a}/batches/{id}',
    'GET /v1/accounts/{a}/batches/{id}/rows',
    'POST /v1/accounts/{a}/batches/{id}/publish',
    'POST /v1/accounts/{a}/batches/{id}/apply',
    'GET /v1/accounts/{a}/inbound-batches',
    'PUT /v1/accounts/{a}/exchange-rates/{pair}',
    'PUT /v1/accounts/{a}/lookup-tables/{id}',
  ])('streams route %s → the streams API', (routeKey) => {
    expect(routes.get(routeKey)).toBe(t.fn('functions/streams/api.ts'));
  });

  test('every route of the stack is described by the served OpenAPI document, and nothing else is', () => {
    const described = Object.entries(apiDocument().paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ['get', 'put', 'post', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    // $default answers unknown routes
    const deployed = [...routes.keys()].filter((key) => key !== '$default');
    expect(new Set(described)).toEqual(new Set(deployed));
  });

  test('the $default stage: auto-deployed, throttled, access-logged', () => {
    const stageId = t.single('AWS::ApiGatewayV2::Stage');
    const stage = t.resources[stageId]!.Properties;
    expect(stage).toMatchObject({ StageName: '$default', AutoDeploy: true });
    expect(stage.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(stage.DefaultRouteSettings.ThrottlingBurstLimit).toBeGreaterThan(0);
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  test('API Gateway may invoke the catalog and ingest functions only through their routes ($default: platform only)', () => {
    const anyRoute = t
      .ofType('AWS::Lambda::Permission')
      .filter(([, p]) => p.Properties.Principal === 'apigateway.amazonaws.com' && JSON.stringify(p.Properties.SourceArn).endsWith('/*/*"]]}'))
      .map(([, p]) => p.Properties.FunctionName['Fn::GetAtt'][0]);
    expect(anyRoute).toEqual([t.fn('functions/platform/api.ts')]);
  });
});
