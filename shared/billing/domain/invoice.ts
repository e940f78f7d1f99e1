import type Decimal from 'decimal.js';
import { ConflictError, ValidationError } from '../../kernel/errors';
import { isIsoDate } from '../../kernel/fields';
import {
  D,
  inDecimalRange,
  InvalidDecimalError,
  isCurrency,
  minorUnits,
  outOfRangeReason,
  parseDecimal,
  roundMoney,
  toWire,
  toWireMoney,
} from '../../kernel/money';
import type { InvoiceLine, SubscriptionLineKind } from './lines';
import { parseBillingPeriod } from '../../kernel/periods';
import { DEFAULT_PAYMENT_TERMS_DAYS } from '../../catalog/domain/catalog';

/**
 * Invoices (docs/product.md §3 "Money", §7; docs/api.md "Billing cycles and invoices"). An invoice is built
 * from rounded lines: subtotal = Σ lines, tax = subtotal × rate % rounded half-up once, total =
 * subtotal + tax exactly. A draft can be rebuilt at will; approval freezes it; corrections are
 * credit notes. Every function returns a new value: an approved invoice object is never mutated.
 */

export type InvoiceStatus = 'draft' | 'approved' | 'voided';

/** A postal address as an invoice prints it (the catalog's customer and profile address). */
export interface InvoiceAddress {
  readonly line1: string;
  readonly line2?: string | null;
  readonly postalCode: string;
  readonly city: string;
  readonly country: string;
}

/** What an EU invoice must show of a party (docs/product.md §7), frozen on approval; absent on drafts built before. */
export interface LegalParty {
  readonly legalName?: string | null;
  readonly address?: InvoiceAddress | null;
  readonly vatId?: string | null;
}

/** The paying customer as it was when the invoice was built (name and tax rate are frozen on approval). */
export interface InvoiceCustomer extends LegalParty {
  readonly code: string;
  readonly name: string;
  /** Percent as decimal text (`"21"`, `"8.875"`); null: no tax. */
  readonly taxRate: string | null;
  readonly currency: string;
  readonly country: string | null;
}

/** The account that issues the invoice. */
export interface InvoiceSeller extends LegalParty {
  readonly id: string;
  readonly name: string;
}

export interface Invoice {
  readonly id: string;
  readonly accountId: string;
  readonly customer: InvoiceCustomer;
  readonly seller: InvoiceSeller;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly currency: string;
  readonly status: InvoiceStatus;
  readonly lines: readonly InvoiceLine[];
  readonly subtotal: Decimal;
  /** Percent; null when the customer has no tax rate. */
  readonly taxRate: Decimal | null;
  readonly tax: Decimal;
  readonly total: Decimal;
  readonly approvedAt: string | null;
  /** The legal number (`<prefix>-<year>-<sequence>`), given on approval; null on a draft. */
  readonly number: string | null;
  /** The day of approval (UTC) and the day payment is due; null on a draft. */
  readonly issueDate: string | null;
  readonly dueDate: string | null;
  /** When an approved invoice was voided (its credit note issued); null otherwise. */
  readonly voidedAt: string | null;
  /** The approved invoice this credit note corrects; null for an invoice. */
  readonly creditOf: string | null;
  /** Why a credit note was issued; null for an invoice. */
  readonly reason: string | null;
}

/** What an invoice is built from: who, which period and currency, and its lines (the totals follow). */
export interface InvoiceInput extends Pick<Invoice, 'id' | 'accountId' | 'customer' | 'seller' | 'periodStart' | 'periodEnd' | 'currency'> {
  /** Usage lines (lines.ts), already rounded. */
  readonly lines: readonly InvoiceLine[];
  /** Subscription fee lines (recurring.ts `subscriptionLines`); shown before the usage lines. */
  readonly subscriptionLines?: readonly InvoiceLine[];
  readonly creditOf?: string | null;
}

const HUNDRED = new D(100);
const ZERO = new D(0);
const MAX_REASON = 1000;

