import { DomainError } from '../kernel/errors';
import type { Principal } from '../platform/domain/access';
import { boundedRepresentation, type AuditEntry } from '../platform/domain/audit';
import { HTTP_STATUS } from './errors';
import type { ApiReply, ApiRequest, RouteSpec } from './http';

/**
 * The audit hook of the edge (docs/architecture.md, "Audit log"). Every request to an account route
 * (`/v1/accounts/{a}/…`) other than a GET or a route its table declares `readOnly` (a POST that only
 * computes, as the price preview) is recorded after its handler, whatever it answered (4xx and
 * 5xx too), when its key may act on that account: the account's own keys and the platform key. Requests of
 * another account's key (a 404 to them) or refused before their key is known (no key, an unknown or revoked
 * key, a body that is not JSON) are not the account's changes and are not in its log.
 *
 * `before` and `after` are the resource's representation, found generically: when the function also
 * answers `GET` of the resource the request acts on (the path up to its last path parameter:
 * `subscriptions/{id}` for `POST …/subscriptions/{id}/pause`), that GET runs before the handler, and after a
 * success the PUT's own reply (a PUT of the resource answers with it) or that GET again. A handler that
 * knows better sets `reply.audit` (`before`, `after`), which wins. Lists (`purchases`, `billing-cycles`)
 * have no representation to copy, so their entries name only what was asked and how it ended.
 */

/** Where entries go: set once per container by the platform wiring, which every API function authenticates through. */
export interface AuditTrail {
  /** The entry of a request about to run (`status: null`); its id, or null when it could not be stored. */
  open(accountId: string, entry: AuditEntry): Promise<string | null>;
  /** The finished entry, in place of the opened one. */
  close(accountId: string, id: string | null, entry: AuditEntry): Promise<void>;
}

let trail: AuditTrail | null = null;

export function auditTo(next: AuditTrail | null): void {
  trail = next;
}

const ACCOUNT_PATH = /^\/v1\/accounts\/\{a\}\/(.+)$/;

export interface AuditScope {
  readonly accountId: string;
  /** The resource's path template below the account (`price-rules/{id}`). */
  readonly template: string;
  /** The resource itself, path parameters percent-encoded (`price-rules/r1`). */
  readonly resource: string;
  /** Whether the resource is one named thing (its template ends with a path parameter). */
  readonly named: boolean;
}

/** What a request would be recorded as, or null when it is not recorded (a GET, not an account route, a foreign key). */
export function auditScope(request: Pick<ApiRequest, 'routeKey' | 'params' | 'principal'>): AuditScope | null {
  const [method, path] = request.routeKey.split(' ') as [string, string | undefined];
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || !path) return null;
  const below = ACCOUNT_PATH.exec(path)?.[1];
  const accountId = request.params.a;
  if (!below || !accountId || !mayAct(request.principal, accountId)) return null;
  const segments = below.split('/');
  let last = segments.length - 1;
  while (last >= 0 && !/^\{.+\}$/.test(segments[last]!)) last--;
  const kept = last === -1 ? segments : segments.slice(0, last + 1);
  const resource = kept.map((s) => (/^\{.+\}$/.test(s) ? encodeURIComponent(request.params[s.slice(1, -1)] ?? '') : s)).join('/');
  return { accountId, template: kept.join('/'), resource, named: last !== -1 };
}

function mayAct(principal: Principal | undefined, accountId: string): boolean {
  return principal?.kind === 'platform' || (principal?.kind === 'account' && principal.accountId === accountId);
}

/** Runs a route's handler and records the request in the account's audit log when it is one to record. */
export async function audited(
  routes: Readonly<Record<string, RouteSpec>>,
  request: ApiRequest,
  rawPath: string,
  handle: () => Promise<ApiReply>,
): Promise<ApiReply> {
  const scope = trail && !routes[request.routeKey]?.readOnly ? auditScope(request) : null;
  if (!scope || !trail) return handle();
  const log = trail;
  const at = new Date().toISOString();
  const getKey = `GET /v1/accounts/{a}/${scope.template}`;
  const sibling = scope.named ? routes[getKey] : undefined;
  const read = () => (sibling ? represent(sibling, getKey, request) : Promise.resolve(null));
  const before = await read();
  const [method] = request.routeKey.split(' ') as [string];
  const entry = (status: number | null, b: unknown, a: unknown): AuditEntry => ({
    at,
    keyId: request.principal.kind === 'platform' ? 'platform' : (request.principal.keyId ?? 'unknown'),
    role: request.principal.kind === 'platform' ? 'platform' : request.principal.role,
    method,
    path: rawPath,
    resource: scope.resource,
    status,
    before: boundedRepresentation(b),
    after: boundedRepresentation(a),
  });
  // written before the change: a function that dies mid-request leaves the entry, its outcome unknown (status null)
  const id = await log.open(scope.accountId, entry(null, before, null));
  let result: ApiReply;
  try {
    result = await handle();
  } catch (error) {
    await log.close(scope.accountId, id, entry(errorStatus(error), before, null));
    throw error;
  }
  let after: unknown = null;
  if (result.audit && 'after' in result.audit) after = result.audit.after;
  else if (result.status < 300 && scope.named) {
    const replyIsResource = method === 'PUT' && request.routeKey === `PUT /v1/accounts/{a}/${scope.template}` && isObject(result.body);
    after = replyIsResource ? result.body : await read();
  }
  const shownBefore = result.audit && 'before' in result.audit ? result.audit.before : before;
  await log.close(scope.accountId, id, entry(result.status, shownBefore, after));
  return result;
}

/** The resource as its GET answers it to the same caller, or null (missing, not readable, not JSON). */
async function represent(route: RouteSpec, routeKey: string, request: ApiRequest): Promise<unknown> {
  const names = [...routeKey.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const params = Object.fromEntries(names.map((n) => [n, request.params[n] ?? '']));
  try {
    const reply = await route.handle({ routeKey, params, query: {}, body: undefined, principal: request.principal });
    return reply.status === 200 && reply.raw === undefined ? (reply.body ?? null) : null;
  } catch {
    return null;
  }
}

const isObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The status `errorReply` answers an error with. */
function errorStatus(error: unknown): number {
  if (error instanceof DomainError) return HTTP_STATUS[error.kind];
  const status = (error as { statusCode?: number })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}
