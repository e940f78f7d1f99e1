import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Principal } from '../platform/domain/access';
import { DomainError, NotFoundError, PayloadTooLargeError, ThrottledError, UnauthorizedError, ValidationError } from '../kernel/errors';
import { identifier } from '../kernel/fields';
import { logger } from '../kernel/logger';
import { audited } from './audit';
import { throttled } from './throttle';
import { HTTP_STATUS, publicCode } from './errors';
import { sealNext } from './pagination';

/** What a route handler sees: the parsed request and who is calling. */
export interface ApiRequest {
  routeKey: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** The request's Content-Type header (a text body's format: CSV or JSON Lines). */
  contentType?: string;
  principal: Principal;
  /** Epoch ms at which the invocation times out (Lambda's remaining time at the start); absent outside Lambda. */
  deadline?: number;
}

export interface ApiReply {
  status: number;
  body?: unknown;
  /** A non-JSON body (documents, CSV rows). */
  raw?: { content: string | Buffer; contentType: string };
  headers?: Record<string, string>;
  /** What the audit log records as the resource's representation, when the handler knows it better than the edge (shared/edge/audit.ts). */
  audit?: { before?: unknown; after?: unknown };
}

export interface RouteSpec {
  /** Routes without auth (health) set this to false. */
  auth?: boolean;
  /** Changes nothing whatever its method (the table's `readOnly`): not audited. */
  readOnly?: boolean;
  handle: (request: ApiRequest) => Promise<ApiReply>;
}

export type Authenticate = (apiKey: string) => Promise<Principal | null>;

/** Lambda's synchronous invocation payload limit; API Gateway refuses more before we see it on AWS. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

type Event = APIGatewayProxyEventV2 & { parsedBody?: unknown; principal?: Principal };

/**
 * Builds one HTTP API handler for a bounded context, routing on API Gateway's `routeKey`.
 * Middleware order is fixed: header normaliser, JSON body, authentication, then the error shaper last,
 * so that every failure, ours or middy's, leaves as `{"error":{"code","message","details"}}`.
 */
export function httpApi(routes: Record<string, RouteSpec>, authenticate: Authenticate) {
  const base = async (event: Event, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const route = routes[event.routeKey];
    if (!route)
      return reply({ status: 404, body: errorBody('not_found', `no route ${event.requestContext?.http?.method ?? ''} ${event.rawPath ?? ''}`) });
    const request: ApiRequest = {
      routeKey: event.routeKey,
      params: checkParams(event.routeKey, decodeParams(event.pathParameters)),
      query: (event.queryStringParameters ?? {}) as Record<string, string>,
      body: event.parsedBody,
      contentType: event.headers?.['content-type'],
      principal: event.principal as Principal,
      ...(typeof context?.getRemainingTimeInMillis === 'function' ? { deadline: Date.now() + context.getRemainingTimeInMillis() } : {}),
    };
    // Every change to an account is recorded in its audit log once the handler answered (shared/edge/audit.ts).
    const result = await audited(routes, request, event.rawPath ?? '', () => route.handle(request));
    // A list's `next` leaves sealed to this list; `pageRequest(request)` opens it on the next call.
    return reply(result.body === undefined ? result : { ...result, body: sealNext(request, result.body) });
  };

  const handler = middy<Event, APIGatewayProxyStructuredResultV2, Error, Context>(base)
    .use(httpHeaderNormalizer())
    .use({ before: ({ event }) => parseJsonBody(event) })
    .use({
      before: async ({ event }) => {
        const route = routes[event.routeKey];
        if (!route || route.auth === false) return; // unknown routes answer 404 whoever asks
        const header = event.headers?.authorization ?? '';
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
        if (!match) throw new UnauthorizedError('missing API key: send Authorization: Bearer <api-key>');
        const principal = await authenticate(match[1]);
        if (!principal) throw new UnauthorizedError('unknown API key');
        event.principal = principal;
        // each account's keys share one request budget, on AWS as locally (shared/edge/throttle.ts)
        await throttled(principal);
      },
    })
    .use({
      onError: (request) => {
        request.response = errorReply(request.error);
      },
    });
  // The route keys it answers, for the test that the route tables, the stack and the handlers agree.
  return Object.assign(handler, { routeKeys: Object.keys(routes) as readonly string[] });
}

