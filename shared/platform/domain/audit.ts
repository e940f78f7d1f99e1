import { z } from 'zod';
import { ValidationError } from '../../kernel/errors';
import { isoDate, instant } from '../../kernel/fields';

/**
 * One entry of an account's audit log: a request that tried to change something in the account (every
 * method but GET), who sent it (key id and role; the platform admin key is `platform`), what it touched and
 * how it ended, with the resource's representation before and after where the operation knows it.
 */
export interface AuditEntry {
  at: string;
  keyId: string;
  role: string;
  method: string;
  path: string;
  /** The resource the request acts on, below `/v1/accounts/{a}/`: `price-rules/r1`, `subscriptions/s1` (for `…/s1/pause`), `purchases`. */
  resource: string;
  /**
   * The status answered; null while the request runs (the entry is written before the change, so a change
   * whose function died mid-request stays in the log, with its outcome unknown).
   */
  status: number | null;
  before: unknown;
  after: unknown;
}

/** `?from=&to=&resource=` of `GET /audit`: `from` inclusive, `to` exclusive (dates are UTC midnight); `resource` itself or below it. */
export const auditQuerySchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  resource: z.string().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters').optional(),
});
export type AuditQuery = z.output<typeof auditQuerySchema>;

/** What the store is asked: a time range as UTC instants (ISO, millisecond precision) and a resource. */
export interface AuditFilter {
  from?: string;
  to?: string;
  resource?: string;
}

/** The store's filter of a query; `to` not after `from` is a 400 naming `to`. */
export function auditFilter(query: AuditQuery): AuditFilter {
  if (query.from !== undefined && query.to !== undefined && instant(query.from) >= instant(query.to))
    throw new ValidationError('invalid query', ['to: must be after from']);
  const at = (value: string) => new Date(instant(value)).toISOString();
  return { from: query.from && at(query.from), to: query.to && at(query.to), resource: query.resource };
}

/** An entry matches `resource` when it is that resource or one below it (`price-rules` matches `price-rules/r1`). */
export function matchesResource(entry: Pick<AuditEntry, 'resource'>, resource: string | undefined): boolean {
  return resource === undefined || entry.resource === resource || entry.resource.startsWith(`${resource}/`);
}

/** Representations larger than this are not copied into an entry (a DynamoDB item holds at most 400 KB). */
export const MAX_REPRESENTATION_CHARS = 100_000;

export function boundedRepresentation(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  // a JSON copy: what the reply sent, without `undefined` fields or class instances
  return text.length > MAX_REPRESENTATION_CHARS ? { omitted: `a representation of ${text.length} characters` } : JSON.parse(text);
}
