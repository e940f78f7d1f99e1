import { DomainError } from './errors';
import { dateKey, instant, isIsoDate } from './fields';

/**
 * Day arithmetic for pricing, in UTC only: a date-time is reduced to the UTC day it falls on, so the
 * same purchase lands in the same period whatever the server's zone. The accepted ISO forms are the
 * ones ingest accepts (shared/kernel/fields.ts), so anything stored can be priced.
 */

const MS_PER_DAY = 86_400_000;

/** A date that is not an ISO date or date-time, or a billing day outside 1–28; the message names the field. */
export class InvalidDateError extends DomainError {
  readonly kind = 'invalid';
  readonly code = 'invalid_date';
}

/** `YYYY-MM-DD` of the UTC day `value` falls on; throws InvalidDateError naming `field`. */
export function utcDate(value: string, field = 'date'): string {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    throw new InvalidDateError(`${field}: not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`);
  }
  return dateKey(value);
}

/** Milliseconds since the epoch (a date without a zone is UTC); throws InvalidDateError naming `field`. */
export function utcInstant(value: string, field = 'date'): number {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    throw new InvalidDateError(`${field}: not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)`);
  }
  return instant(value);
}

/** Whole days since 1970-01-01 of the UTC day `value` falls on. */
export function dayNumber(value: string, field = 'date'): number {
  return Date.parse(utcDate(value, field)) / MS_PER_DAY;
}

export function dayToDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` of `day` in year/month; month may run past 1–12 (Date.UTC carries it into the year). */
export function monthDay(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
}
