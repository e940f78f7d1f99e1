import { z } from 'zod';
import { pageOf, routeTable } from '../edge/routes';
import {
  batch,
  batchErrorRow,
  batchRow,
  csv,
  exchangeRate,
  exchangeRateInput,
  exchangeRatePair,
  inboundBatch,
  lookupTable,
  lookupTableInput,
  lookupTableSummary,
  priceRulesApplied,
  runRequest,
  runStarted,
  stream,
  streamInput,
  streamUpload,
} from './api-schemas';

/** Streams operations: streams, their runs and batches, publishing, inbound batches; exchange rates and lookup tables. */

const base = '/v1/accounts/{a}';
const saved = (schema: z.ZodType, what: string) => ({
  200: { description: `the ${what}, replaced`, schema },
  201: { description: `the ${what}, created`, schema },
});
const conflict = (description: string) => ({ 409: { description } });

export const streamRoutes = routeTable({
  putStream: {
    method: 'PUT',
    path: `${base}/streams/{id}`,
    summary: 'Create or replace a stream',
    description:
      'Every stage is checked when the stream is saved: its shape, its formulas, its lookup tables (they must exist) and, for a purchase-sourced ' +
      'stream, the columns it reads; errors name the stage (`stages.2.expression: …`).',
    auth: 'account-write',
    body: streamInput,
    responses: saved(stream, 'stream'),
  },
  getStream: {
    method: 'GET',
    path: `${base}/streams/{id}`,
    summary: 'A stream as it was saved',
    auth: 'account-read',
    responses: { 200: { description: 'the stream', schema: stream } },
  },
  listStreams: {
    method: 'GET',
    path: `${base}/streams`,
    summary: 'List streams',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of streams', schema: pageOf(stream) } },
  },
  uploadStreamCsv: {
    method: 'PUT',
    path: `${base}/streams/{id}/upload`,
    summary: 'Store the CSV an upload stream runs on',
    description:
      'Replaces the previous upload. The header names the columns, each optionally typed `name:string|decimal|boolean|date`; known columns ' +
      '(quantity, amount …) default to their type, others to string.',
    auth: 'account-write',
    body: csv,
    bodyType: 'text/csv',
    responses: {
      200: { description: 'the upload', schema: streamUpload },
      ...conflict('`not_an_upload_stream`: the stream has another source'),
      413: { description: 'the CSV is larger than 6 MB' },
    },
  },
  startStreamRun: {
    method: 'POST',
    path: `${base}/streams/{id}/runs`,
    summary: 'Run the stream for a period',
    description:
      'End exclusive, at most one year: queues the run and answers its batch id; the batch is `running` until it is a `draft` (or `failed`). ' +
      'A computed stream runs on the latest batch its upstream shared for exactly that period (409 `no_inbound_batch` when there is none); ' +
      'an upload stream needs an upload first (409 `no_upload`).',
    auth: 'account-write',
    body: runRequest,
    responses: { 202: { description: 'the batch of the run', schema: runStarted }, ...conflict('`no_inbound_batch` or `no_upload`') },
  },
  listStreamBatches: {
    method: 'GET',
    path: `${base}/streams/{id}/batches`,
    summary: "The stream's batches, newest first",
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of batches', schema: pageOf(batch) } },
  },
  getBatch: {
    method: 'GET',
    path: `${base}/batches/{id}`,
    summary: 'A batch: its status, counts, totals per currency and columns',
    auth: 'account-read',
    responses: { 200: { description: 'the batch', schema: batch } },
  },
  getBatchRows: {
    method: 'GET',
    path: `${base}/batches/{id}/rows`,
    summary: 'The rows of a draft or published batch',
    description:
      '`format=csv`: the whole rows file with its typed header (409 `too_large` above 5 MB: page through it as JSON). `format=json` (default): ' +
      'one page of rows, each an object with exactly the batch columns, decimals as strings (`limit` and `cursor` apply to JSON only).',
    auth: 'account-read',
    page: true,
    query: z.object({ format: z.enum(['csv', 'json'], { error: 'must be csv or json' }).default('json') }),
    responses: {
      200: { description: 'the rows', schema: pageOf(batchRow), content: { 'text/csv': csv } },
      ...conflict('`batch_running`, `batch_failed`, or `too_large` for CSV'),
    },
  },
  getBatchErrors: {
    method: 'GET',
    path: `${base}/batches/{id}/errors`,
    summary: 'The rows a stage could not process, and the input lines that are not rows',
    description:
      'In the order the run met them. A stage error row is `{stage, type, reason, row}`: the stage (index in `stages` and type), why, and the ' +
      'row as that stage received it. A line of the uploaded or shared CSV that is not a row (another number of fields than the header, a ' +
      'value not of its column\'s type) is `{stage: null, type: "input", reason, fields}` with the line\'s raw fields.',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of error rows', schema: pageOf(batchErrorRow) }, ...conflict('the batch is still running') },
  },
  publishBatch: {
    method: 'POST',
    path: `${base}/batches/{id}/publish`,
    summary: 'Publish a draft batch',
    description:
      'Each row whose customerCode is a customer with a partnerAccount is shared with that account (an inbound batch there), and that ' +
      "account's computed streams on this stream run on it.",
    auth: 'account-write',
    responses: { 200: { description: 'the published batch', schema: batch }, ...conflict('`batch_not_draft`') },
  },
  applyBatch: {
    method: 'POST',
    path: `${base}/batches/{id}/apply`,
    summary: 'Save the rows of a pricing batch as price rules',
    description:
      'Each row of a finished pricing batch becomes a standard price rule of this account. Columns: productCluster and unitPrice (required), ' +
      'customerCluster, currency (default: the stream currency), validFrom (default: the period start), validTo, priceRule (the rule id; ' +
      'default `<stream>-<productCluster>[-<customerCluster>]`). The rows are checked first: a bad row refuses the batch (400 naming ' +
      '`rows.<i>.<field>`) before any rule is saved. At most 1000 rows.',
    auth: 'account-write',
    responses: {
      200: { description: 'the rules saved', schema: priceRulesApplied },
      ...conflict('`not_a_pricing_batch`, or the batch is not finished'),
    },
  },
  listInboundBatches: {
    method: 'GET',
    path: `${base}/inbound-batches`,
    summary: 'Batches partners shared with this account',
    description: 'The rows of one upstream batch each, oldest first (by the upstream batch).',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of inbound batches', schema: pageOf(inboundBatch) } },
  },
  getInboundBatch: {
    method: 'GET',
    path: `${base}/inbound-batches/{id}`,
    summary: 'One batch a partner shared with this account',
    description: 'As an item of GET /inbound-batches; 404 for an id this account did not receive.',
    auth: 'account-read',
    responses: { 200: { description: 'the inbound batch', schema: inboundBatch } },
  },
  applyInboundBatch: {
    method: 'POST',
    path: `${base}/inbound-batches/{id}/apply`,
    summary: 'Save the rows of a shared pricing batch as price rules',
    description: 'As received, with the columns and defaults of POST /batches/{id}/apply; the default rule id uses the upstream stream id.',
    auth: 'account-write',
    responses: { 200: { description: 'the rules saved', schema: priceRulesApplied }, ...conflict('`not_a_pricing_batch`') },
  },
  getInboundBatchRows: {
    method: 'GET',
    path: `${base}/inbound-batches/{id}/rows`,
    summary: 'The rows of an inbound batch',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of the rows shared with this account', schema: pageOf(batchRow) } },
  },
});

