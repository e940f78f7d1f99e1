import { z } from 'zod';
import { calendarDate, decimal, identifier, isoDate } from '../kernel/fields';
import { STAGE_TYPES } from './domain/stages/types';
import { MAX_LOOKUP_ROWS } from './domain/tables';

/**
 * What the streams operations take and answer on the wire, as zod schemas for the OpenAPI document. The
 * bodies are checked by the domain's parsers (`parseStreamDefinition`, `parseExchangeRate`,
 * `parseLookupTable`), whose fields are checked by code; these say what those parsers accept.
 */

const timestamp = z.iso.datetime();
const columnName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/)
  .max(128)
  .meta({ description: 'a column name (`meta.<key>` for metadata)' });
const columnNames = (min: number, max: number) => z.array(columnName).min(min).max(max).meta({ uniqueItems: true });
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/)
  .meta({ description: 'ISO 4217 code' });
const KINDS = ['billing', 'pricing'] as const;
const COLUMN_TYPES = ['string', 'decimal', 'boolean', 'date'] as const;
const dateColumn = columnName.default('purchaseDate');

const stage = <T extends string, S extends z.ZodRawShape>(type: T, description: string, shape: S) =>
  z.strictObject({ type: z.literal(type), ...shape }).meta({ description });

const stageSchema = z
  .discriminatedUnion('type', [
    stage('rate', "price rows with this account's price rules; writes unitPrice, amount, currency, priceRule", {
      product: columnName.default('productLabel').meta({ description: 'a product label or product cluster id' }),
      customer: columnName.default('customerCode'),
      quantity: columnName.default('quantity'),
      date: dateColumn,
    }),
    stage('copy', 'target column ← source column', { columns: z.record(z.string(), columnName).meta({ minProperties: 1, maxProperties: 100 }) }),
    stage(
      'split',
      'split a column with a regular expression: one capture group per column of `into`; RE2 syntax, matched in linear time (backreferences and lookaround are refused)',
      {
        column: columnName,
        pattern: z.string().min(1).max(200),
        into: columnNames(1, 20),
      },
    ),
    stage('formula', 'write an expression into a column: arithmetic, comparisons, markup(x, pct), round(x, n), if(c, a, b), margin(price, cost)', {
      column: columnName,
      expression: z.string(),
      columnType: z.enum(COLUMN_TYPES).default('decimal'),
    }),
    stage('filter', 'keep the rows where `keep` is true, or drop those where `drop` is true (exactly one of them); filtered rows are counted', {
      keep: z.string().optional(),
      drop: z.string().optional(),
    }),
    stage('convert-currency', "convert the columns from the row's currency with the exchange rate valid at the row date; sets `currency`", {
      columns: columnNames(1, 20),
      to: currency,
      date: dateColumn,
    }),
    stage('lookup', 'copy columns of the lookup table row whose key equals the row column `key` (a missing key is an error row unless optional)', {
      table: z.string(),
      key: columnName,
      columns: columnNames(1, 50),
      optional: z.boolean().default(false),
    }),
    stage('vat', 'write the standard VAT rate (percent) of the country in column `country`, valid at the row date', {
      country: columnName,
      into: columnName,
      date: dateColumn,
    }),
    stage('aggregate', 'one row per groupBy combination with the sums of `sum`; sees every row before emitting any', {
      groupBy: columnNames(0, 20),
      sum: columnNames(1, 20),
    }),
  ])
  .meta({ id: 'Stage' });

const streamSource = z
  .union([
    z.strictObject({ purchases: z.literal(true) }).meta({ description: "this account's purchases of the period (simple)" }),
    z.strictObject({ upload: z.literal(true) }).meta({ description: 'the CSV uploaded to the stream (simple)' }),
    z
      .strictObject({ account: identifier, stream: identifier })
      .meta({ description: 'the batches that stream of that (upstream) account shares with this account (computed)' }),
  ])
  .meta({ id: 'StreamSource' });

const streamFields = {
  kind: z.enum(KINDS).meta({ description: 'billing: rows to invoice; pricing: rows that can be applied as price rules' }),
  type: z.enum(['simple', 'computed']).meta({ description: 'simple: own purchases or an upload; computed: what an upstream account shares' }),
  source: streamSource,
  stages: z.array(stageSchema).max(50).meta({ description: 'applied in order' }),
  currency,
};
export const streamInput = z.strictObject(streamFields).meta({ id: 'StreamInput' });
export const stream = z.object({ id: identifier, ...streamFields, updatedAt: timestamp }).meta({ id: 'Stream' });

const column = z.object({ name: z.string(), type: z.enum(COLUMN_TYPES) }).meta({ id: 'Column' });
export const streamUpload = z
  .object({ stream: z.string(), bytes: z.int(), columns: z.array(column), uploadedAt: timestamp })
  .partial()
  .meta({ id: 'StreamUpload' });
export const runRequest = z
  .strictObject({ periodStart: calendarDate, periodEnd: calendarDate.meta({ description: 'exclusive' }) })
  .meta({ id: 'RunRequest' });
