import { LocalHttpApi, type HttpRoute } from '../../../infra/local/http-api';
import { AccountThrottle, accountOfPath, DEFAULT_THROTTLE, throttleFromEnv } from '../../../infra/local/throttle';
import { billstreamTemplate } from '../template';

/** Per-account throttling of the local HTTP API (infra/local/throttle.ts) and its agreement with the deployed stage. */

describe('the token bucket of an account', () => {
  test('a burst passes, then one request per 1/rate seconds; Retry-After says when', () => {
    // Arrange
    const throttle = new AccountThrottle({ rate: 2, burst: 3 });
    const t0 = 1_000_000;

    // Act
    const burst = [0, 1, 2, 3].map(() => throttle.take('a', t0));
    const halfASecondLater = throttle.take('a', t0 + 500);
    const again = throttle.take('a', t0 + 500);
    const quietLater = Array.from({ length: 4 }, () => throttle.take('a', t0 + 60_000));

    // Assess
    expect(burst).toEqual([0, 0, 0, 1]);
    expect([halfASecondLater, again]).toEqual([0, 1]);
    expect(quietLater).toEqual([0, 0, 0, 1]); // refilled to the burst, never beyond
  });

  test('accounts do not share a bucket', () => {
    const throttle = new AccountThrottle({ rate: 1, burst: 1 });
    expect([throttle.take('a', 0), throttle.take('a', 0), throttle.take('b', 0)]).toEqual([0, 1, 0]);
  });

  test('the account of a path; BILLSTREAM_THROTTLE parsing', () => {
    expect(accountOfPath('/v1/accounts/acme/customers/C1')).toBe('acme');
    expect(accountOfPath('/v1/accounts/a%20b')).toBe('a b');
    expect(accountOfPath('/v1/accounts')).toBeNull();
    expect(accountOfPath('/v1/health')).toBeNull();
    expect(throttleFromEnv(undefined)).toEqual(DEFAULT_THROTTLE);
    expect(throttleFromEnv('off')).toBeNull();
    expect(throttleFromEnv('5/10')).toEqual({ rate: 5, burst: 10 });
    expect(throttleFromEnv('0.5/1')).toEqual({ rate: 0.5, burst: 1 });
    for (const bad of ['5', '0/10', '5/0', 'x/y', '-1/3']) expect(() => throttleFromEnv(bad)).toThrow(/BILLSTREAM_THROTTLE/);
  });
});

describe('the local HTTP API throttles per account', () => {
  const routes: HttpRoute[] = [
    { routeKey: 'GET /v1/accounts/{a}/things', method: 'GET', segments: ['v1', 'accounts', '{a}', 'things'], functionId: 'f', apiId: 'api' },
    { routeKey: 'GET /v1/health', method: 'GET', segments: ['v1', 'health'], functionId: 'f', apiId: 'api' },
  ];
  let server: LocalHttpApi;
  let base: string;
  let invoked = 0;

  beforeAll(async () => {
    server = new LocalHttpApi({ rate: 1, burst: 3 });
    base = `http://127.0.0.1:${await server.listen(0)}`;
    server.serve(routes, {
      invoke: async () => {
        invoked++;
        return { statusCode: 200, body: '{}' };
      },
      log: () => {},
    });
  });
  afterAll(() => server.close());

  test('past the burst an account gets 429 throttled with Retry-After, before its function runs; others are served', async () => {
    // Act
    const flood = await Promise.all(Array.from({ length: 8 }, () => fetch(`${base}/v1/accounts/noisy/things`)));
    const refused = flood.find((r) => r.status === 429)!;
    const other = await fetch(`${base}/v1/accounts/quiet/things`);
    const health = await Promise.all(Array.from({ length: 5 }, () => fetch(`${base}/v1/health`)));

    // Assess
    expect(flood.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: { code: 'throttled', message: expect.stringContaining('noisy'), details: [] } });
    expect(other.status).toBe(200);
    expect(health.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(invoked).toBe(3 + 1 + 5);
  });
});

test('the local default is the throttling the stage deploys on AWS', () => {
  const stages = billstreamTemplate().ofType('AWS::ApiGatewayV2::Stage');
  expect(stages).toHaveLength(1);
  const stage = stages[0]![1];
  expect(stage.Properties.DefaultRouteSettings).toMatchObject({
    ThrottlingRateLimit: DEFAULT_THROTTLE.rate,
    ThrottlingBurstLimit: DEFAULT_THROTTLE.burst,
  });
});
