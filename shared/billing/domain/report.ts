import type Decimal from 'decimal.js';
import { ValidationError } from '../../kernel/errors';
import { D, InvalidDecimalError, parseDecimal, toWireMoney } from '../../kernel/money';
import type { Invoice } from './invoice';

/**
 * The report of a billing cycle (docs/product.md §7): customers invoiced, invoices and totals per currency,
 * held customers skipped, purchases left unmapped or not invoiced by reason, errors.
 *
 * A cycle invoices chunks of customers in parallel; each chunk builds a partial report and the partial
 * reports are merged in whatever order they arrive. `mergeReports` is therefore associative and
 * commutative, with `emptyReport()` as identity: counts and Decimal sums add, and the capped lists
 * keep the first `REPORT_LIST_CAP` items in a fixed order (the smallest, so the choice does not depend
 * on arrival) while their `count` keeps the true total. A customer is expected in exactly one chunk.
 */

export const UNMAPPED_REASONS = ['unknown-customer', 'unknown-product'] as const;
export const NOT_INVOICED_REASONS = ['future-date', 'no-price-rule', 'on-hold'] as const;
export type UnmappedReason = (typeof UNMAPPED_REASONS)[number];
export type NotInvoicedReason = (typeof NOT_INVOICED_REASONS)[number];

/** At most this many held customer codes and errors are listed; the counts stay exact. */
export const REPORT_LIST_CAP = 100;
/** Error messages are cut to this length so a stored report stays far below DynamoDB's item limit. */
export const MAX_ERROR_MESSAGE = 500;

export interface CurrencyTotals {
  readonly invoices: number;
  readonly subtotal: Decimal;
  readonly tax: Decimal;
  readonly total: Decimal;
}

export interface CycleError {
  /** The customer the error concerns, null for the cycle as a whole. */
  readonly customer: string | null;
  readonly code: string;
  readonly message: string;
}

/** A list that keeps its first `REPORT_LIST_CAP` items (sorted) and the count of all. */
export interface CappedList<T> {
  readonly count: number;
  readonly items: readonly T[];
}

export interface CycleReport {
  readonly customersInvoiced: number;
  readonly invoices: number;
  readonly totals: Readonly<Record<string, CurrencyTotals>>;
  readonly held: CappedList<string>;
  readonly unmapped: Readonly<Record<UnmappedReason, number>>;
  readonly notInvoiced: Readonly<Record<NotInvoicedReason, number>>;
  readonly errors: CappedList<CycleError>;
}

const ZERO = new D(0);

function counts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

export function emptyReport(): CycleReport {
  return {
    customersInvoiced: 0,
    invoices: 0,
    totals: {},
    held: { count: 0, items: [] },
    unmapped: counts(UNMAPPED_REASONS),
    notInvoiced: counts(NOT_INVOICED_REASONS),
    errors: { count: 0, items: [] },
  };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** A total order (cycle-wide errors first), so which errors survive the cap never depends on merge order. */
const compareErrors = (a: CycleError, b: CycleError): number =>
  (a.customer === null ? (b.customer === null ? 0 : -1) : b.customer === null ? 1 : compareText(a.customer, b.customer)) ||
  compareText(a.code, b.code) ||
  compareText(a.message, b.message);

function mergeLists<T>(a: CappedList<T>, b: CappedList<T>, compare: (x: T, y: T) => number): CappedList<T> {
  return { count: a.count + b.count, items: [...a.items, ...b.items].sort(compare).slice(0, REPORT_LIST_CAP) };
}

function addCounts<K extends string>(a: Readonly<Record<K, number>>, b: Readonly<Record<K, number>>, keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, a[k] + b[k]])) as Record<K, number>;
}

function mergeTotals(a: CycleReport['totals'], b: CycleReport['totals']): Record<string, CurrencyTotals> {
  const merged: Record<string, CurrencyTotals> = {};
  for (const currency of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[currency];
    const y = b[currency];
    merged[currency] =
      x && y
        ? { invoices: x.invoices + y.invoices, subtotal: x.subtotal.plus(y.subtotal), tax: x.tax.plus(y.tax), total: x.total.plus(y.total) }
        : (x ?? y)!;
  }
  return merged;
}

/** The report of both parts. Associative and commutative; `emptyReport()` is its identity. */
export function mergeReports(a: CycleReport, b: CycleReport): CycleReport {
  return {
    customersInvoiced: a.customersInvoiced + b.customersInvoiced,
    invoices: a.invoices + b.invoices,
    totals: mergeTotals(a.totals, b.totals),
    held: mergeLists(a.held, b.held, compareText),
    unmapped: addCounts(a.unmapped, b.unmapped, UNMAPPED_REASONS),
    notInvoiced: addCounts(a.notInvoiced, b.notInvoiced, NOT_INVOICED_REASONS),
    errors: mergeLists(a.errors, b.errors, compareErrors),
  };
}

/**
 * One customer's outcome in a cycle: its draft invoices (one per currency) and its purchases left out
 * by reason. A customer with at least one invoice counts once in `customersInvoiced`.
 */
