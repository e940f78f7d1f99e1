import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsoleResponder } from './console';
import type { Resolver } from './intrinsics';
import { LOCAL_ACCOUNT, props, resourcesOfType, type CfnTemplate } from './template';
import { AccountThrottle, accountOfPath, throttleFromEnv, type ThrottleLimits } from './throttle';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DRAIN_LIMIT_BYTES = 8 * MAX_BODY_BYTES;

export interface HttpRoute {
  readonly routeKey: string;
  readonly method: string; // 'ANY' for any; '' for $default
  readonly segments: readonly string[];
  readonly functionId: string;
  readonly apiId: string;
}

/** Routes of every HTTP API in the template (Route → Integration → Lambda function). */
export function readRoutes(template: CfnTemplate, resolver: Resolver, functionByArn: ReadonlyMap<string, string>): HttpRoute[] {
  const integrations = new Map<string, string>();
  for (const [id, resource] of resourcesOfType(template, 'AWS::ApiGatewayV2::Integration')) {
    const p = props(resource);
    if (p.IntegrationType !== 'AWS_PROXY') throw new Error(`${id}: only Lambda proxy integrations run locally (got ${String(p.IntegrationType)})`);
    if (String(p.PayloadFormatVersion ?? '1.0') !== '2.0') throw new Error(`${id}: only payload format 2.0 runs locally`);
    const uri = resolver.resolveString(p.IntegrationUri, `${id}.IntegrationUri`);
    const arn = uri.includes(':apigateway:') ? (/functions\/(arn:[^/]+)\/invocations/.exec(uri)?.[1] ?? uri) : uri;
    const functionId = functionByArn.get(arn);
    if (!functionId) throw new Error(`${id}: integration target ${arn} is not a function of the template`);
    integrations.set(id, functionId);
  }
  const routes: HttpRoute[] = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
    const p = props(resource);
    const routeKey = resolver.resolveString(p.RouteKey, `${id}.RouteKey`);
    const target = p.Target as unknown;
    const integrationRef = JSON.stringify(target ?? '').match(/"Ref":"([^"]+)"/)?.[1];
    const functionId = integrationRef ? integrations.get(integrationRef) : undefined;
    if (!functionId) throw new Error(`${id} (${routeKey}): its target is not a Lambda integration of the template`);
    const apiId = resolver.resolveString(p.ApiId, `${id}.ApiId`);
    if (routeKey === '$default') {
      routes.push({ routeKey, method: '', segments: [], functionId, apiId });
    } else {
      const [method, path] = routeKey.split(' ') as [string, string];
      routes.push({ routeKey, method, segments: path.split('/').slice(1), functionId, apiId });
    }
  }
  return routes;
}

type Match = { route: HttpRoute; params: Record<string, string> };

/**
 * API Gateway's choice: the most specific route wins (a literal segment beats a `{param}`, which beats a
 * greedy `{proxy+}`; then an exact method beats ANY); `$default` when nothing matches.
 */
export function matchRoute(routes: readonly HttpRoute[], method: string, rawPath: string): Match | null {
  const segments = rawPath.split('/').slice(1);
  let best: { match: Match; score: number[] } | null = null;
  for (const route of routes) {
    if (route.method === '' || (route.method !== 'ANY' && route.method !== method)) continue;
    const params: Record<string, string> = {};
    const score: number[] = [];
    let ok = true;
    for (let i = 0; i < route.segments.length && ok; i++) {
      const pattern = route.segments[i]!;
      const greedy = /^\{(.+)\+\}$/.exec(pattern);
      if (greedy) {
        const rest = segments.slice(i);
        if (!rest.length || rest.join('/') === '') ok = false;
        else params[greedy[1]!] = decode(rest.join('/'));
        score.push(1);
        if (i !== route.segments.length - 1) ok = false;
        break;
      }
      const segment = segments[i];
      if (segment === undefined) ok = false;
      else if (/^\{.+\}$/.test(pattern)) {
        if (segment === '') ok = false;
        else params[pattern.slice(1, -1)] = decode(segment);
        score.push(2);
      } else if (pattern === segment) score.push(3);
      else ok = false;
    }
    const greedyRoute = route.segments.some((s) => s.endsWith('+}'));
    if (!ok || (!greedyRoute && route.segments.length !== segments.length)) continue;
    score.push(route.method === method ? 1 : 0);
    if (!best || compare(score, best.score) > 0) best = { match: { route, params }, score };
  }
  if (best) return best.match;
  const fallback = routes.find((r) => r.method === '');
  return fallback ? { route: fallback, params: {} } : null;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Content types API Gateway hands to Lambda as text; every other body arrives base64-encoded. */
function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/x-ndjson' ||
    type === 'application/graphql'
  );
}

export interface HttpServerOptions {
  readonly invoke: (functionId: string, event: unknown) => Promise<unknown>;
  readonly log: (line: string) => void;
}

const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });

/**
 * The local API Gateway: turns each request into an HTTP API payload 2.0 event for the route's function
 * and its result into the response, as API Gateway does. Bound before the rest of the stack starts (so a
 * taken port fails fast); answers 503 until `serve()` hands it the routes.
 */
export class LocalHttpApi {
  private routes: HttpRoute[] | null = null;
  private options: HttpServerOptions | null = null;
  private readonly server: http.Server;
  private readonly inflight = new Set<Promise<void>>();
  private console: ConsoleResponder | null = null;
  /** Per-account throttling (./throttle.ts); null when BILLSTREAM_THROTTLE=off. */
  private readonly throttle: AccountThrottle | null;

