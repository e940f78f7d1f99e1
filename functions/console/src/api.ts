import createClient from 'openapi-fetch';
import type { components, paths } from '../api-types';

/** The typed client over the API's OpenAPI document (functions/console/api-types.ts). */
export type Client = ReturnType<typeof createClient<paths>>;
export type Schemas = components['schemas'];
export type Role = 'admin' | 'billing' | 'viewer';

export function makeClient(baseUrl: string, key: string): Client {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${key}`);
      return request;
    },
  });
  return client;
}

/** An error answer of the API, as `{"error":{"code","message","details"}}` says it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly unknown[],
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown[] };
}

/** The data of a reply, or an ApiError for anything else (a 403 included: the screens show it). */
export function ok<T>(reply: { data?: T; error?: unknown; response: Response }): T {
  if (reply.response.ok && reply.data !== undefined) return reply.data;
  if (reply.response.ok) return undefined as T;
  const e = (reply.error ?? {}) as ErrorBody;
  const status = reply.response.status;
  const message = e.error?.message ?? reply.response.statusText ?? `HTTP ${status}`;
  throw new ApiError(status, e.error?.code ?? `http_${status}`, message, e.error?.details ?? []);
}

/** A field-named message per bad field of a 400 (details name each field). */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const d of error.details) {
    if (d && typeof d === 'object' && 'field' in d) {
      const { field, message } = d as { field: unknown; message?: unknown };
      out[String(field)] = String(message ?? 'invalid');
    } else if (typeof d === 'string') {
      const colon = d.indexOf(':');
      if (colon > 0) out[d.slice(0, colon).trim()] = d.slice(colon + 1).trim();
    }
  }
  return out;
}

/** Downloads a document (PDF, CSV) with the key: fetched, then saved through an object URL. */
export async function download(baseUrl: string, key: string, path: string, filename: string): Promise<void> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as ErrorBody;
    throw new ApiError(response.status, body.error?.code ?? `http_${response.status}`, body.error?.message ?? `HTTP ${response.status}`, []);
  }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