export function customerReport(outcome: {
  readonly invoices?: readonly Invoice[];
  readonly unmapped?: Partial<Record<UnmappedReason, number>>;
  readonly notInvoiced?: Partial<Record<NotInvoicedReason, number>>;
}): CycleReport {
  const invoices = outcome.invoices ?? [];
  const totals: Record<string, CurrencyTotals> = {};
  for (const invoice of invoices) {
    const previous = totals[invoice.currency] ?? { invoices: 0, subtotal: ZERO, tax: ZERO, total: ZERO };
    totals[invoice.currency] = {
      invoices: previous.invoices + 1,
      subtotal: previous.subtotal.plus(invoice.subtotal),
      tax: previous.tax.plus(invoice.tax),
      total: previous.total.plus(invoice.total),
    };
  }
  const empty = emptyReport();
  return {
    ...empty,
    customersInvoiced: invoices.length > 0 ? 1 : 0,
    invoices: invoices.length,
    totals: mergeTotals({}, totals),
    unmapped: { ...empty.unmapped, ...outcome.unmapped },
    notInvoiced: { ...empty.notInvoiced, ...outcome.notInvoiced },
  };
}

/** A held customer, skipped by the cycle (its purchases stay `not-invoiced` / `on-hold`). */
export function heldReport(customerCode: string, onHoldPurchases = 0): CycleReport {
  const empty = emptyReport();
  return { ...empty, held: { count: 1, items: [customerCode] }, notInvoiced: { ...empty.notInvoiced, 'on-hold': onHoldPurchases } };
}

/** An error while invoicing a customer (or the cycle), e.g. a DomainError's code and message. */
export function errorReport(error: CycleError): CycleReport {
  const message = error.message.length > MAX_ERROR_MESSAGE ? `${error.message.slice(0, MAX_ERROR_MESSAGE - 1)}…` : error.message;
  return { ...emptyReport(), errors: { count: 1, items: [{ customer: error.customer, code: error.code, message }] } };
}

/** Folds any number of partial reports. */
export function mergeAll(reports: Iterable<CycleReport>): CycleReport {
  let merged = emptyReport();
  for (const report of reports) merged = mergeReports(merged, report);
  return merged;
}

// --------------------------------------------------------------------------------------------- wire

export interface WireCurrencyTotals {
  invoices: number;
  subtotal: string;
  tax: string;
  total: string;
}

/** The `report` of `GET /billing-cycles/{id}`, and the form partial reports are stored in. */
export interface WireCycleReport {
  customersInvoiced: number;
  invoices: number;
  totals: Record<string, WireCurrencyTotals>;
  held: { count: number; customers: string[] };
  unmapped: Record<UnmappedReason, number>;
  notInvoiced: Record<NotInvoicedReason, number>;
  errors: { count: number; items: CycleError[] };
  /** Linked customers whose charges the cycle put on a parent's invoice (at most REPORT_LIST_CAP listed); absent when none. */
  consolidated?: { count: number; customers: { customer: string; invoicedTo: string }[] };
}

/** The report's list of linked customers invoiced to a parent (the plan's links), sorted by customer. */
export function consolidatedOf(links: Readonly<Record<string, string>>): WireCycleReport['consolidated'] {
  const customers = Object.keys(links)
    .sort()
    .map((customer) => ({ customer, invoicedTo: links[customer]! }));
  return customers.length ? { count: customers.length, customers: customers.slice(0, REPORT_LIST_CAP) } : undefined;
}

/** Sums of rounded invoice amounts are exact, so they print with the currency's digits losslessly. */
export function toWireReport(report: CycleReport): WireCycleReport {
  const totals: Record<string, WireCurrencyTotals> = {};
  for (const [currency, t] of Object.entries(report.totals)) {
    totals[currency] = {
      invoices: t.invoices,
      subtotal: toWireMoney(t.subtotal, currency),
      tax: toWireMoney(t.tax, currency),
      total: toWireMoney(t.total, currency),
    };
  }
  return {
    customersInvoiced: report.customersInvoiced,
    invoices: report.invoices,
    totals,
    held: { count: report.held.count, customers: [...report.held.items] },
    unmapped: { ...report.unmapped },
    notInvoiced: { ...report.notInvoiced },
    errors: { count: report.errors.count, items: report.errors.items.map((e) => ({ ...e })) },
  };
}

/** Reads a stored partial report back (to merge it); throws ValidationError on a damaged record. */
export function fromWireReport(wire: WireCycleReport): CycleReport {
  const money = (value: string, field: string): Decimal => {
    try {
      return parseDecimal(value, field);
    } catch (error) {
      if (error instanceof InvalidDecimalError) throw new ValidationError('invalid cycle report', [error.message]);
      throw error;
    }
  };
  const totals: Record<string, CurrencyTotals> = {};
  for (const [currency, t] of Object.entries(wire.totals)) {
    totals[currency] = {
      invoices: t.invoices,
      subtotal: money(t.subtotal, `totals.${currency}.subtotal`),
      tax: money(t.tax, `totals.${currency}.tax`),
      total: money(t.total, `totals.${currency}.total`),
    };
  }
  const empty = emptyReport();
  return {
    customersInvoiced: wire.customersInvoiced,
    invoices: wire.invoices,
    totals: mergeTotals({}, totals),
    held: { count: wire.held.count, items: [...wire.held.customers] },
    unmapped: { ...empty.unmapped, ...wire.unmapped },
    notInvoiced: { ...empty.notInvoiced, ...wire.notInvoiced },
    errors: { count: wire.errors.count, items: wire.errors.items.map((e) => ({ customer: e.customer, code: e.code, message: e.message })) },
  };
}
