import { ValidationError } from '../../kernel/errors';
import { isIsoDate } from '../../kernel/fields';
import { DEFAULT_PAYMENT_TERMS_DAYS } from '../../catalog/domain/catalog';

/**
 * Legal invoice numbers and dates (docs/product.md §7): the prefix, `<prefix>-<year>-<sequence>`, the issue
 * and due dates of an approval, and the id a cycle gives an invoice reissued after a void.
 */

/** Digits of an invoice number's sequence (`ACME-2026-000042`); a longer sequence keeps all its digits. */
export const SEQUENCE_DIGITS = 6;

/**
 * The prefix of an account's invoice numbers: its profile's `invoicePrefix`, else the account id upper-cased,
 * every character outside A-Z and 0-9 a dash, runs of dashes one, no dash at either end, at most 12 characters
 * (`acme_eu` → `ACME-EU`); `INV` when nothing is left.
 */
export function invoicePrefixOf(accountId: string, profilePrefix: string | null | undefined): string {
  if (profilePrefix) return profilePrefix;
  const cleaned = accountId
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 12)
    .replace(/-+$/, '');
  return cleaned || 'INV';
}

/** `<prefix>-<year>-<sequence>`, the sequence zero-padded to SEQUENCE_DIGITS: one counter per account and year. */
export function invoiceNumber(prefix: string, year: number, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1) throw new ValidationError('invalid invoice number', ['sequence: must be a whole number from 1']);
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new ValidationError('invalid invoice number', ['year: must have four digits']);
  return `${prefix}-${year}-${String(sequence).padStart(SEQUENCE_DIGITS, '0')}`;
}

/** The issue date of an approval at `at` (its UTC day) and the due date `paymentTermsDays` later (30 when absent). */
export function legalDates(at: string, paymentTermsDays: number | null | undefined): { issueDate: string; dueDate: string } {
  const time = Date.parse(at);
  if (typeof at !== 'string' || !isIsoDate(at) || Number.isNaN(time)) throw new ValidationError('invalid approval', ['at: not an ISO date-time']);
  const days = paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS;
  if (!Number.isInteger(days) || days < 0) throw new ValidationError('invalid approval', ['paymentTermsDays: must be a whole number of days from 0']);
  const issueDate = new Date(time).toISOString().slice(0, 10);
  const dueDate = new Date(Date.parse(`${issueDate}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  return { issueDate, dueDate };
}

/**
 * The id a cycle gives the next invoice of a customer, period and currency once the invoice at `id` is voided
 * (a voided invoice keeps its id and number for ever): `<id>_r2`, then `_r3`, …, in the same partition. The
 * cycle's ids end in a 16-character digest (kernel/periods.ts `invoiceId`), so the suffix is never ambiguous.
 */
export function reissuedInvoiceId(id: string): string {
  const m = /^(inv_\d{8}_[A-Za-z0-9_-]{16})(?:_r(\d+))?$/.exec(id);
  if (!m) throw new ValidationError('invalid invoice id', [`id: ${id} is not a cycle's invoice id`]);
  return `${m[1]}_r${m[2] === undefined ? 2 : Number(m[2]) + 1}`;
}
