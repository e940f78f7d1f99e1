/**
 * OpenAPI paths and schemas of billing (PRODUCT.md §7): API.md's cycles and invoices, and what this
 * service adds in the same style (regeneration, credit notes, the billing schedule, exports).
 * Spread into the document of shared/edge/openapi/document.ts.
 */

import { account, day as date, decimal, error, errors, json, listOf, pageParams, pathParam as id, ref } from './common';

const nullableDecimal = { ...decimal, type: ['string', 'null'] };
const period = { type: 'object', required: ['periodStart', 'periodEnd'], properties: { periodStart: date, periodEnd: date } };

export const billingPaths = {
  '/v1/accounts/{a}/billing-cycles': {
    post: {
      summary:
        'Start the billing cycle of a period (end exclusive, at most one year). One cycle per account and period: ' +
        'the same period again, concurrently or after it finished, answers the same cycle id with its current status and starts nothing.',
      parameters: [account],
      requestBody: json(period),
      responses: { '202': json({ type: 'object', properties: { id: { type: 'string' }, status: { enum: ['running', 'completed', 'failed'] } } }), ...errors },
    },
    get: { summary: 'List billing cycles, latest period first', parameters: [account, ...pageParams], responses: { '200': listOf('BillingCycle'), ...errors } },
  },
  '/v1/accounts/{a}/billing-cycles/{id}': {
    get: { summary: 'A billing cycle with its report (an empty report while it runs, with its progress)', parameters: [account, id()], responses: { '200': json(ref('BillingCycle')), ...errors } },
  },
  '/v1/accounts/{a}/billing-cycles/{id}/regenerate': {
    post: {
      summary: 'Rebuild the drafts of a finished cycle from the current purchases and rules; approved invoices stay as they are, drafts with nothing left are removed',
      parameters: [account, id()],
      responses: { '202': json({ type: 'object', properties: { id: { type: 'string' }, status: { const: 'running' }, run: { type: 'integer' } } }), '409': error, ...errors },
    },
  },
  '/v1/accounts/{a}/billing-cycles/{id}/customers/{code}': {
    get: {
      summary:
        "Troubleshooting: the customer's purchases of the cycle's period (its own and those routed to it, at most 5,000 listed) with their mapping, " +
        'routing and price-rule decisions and share of the period, and its invoices of the period with their lines',
      parameters: [account, id(), id('code')],
      responses: {
        '200': json({
          type: 'object',
          properties: {
            cycle: { type: 'object' },
            customer: { type: ['object', 'null'] },
            summary: { type: 'object', properties: { purchases: { type: 'integer' }, byStatus: { type: 'object' }, byReason: { type: 'object' }, listed: { type: 'integer' }, truncated: { type: 'boolean' } } },
            purchases: { type: 'array', items: { type: 'object', description: 'GET /purchases/{reference} plus inPeriod {quantity, amount}' } },
            invoices: { type: 'array', items: ref('Invoice') },
          },
        }),
        ...errors,
      },
    },
  },
  '/v1/accounts/{a}/invoices': {
    get: {
      summary: 'List invoices and credit notes: of a paying customer (latest period first), of the periods starting on a day, or all of them',
      parameters: [account, { name: 'customer', in: 'query', schema: { type: 'string' } }, { name: 'periodStart', in: 'query', schema: date }, ...pageParams],
      responses: { '200': listOf('Invoice'), ...errors },
    },
  },
  '/v1/accounts/{a}/invoices/{id}': {
    get: { summary: 'An invoice or credit note', parameters: [account, id()], responses: { '200': json(ref('Invoice')), ...errors } },
  },
  '/v1/accounts/{a}/invoices/{id}/approve': {
    post: {
      summary: 'Approve a draft: the invoice is frozen (corrections are credit notes) and its purchases become `completed`',
      parameters: [account, id()],
      responses: { '200': json(ref('Invoice')), '409': error, ...errors },
    },
  },
  '/v1/accounts/{a}/invoices/{id}/document': {
    get: {
      summary: 'The PDF, or the itemised CSV (one row per purchase, full-precision amounts, meta.<key> columns)',
      parameters: [account, id(), { name: 'format', in: 'query', required: true, schema: { enum: ['pdf', 'csv'] } }],
      responses: {
        '200': { description: 'the document', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } }, 'text/csv': { schema: { type: 'string' } } } },
        '413': error,
        ...errors,
      },
    },
  },
  '/v1/accounts/{a}/invoices/{id}/credit-notes': {
    post: {
      summary: 'Credit an approved invoice in full: a draft credit note (negated lines, the invoice\'s frozen tax rate) with its own documents; one per invoice',
      parameters: [account, id()],
      requestBody: json({ type: 'object', required: ['reason'], properties: { reason: { type: 'string', maxLength: 1000 } } }),
      responses: { '201': json(ref('Invoice')), '409': error, ...errors },
    },
  },
  '/v1/accounts/{a}/billing-schedule': {
    put: {
      summary: "Bill the account monthly on this day (UTC): a daily run starts the cycle of the month that ended that day (201 created, 200 replaced)",
      parameters: [account],
      requestBody: json(ref('BillingScheduleInput')),
      responses: { '200': json(ref('BillingSchedule')), '201': json(ref('BillingSchedule')), ...errors },
    },
    get: { summary: "The account's billing schedule (404 when it has none)", parameters: [account], responses: { '200': json(ref('BillingSchedule')), ...errors } },
    delete: { summary: 'Stop scheduled billing (cycles can still be started by API)', parameters: [account], responses: { '204': { description: 'deleted' }, ...errors } },
  },
  '/v1/accounts/{a}/exports': {
    post: {
      summary:
        'Export the invoices and credit notes of the periods starting in [periodStart, periodEnd), or their lines, as CSV or JSON Lines, ' +
        'to exports/<account>/<id>.<ext> in the data bucket. Written asynchronously: status `running` until done.',
      parameters: [account],
      requestBody: json({
        type: 'object',
        required: ['kind', 'format', 'periodStart', 'periodEnd'],
        properties: { kind: { enum: ['invoices', 'lines'] }, format: { enum: ['csv', 'jsonl'] }, periodStart: date, periodEnd: date },
      }),
      responses: { '201': json(ref('Export')), ...errors },
    },
  },
  '/v1/accounts/{a}/exports/{id}': {
    get: {
      summary: 'Download a completed export; 202 with the export while it is written; 409 export_failed',
      parameters: [account, id()],
      responses: {
        '200': { description: 'the file', content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } } },
        '202': json(ref('Export')),
        '409': error,
        '413': error,
        ...errors,
      },
    },
  },
} as const;

