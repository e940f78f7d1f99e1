import type Decimal from 'decimal.js';
import { ValidationError } from '../../kernel/errors';
import { InvalidDecimalError, parseDecimal, toWire, toWireMoney } from '../../kernel/money';
import type { InvoiceLine, SubscriptionLineKind } from './lines';
import { type Invoice, type InvoiceCustomer, type InvoiceSeller, type InvoiceStatus, parseTaxRate, totals } from './invoice';

/** Invoices on the wire (docs/api.md `GET /invoices/{id}`) and as stored: every decimal exact text, read back checked. */

// --------------------------------------------------------------------------------------------- wire

export interface WireInvoiceLine {
  description: string;
  productCluster: string;
  quantity: string;
  unitPrice: string;
  amount: string;
  group: string | null;
  /** Lines of a subscription only (docs/api.md "Catalogue, offers, subscriptions"). */
  kind?: SubscriptionLineKind;
  subscription?: string;
  charge?: string;
  servicePeriod?: { start: string; end: string };
  /** On a parent's consolidated invoice: the child customer whose charge the line is. */
  customer?: string;
}

/** docs/api.md `GET /invoices/{id}`, plus taxRate, approvedAt, the legal number and dates, voidedAt, creditOf, reason and issuedBy (the seller account). */
export interface WireInvoice {
  id: string;
  customer: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  status: InvoiceStatus;
  lines: WireInvoiceLine[];
  subtotal: string;
  taxRate: string | null;
  tax: string;
  total: string;
  approvedAt: string | null;
  number: string | null;
  issueDate: string | null;
  dueDate: string | null;
  voidedAt: string | null;
  creditOf: string | null;
  reason: string | null;
  issuedBy: string;
}

export function toWireLine(line: InvoiceLine, currency: string): WireInvoiceLine {
  return {
    description: line.description,
    productCluster: line.productCluster,
    quantity: toWire(line.quantity),
    unitPrice: toWire(line.unitPrice),
    amount: toWireMoney(line.amount, currency),
    group: line.group,
    ...(line.customer === undefined ? {} : { customer: line.customer }),
    ...(line.kind === undefined
      ? {}
      : {
          kind: line.kind,
          subscription: line.subscription!,
          charge: line.charge!,
          servicePeriod: { start: line.servicePeriod!.start, end: line.servicePeriod!.end },
        }),
  };
}

/** Every decimal a string; money with exactly the currency's minor-unit digits (`"12.50"`, `"1250"` JPY). */
export function toWireInvoice(invoice: Invoice): WireInvoice {
  const money = (d: Decimal) => toWireMoney(d, invoice.currency);
  return {
    id: invoice.id,
    customer: invoice.customer.code,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    currency: invoice.currency,
    status: invoice.status,
    lines: invoice.lines.map((line) => toWireLine(line, invoice.currency)),
    subtotal: money(invoice.subtotal),
    taxRate: invoice.taxRate === null ? null : toWire(invoice.taxRate),
    tax: money(invoice.tax),
    total: money(invoice.total),
    approvedAt: invoice.approvedAt,
    number: invoice.number,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    voidedAt: invoice.voidedAt,
    creditOf: invoice.creditOf,
    reason: invoice.reason,
    issuedBy: invoice.seller.id,
  };
}

// ------------------------------------------------------------------------------------------ storage

/** The JSON form an adapter stores (S3 / DynamoDB): everything, decimals as exact strings. */
export interface InvoiceRecord extends Omit<WireInvoice, 'lines' | 'customer' | 'issuedBy' | 'number' | 'issueDate' | 'dueDate' | 'voidedAt'> {
  /** Absent on records written before legal numbers (read as null). */
  number?: string | null;
  issueDate?: string | null;
  dueDate?: string | null;
  voidedAt?: string | null;
  accountId: string;
  customer: InvoiceCustomer;
  seller: InvoiceSeller;
  lines: (WireInvoiceLine & { priceRule: string | null; chargePeriod?: { start: string; end: string } | null })[];
}

export function toInvoiceRecord(invoice: Invoice): InvoiceRecord {
  const { lines, customer, issuedBy: _issuedBy, ...wire } = toWireInvoice(invoice);
  return {
    ...wire,
    accountId: invoice.accountId,
    customer: { ...invoice.customer },
    seller: { ...invoice.seller },
    // quantities and unit prices are exact on the wire already; amounts are rounded, so nothing is lost
    lines: lines.map((line, i) => {
      const own = invoice.lines[i]!;
      return own.kind === undefined
        ? { ...line, priceRule: own.priceRule }
        : { ...line, priceRule: own.priceRule, chargePeriod: own.chargePeriod ?? null };
    }),
  };
}

/**
 * Reads a stored invoice back and checks its invariant (total = Σ lines + tax, tax recomputed from
 * the frozen rate): a record edited by hand or truncated is refused rather than shown.
 */
export function fromInvoiceRecord(record: InvoiceRecord): Invoice {
  const dec = (value: string, field: string) => {
    try {
      return parseDecimal(value, field);
    } catch (error) {
      if (error instanceof InvalidDecimalError) throw new ValidationError('invalid invoice record', [error.message]);
      throw error;
    }
  };
  const lines: InvoiceLine[] = record.lines.map((line, i) => ({
    description: line.description,
    productCluster: line.productCluster,
    quantity: dec(line.quantity, `lines.${i}.quantity`),
    unitPrice: dec(line.unitPrice, `lines.${i}.unitPrice`),
    amount: dec(line.amount, `lines.${i}.amount`),
    group: line.group,
    priceRule: line.priceRule ?? null,
    ...(line.customer === undefined ? {} : { customer: line.customer }),
    ...(line.kind === undefined
      ? {}
      : {
          kind: line.kind,
          subscription: line.subscription,
          charge: line.charge,
          servicePeriod: line.servicePeriod,
          chargePeriod: line.chargePeriod ?? null,
        }),
  }));
  const taxRate = record.taxRate === null ? null : parseTaxRate(record.taxRate, 'taxRate');
  const invoice: Invoice = {
    id: record.id,
    accountId: record.accountId,
    customer: record.customer,
    seller: record.seller,
    periodStart: record.periodStart,
    periodEnd: record.periodEnd,
    currency: record.currency,
    status: record.status,
    lines,
    subtotal: dec(record.subtotal, 'subtotal'),
    taxRate,
    tax: dec(record.tax, 'tax'),
    total: dec(record.total, 'total'),
    approvedAt: record.approvedAt,
    number: record.number ?? null,
    issueDate: record.issueDate ?? null,
    dueDate: record.dueDate ?? null,
    voidedAt: record.voidedAt ?? null,
    creditOf: record.creditOf,
    reason: record.reason,
  };
  const expected = totals(lines, taxRate, invoice.currency);
  if (!expected.subtotal.eq(invoice.subtotal) || !expected.tax.eq(invoice.tax) || !expected.total.eq(invoice.total)) {
    throw new ValidationError('invalid invoice record', [`${record.id}: totals do not match its lines and tax rate`]);
  }
  return invoice;
}
