import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { requireEnv } from '../kernel/config';
import { ValidationError } from '../kernel/errors';
import { parseInput } from '../kernel/validation';
import type { PageRequest } from '../kernel/page';

/**
 * docs/api.md's list convention: `?limit=` (1–1000, default 100) and an opaque `?cursor=`; replies are
 * `{"items": [...], "next": <cursor>|null}`.
 *
 * The cursors stores and services make (DynamoDB keys, journal positions, offsets) never leave the service
 * as they are: the edge seals each one to the list that produced it, as
 * `base64url(inner) "." base64url(HMAC-SHA256(key, list + inner))`, where the list is the route key and
 * its path parameters (the account among them) and its filters. A cursor of another account, another list,
 * another stream's batches or other filters, or one changed by a single byte, is a 400 naming `cursor` before any store sees it,
 * so no store ever has to defend itself against a foreign key or a position in another account's journal.
 */

const pageSchema = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'must be from 1 to 1000')
    .optional(),
  cursor: z.string().max(8192, 'not a cursor this API returned').optional(),
});

/**
 * What identifies one list: the route (`GET /v1/accounts/{a}/streams/{id}/batches`), its path parameters and
 * its filters (every query parameter but `limit` and `cursor`): a position in the invoices of one customer
 * means nothing in another's.
 */
export interface ListRequest {
  readonly routeKey: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
}

const PAGING = new Set(['limit', 'cursor']);
const sorted = (entries: [string, string][]) => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Seals and opens cursors with one key. */
export class CursorSeal {
  constructor(private readonly key: Buffer) {}

  /**
   * The key of the deployment: derived from the platform admin key's SHA-256, which every API function
   * already receives (`ADMIN_KEY_HASH`), under its own label so the MAC key is no value used elsewhere.
   */
  static fromSecret(secret: string): CursorSeal {
    return new CursorSeal(createHash('sha256').update(`billstream-cursor:${secret}`).digest());
  }

  seal(list: ListRequest, inner: string): string {
    return `${Buffer.from(inner, 'utf8').toString('base64url')}.${this.mac(list, inner).toString('base64url')}`;
  }

  /** The inner cursor, or a ValidationError naming `cursor` when it was not sealed for this list. */
  open(list: ListRequest, sealed: string): string {
    const match = /^([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{43})$/.exec(sealed);
    if (match) {
      const [, payload, mac] = match as unknown as [string, string, string];
      const inner = Buffer.from(payload, 'base64url').toString('utf8');
      // Compared as text: base64url has several spellings of the same bytes, and a changed byte is a changed cursor.
      const canonical = Buffer.from(inner, 'utf8').toString('base64url') === payload;
      if (canonical && timingSafeEqual(Buffer.from(mac), Buffer.from(this.mac(list, inner).toString('base64url')))) return inner;
    }
    throw new ValidationError('invalid cursor', ['cursor: not a cursor of this list (use the "next" of the previous page of the same list)']);
  }

  private mac(list: ListRequest, inner: string): Buffer {
    const params = sorted(Object.entries(list.params));
    const filters = sorted(Object.entries(list.query ?? {}).filter(([name, value]) => !PAGING.has(name) && value !== ''));
    return createHmac('sha256', this.key)
      .update(JSON.stringify([list.routeKey, params, filters, inner]))
      .digest();
  }
}

let deployed: CursorSeal | undefined;

/** The deployment's seal, read once from the environment of the API function. */
export function cursorSeal(): CursorSeal {
  deployed ??= CursorSeal.fromSecret(requireEnv('ADMIN_KEY_HASH'));
  return deployed;
}

/** `?limit=` and `?cursor=` of a list request, the cursor opened for this very list. */
export function pageRequest(
  request: ListRequest & { readonly query: Readonly<Record<string, string>> },
  seal: CursorSeal = cursorSeal(),
): PageRequest {
  const { limit, cursor } = parseInput(pageSchema, { limit: request.query.limit, cursor: request.query.cursor }, 'query');
  return { limit: limit ?? 100, cursor: cursor ? seal.open(request, cursor) : undefined };
}

/** A list reply's `next`, sealed to the list it continues; any other body is returned as it is. */
export function sealNext<B>(list: ListRequest, body: B, seal: () => CursorSeal = cursorSeal): B {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const page = body as { items?: unknown; next?: unknown };
  if (!Array.isArray(page.items) || typeof page.next !== 'string') return body;
  return { ...body, next: seal().seal(list, page.next) };
}