export const runStarted = z.object({ batch: identifier });

const totals = z.record(z.string(), decimal).meta({ description: 'sum of amount per currency' });
export const batch = z
  .object({
    id: identifier.meta({ description: 'sorts by creation' }),
    stream: z.string(),
    kind: z.enum(KINDS),
    status: z.enum(['running', 'draft', 'published', 'failed']).meta({ description: 'running → draft (or failed) → published' }),
    periodStart: calendarDate,
    periodEnd: calendarDate,
    source: z.union([
      z.object({ purchases: z.literal(true) }),
      z.object({ upload: z.literal(true) }),
      z
        .object({ inbound: z.string(), account: z.string(), stream: z.string(), batch: z.string() })
        .meta({ description: 'the inbound batch (and the upstream account, stream and batch) a computed stream ran on' }),
    ]),
    rows: z.int(),
    errors: z.int().meta({ description: 'rows a stage could not process (GET /batches/{id}/errors)' }),
    filtered: z.int().meta({ description: 'rows filter stages removed' }),
    totals,
    columns: z.array(column),
    checksum: z.string().nullable().meta({ description: 'of the rows file; null until the batch is a draft' }),
    failure: z.string().nullable().meta({ description: 'why a failed batch failed' }),
    createdAt: timestamp,
    publishedAt: timestamp.nullable(),
  })
  .partial()
  .meta({ id: 'Batch' });

export const inboundBatch = z
  .object({
    id: identifier,
    account: z.string().meta({ description: 'the upstream account that shared the rows' }),
    stream: z.string().meta({ description: 'the upstream stream' }),
    batch: z.string().meta({ description: 'the upstream batch' }),
    kind: z.enum(KINDS),
    currency: z.string().meta({ description: 'the upstream stream currency' }),
    periodStart: calendarDate,
    periodEnd: calendarDate,
    rows: z.int(),
    totals,
    columns: z.array(column),
    checksum: z.string(),
    sharedAt: timestamp,
  })
  .partial()
  .meta({ id: 'InboundBatch' });

export const batchRow = z
  .record(z.string(), z.union([z.string(), z.boolean(), z.null()]))
  .meta({ id: 'BatchRow', description: 'column name → value; decimals and dates as strings, empty cells null' });
const stageErrorRow = z
  .strictObject({
    stage: z.int().min(0).meta({ description: 'index of the stage in `stages`' }),
    type: z.enum(STAGE_TYPES).meta({ description: 'the stage type' }),
    reason: z.string(),
    row: batchRow,
  })
  .meta({ id: 'StageErrorRow', description: 'a row a stage could not process, as that stage received it' });
const inputErrorRow = z
  .strictObject({
    stage: z.null().meta({ description: 'no stage: the run could not read the line as a row' }),
    type: z.literal('input'),
    reason: z.string().meta({ description: '`record <n>: …`, n counting the data lines of the input from 1' }),
    fields: z.array(z.string().nullable()).meta({ description: 'the fields of the line as read, untyped; an empty unquoted field is null' }),
  })
  .meta({
    id: 'InputErrorRow',
    description:
      "a line of the uploaded or shared CSV that is not a row: another number of fields than the header, or a value not of its column's type",
  });
export const batchErrorRow = z.union([stageErrorRow, inputErrorRow]).meta({ id: 'BatchErrorRow' });
export const priceRulesApplied = z
  .object({
    batch: z.string(),
    rules: z.array(z.object({ id: z.string(), created: z.boolean().meta({ description: 'false: an existing rule was replaced' }) }).partial()),
  })
  .partial()
  .meta({ id: 'PriceRulesApplied' });

export const exchangeRateInput = z
  .strictObject({ rate: decimal.meta({ description: '1 FROM = rate TO; greater than 0' }), validFrom: isoDate })
  .meta({ id: 'ExchangeRateInput' });
export const exchangeRate = z
  .object({ pair: z.string(), from: z.string(), to: z.string(), rate: decimal, validFrom: isoDate })
  .partial()
  .meta({ id: 'ExchangeRate' });
export const exchangeRatePair = z
  .object({ pair: z.string(), from: z.string(), to: z.string(), rates: z.array(z.object({ rate: decimal, validFrom: isoDate }).partial()) })
  .partial()
  .meta({ id: 'ExchangeRatePair' });

const lookupRow = z.record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]));
export const lookupTableInput = z
  .strictObject({ key: columnName.meta({ description: 'the column rows are looked up by' }), rows: z.array(lookupRow).max(MAX_LOOKUP_ROWS) })
  .meta({ id: 'LookupTableInput' });
export const lookupTable = z
  .object({ id: identifier, key: z.string(), rows: z.array(lookupRow), updatedAt: z.string() })
  .partial()
  .meta({ id: 'LookupTable' });
export const lookupTableSummary = z
  .object({ id: identifier, key: z.string(), rowCount: z.int(), updatedAt: z.string() })
  .partial()
  .meta({ id: 'LookupTableSummary' });

export const csv = z.string();
