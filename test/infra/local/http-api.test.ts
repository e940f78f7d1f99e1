import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LocalHttpApi, matchRoute, MAX_BODY_BYTES, type HttpRoute } from '../../../infra/local/http-api';

const route = (routeKey: string, functionId: string): HttpRoute =>
  routeKey === '$default'
    ? { routeKey, method: '', segments: [], functionId, apiId: 'api1' }
    : { routeKey, method: routeKey.split(' ')[0]!, segments: routeKey.split(' ')[1]!.split('/').slice(1), functionId, apiId: 'api1' };

const routes = [
  route('GET /v1/accounts/{a}/customers/{code}', 'one'),
  route('GET /v1/accounts/{a}/customers/special', 'literal'),
  route('ANY /v1/accounts/{a}/customers/{code}', 'any'),
  route('GET /files/{proxy+}', 'greedy'),
  route('POST /v1/echo', 'echo'),
  route('$default', 'fallback'),
];

describe('route matching (API Gateway HTTP API rules)', () => {
  test.each([
    ['GET', '/v1/accounts/acme/customers/C1', 'one', { a: 'acme', code: 'C1' }],
    ['GET', '/v1/accounts/acme/customers/special', 'literal', { a: 'acme' }],
    ['PUT', '/v1/accounts/acme/customers/C1', 'any', { a: 'acme', code: 'C1' }],
    ['GET', '/v1/accounts/acme/customers/a%20b%2Fc', 'one', { a: 'acme', code: 'a b/c' }],
    ['GET', '/files/a/b/c.txt', 'greedy', { proxy: 'a/b/c.txt' }],
    ['GET', '/v1/accounts/acme/customers', 'fallback', {}],
    ['GET', '/v1/accounts/acme/customers/C1/extra', 'fallback', {}],
    ['GET', '/v1/echo', 'fallback', {}],
  ])('%s %s → %s', (method, path, functionId, params) => {
    const match = matchRoute(routes, method, path);
    expect(match?.route.functionId).toBe(functionId);
    expect(match?.params).toEqual(params);
  });
});

describe('the local HTTP API', () => {
  let server: LocalHttpApi;
  let base: string;
  const events: Array<APIGatewayProxyEventV2 & { functionId: string }> = [];
  let reply: (event: APIGatewayProxyEventV2) => unknown = () => ({ statusCode: 204 });
  const logged: string[] = [];

  beforeAll(async () => {
    server = new LocalHttpApi();
    const port = await server.listen(0);
    base = `http://127.0.0.1:${port}`;
    server.serve(routes, {
      invoke: async (functionId, event) => {
        events.push({ functionId, ...(event as APIGatewayProxyEventV2) });
        return reply(event as APIGatewayProxyEventV2);
      },
      log: (line) => logged.push(line),
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    events.length = 0;
    reply = () => ({ statusCode: 204 });
  });

  test('builds a payload 2.0 event', async () => {
    await fetch(`${base}/v1/accounts/acme/customers/C%201?limit=10&tag=a&tag=b&empty=`, {
      headers: { 'X-Custom': 'Yes', cookie: 'a=1; b=2', 'user-agent': 'jest' },
    });
    const e = events[0]!;
    expect(e).toMatchObject({
      functionId: 'one',
      version: '2.0',
      routeKey: 'GET /v1/accounts/{a}/customers/{code}',
      rawPath: '/v1/accounts/acme/customers/C%201',
      rawQueryString: 'limit=10&tag=a&tag=b&empty=',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { limit: '10', tag: 'a,b', empty: '' },
      pathParameters: { a: 'acme', code: 'C 1' },
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.any(String),
        apiId: 'api1',
        http: { method: 'GET', path: '/v1/accounts/acme/customers/C%201', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
        requestId: expect.any(String),
        routeKey: 'GET /v1/accounts/{a}/customers/{code}',
        stage: '$default',
        time: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
        timeEpoch: expect.any(Number),
      },
    });
    expect(e.headers['x-custom']).toBe('Yes');
    expect(e.headers.cookie).toBeUndefined();
    expect(e.body).toBeUndefined();
  });

  test('text bodies are passed as text, others base64-encoded', async () => {
    await fetch(`${base}/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":"é"}' });
    await fetch(`${base}/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 255]) });
    expect(events[0]).toMatchObject({ routeKey: 'POST /v1/echo', body: '{"a":"é"}', isBase64Encoded: false });
    expect(events[1]).toMatchObject({ body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true });
  });

  test('writes status, headers, cookies and a base64 body back', async () => {
    reply = () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'application/pdf' },
      cookies: ['s=1; HttpOnly'],
      body: Buffer.from('%PDF').toString('base64'),
      isBase64Encoded: true,
    });
    const res = await fetch(`${base}/v1/echo`, { method: 'POST' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('set-cookie')).toBe('s=1; HttpOnly');
    expect(res.headers.get('apigw-requestid')).toBeTruthy();
    expect(await res.text()).toBe('%PDF');
  });

  test('a result without statusCode is a 200 JSON body', async () => {
    reply = () => ({ hello: 'world' });
    const res = await fetch(`${base}/v1/echo`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hello: 'world' });
  });

  test('a handler that throws is a 500 in our error shape, without internals', async () => {
    reply = () => {
      throw new Error('secret table name in a stack trace');
    };
    const res = await fetch(`${base}/v1/echo`, { method: 'POST' });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'Internal error' } });
    expect(text).not.toContain('secret');
    expect(logged.join('\n')).toContain('secret table name');
  });

  test('bodies over 10 MB are refused with 413 before any invocation', async () => {
    const res = await fetch(`${base}/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(events).toHaveLength(0);
  });
});
