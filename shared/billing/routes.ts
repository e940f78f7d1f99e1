import { z } from 'zod';
import { pageOf, routeTable } from '../edge/routes';
import {
  billingCycle,
  billingPeriod,
  binary,
  creditNoteRequest,
  cycleRegenerating,
  cycleStarted,
  exportInput,
  exportRecord,
  invoice,
  invoiceListQuery,
  schedule,
  scheduleInput,
  text,
  troubleshooting,
} from './api-schemas';

/** Billing operations: cycles, invoices and their documents, credit notes, the billing schedule and exports. */

const base = '/v1/accounts/{a}';

export const billingRoutes = routeTable({
  startBillingCycle: {
    method: 'POST',
    path: `${base}/billing-cycles`,
    summary: 'Start the billing cycle of a period',
    description:
      'One cycle per account and period: the same period again, concurrently or after it finished, answers the same cycle id with its current status and starts nothing.',
    auth: 'account-write',
    body: billingPeriod,
    responses: { 202: { description: 'the cycle, running or already done', schema: cycleStarted } },
  },
  listBillingCycles: {
    method: 'GET',
    path: `${base}/billing-cycles`,
    summary: 'List billing cycles, latest period first',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of billing cycles', schema: pageOf(billingCycle) } },
  },
  getBillingCycle: {
    method: 'GET',
    path: `${base}/billing-cycles/{id}`,
    summary: 'A billing cycle with its report',
    auth: 'account-read',
    responses: { 200: { description: 'the cycle', schema: billingCycle } },
  },
  regenerateBillingCycle: {
    method: 'POST',
    path: `${base}/billing-cycles/{id}/regenerate`,
    summary: 'Rebuild the drafts of a finished cycle',
    description: 'From the current purchases and rules; approved invoices stay as they are, drafts with nothing left are removed.',
    auth: 'account-write',
    responses: { 202: { description: 'the new run of the cycle', schema: cycleRegenerating }, 409: { description: 'the cycle is still running' } },
  },
  troubleshootCustomer: {
    method: 'GET',
    path: `${base}/billing-cycles/{id}/customers/{code}`,
    summary: 'Troubleshooting: a customer in a cycle',
    description:
      "The customer's purchases of the cycle's period (its own and those routed to it, at most 5,000 listed) with their mapping, routing and " +
      'price-rule decisions and share of the period, and its invoices of the period with their lines.',
    auth: 'account-read',
    responses: { 200: { description: 'the customer’s purchases and invoices of the period', schema: troubleshooting } },
  },
  listInvoices: {
    method: 'GET',
    path: `${base}/invoices`,
    summary: 'List invoices and credit notes',
    description:
      'Of a paying customer (latest period first), of the periods starting on a day, or all of them; `status` and `kind` narrow any of these. ' +
      'A filtered page may hold fewer than `limit` items, even none, while `next` is set: follow `next` until it is null.',
    auth: 'account-read',
    page: true,
    query: invoiceListQuery,
    responses: { 200: { description: 'a page of invoices', schema: pageOf(invoice) } },
  },
  getInvoice: {
    method: 'GET',
    path: `${base}/invoices/{id}`,
    summary: 'An invoice or credit note',
    auth: 'account-read',
    responses: { 200: { description: 'the invoice', schema: invoice } },
  },
  approveInvoice: {
    method: 'POST',
    path: `${base}/invoices/{id}/approve`,
    summary: 'Approve a draft',
    description:
      'The invoice (or credit note) is frozen (corrections are credit notes), gets its legal `number` (`<prefix>-<year>-<sequence>`, gap-free per account and year, also under concurrent approvals), `issueDate` and `dueDate`, and its purchases become `completed`.',
    auth: 'account-write',
    responses: {
      200: { description: 'the approved invoice', schema: invoice },
      409: { description: '`invoice_approved` or `invoice_voided`: the invoice is not a draft (it keeps its one number)' },
    },
  },
  voidInvoice: {
    method: 'POST',
    path: `${base}/invoices/{id}/void`,
    summary: 'Void an approved invoice',
    description:
      "The invoice becomes `voided`, its full credit note is issued (approved, with its own number; the invoice's existing credit note if it has one) and its purchases go back to `rated` on no invoice, so the next cycle or regeneration bills them again. Repeatable: voiding a voided invoice answers 200 with the same invoice and credit note (`creditedBy`).",
    auth: 'account-write',
    responses: {
      200: { description: 'the voided invoice', schema: invoice },
      409: { description: '`invoice_not_approved` (a draft: regenerate it) or `credit_note_not_voidable`' },
    },
  },
  getInvoiceDocument: {
    method: 'GET',
    path: `${base}/invoices/{id}/document`,
    summary: 'The PDF or the itemised CSV of an invoice',
    description: 'The CSV has one row per purchase, full-precision amounts and meta.<key> columns.',
    auth: 'account-read',
    query: z.object({ format: z.enum(['pdf', 'csv'], { error: 'must be pdf or csv' }) }),
    responses: {
      200: { description: 'the document', content: { 'application/pdf': binary, 'text/csv': text } },
      413: { description: 'the document is too large to answer' },
    },
  },
  createCreditNote: {
    method: 'POST',
    path: `${base}/invoices/{id}/credit-notes`,
    summary: 'Credit an approved invoice in full',
    description: "A draft credit note (negated lines, the invoice's frozen tax rate) with its own documents; one per invoice.",
    auth: 'account-write',
    body: creditNoteRequest,
    responses: { 201: { description: 'the credit note', schema: invoice }, 409: { description: 'the invoice is not approved, or already credited' } },
  },
  putBillingSchedule: {
    method: 'PUT',
    path: `${base}/billing-schedule`,
    summary: 'Bill the account monthly on this day (UTC)',
    description: 'A daily run starts the cycle of the month that ended that day.',
    auth: 'account-write',
    body: scheduleInput,
    responses: { 200: { description: 'the schedule, replaced', schema: schedule }, 201: { description: 'the schedule, created', schema: schedule } },
  },
  getBillingSchedule: {
    method: 'GET',
    path: `${base}/billing-schedule`,
    summary: "The account's billing schedule",
    description: '404 when it has none.',
    auth: 'account-read',
    responses: { 200: { description: 'the schedule', schema: schedule } },
  },
  deleteBillingSchedule: {
    method: 'DELETE',
    path: `${base}/billing-schedule`,
    summary: 'Stop scheduled billing',
    description: 'Cycles can still be started by API.',
    auth: 'account-write',
    responses: { 204: { description: 'deleted' } },
  },
  createExport: {
    method: 'POST',
    path: `${base}/exports`,
    summary: 'Export invoices or their lines',
    description:
      'The invoices and credit notes of the periods starting in [periodStart, periodEnd), or their lines, as CSV or JSON Lines, to ' +
      'exports/<account>/<id>.<ext> in the data bucket. Written asynchronously: status `running` until done.',
    auth: 'account-write',
    body: exportInput,
    responses: { 201: { description: 'the export, running', schema: exportRecord } },
  },
  getExport: {
    method: 'GET',
    path: `${base}/exports/{id}`,
    summary: 'Download a completed export',
    description: '202 with the export while it is written; 409 `export_failed`.',
    auth: 'account-read',
    responses: {
      200: { description: 'the file', content: { 'text/csv': text, 'application/x-ndjson': text } },
      202: { description: 'the export, still being written', schema: exportRecord },
      409: { description: 'the export failed' },
      413: { description: 'the file is too large to answer' },
    },
  },
});
