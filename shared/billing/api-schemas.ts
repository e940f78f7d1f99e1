import { z } from 'zod';
import { calendarDate, decimal, identifier } from '../kernel/fields';
import type { InvoiceStatus } from './domain/invoice';
import { exportSchema, scheduleSchema } from './domain/requests';
import type { InvoiceKind } from './ports';

/** What billing's operations take and answer on the wire, as zod schemas (for the OpenAPI document). */

/** `{periodStart, periodEnd}`, checked by `parseBillingPeriod`. */
export const billingPeriod = z
  .strictObject({ periodStart: calendarDate, periodEnd: calendarDate.meta({ description: 'exclusive' }) })
  .meta({ id: 'BillingPeriod', description: 'whole UTC days, the end exclusive, at most one year' });

const money = decimal.meta({ description: "an amount with the currency's minor-unit digits" });
const CYCLE_STATUSES = ['running', 'completed', 'failed'] as const;
const count = z.int().min(0);

const currencyTotals = z.object({ invoices: count, subtotal: money, tax: money, total: money }).partial();

const cycleReport = z
  .object({
    customersInvoiced: count,
    invoices: count,
    totals: z.record(z.string(), currencyTotals).meta({ description: 'per currency' }),
    held: z.object({ count, customers: z.array(z.string()).meta({ description: 'the first 100' }) }).partial(),
    unmapped: z.object({ 'unknown-customer': count, 'unknown-product': count }).partial(),
    notInvoiced: z.object({ 'future-date': count, 'no-price-rule': count, 'on-hold': count }).partial(),
    errors: z
      .object({ count, items: z.array(z.object({ customer: z.string().nullable(), code: z.string(), message: z.string() }).partial()) })
      .partial(),
    consolidated: z
      .object({ count, customers: z.array(z.object({ customer: z.string(), invoicedTo: z.string() })).meta({ description: 'the first 100' }) })
      .partial()
      .meta({ description: "linked customers whose charges went on a parent's invoice; absent when none" }),
  })
  .partial()
  .meta({ id: 'CycleReport' });

export const billingCycle = z
  .object({
    id: identifier,
    periodStart: calendarDate,
    periodEnd: calendarDate,
    status: z.enum(CYCLE_STATUSES),
    run: z.int().min(1).meta({ description: '1, plus one per regeneration' }),
    startedAt: z.string(),
    completedAt: z.string().nullable(),
    progress: z.object({ collectors: count, collected: count, partitions: count, invoiced: count }).partial().nullable(),
    report: cycleReport,
  })
  .partial()
  .meta({ id: 'BillingCycle', description: 'a billing cycle with its report (empty while it runs, with its progress)' });

export const cycleStarted = z.object({ id: identifier, status: z.enum(CYCLE_STATUSES) }).partial();
export const cycleRegenerating = z.object({ id: identifier, status: z.literal('running'), run: z.int() }).partial();

const invoiceLine = z
  .object({
    description: z.string(),
    productCluster: z.string(),
    quantity: decimal,
    unitPrice: decimal,
    amount: money,
    group: z.string().nullable(),
    kind: z.enum(['recurring', 'one-off', 'usage', 'minimum', 'credit']).meta({ description: 'lines of a subscription only' }),
    subscription: z.string().meta({ description: 'lines of a subscription only' }),
    charge: z.string().meta({ description: "the offer's charge id; lines of a subscription only" }),
    servicePeriod: z
      .object({ start: calendarDate, end: calendarDate })
      .meta({ description: 'the days the line is for, end exclusive; lines of a subscription only' }),
    customer: z.string().meta({ description: "on a parent's consolidated invoice: the linked customer whose charge the line is" }),
  })
  .partial();

