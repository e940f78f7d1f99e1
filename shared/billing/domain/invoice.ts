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
} from '../../kernel/money';
import type { InvoiceLine } from './lines';
import { parseBillingPeriod } from '../../kernel/periods';

export { invoiceNumber, invoicePrefixOf, legalDates, reissuedInvoiceId, SEQUENCE_DIGITS } from './invoice-numbers';

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

/** Subtotal, tax and total of rounded lines (what a stored record is checked against, too). */
export function totals(lines: readonly InvoiceLine[], taxRate: Decimal | null, currency: string) {
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

// ------------------------------------------------------------------------------------- approval

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
