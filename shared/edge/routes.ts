import { z } from 'zod';
import type { AccountResolver, ApiReply, ApiRequest, RouteSpec } from './http';

/**
 * Route tables: each context declares its operations once, in `shared/<context>/routes.ts`, as data (no
 * handler code, no wiring), so that three readers share one list:
 * - the context's HTTP function binds a handler to every operation (`bindRoutes`, checked by the compiler),
 * - its CDK construct registers one API Gateway route per operation (`operations`),
 * - the OpenAPI document is generated from all the tables (`shared/edge/openapi/document.ts`).
 */

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/**
 * Who may call an operation. `none`: anyone. The others need a Bearer API key:
 * `platform-admin` the platform admin key; `account-admin` the platform key or an `admin` key of the account;
 * `account-read` any key of the account (`{a}`) or the platform key; `account-write` an `admin` or `billing` key
 * of the account or the platform key. The account routes resolve `{a}` before their handler runs (an unknown
 * or foreign account is a 404, a role that may not is a 403), so a handler receives it as `request.account`.
 */
export type Auth = 'none' | 'platform-admin' | 'account-admin' | 'account-read' | 'account-write';

export interface ResponseSpec {
  readonly description: string;
  /** The body (JSON unless `contentType` says otherwise); errors (4xx) default to the shared error body. */
  readonly schema?: z.ZodType;
  /** Further media types of the same status (a document as PDF or CSV). */
  readonly content?: Readonly<Record<string, z.ZodType>>;
  readonly contentType?: string;
}

export interface Operation {
  readonly method: Method;
  /** The path template, `{param}` per path parameter (every path parameter is an id: see `identifier`). */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly auth: Auth;
  /** Path parameters that say more than "an id" (a pattern, a description); the others are derived from the path. */
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** A list: `?limit=` and `?cursor=` are documented with the query, the reply is a page. */
  readonly page?: boolean;
  readonly body?: z.ZodType;
  /** Media type of the body when it is not JSON. */
  readonly bodyType?: string;
  /**
   * A POST that changes nothing (a preview): the client sends a body, but no change is made, so the
   * request is not in the account's audit log (shared/edge/audit.ts).
   */
  readonly readOnly?: true;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
}

/** A context's operations, keyed by operationId. */
export type RouteTable = Readonly<Record<string, Operation>>;

/** Declares a table, keeping its literal types (the handlers are checked against its keys and auth). */
export const routeTable = <const T extends RouteTable>(table: T): T => table;

/** The operations of some tables, each with its operationId. */
export function operations(...tables: RouteTable[]): Array<Operation & { operationId: string }> {
  return tables.flatMap((table) => Object.entries(table).map(([operationId, op]) => ({ ...op, operationId })));
}

/** `METHOD path`, API Gateway's route key. */
export const routeKey = (op: Pick<Operation, 'method' | 'path'>): string => `${op.method} ${op.path}`;

type AccountAuth = 'account-read' | 'account-write';

/** What a handler receives: the request, plus the resolved account on account routes. */
export type RequestOf<O extends Operation> = O['auth'] extends AccountAuth ? ApiRequest & { account: string } : ApiRequest;

/** One handler per operation of the table: a missing or an extra one fails to compile. */
export type Handlers<T extends RouteTable> = { readonly [K in keyof T]: (request: RequestOf<T[K]>) => Promise<ApiReply> };

/**
 * The `METHOD path → route` map `httpApi` dispatches on, from a table and its handlers. Account routes
 * resolve the account with the role their `auth` asks for before the handler runs.
 */
export function bindRoutes<T extends RouteTable>(table: T, handlers: Handlers<T>, account?: AccountResolver): Record<string, RouteSpec> {
  const routes: Record<string, RouteSpec> = {};
  for (const [operationId, op] of Object.entries(table)) {
    const handle = handlers[operationId as keyof T] as (request: ApiRequest & { account?: string }) => Promise<ApiReply>;
    if (typeof handle !== 'function') throw new Error(`no handler for ${operationId}`);
    const need = op.auth === 'account-read' ? 'read' : op.auth === 'account-write' ? 'write' : null;
    if (need && !account) throw new Error(`${operationId} is an account route: pass the account resolver`);
    routes[routeKey(op)] = {
      auth: op.auth !== 'none',
      ...(op.readOnly ? { readOnly: true } : {}),
      handle: need ? async (request) => handle({ ...request, account: await account!(request, need) }) : handle,
    };
  }
  return routes;
}

/** Every `METHOD path` of some tables, for registering routes and for checking that the readers agree. */
export const routeKeys = (...tables: RouteTable[]): string[] => operations(...tables).map(routeKey);

/** `?limit=` and `?cursor=` of every list (checked by `pageRequest`). */
export const pageQuery = z.object({
  limit: z.int().min(1).max(1000).default(100).optional(),
  cursor: z.string().max(8192).optional().meta({
    description: 'the `next` of the previous page of the same list (a cursor is sealed to its account and list: any other is a 400)',
  }),
});

/** The reply of a list: a page of items and the cursor of the next page (`null` on the last one). */
export const pageOf = (item: z.ZodType) => z.object({ items: z.array(item), next: z.string().nullable() });
