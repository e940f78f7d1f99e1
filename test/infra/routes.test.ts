import { routeKey, operations } from '../../shared/edge/routes';
import { API_SECTIONS, apiDocument } from '../../functions/platform/openapi';
import { billstreamTemplate } from './template';

/**
 * Each route is declared once, in its context's route table. The readers must agree with the tables:
 * the stack deploys exactly their routes, each to the function of its context; each HTTP function
 * answers exactly its tables' routes; the served OpenAPI document describes exactly them.
 */
describe('route tables, stack, handlers and OpenAPI document agree', () => {
  const t = billstreamTemplate();
  const declared = operations(...API_SECTIONS.map((s) => s.routes)).map(routeKey);

  const deployed = new Map<string, string>();
  for (const [, route] of t.ofType('AWS::ApiGatewayV2::Route')) {
    if (route.Properties.RouteKey === '$default') continue;
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
    deployed.set(route.Properties.RouteKey, t.resources[integrationId]!.Properties.IntegrationUri['Fn::GetAtt'][0]);
  }

  test('every route is declared once (no METHOD path, no operationId twice)', () => {
    expect(new Set(declared).size).toBe(declared.length);
    const ids = operations(...API_SECTIONS.map((s) => s.routes)).map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(declared.length).toBe(91);
  });

  test('the stack deploys exactly the declared routes, each to the function of its table', () => {
    expect(new Set(deployed.keys())).toEqual(new Set(declared));
    for (const section of API_SECTIONS) {
      for (const op of operations(section.routes)) expect([routeKey(op), deployed.get(routeKey(op))]).toEqual([routeKey(op), t.fn(section.entry)]);
    }
  });

  test('each HTTP function answers exactly the routes of its tables', async () => {
    // Module init of the handlers needs their environment; nothing is called.
    Object.assign(process.env, { AWS_REGION: 'us-east-1', TABLE_NAME: 't', BUCKET_NAME: 'b', ADMIN_KEY_HASH: 'x' });
    Object.assign(process.env, { REMAP_QUEUE_URL: 'q', BILLING_QUEUE_URL: 'q', STREAMS_QUEUE_URL: 'q' });
    const entries = [...new Set(API_SECTIONS.map((s) => s.entry))];
    for (const entry of entries) {
      const { handler } = (await import(`../../${entry}`)) as { handler: { routeKeys: readonly string[] } };
      const expected = operations(...API_SECTIONS.filter((s) => s.entry === entry).map((s) => s.routes)).map(routeKey);
      expect([entry, [...handler.routeKeys].sort()]).toEqual([entry, [...expected].sort()]);
    }
  });

  test('the OpenAPI document describes exactly the declared routes, with their operationIds', () => {
    const doc = apiDocument();
    const described = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { operationId: string }>).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    const expected = operations(...API_SECTIONS.map((s) => s.routes)).map((op) => `${routeKey(op)} ${op.operationId}`);
    expect(new Set(described)).toEqual(new Set(expected));
  });

  test('the path parameters a table declares are those of its path', () => {
    for (const op of operations(...API_SECTIONS.map((s) => s.routes))) {
      const inPath = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const name of Object.keys(op.params?.shape ?? {})) expect([routeKey(op), inPath]).toEqual([routeKey(op), expect.arrayContaining([name])]);
    }
  });
});