/** A tax rate in percent, 0 to 100. */
export function parseTaxRate(taxRate: string | null, field = 'customer.taxRate'): Decimal | null {
  if (taxRate === null) return null;
  let rate: Decimal;
  try {
    rate = parseDecimal(taxRate, field);
  } catch (error) {
    if (error instanceof InvalidDecimalError) throw new ValidationError('invalid invoice', [error.message]);
    throw error;
  }
  if (rate.lt(0) || rate.gt(HUNDRED)) throw new ValidationError('invalid invoice', [`${field}: must be a percentage from 0 to 100`]);
  return rate;
}

/** Tax on a subtotal: subtotal × rate %, rounded half-up (away from zero, so a credit mirrors its charge) once. */
export function taxOf(subtotal: Decimal, taxRate: Decimal | null, currency: string): Decimal {
  if (taxRate === null) return ZERO;
  return zeroless(roundMoney(subtotal.times(taxRate).div(HUNDRED), currency));
}

const zeroless = (d: Decimal): Decimal => (d.isZero() ? ZERO : d);

function checkLines(lines: readonly InvoiceLine[], currency: string, details: string[]): void {
  const digits = minorUnits(currency);
  lines.forEach((line, i) => {
    for (const field of ['quantity', 'unitPrice', 'amount'] as const) {
      if (!inDecimalRange(line[field])) details.push(`lines.${i}.${field}: ${outOfRangeReason(line[field])}`);
    }
    if (inDecimalRange(line.amount) && line.amount.decimalPlaces() > digits) {
      details.push(`lines.${i}.amount: must be rounded to ${digits} decimals for ${currency} (got ${toWire(line.amount)})`);
    }
  });
}

/** Sums of lines within bounds can still leave them (many lines near 10^29): such an invoice is not built. */
function checkTotals(sums: { subtotal: Decimal; tax: Decimal; total: Decimal }, details: string[]): void {
  for (const field of ['subtotal', 'tax', 'total'] as const) {
    if (!inDecimalRange(sums[field])) details.push(`${field}: ${outOfRangeReason(sums[field])}`);
  }
}

function totals(lines: readonly InvoiceLine[], taxRate: Decimal | null, currency: string) {
  const subtotal = zeroless(lines.reduce((sum, line) => sum.plus(line.amount), ZERO));
  const tax = taxOf(subtotal, taxRate, currency);
  return { subtotal, tax, total: zeroless(subtotal.plus(tax)) };
}

/**
 * A draft invoice. Throws ValidationError naming each bad field: ids, period (periods.ts rules),
 * currency, tax rate, a line amount with more decimals than the currency has (lines must be rounded
 * before they reach an invoice: rounding here would hide a bug upstream).
 */
export function buildInvoice(input: InvoiceInput): Invoice {
  const details: string[] = [];
  for (const field of ['id', 'accountId'] as const) {
    if (typeof input[field] !== 'string' || input[field].length === 0) details.push(`${field}: required`);
  }
  if (!input.customer?.code) details.push('customer.code: required');
  if (!input.seller?.id) details.push('seller.id: required');
  if (!isCurrency(input.currency)) details.push('currency: must be an ISO 4217 code such as EUR');
  try {
    parseBillingPeriod({ periodStart: input.periodStart, periodEnd: input.periodEnd });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    details.push(...error.details);
  }
  let taxRate: Decimal | null = null;
  try {
    taxRate = parseTaxRate(input.customer?.taxRate ?? null);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    details.push(...error.details);
  }
  const lines = [...(input.subscriptionLines ?? []), ...input.lines];
  if (isCurrency(input.currency)) checkLines(lines, input.currency, details);
  if (details.length > 0) throw new ValidationError('invalid invoice', details);
  const sums = totals(lines, taxRate, input.currency);
  checkTotals(sums, details);
  if (details.length > 0) throw new ValidationError('invalid invoice', details);

  return {
    id: input.id,
    accountId: input.accountId,
    customer: { ...input.customer },
    seller: { ...input.seller },
    periodStart: input.periodStart,
    periodEnd: input.periodEnd,
    currency: input.currency,
    status: 'draft',
    lines,
    ...sums,
    taxRate,
    approvedAt: null,
    number: null,
    issueDate: null,
    dueDate: null,
    voidedAt: null,
    creditOf: input.creditOf ?? null,
    reason: null,
  };
}

// ------------------------------------------------------------------------------------- legal numbers

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