const money = { ...decimal, description: "amount with the currency's minor-unit digits" };
const currencyTotals = { type: 'object', properties: { invoices: { type: 'integer' }, subtotal: money, tax: money, total: money } };

export const billingSchemas = {
  BillingCycle: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      periodStart: date,
      periodEnd: date,
      status: { enum: ['running', 'completed', 'failed'] },
      run: { type: 'integer', description: '1, plus one per regeneration' },
      startedAt: { type: 'string' },
      completedAt: { type: ['string', 'null'] },
      progress: { type: ['object', 'null'], properties: { collectors: { type: 'integer' }, collected: { type: 'integer' }, partitions: { type: 'integer' }, invoiced: { type: 'integer' } } },
      report: ref('CycleReport'),
    },
  },
  CycleReport: {
    type: 'object',
    properties: {
      customersInvoiced: { type: 'integer' },
      invoices: { type: 'integer' },
      totals: { type: 'object', additionalProperties: currencyTotals, description: 'per currency' },
      held: { type: 'object', properties: { count: { type: 'integer' }, customers: { type: 'array', items: { type: 'string' }, description: 'the first 100' } } },
      unmapped: { type: 'object', properties: { 'unknown-customer': { type: 'integer' }, 'unknown-product': { type: 'integer' } } },
      notInvoiced: { type: 'object', properties: { 'future-date': { type: 'integer' }, 'no-price-rule': { type: 'integer' }, 'on-hold': { type: 'integer' } } },
      errors: {
        type: 'object',
        properties: {
          count: { type: 'integer' },
          items: { type: 'array', items: { type: 'object', properties: { customer: { type: ['string', 'null'] }, code: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  },
  Invoice: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      customer: { type: 'string' },
      periodStart: date,
      periodEnd: date,
      currency: { type: 'string' },
      status: { enum: ['draft', 'approved'] },
      lines: {
        type: 'array',
        items: {
          type: 'object',
          properties: { description: { type: 'string' }, productCluster: { type: 'string' }, quantity: decimal, unitPrice: decimal, amount: money, group: { type: ['string', 'null'] } },
        },
      },
      subtotal: money,
      taxRate: nullableDecimal,
      tax: money,
      total: { ...money, description: 'exactly subtotal (the sum of the rounded lines) + tax (rounded once)' },
      approvedAt: { type: ['string', 'null'] },
      creditOf: { type: ['string', 'null'], description: 'on a credit note: the invoice it credits' },
      reason: { type: ['string', 'null'] },
      issuedBy: { type: 'string' },
      cycle: { type: ['string', 'null'] },
      creditedBy: { type: ['string', 'null'] },
    },
  },
  BillingScheduleInput: { type: 'object', required: ['dayOfMonth'], properties: { dayOfMonth: { type: 'integer', minimum: 1, maximum: 28 } } },
  BillingSchedule: { type: 'object', properties: { dayOfMonth: { type: 'integer', minimum: 1, maximum: 28 }, updatedAt: { type: 'string' } } },
  Export: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      kind: { enum: ['invoices', 'lines'] },
      format: { enum: ['csv', 'jsonl'] },
      periodStart: date,
      periodEnd: date,
      status: { enum: ['running', 'completed', 'failed'] },
      rows: { type: ['integer', 'null'] },
      key: { type: 'string', description: 'object key in the data bucket' },
      createdAt: { type: 'string' },
      completedAt: { type: ['string', 'null'] },
      error: { type: ['string', 'null'] },
    },
  },
} as const;
