/**
 * OpenAPI paths and schemas of streams and batches (PRODUCT.md §5; API.md "Streams and batches"): stream
 * definitions and their stages, uploads, runs, batches and their rows, publishing, inbound batches and
 * applying a pricing batch as price rules. Spread into shared/edge/openapi/document.ts; the routes are those of
 * functions/streams/stream-routes.ts.
 */

import { account, day as date, decimal, error, errors, json, listOf, pageOf, pageParams, pathParam, ref } from './common';

const id = pathParam();

const timestamp = { type: 'string', format: 'date-time' };
const columnName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$', maxLength: 128, description: 'a column name (`meta.<key>` for metadata)' };
const columnNames = (minItems: number, maxItems: number) => ({ type: 'array', items: columnName, minItems, maxItems, uniqueItems: true });
const currency = { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' };
/** A row value on the wire: decimals and dates as strings. */
const rowValue = { type: ['string', 'boolean', 'null'] };
const stage = (type: string, description: string, properties: Record<string, object>, required: string[] = []) => ({
  type: 'object',
  description,
  required: ['type', ...required],
  additionalProperties: false,
  properties: { type: { const: type }, ...properties },
});

export const streamsPaths = {
  '/v1/accounts/{a}/streams/{id}': {
    put: {
      summary:
        'Create or replace a stream (201 created, 200 replaced). Every stage is checked when the stream is saved: its shape, its formulas, ' +
        'its lookup tables (they must exist) and, for a purchase-sourced stream, the columns it reads; errors name the stage (`stages.2.expression: …`).',
      parameters: [account, id],
      requestBody: json(ref('Stream')),
      responses: { '200': json(ref('Stream')), '201': json(ref('Stream')), ...errors },
    },
    get: { summary: 'A stream as it was saved', parameters: [account, id], responses: { '200': json(ref('Stream')), ...errors } },
  },
  '/v1/accounts/{a}/streams': {
    get: { summary: 'List streams', parameters: [account, ...pageParams], responses: { '200': listOf('Stream'), ...errors } },
  },
  '/v1/accounts/{a}/streams/{id}/upload': {
    put: {
      summary:
        'Store the CSV an `{"upload":true}` stream runs on (replacing the previous upload). The header names the columns, each optionally typed ' +
        '`name:string|decimal|boolean|date`; known columns (quantity, amount …) default to their type, others to string. 409 `not_an_upload_stream` ' +
        'for a stream with another source; 413 above 6 MB.',
      parameters: [account, id],
      requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
      responses: { '200': json(ref('StreamUpload')), '409': error, '413': error, ...errors },
    },
  },
  '/v1/accounts/{a}/streams/{id}/runs': {
    post: {
      summary:
        'Run the stream for a period (end exclusive, at most one year): queues the run and answers its batch id; the batch is `running` until it is a ' +
        '`draft` (or `failed`). A computed stream runs on the latest batch its upstream shared for exactly that period (409 `no_inbound_batch` when there is none); ' +
        'an upload stream needs an upload first (409 `no_upload`).',
      parameters: [account, id],
      requestBody: json({ type: 'object', required: ['periodStart', 'periodEnd'], additionalProperties: false, properties: { periodStart: date, periodEnd: date } }),
      responses: { '202': json({ type: 'object', required: ['batch'], properties: { batch: { type: 'string' } } }), '409': error, ...errors },
    },
  },
  '/v1/accounts/{a}/streams/{id}/batches': {
    get: { summary: "The stream's batches, newest first", parameters: [account, id, ...pageParams], responses: { '200': listOf('Batch'), ...errors } },
  },
  '/v1/accounts/{a}/batches/{id}': {
    get: { summary: 'A batch: its status, counts, totals per currency and columns', parameters: [account, id], responses: { '200': json(ref('Batch')), ...errors } },
  },
  '/v1/accounts/{a}/batches/{id}/rows': {
    get: {
      summary:
        "The rows of a draft or published batch (409 `batch_running`, `batch_failed`). `format=csv`: the whole rows file with its typed header " +
        '(`name:type`), as a download (409 `too_large` above 5 MB: page through it as JSON). `format=json` (default): one page of rows, each ' +
        'an object with exactly the batch columns, decimals as strings.',
      parameters: [account, id, { name: 'format', in: 'query', schema: { enum: ['csv', 'json'], default: 'json' } }, ...pageParams.map((p) => ({ ...p, description: `${p.description ?? ''} (json only)`.trim() }))],
      responses: {
        '200': {
          description: 'the rows',
          content: {
            'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: ref('BatchRow') }, next: { type: ['string', 'null'] } } } },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        '409': error,
        ...errors,
      },
    },
  },
  '/v1/accounts/{a}/batches/{id}/errors': {
    get: {
      summary: 'One page of the rows a stage could not process, each with the stage (index and type), the reason and the row as the stage received it',
      parameters: [account, id, ...pageParams],
      responses: { '200': listOf('BatchErrorRow'), '409': error, ...errors },
    },
  },
  '/v1/accounts/{a}/batches/{id}/publish': {
    post: {
      summary:
        'Publish a draft batch (409 `batch_not_draft` otherwise). Each row whose customerCode is a customer with a partnerAccount is shared ' +
        "with that account (an inbound batch there), and that account's computed streams on this stream run on it.",
      parameters: [account, id],
      responses: { '200': json(ref('Batch')), '409': error, ...errors },
    },
  },
  '/v1/accounts/{a}/batches/{id}/apply': {
    post: {
      summary:
        'Save each row of a finished pricing batch as a standard price rule of this account (409 `not_a_pricing_batch` for a billing batch). ' +
        'Columns: productCluster and unitPrice (required), customerCluster, currency (default: the stream currency), validFrom (default: the ' +
        'period start), validTo, priceRule (the rule id; default `<stream>-<productCluster>[-<customerCluster>]`). The rows are checked first: ' +
        'a bad row refuses the batch (400 naming `rows.<i>.<field>`) before any rule is saved. At most 1000 rows.',
      parameters: [account, id],
      responses: { '200': json(ref('PriceRulesApplied')), '409': error, ...errors },
    },
  },
  '/v1/accounts/{a}/inbound-batches': {
    get: { summary: 'Batches partners shared with this account (the rows of one upstream batch each), oldest first (by the upstream batch)', parameters: [account, ...pageParams], responses: { '200': listOf('InboundBatch'), ...errors } },
  },
  '/v1/accounts/{a}/inbound-batches/{id}/apply': {
    post: {
      summary:
        'Save each row of a pricing batch a partner shared with this account as a standard price rule of this account, as received ' +
        '(the columns and defaults of POST /batches/{id}/apply; the default rule id uses the upstream stream id).',
      parameters: [account, id],
      responses: { '200': json(ref('PriceRulesApplied')), '409': error, ...errors },
    },
  },
  '/v1/accounts/{a}/inbound-batches/{id}/rows': {
    get: { summary: 'One page of the rows of an inbound batch (the rows shared with this account)', parameters: [account, id, ...pageParams], responses: { '200': listOf('BatchRow'), ...errors } },
  },
} as const;

export const streamsSchemas = {
  Stream: {
    type: 'object',
    required: ['kind', 'type', 'source', 'stages', 'currency'],
    properties: {
      id: { type: 'string', readOnly: true },
      kind: { enum: ['billing', 'pricing'], description: 'billing: rows to invoice; pricing: rows that can be applied as price rules' },
      type: { enum: ['simple', 'computed'], description: 'simple: own purchases or an upload; computed: what an upstream account shares' },
      source: ref('StreamSource'),
      stages: { type: 'array', maxItems: 50, items: ref('Stage'), description: 'applied in order' },
      currency: currency,
      updatedAt: { ...timestamp, readOnly: true },
    },
  },
  StreamSource: {
    oneOf: [
      { type: 'object', required: ['purchases'], additionalProperties: false, properties: { purchases: { const: true } }, description: "this account's purchases of the period (simple)" },
      { type: 'object', required: ['upload'], additionalProperties: false, properties: { upload: { const: true } }, description: 'the CSV uploaded to the stream (simple)' },
      {
        type: 'object',
        required: ['account', 'stream'],
        additionalProperties: false,
        properties: { account: { type: 'string' }, stream: { type: 'string' } },
        description: 'the batches that stream of that (upstream) account shares with this account (computed)',
      },
    ],
  },
  Stage: {
    oneOf: [
      stage('rate', "price rows with this account's price rules; writes unitPrice, amount, currency, priceRule", {
        product: { ...columnName, default: 'productLabel', description: 'a product label or product cluster id' },
        customer: { ...columnName, default: 'customerCode' },
        quantity: { ...columnName, default: 'quantity' },
        date: { ...columnName, default: 'purchaseDate' },
      }),
      stage('copy', 'target column ← source column', { columns: { type: 'object', minProperties: 1, maxProperties: 100, additionalProperties: columnName } }, ['columns']),
      stage(
        'split',
        'split a column with a regular expression: one capture group per column of `into`; RE2 syntax, matched in linear time (backreferences and lookaround are refused)',
        { column: columnName, pattern: { type: 'string', minLength: 1, maxLength: 200 }, into: columnNames(1, 20) },
        ['column', 'pattern', 'into'],
      ),
      stage(
        'formula',
        'write an expression into a column: arithmetic, comparisons, markup(x, pct), round(x, n), if(c, a, b), margin(price, cost)',
        { column: columnName, expression: { type: 'string' }, columnType: { enum: ['string', 'decimal', 'boolean', 'date'], default: 'decimal' } },
        ['column', 'expression'],
      ),
      {
        ...stage('filter', 'keep the rows where `keep` is true, or drop those where `drop` is true (exactly one of them); filtered rows are counted', {
          keep: { type: 'string' },
          drop: { type: 'string' },
        }),
        oneOf: [{ required: ['keep'] }, { required: ['drop'] }],
      },
      stage(
        'convert-currency',
        "convert the columns from the row's currency with the exchange rate valid at the row date; sets `currency`",
        { columns: columnNames(1, 20), to: currency, date: { ...columnName, default: 'purchaseDate' } },
        ['columns', 'to'],
      ),
      stage(
        'lookup',
        'copy columns of the lookup table row whose key equals the row column `key` (a missing key is an error row unless optional)',
        { table: { type: 'string' }, key: columnName, columns: columnNames(1, 50), optional: { type: 'boolean', default: false } },
        ['table', 'key', 'columns'],
      ),
      stage(
        'vat',
        'write the standard VAT rate (percent) of the country in column `country`, valid at the row date',
        { country: columnName, into: columnName, date: { ...columnName, default: 'purchaseDate' } },
        ['country', 'into'],
      ),
      stage('aggregate', 'one row per groupBy combination with the sums of `sum`; sees every row before emitting any', { groupBy: columnNames(0, 20), sum: columnNames(1, 20) }, [
        'groupBy',
        'sum',
      ]),
    ],
  },
  StreamUpload: {
    type: 'object',
    properties: { stream: { type: 'string' }, bytes: { type: 'integer' }, columns: { type: 'array', items: ref('Column') }, uploadedAt: timestamp },
  },
  Column: {
    type: 'object',
    required: ['name', 'type'],
    properties: { name: { type: 'string' }, type: { enum: ['string', 'decimal', 'boolean', 'date'] } },
  },
  Batch: {
    type: 'object',
    properties: {
      id: { type: 'string', description: 'sorts by creation' },
      stream: { type: 'string' },
      kind: { enum: ['billing', 'pricing'] },
      status: { enum: ['running', 'draft', 'published', 'failed'], description: 'running → draft (or failed) → published' },
      periodStart: date,
      periodEnd: date,
      source: {
        oneOf: [
          { type: 'object', properties: { purchases: { const: true } } },
          { type: 'object', properties: { upload: { const: true } } },
          {
            type: 'object',
            properties: { inbound: { type: 'string' }, account: { type: 'string' }, stream: { type: 'string' }, batch: { type: 'string' } },
            description: 'the inbound batch (and the upstream account, stream and batch) a computed stream ran on',
          },
        ],
      },
      rows: { type: 'integer' },
      errors: { type: 'integer', description: 'rows a stage could not process (GET /batches/{id}/errors)' },
      filtered: { type: 'integer', description: 'rows filter stages removed' },
      totals: { type: 'object', additionalProperties: decimal, description: 'sum of amount per currency' },
      columns: { type: 'array', items: ref('Column') },
      checksum: { type: ['string', 'null'], description: 'of the rows file; null until the batch is a draft' },
      failure: { type: ['string', 'null'], description: 'why a failed batch failed' },
      createdAt: timestamp,
      publishedAt: { ...timestamp, type: ['string', 'null'] },
    },
  },
  InboundBatch: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      account: { type: 'string', description: 'the upstream account that shared the rows' },
      stream: { type: 'string', description: 'the upstream stream' },
      batch: { type: 'string', description: 'the upstream batch' },
      kind: { enum: ['billing', 'pricing'] },
      currency: { type: 'string', description: 'the upstream stream currency' },
      periodStart: date,
      periodEnd: date,
      rows: { type: 'integer' },
      totals: { type: 'object', additionalProperties: decimal },
      columns: { type: 'array', items: ref('Column') },
      checksum: { type: 'string' },
      sharedAt: timestamp,
    },
  },
  BatchRow: { type: 'object', additionalProperties: rowValue, description: 'column name → value; decimals and dates as strings, empty cells null' },
  BatchErrorRow: {
    type: 'object',
    properties: {
      stage: { type: 'integer', description: 'index of the stage in `stages`' },
      type: { type: 'string', description: 'the stage type' },
      reason: { type: 'string' },
      row: ref('BatchRow'),
    },
  },
  PriceRulesApplied: {
    type: 'object',
    properties: {
      batch: { type: 'string' },
      rules: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, created: { type: 'boolean', description: 'false: an existing rule was replaced' } } } },
    },
  },
} as const;
