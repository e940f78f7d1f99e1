/** What the in-memory ports share: copies, pages, the failure of an uncaught condition, objects and queues. */
import type { UploadStream } from '../../shared/billing/ports';
import type { StreamFiles } from '../../shared/streams/ports';
import type { Page, PageRequest } from '../../shared/kernel/page';

export const copy = <T>(value: T): T => structuredClone(value);

/** What a DynamoDB write whose condition is not caught throws (the adapters let it through). */
export function conditionFailed(what: string): Error {
  const error = new Error(`The conditional request failed (${what})`);
  error.name = 'ConditionalCheckFailedException';
  return error;
}

/** One page of items already in the adapter's order; the cursor is the next item's index. */
export function pageOf<T>(items: readonly T[], page: PageRequest): Page<T> {
  const start = page.cursor ? Number(page.cursor) : 0;
  const slice = items.slice(start, start + page.limit);
  return { items: slice.map(copy), next: start + page.limit < items.length ? String(start + page.limit) : null };
}

export const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** The entries of one account in a map keyed `<account>/<id>`, in id order (a partition's sort order). */
export function ofAccount<T>(map: ReadonlyMap<string, T>, accountId: string): T[] {
  const prefix = `${accountId}/`;
  return [...map]
    .filter(([k]) => k.startsWith(prefix))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, v]) => v);
}

export function copyOrNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : copy(value);
}

/**
 * Objects of the data bucket (S3BillingFiles, S3StreamFiles): whole objects, listed in key order. A
 * streamed upload appears only when it is closed; an aborted one never does. `open` hands the bytes out
 * in small pieces, so readers meet lines and records split across chunks as they do over the network.
 */
export class MemoryFiles implements StreamFiles {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();

  async put(key: string, body: string | Buffer, contentType: string) {
    this.objects.set(key, { body: Buffer.from(body), contentType });
  }
  async get(key: string) {
    const object = this.objects.get(key);
    return object ? Buffer.from(object.body) : null;
  }
  async getText(key: string) {
    return this.objects.get(key)?.body.toString('utf8') ?? null;
  }
  async list(prefix: string) {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async delete(keys: readonly string[]) {
    for (const key of keys) this.objects.delete(key);
  }
  upload(key: string, contentType: string): UploadStream {
    const parts: Buffer[] = [];
    let done = false;
    return {
      write: async (text) => {
        if (done) throw new Error(`upload of ${key} is closed`);
        parts.push(Buffer.from(text, 'utf8'));
      },
      close: async () => {
        done = true;
        const body = Buffer.concat(parts);
        this.objects.set(key, { body, contentType });
        return body.length;
      },
      abort: async () => {
        done = true;
      },
    };
  }
  async open(key: string): Promise<AsyncIterable<Buffer> | null> {
    const object = this.objects.get(key);
    if (!object) return null;
    const body = Buffer.from(object.body);
    return (async function* () {
      for (let i = 0; i < body.length; i += 7) yield body.subarray(i, i + 7);
    })();
  }
  async size(key: string) {
    return this.objects.get(key)?.body.length ?? null;
  }
  text(key: string): string | null {
    return this.objects.get(key)?.body.toString('utf8') ?? null;
  }
}

/**
 * A queue: what was sent waits in `pending` (with its delay) until a test delivers it; `sent` keeps
 * everything ever sent. `take()` empties the queue, as consumers receive it.
 */
export class MemoryQueue<M> {
  readonly sent: { message: M; delaySeconds: number }[] = [];
  pending: { message: M; delaySeconds: number }[] = [];

  async send(messages: readonly M[], options?: { delaySeconds?: number }): Promise<void> {
    for (const message of messages) {
      const entry = { message: copy(message), delaySeconds: options?.delaySeconds ?? 0 };
      this.sent.push(entry);
      this.pending.push(entry);
    }
  }

  take(): M[] {
    const out = this.pending.map((e) => e.message);
    this.pending = [];
    return out;
  }
}