export const tableRoutes = routeTable({
  putExchangeRate: {
    method: 'PUT',
    path: `${base}/exchange-rates/{pair}`,
    summary: 'Create or replace the rate of a pair from validFrom on',
    description:
      'A pair has one entry per validFrom (the same instant given as a date or a date-time is the same entry); a convert-currency stage uses ' +
      'the latest entry valid at the row date.',
    auth: 'account-write',
    params: z.object({
      pair: z
        .string()
        .regex(/^[A-Z]{3}-[A-Z]{3}$/)
        .meta({ description: '`<FROM>-<TO>`, e.g. EUR-USD' }),
    }),
    body: exchangeRateInput,
    responses: saved(exchangeRate, 'exchange rate'),
  },
  getExchangeRates: {
    method: 'GET',
    path: `${base}/exchange-rates/{pair}`,
    summary: "A pair's entries, oldest validFrom first",
    description: '404 when the pair has none.',
    auth: 'account-read',
    params: z.object({ pair: z.string().meta({ description: '`<FROM>-<TO>`, e.g. EUR-USD' }) }),
    responses: { 200: { description: 'the entries of the pair', schema: exchangeRatePair } },
  },
  listExchangeRates: {
    method: 'GET',
    path: `${base}/exchange-rates`,
    summary: 'List exchange rate entries',
    description: 'One item per pair and validFrom, by pair then validFrom.',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of exchange rates', schema: pageOf(exchangeRate) } },
  },
  putLookupTable: {
    method: 'PUT',
    path: `${base}/lookup-tables/{id}`,
    summary: 'Create or replace a lookup table',
    description: 'Up to 100,000 rows, every row with a unique, non-empty value in the key column. The reply is the summary; the rows are not echoed.',
    auth: 'account-write',
    body: lookupTableInput,
    responses: { ...saved(lookupTableSummary, 'lookup table'), 413: { description: 'the body is larger than 6 MB' } },
  },
  getLookupTable: {
    method: 'GET',
    path: `${base}/lookup-tables/{id}`,
    summary: 'A lookup table with its rows',
    auth: 'account-read',
    responses: { 200: { description: 'the lookup table', schema: lookupTable } },
  },
  listLookupTables: {
    method: 'GET',
    path: `${base}/lookup-tables`,
    summary: 'List lookup tables, without their rows, by id',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of lookup table summaries', schema: pageOf(lookupTableSummary) } },
  },
});
