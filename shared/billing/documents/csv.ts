import type Decimal from 'decimal.js';
import { ConflictError } from '../../kernel/errors';
import { D, toWire, toWireMoney } from '../../kernel/money';
import type { Invoice } from '../domain/invoice';
import { toWireInvoice } from '../domain/invoice-wire';
import { groupOf, rowScope, type RatedRow, type SpecRuleLookup } from '../domain/lines';
import { parseSubscriptionRuleId } from '../../pricing/domain/subscribers';

/**
 * CSV and JSON Lines documents of invoices (docs/product.md §7): the itemised specification of one
 * invoice, and the ERP/BI exports of many. Every document exists as a generator yielding one line at a
 * time (terminator included, so `Readable.from(generator)` streams it to S3 as is) and as a
 * convenience function returning the whole text.
 *
 * CSV is RFC 4180: comma separated, CRLF line ends, a field quoted when it holds a quote, comma, CR,
 * LF or leading/trailing space, quotes doubled. Text that a spreadsheet would run as a formula
 * (starting with = + - @, tab or CR) is prefixed with `'`; plain numbers such as `-5` are left alone.
 * JSON Lines carry the same fields, decimals as strings, without that prefix (no spreadsheet reads them).
 */

const EOL = '\r\n';
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** Neutralises spreadsheet formula injection (OWASP "CSV injection"): `=1+1` → `'=1+1`, `-5` stays. */
export function guardFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One CSV field: guarded, then quoted when RFC 4180 needs it. */
export function csvField(value: string | null | undefined): string {
  const text = guardFormula(value ?? '');
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record with its CRLF. */
export function csvLine(fields: readonly (string | null | undefined)[]): string {
  return fields.map(csvField).join(',') + EOL;
}

function jsonLine(record: object): string {
  return `${JSON.stringify(record)}\n`;
}

// ------------------------------------------------------------------------ itemised specification

export const SPECIFICATION_COLUMNS = [
  'reference',
  'purchaseDate',
  'endDate',
  'productLabel',
  'productCluster',
  'usedBy',
  'quantity',
  'unitPrice',
  'amount',
  'currency',
  'group',
] as const;

/**
 * Columns an invoice with subscription lines adds (after `group`): which line kind, subscription and
 * charge a row is of, and its service period (end exclusive). Its fee lines follow the purchases, one row
 * each; purchases priced by a subscription's usage charge are `usage` rows of that subscription.
 */
export const SUBSCRIPTION_COLUMNS = ['kind', 'subscription', 'charge', 'serviceStart', 'serviceEnd'] as const;

export interface SpecificationOptions {
  /** The price rules, to know each purchase's group and whether it was priced per purchase. */
  readonly rules: SpecRuleLookup;
  /**
   * The metadata keys to give a `meta.<key>` column each. When absent they are collected from the
   * purchases first, which iterates `purchases` twice: pass them when streaming a one-shot source.
   */
  readonly metadataKeys?: readonly string[];
}

/** The sorted metadata keys the purchases use. */
export function metadataKeysOf(purchases: Iterable<RatedRow>): string[] {
  const keys = new Set<string>();
  for (const purchase of purchases) for (const key of Object.keys(purchase.metadata)) keys.add(key);
  return [...keys].sort();
}

const negate = (d: Decimal): Decimal => (d.isZero() ? new D(0) : d.neg());

/**
 * The itemised specification of an invoice: a header, then one row per purchase in the given order.
 * Amounts keep full precision (a CDR at 0.0004): summed per line they give the line before its
 * rounding. Purchases of a period-scoped rule have no amount or unit price of their own (their line
 * priced the period sum), so those cells are empty. On a credit note quantities and amounts are negated.
 * Throws ConflictError `invoice_row_mismatch` for a purchase of another customer or currency.
 */
export function* streamInvoiceCsv(invoice: Invoice, purchases: Iterable<RatedRow>, options: SpecificationOptions): Generator<string> {
  const metaKeys = [...(options.metadataKeys ?? metadataKeysOf(purchases))].sort();
  const sign = invoice.creditOf === null ? (d: Decimal) => d : negate;
  const subscribed = invoice.lines.some((l) => l.kind !== undefined);
  yield csvLine([...SPECIFICATION_COLUMNS, ...(subscribed ? SUBSCRIPTION_COLUMNS : []), ...metaKeys.map((key) => `meta.${key}`)]);
  for (const p of purchases) {
    if (p.customerCode !== invoice.customer.code || p.currency !== invoice.currency) {
      throw new ConflictError('invoice_row_mismatch', `purchase ${p.reference} is not billed on invoice ${invoice.id}`, [
        `${p.reference}: ${p.customerCode} ${p.currency}`,
      ]);
    }
    const perPurchase = rowScope(p, options.rules) === 'purchase';
    const meta = metaKeys.map((key) => {
      const value = Object.hasOwn(p.metadata, key) ? p.metadata[key] : undefined;
      return value === undefined ? '' : String(value);
    });
    yield csvLine([
      p.reference,
      p.purchaseDate,
      p.endDate,
      p.productLabel,
      p.productCluster,
      p.usedBy,
      toWire(sign(p.quantity)),
      perPurchase && p.unitPrice !== null ? toWire(p.unitPrice) : '',
      perPurchase && p.amount !== null ? toWire(sign(p.amount)) : '',
      p.currency,
      groupOf(p, options.rules),
      ...(subscribed ? usageCells(p.priceRule) : []),
      ...meta,
    ]);
  }
  if (!subscribed) return;
  for (const line of invoice.lines) {
    if (line.kind === undefined || line.kind === 'usage' || !line.servicePeriod) continue;
    yield csvLine([
      '',
      line.servicePeriod.start,
      line.servicePeriod.end,
      line.description,
      line.productCluster,
      invoice.customer.code,
      toWire(line.quantity),
      toWire(line.unitPrice),
      toWireMoney(line.amount, invoice.currency),
      invoice.currency,
      '',
      line.kind,
      line.subscription ?? '',
      line.charge ?? '',
      line.servicePeriod.start,
      line.servicePeriod.end,
      ...metaKeys.map(() => ''),
    ]);
  }
}

function usageCells(priceRule: string | null): string[] {
  const ref = parseSubscriptionRuleId(priceRule);
  return ref ? ['usage', ref.subscription, ref.charge, '', ''] : ['', '', '', '', ''];
}

export function renderInvoiceCsv(invoice: Invoice, purchases: readonly RatedRow[], options: SpecificationOptions): string {
  return [...streamInvoiceCsv(invoice, purchases, options)].join('');
}

// ------------------------------------------------------------------------------------- ERP / BI

export const INVOICE_EXPORT_COLUMNS = [
  'id',
  'issuedBy',
  'customer',
  'customerName',
  'country',
  'periodStart',
  'periodEnd',
  'currency',
  'status',
  'lines',
  'subtotal',
  'taxRate',
  'tax',
  'total',
  'approvedAt',
  'creditOf',
  'reason',
  'number',
  'issueDate',
  'dueDate',
  'voidedAt',
] as const;

export type InvoiceExportRecord = Record<(typeof INVOICE_EXPORT_COLUMNS)[number], string | number | null>;

/** One export record per invoice; money with the currency's digits. */
export function invoiceExportRecord(invoice: Invoice): InvoiceExportRecord {
  const wire = toWireInvoice(invoice);
  return {
    id: wire.id,
    issuedBy: wire.issuedBy,
    customer: wire.customer,
    customerName: invoice.customer.name,
    country: invoice.customer.country,
    periodStart: wire.periodStart,
    periodEnd: wire.periodEnd,
    currency: wire.currency,
    status: wire.status,
    lines: wire.lines.length,
    subtotal: wire.subtotal,
    taxRate: wire.taxRate,
    tax: wire.tax,
    total: wire.total,
    approvedAt: wire.approvedAt,
    creditOf: wire.creditOf,
    reason: wire.reason,
    number: wire.number,
    issueDate: wire.issueDate,
    dueDate: wire.dueDate,
    voidedAt: wire.voidedAt,
  };
}

export const LINE_EXPORT_COLUMNS = [
  'invoiceId',
  'issuedBy',
  'customer',
  'periodStart',
  'periodEnd',
  'currency',
  'status',
  'creditOf',
  'line',
  'description',
  'productCluster',
  'group',
  'quantity',
  'unitPrice',
  'amount',
  'priceRule',
  ...SUBSCRIPTION_COLUMNS,
] as const;

export type LineExportRecord = Record<(typeof LINE_EXPORT_COLUMNS)[number], string | number | null>;

/** One export record per invoice line, numbered from 1 in the invoice's order. */
export function* lineExportRecords(invoice: Invoice): Generator<LineExportRecord> {
  let n = 0;
  for (const line of invoice.lines) {
    n += 1;
    yield {
      invoiceId: invoice.id,
      issuedBy: invoice.seller.id,
      customer: invoice.customer.code,
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      currency: invoice.currency,
      status: invoice.status,
      creditOf: invoice.creditOf,
      line: n,
      description: line.description,
      productCluster: line.productCluster,
      group: line.group,
      quantity: toWire(line.quantity),
      unitPrice: toWire(line.unitPrice),
      amount: toWireMoney(line.amount, invoice.currency),
      priceRule: line.priceRule,
      kind: line.kind ?? null,
      subscription: line.subscription ?? null,
      charge: line.charge ?? null,
      serviceStart: line.servicePeriod?.start ?? null,
      serviceEnd: line.servicePeriod?.end ?? null,
    };
  }
}

const cells = (record: Record<string, string | number | null>, columns: readonly string[]) =>
  columns.map((column) => {
    const value = record[column];
    return value === null || value === undefined ? '' : String(value);
  });

export function* streamInvoicesCsv(invoices: Iterable<Invoice>): Generator<string> {
  yield csvLine(INVOICE_EXPORT_COLUMNS);
  for (const invoice of invoices) yield csvLine(cells(invoiceExportRecord(invoice), INVOICE_EXPORT_COLUMNS));
}

export function* streamInvoicesJsonLines(invoices: Iterable<Invoice>): Generator<string> {
  for (const invoice of invoices) yield jsonLine(invoiceExportRecord(invoice));
}

export function* streamLinesCsv(invoices: Iterable<Invoice>): Generator<string> {
  yield csvLine(LINE_EXPORT_COLUMNS);
  for (const invoice of invoices) for (const record of lineExportRecords(invoice)) yield csvLine(cells(record, LINE_EXPORT_COLUMNS));
}

export function* streamLinesJsonLines(invoices: Iterable<Invoice>): Generator<string> {
  for (const invoice of invoices) for (const record of lineExportRecords(invoice)) yield jsonLine(record);
}

export const exportInvoicesCsv = (invoices: Iterable<Invoice>): string => [...streamInvoicesCsv(invoices)].join('');
export const exportInvoicesJsonLines = (invoices: Iterable<Invoice>): string => [...streamInvoicesJsonLines(invoices)].join('');
export const exportLinesCsv = (invoices: Iterable<Invoice>): string => [...streamLinesCsv(invoices)].join('');
export const exportLinesJsonLines = (invoices: Iterable<Invoice>): string => [...streamLinesJsonLines(invoices)].join('');