function parseJsonBody(event: Event): void {
  if (event.body === undefined || event.body === null || event.body === '') return;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new PayloadTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`);
  // CSV uploads (PUT /streams/{id}/upload) and CSV or JSON Lines imports (POST /customers/import) reach the route as text
  if (/^(text\/csv|application\/(x-)?(ndjson|jsonl|jsonlines))\b/i.test(event.headers?.['content-type'] ?? '')) {
    event.parsedBody = text;
    return;
  }
  try {
    event.parsedBody = JSON.parse(text);
  } catch (error) {
    throw new ValidationError('request body is not valid JSON', [`body: ${(error as Error).message}`]);
  }
}

function decodeParams(params: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Every path parameter names an id, and ids follow one rule (`identifier`: 1–200 characters, no `#`, no
 * control characters). One that breaks it cannot name anything stored: a read answers 404 as for any unknown
 * resource, a write 400 naming the parameter. Checked here once, so that no id too long for a storage key
 * ever reaches a store (DynamoDB refuses keys over 1,024 bytes, which would otherwise surface as a 500).
 */
function checkParams(routeKey: string, params: Record<string, string>): Record<string, string> {
  const method = routeKey.split(' ')[0];
  for (const [name, value] of Object.entries(params)) {
    const check = identifier.safeParse(value);
    if (check.success) continue;
    const reason = check.error.issues[0]?.message ?? 'not an id';
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE') throw new NotFoundError(`no resource with that ${name}: ${reason}`);
    throw new ValidationError(`path parameter ${name} is not a valid id`, [`path.${name}: ${reason}`]);
  }
  return params;
}

export function reply(r: ApiReply): APIGatewayProxyStructuredResultV2 {
  if (r.raw) {
    const binary = Buffer.isBuffer(r.raw.content);
    return {
      statusCode: r.status,
      headers: { 'content-type': r.raw.contentType, ...r.headers },
      body: binary ? (r.raw.content as Buffer).toString('base64') : (r.raw.content as string),
      isBase64Encoded: binary,
    };
  }
  return {
    statusCode: r.status,
    headers: { 'content-type': 'application/json', ...r.headers },
    body: r.body === undefined ? '' : JSON.stringify(r.body),
  };
}

/** The reply to a PUT of a named resource: 201 when it created it, 200 when it replaced it. */
export function saved<T>(result: { created: boolean; record: T }): ApiReply {
  return { status: result.created ? 201 : 200, body: result.record };
}

/**
 * The account of `/v1/accounts/{a}/…` the caller may act on, resolved once per request by the
 * platform service (unknown and foreign accounts are both 404).
 */
export type AccountResolver = (request: ApiRequest, need: 'read' | 'write') => Promise<string>;

export function accountResolver(platform: {
  account(principal: Principal, id: string, need: 'read' | 'write'): Promise<{ id: string }>;
}): AccountResolver {
  return async (request, need) => (await platform.account(request.principal, request.params.a, need)).id;
}

export function errorBody(code: string, message: string, details: string[] = []) {
  return { error: { code, message, details } };
}

/**
 * Domain errors show their public code, message and details at the status of their kind (edge/errors.ts);
 * middy's HTTP errors keep their status; a `failed` domain error and anything else are a logged bare 500.
 */
export function errorReply(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError && HTTP_STATUS[error.kind] < 500) {
    const headers = error instanceof ThrottledError ? { 'retry-after': String(error.retryAfterSeconds) } : undefined;
    return reply({
      status: HTTP_STATUS[error.kind],
      body: errorBody(publicCode(error), error.message, error.details),
      ...(headers ? { headers } : {}),
    });
  }
  const status = (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return reply({ status, body: errorBody(status === 415 ? 'unsupported_media_type' : 'invalid_request', (error as Error).message) });
  }
  logger.error('unhandled error', { error: error as Error });
  return reply({ status: 500, body: errorBody('internal', 'internal error') });
}
