/**
 * OpenAPI paths and schemas of the tables stream stages read (PRODUCT.md §5): API.md's exchange rates and
 * lookup tables, and the reads this service adds in the same style. Spread into shared/edge/openapi/document.ts.
 */

import { account, dateOrTime as date, decimal, error, errors, json, listOf, pageParams, pathParam, ref } from './common';

const id = pathParam();

const pair = { name: 'pair', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Z]{3}-[A-Z]{3}$' }, description: '`<FROM>-<TO>`, e.g. EUR-USD' };

export const tablesPaths = {
  '/v1/accounts/{a}/exchange-rates/{pair}': {
    put: {
      summary:
        'Create or replace the rate of a pair from validFrom on (201 created, 200 replaced). A pair has one entry per validFrom ' +
        '(the same instant given as a date or a date-time is the same entry); a convert-currency stage uses the latest entry valid at the row date.',
      parameters: [account, pair],
      requestBody: json(ref('ExchangeRateInput')),
      responses: { '200': json(ref('ExchangeRate')), '201': json(ref('ExchangeRate')), ...errors },
    },
    get: {
      summary: "A pair's entries, oldest validFrom first (404 when the pair has none)",
      parameters: [account, pair],
      responses: { '200': json(ref('ExchangeRatePair')), ...errors },
    },
  },
  '/v1/accounts/{a}/exchange-rates': {
    get: { summary: 'List exchange rate entries (one item per pair and validFrom), by pair then validFrom', parameters: [account, ...pageParams], responses: { '200': listOf('ExchangeRate'), ...errors } },
  },
  '/v1/accounts/{a}/lookup-tables/{id}': {
    put: {
      summary:
        'Create or replace a lookup table (201 created, 200 replaced): up to 100,000 rows, every row with a unique, non-empty value in the key column. ' +
        'The reply is the summary; the rows are not echoed.',
      parameters: [account, id],
      requestBody: json(ref('LookupTableInput')),
      responses: { '200': json(ref('LookupTableSummary')), '201': json(ref('LookupTableSummary')), '413': error, ...errors },
    },
    get: { summary: 'A lookup table with its rows', parameters: [account, id], responses: { '200': json(ref('LookupTable')), ...errors } },
  },
  '/v1/accounts/{a}/lookup-tables': {
    get: { summary: 'List lookup tables, without their rows, by id', parameters: [account, ...pageParams], responses: { '200': listOf('LookupTableSummary'), ...errors } },
  },
} as const;

const lookupValue = { type: ['string', 'number', 'boolean', 'null'], description: 'strings at most 1000 characters' };

export const tablesSchemas = {
  ExchangeRateInput: {
    type: 'object',
    required: ['rate', 'validFrom'],
    additionalProperties: false,
    properties: { rate: { ...decimal, description: '1 FROM = rate TO; greater than 0' }, validFrom: date },
  },
  ExchangeRate: {
    type: 'object',
    properties: { pair: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, rate: decimal, validFrom: date },
  },
  ExchangeRatePair: {
    type: 'object',
    properties: {
      pair: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      rates: { type: 'array', items: { type: 'object', properties: { rate: decimal, validFrom: date } } },
    },
  },
  LookupTableInput: {
    type: 'object',
    required: ['key', 'rows'],
    additionalProperties: false,
    properties: {
      key: { type: 'string', description: 'the column rows are looked up by' },
      rows: { type: 'array', maxItems: 100_000, items: { type: 'object', additionalProperties: lookupValue } },
    },
  },
  LookupTable: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      key: { type: 'string' },
      rows: { type: 'array', items: { type: 'object', additionalProperties: lookupValue } },
      updatedAt: { type: 'string' },
    },
  },
  LookupTableSummary: {
    type: 'object',
    properties: { id: { type: 'string' }, key: { type: 'string' }, rowCount: { type: 'integer' }, updatedAt: { type: 'string' } },
  },
} as const;
