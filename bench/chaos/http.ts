/**
 * The fault suite's HTTP client: what a new user's client sends, over node:http so that a hostile path
 * (`%2E%2E`, `%2F`, raw unicode) reaches the server byte for byte (fetch would normalise dot segments).
 * Every request is counted, and so is every 5xx and every request the server never answered.
 */
import * as http from 'node:http';
import { sendUntilProcessed } from '../seed';

export interface Reply {
  readonly status: number;
  /** Parsed JSON when the body is JSON, else the text (read it as one of the shapes of wire.ts). */
  readonly body: unknown;
  readonly text: string;
}

export interface Counters {
  requests: number;
  serverErrors: number;
  /** Requests that got no answer (connection refused or reset, e.g. while the stack was killed). */
  unanswered: number;
  /** The first 500 5xx, for the report (each scenario shows its first five): method, path, status and the start of the body. */
  readonly serverErrorSamples: string[];
}

export class ConnectionError extends Error {}

export class Client {
  readonly counters: Counters = { requests: 0, serverErrors: 0, unanswered: 0, serverErrorSamples: [] };
  private agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private base: string) {}

  /** After a restart the stack listens on another port. */
  retarget(base: string): void {
    this.base = base;
    this.agent.destroy();
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  get url(): string {
    return this.base;
  }

  /**
   * One request; `path` is sent exactly as given (encode ids yourself). A body that is a string is sent
   * as is with `contentType` (default JSON); anything else as JSON. Throws ConnectionError if the server
   * does not answer within `timeoutMs`.
   */
  request(method: string, path: string, body?: unknown, key?: string | null, contentType = 'application/json', timeoutMs = 120_000): Promise<Reply> {
    const target = new URL(this.base);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string | number> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = Buffer.byteLength(payload);
    }
    this.counters.requests++;
    return new Promise<Reply>((resolve, reject) => {
      const req = http.request({ host: target.hostname, port: target.port, method, path, headers, agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (error) => {
          this.counters.unanswered++;
          reject(new ConnectionError(`${method} ${path}: ${error.message}`));
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if ((res.headers['content-type'] ?? '').includes('json') && text) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = text;
            }
          }
          const status = res.statusCode ?? 0;
          if (status >= 500) {
            this.counters.serverErrors++;
            if (this.counters.serverErrorSamples.length < 500)
              this.counters.serverErrorSamples.push(`${method} ${path.slice(0, 120)} → ${status} ${text.slice(0, 160)}`);
          }
          resolve({ status, body: parsed, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => {
        this.counters.unanswered++;
        reject(new ConnectionError(`${method} ${path}: ${error.message}`));
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A 2xx body, read as the shape `T` the route documents, or an Error naming what failed. */
export async function must<T = unknown>(reply: Promise<Reply>, what: string): Promise<T> {
  const r = await reply;
  if (r.status < 200 || r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.body as T;
}

/** Runs `fn` over `items`, at most `limit` at a time, in order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `POST /purchases` as a well-behaved client sends it (sendUntilProcessed: the rows answered
 * `not_processed` go again), the answers merged into one 202 reply; a reply that is not 202 is returned as it came.
 */
export async function submitPurchases(
  client: Client,
  path: string,
  purchases: readonly { reference: string }[],
  key: string,
  timeoutMs?: number,
): Promise<Reply & { resent: number }> {
  const sent = await sendUntilProcessed((batch) => client.request('POST', path, { purchases: batch }, key, undefined, timeoutMs), purchases);
  if (!sent.answer) return { ...sent.reply, resent: sent.resent };
  return { ...sent.reply, body: sent.answer, text: JSON.stringify(sent.answer), resent: sent.resent };
}