export const invoice = z
  .object({
    id: identifier,
    customer: z.string(),
    periodStart: calendarDate,
    periodEnd: calendarDate,
    currency: z.string(),
    status: z.enum(['draft', 'approved', 'voided']),
    number: z
      .string()
      .nullable()
      .meta({ description: 'the legal number `<prefix>-<year>-<sequence>` (gap-free per account and year), given on approval; null on a draft' }),
    issueDate: calendarDate.nullable().meta({ description: 'the day of approval (UTC); null on a draft' }),
    dueDate: calendarDate.nullable().meta({ description: "issueDate + the customer's paymentTermsDays (30); null on a draft" }),
    voidedAt: z.string().nullable().meta({ description: 'when the invoice was voided (POST /invoices/{id}/void)' }),
    lines: z.array(invoiceLine),
    subtotal: money,
    taxRate: decimal.nullable(),
    tax: money,
    total: money.meta({ description: 'exactly subtotal (the sum of the rounded lines) + tax (rounded once)' }),
    approvedAt: z.string().nullable(),
    creditOf: z.string().nullable().meta({ description: 'on a credit note: the invoice it credits' }),
    reason: z.string().nullable(),
    issuedBy: z.string(),
    cycle: z.string().nullable(),
    creditedBy: z.string().nullable(),
  })
  .partial()
  .meta({ id: 'Invoice', description: 'an invoice or a credit note' });

const INVOICE_STATUSES = ['draft', 'approved', 'voided'] as const satisfies readonly InvoiceStatus[];
const INVOICE_KINDS = ['invoice', 'credit-note'] as const satisfies readonly InvoiceKind[];

/** `GET /invoices`: every filter given applies. */
export const invoiceListQuery = z.object({
  customer: identifier.optional(),
  periodStart: calendarDate.optional(),
  status: z.enum(INVOICE_STATUSES, { error: `must be one of ${INVOICE_STATUSES.join(', ')}` }).optional(),
  kind: z.enum(INVOICE_KINDS, { error: `must be one of ${INVOICE_KINDS.join(', ')}` }).optional(),
});

export const troubleshooting = z
  .object({
    cycle: z.object({}).loose(),
    customer: z.object({}).loose().nullable(),
    summary: z
      .object({
        purchases: count,
        byStatus: z.record(z.string(), count),
        byReason: z.record(z.string(), count),
        listed: count,
        truncated: z.boolean(),
      })
      .partial(),
    purchases: z.array(z.object({}).loose().meta({ description: 'GET /purchases/{reference} plus inPeriod {quantity, amount}' })),
    invoices: z.array(invoice),
    billingPeriod: z
      .object({ start: calendarDate, end: calendarDate })
      .nullable()
      .meta({ description: "the customer's billing period ending on the cycle's end; null: the cycle does not invoice it" }),
    subscriptions: z.array(
      z
        .object({})
        .loose()
        .meta({ description: 'id, offers, status, chargedThrough and timeline (segments from, to, offer, quantity, paused, trial)' }),
    ),
    subscriptionLines: z.array(
      z.object({}).loose().meta({
        description: 'each subscription line of the period: invoice, kind, subscription, charge, servicePeriod, chargePeriod, amounts and why',
      }),
    ),
  })
  .partial();

export const creditNoteRequest = z
  .strictObject({ reason: z.string({ error: (i) => (i.input === undefined ? 'required' : 'must be a string') }) })
  .meta({ id: 'CreditNoteInput' });

export const scheduleInput = scheduleSchema.meta({ id: 'BillingScheduleInput' });
export const schedule = z
  .object({ dayOfMonth: z.union([z.int().min(1).max(28), z.literal('customers')]), updatedAt: z.string() })
  .partial()
  .meta({ id: 'BillingSchedule' });

/** The export request; its period is checked by `parseBillingPeriod`. */
export const exportInput = exportSchema.extend(billingPeriod.shape).meta({ id: 'ExportInput' });
export const exportRecord = z
  .object({
    id: identifier,
    kind: z.enum(['invoices', 'lines']),
    format: z.enum(['csv', 'jsonl']),
    periodStart: calendarDate,
    periodEnd: calendarDate,
    status: z.enum(CYCLE_STATUSES),
    rows: count.nullable(),
    key: z.string().meta({ description: 'object key in the data bucket' }),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
    error: z.string().nullable(),
  })
  .partial()
  .meta({ id: 'Export' });

export const text = z.string();
export const binary = z.string().meta({ format: 'binary' });
