import { z } from 'zod';
import { InvalidDecimalError, parseDecimal } from './money';
import type Decimal from 'decimal.js';

// Unknown fields are named in the message, so a client sees which key to remove.
z.config({
  customError: (issue) =>
    issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}` : undefined,
});

/**
 * Field types shared by every request schema. Messages are short and name the rule broken,
 * because the API reports them as `"<field>: <message>"`. The `.meta()` of a field checked by code
 * says what it looks like on the wire, for the OpenAPI document (zod renders its metadata as JSON Schema).
 */

/**
 * A decimal given as a JSON string or number, parsed straight into decimal.js (never kept as a JS number)
 * by money.ts's `parseDecimal`, which also bounds its range.
 */
export const decimal = z
  .unknown()
  .transform((v, ctx): Decimal => {
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: 'required' });
      return z.NEVER;
    }
    try {
      return parseDecimal(v, 'value');
    } catch (error) {
      const reason = error instanceof InvalidDecimalError ? error.reason : 'not a decimal';
      ctx.addIssue({
        code: 'custom',
        message: reason.startsWith('not a decimal') || reason === 'required' ? 'not a decimal' : `not a decimal: ${reason}`,
      });
      return z.NEVER;
    }
  })
  .meta({ type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: 'decimal as a string (requests also accept numbers)' });

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date (`2026-11-01`) or date-time (`2026-11-01T10:00:00Z`). Kept as given apart from
 * trimming, after checking the calendar date is real; `dateKey` gives the UTC day it falls on.
 */
export const isoDate = z
  .custom<string>((v) => typeof v === 'string' && isIsoDate(v), {
    error: (issue) => (issue.input === undefined ? 'required' : 'not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)'),
  })
  .meta({ type: 'string', description: 'ISO 8601 date or date-time' });

/** A calendar date only (`2026-11-01`), checked like `isoDate`: `2026-02-30` is refused, not rolled over. */
export const calendarDate = z
  .custom<string>((v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && isIsoDate(v), {
    error: (issue) => (issue.input === undefined ? 'required' : 'not a calendar date (YYYY-MM-DD)'),
  })
  .meta({ type: 'string', format: 'date', description: 'ISO date (whole UTC days)' });

export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  if (m[4] && (Number(m[5]) > 23 || Number(m[6]) > 59 || Number(m[8] ?? 0) > 59)) return false;
  return !Number.isNaN(instant(value));
}

/** Milliseconds since the epoch; a date without a zone is taken as UTC. */
export function instant(value: string): number {
  const hasTime = value.includes('T');
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  return Date.parse(hasTime && !hasZone ? `${value}Z` : value);
}

/** The UTC calendar day (`YYYY-MM-DD`) an ISO date or date-time falls on. */
export function dateKey(value: string): string {
  return new Date(instant(value)).toISOString().slice(0, 10);
}

/**
 * Identifiers chosen by clients (account ids, cluster ids, customer codes, references, labels).
 * `#` is refused because it separates the parts of storage keys; control characters never belong in an id.
 */
export const identifier = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') })
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the class exists to find control characters (U+0000–U+001F, U+007F) and refuse them in identifiers
  .refine((s) => !/[#\u0000-\u001f\u007f]/.test(s), 'must not contain # or control characters');

export const currency = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') })
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');

export const name = z
  .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters');