  constructor(limits: ThrottleLimits | null = throttleFromEnv(process.env.BILLSTREAM_THROTTLE)) {
    this.throttle = limits ? new AccountThrottle(limits) : null;
    this.server = http.createServer((req, res) => {
      const done = this.handle(req, res).catch((error: unknown) => {
        this.options?.log(`http: ${(error as Error).stack ?? String(error)}`);
        if (!res.headersSent) send(res, 500, errorBody('internal', 'Internal error'));
        else res.destroy();
      });
      this.inflight.add(done);
      void done.finally(() => this.inflight.delete(done));
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** Binds 127.0.0.1:port (0 = a free port). Rejects with the listen error (e.g. EADDRINUSE). */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.removeListener('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** The web console's static files at /console/ (infra/local/console.ts); every other path stays the API's. */
  serveConsole(responder: ConsoleResponder): void {
    this.console = responder;
  }

  serve(routes: HttpRoute[], options: HttpServerOptions): void {
    this.routes = routes;
    this.options = options;
  }

  private closing: Promise<void> | null = null;

  /** Stops accepting connections and waits for the requests in progress. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await Promise.allSettled([...this.inflight]);
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const served = this.console?.((req.method ?? 'GET').toUpperCase(), (req.url ?? '/').split('?')[0]!);
    if (served) {
      req.resume();
      res.writeHead(served.status, { ...served.headers, 'content-length': String(served.body.length) });
      res.end(served.body);
      return;
    }
    if (!this.routes || !this.options) {
      send(res, 503, errorBody('starting', 'The local stack is starting'));
      req.resume();
      return;
    }
    const account = this.throttle ? accountOfPath((req.url ?? '/').split('?')[0]!) : null;
    const wait = account === null ? 0 : this.throttle!.take(account);
    if (wait > 0) {
      req.resume();
      const message = `too many requests for account '${account}': retry after ${wait} s`;
      return send(res, 429, JSON.stringify({ error: { code: 'throttled', message, details: [] } }), { 'retry-after': String(wait) });
    }
    // Read an oversized body to its end before answering 413, so the client gets the answer instead of a
    // reset connection in the middle of its upload; give up on bodies beyond any reason.
    let tooLarge = Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      if (size > DRAIN_LIMIT_BYTES) return void req.destroy();
      if (!tooLarge) chunks.push(chunk as Buffer);
    }
    if (tooLarge) return send(res, 413, errorBody('payload_too_large', `Request body exceeds ${MAX_BODY_BYTES / 1024 / 1024} MB`));
    const body = Buffer.concat(chunks);

    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const rawQueryString = q === -1 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    const match = matchRoute(this.routes, method, rawPath);
    if (!match) return send(res, 404, JSON.stringify({ message: 'Not Found' }));

    const requestId = randomBytes(10).toString('base64').replace(/=+$/, '=');
    const event = buildEvent(req, match, { rawPath, rawQueryString, method, body, requestId });
    let result: unknown;
    try {
      result = await this.options.invoke(match.route.functionId, event);
    } catch (error) {
      this.options.log(`${match.route.routeKey} → ${match.route.functionId} failed: ${(error as Error).stack ?? String(error)}`);
      return send(res, 500, errorBody('internal', 'Internal error'), { 'apigw-requestid': requestId });
    }
    writeResult(res, result, requestId, this.options.log);
  }
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function buildEvent(
  req: http.IncomingMessage,
  match: Match,
  r: { rawPath: string; rawQueryString: string; method: string; body: Buffer; requestId: string },
): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const port = req.socket.localPort ?? 0;
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-port'] = String(port);
  headers['x-forwarded-proto'] = 'http';
  const cookieHeader = req.headers.cookie;
  const cookies = cookieHeader ? cookieHeader.split(/;\s*/).filter(Boolean) : undefined;

  let queryStringParameters: Record<string, string> | undefined;
  if (r.rawQueryString) {
    queryStringParameters = {};
    for (const pair of r.rawQueryString.split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const name = decode((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      const value = decode((eq === -1 ? '' : pair.slice(eq + 1)).replace(/\+/g, ' '));
      queryStringParameters[name] = name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
    }
  }

  const now = new Date();
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath: r.rawPath,
    rawQueryString: r.rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: match.route.apiId,
      domainName: headers.host ?? `127.0.0.1:${port}`,
      domainPrefix: (headers.host ?? '127').split('.')[0]!.split(':')[0],
      http: {
        method: r.method,
        path: r.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: r.requestId,
      routeKey: match.route.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(Object.keys(match.params).length ? { pathParameters: match.params } : {}),
    isBase64Encoded: false,
  };
  if (r.body.length > 0) {
    const text = isTextual(headers['content-type']);
    event.body = text ? r.body.toString('utf8') : r.body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000` */
function apiGatewayTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Payload 2.0 response rules: a `statusCode` makes it a response object; anything else is a 200 JSON body. */
function writeResult(res: http.ServerResponse, result: unknown, requestId: string, log: (line: string) => void): void {
  const base = { 'apigw-requestid': requestId };
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const r = result as { statusCode: unknown; headers?: Record<string, unknown>; cookies?: string[]; body?: unknown; isBase64Encoded?: boolean };
    const status = Number(r.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      log(`invalid statusCode from handler: ${String(r.statusCode)}`);
      send(res, 500, errorBody('internal', 'Internal error'), base);
      return;
    }
    const headers: Record<string, string | string[]> = { ...base };
    for (const [name, value] of Object.entries(r.headers ?? {}))
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
    if (r.cookies?.length) headers['set-cookie'] = r.cookies;
    const body =
      r.body === undefined || r.body === null
        ? Buffer.alloc(0)
        : r.isBase64Encoded
          ? Buffer.from(String(r.body), 'base64')
          : Buffer.from(String(r.body));
    headers['content-length'] = String(body.length);
    res.writeHead(status, headers);
    res.end(body);
    return;
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result === undefined ? null : result);
  send(res, 200, body, base);
}