/** What approval adds: the number, the dates, and the parties' legal data as they are at approval. */
export interface Approval {
  readonly at: string;
  readonly number: string;
  readonly issueDate: string;
  readonly dueDate: string;
  readonly seller?: LegalParty;
  readonly customer?: LegalParty;
}

/**
 * Freezes an invoice with its number and dates (a bare time: no number, as in tests of documents). Throws
 * ConflictError `invoice_approved` (409) when it is not a draft.
 */
export function approve(invoice: Invoice, approval: Approval | string): Invoice {
  if (invoice.status !== 'draft') {
    throw new ConflictError('invoice_approved', `invoice ${invoice.id} is already approved`, [`approvedAt: ${invoice.approvedAt}`]);
  }
  if (typeof approval === 'string') approval = { at: approval, number: '', issueDate: '', dueDate: '' };
  const { at } = approval;
  if (typeof at !== 'string' || !isIsoDate(at)) throw new ValidationError('invalid approval', ['at: not an ISO date-time']);
  return {
    ...invoice,
    status: 'approved',
    approvedAt: at,
    number: approval.number || null,
    issueDate: approval.issueDate || null,
    dueDate: approval.dueDate || null,
    seller: { ...invoice.seller, ...legalOf(approval.seller) },
    customer: { ...invoice.customer, ...legalOf(approval.customer) },
  };
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

const legalOf = (party: LegalParty | undefined): LegalParty =>
  party ? { legalName: party.legalName ?? null, address: party.address ?? null, vatId: party.vatId ?? null } : {};

/**
 * An approved invoice voided (its full credit note issued). Throws ConflictError `invoice_not_approved`
 * for a draft, `invoice_voided` when it already is, `credit_note_not_voidable` for a credit note.
 */
export function voidInvoice(invoice: Invoice, at: string): Invoice {
  if (invoice.creditOf !== null) throw new ConflictError('credit_note_not_voidable', `${invoice.id} is a credit note and cannot be voided`);
  if (invoice.status === 'draft')
    throw new ConflictError('invoice_not_approved', `invoice ${invoice.id} is a draft: regenerate it instead of voiding it`);
  if (invoice.status === 'voided')
    throw new ConflictError('invoice_voided', `invoice ${invoice.id} is already voided`, [`voidedAt: ${invoice.voidedAt}`]);
  return { ...invoice, status: 'voided', voidedAt: at };
}

const negate = (d: Decimal): Decimal => (d.isZero() ? ZERO : d.neg());

/**
 * A draft credit note reversing an approved invoice in full: every line negated (quantity and
 * amount; the unit price stays), the invoice's frozen tax rate, `creditOf` = the invoice id. Because
 * rounding is symmetric, its subtotal, tax and total are exactly the invoice's, negated.
 * Throws ConflictError `invoice_not_approved` for a draft (rebuild it instead) and
 * `credit_note_of_credit_note` for a credit note; ValidationError for an empty id or reason.
 */
export function creditNote(invoice: Invoice, id: string, reason: string): Invoice {
  if (invoice.status === 'draft') {
    throw new ConflictError('invoice_not_approved', `invoice ${invoice.id} is a draft: regenerate it instead of crediting it`);
  }
  if (invoice.creditOf !== null) throw new ConflictError('credit_note_of_credit_note', `${invoice.id} is a credit note and cannot be credited`);
  const details: string[] = [];
  if (typeof id !== 'string' || id.length === 0) details.push('id: required');
  if (id === invoice.id) details.push('id: must differ from the credited invoice');
  if (typeof reason !== 'string' || reason.trim().length === 0) details.push('reason: required');
  else if (reason.length > MAX_REASON) details.push(`reason: must be at most ${MAX_REASON} characters`);
  if (details.length > 0) throw new ValidationError('invalid credit note', details);

  const lines = invoice.lines.map((line) => ({ ...line, quantity: negate(line.quantity), amount: negate(line.amount) }));
  return {
    ...invoice,
    id,
    status: 'draft',
    lines,
    ...totals(lines, invoice.taxRate, invoice.currency),
    approvedAt: null,
    number: null,
    issueDate: null,
    dueDate: null,
    voidedAt: null,
    creditOf: invoice.id,
    reason: reason.trim(),
  };
}

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
