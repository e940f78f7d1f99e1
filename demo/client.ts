import createClient from 'openapi-fetch';
import type { components, paths } from '../functions/console/api-types';

/**
 * The console's typed client for scripts: openapi-fetch over functions/console/api-types.ts (generated from
 * the OpenAPI document), so every path, parameter and body the demo sends is checked against the API.
 */
export type Client = ReturnType<typeof createClient<paths>>;
export type Schemas = components['schemas'];

export function client(baseUrl: string, key: string): Client {
  const c = createClient<paths>({ baseUrl });
  c.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${key}`);
      return request;
    },
  });
  return c;
}

/** The data of a 2xx reply; anything else throws with the method, path, status and the API's error body. */
export function ok<T>(reply: { data?: T; error?: unknown; response: Response }): T {
  if (reply.response.ok) return reply.data as T;
  throw new Error(`${reply.response.url} → ${reply.response.status} ${JSON.stringify(reply.error)}`);
}
