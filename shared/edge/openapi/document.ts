/**
 * The OpenAPI description served at GET /v1/openapi.json. It documents API.md's contract and the
 * choices this service makes where API.md leaves them open (status of PUT, list filters, drop results).
 */

import { billingPaths, billingSchemas } from './billing';
import { account, dateOrTime as date, decimal, error, errors, json, listOf, pageParams, ref } from './common';
import { streamsPaths, streamsSchemas } from './streams';
import { tablesPaths, tablesSchemas } from './tables';


function resource(name: string, idName: string, schema: string, summary: string) {
  const idParam = { name: idName, in: 'path', required: true, schema: { type: 'string' } };
  return {
    [`/v1/accounts/{a}/${name}/{${idName}}`]: {
      put: {
        summary: `Create or replace a ${summary} (201 created, 200 replaced)`,
        parameters: [account, idParam],
        requestBody: json(ref(schema)),
        responses: { '200': json(ref(schema)), '201': json(ref(schema)), '409': error, ...errors },
      },
      get: { summary: `Read a ${summary}`, parameters: [account, idParam], responses: { '200': json(ref(schema)), ...errors } },
    },
    [`/v1/accounts/{a}/${name}`]: {
      get: { summary: `List ${summary}s`, parameters: [account, ...pageParams], responses: { '200': listOf(schema), ...errors } },
    },
  };
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Billstream API', version: '1.0.0', description: 'Billing, rating and pricing for multi-tier supply chains.' },
  servers: [{ url: '/' }],
  security: [{ apiKey: [] }],
  paths: {
    '/v1/health': { get: { summary: 'Liveness', security: [], responses: { '200': json({ type: 'object', properties: { status: { const: 'ok' } } }) } } },
    '/v1/accounts': {
      post: { summary: 'Create an account (platform admin key)', requestBody: json(ref('NewAccount')), responses: { '201': json(ref('Account')), '409': error, ...errors } },
    },
    '/v1/accounts/{a}/keys': {
      post: {
        summary: 'Issue an API key (platform admin or account admin); the key is shown once and stored hashed',
        parameters: [account],
        requestBody: json({ type: 'object', required: ['role'], properties: { role: { enum: ['admin', 'billing', 'viewer'] } } }),
        responses: { '201': json({ type: 'object', properties: { key: { type: 'string' }, role: { type: 'string' } } }), ...errors },
      },
    },
    ...resource('customer-clusters', 'id', 'CustomerCluster', 'customer cluster'),
    ...resource('customers', 'code', 'Customer', 'customer'),
    ...resource('product-clusters', 'id', 'ProductCluster', 'product cluster'),
    ...resource('price-rules', 'id', 'PriceRule', 'price rule (409 ambiguous_price_rules when another rule is equally specific)'),
    ...resource('routing-rules', 'id', 'RoutingRule', 'routing rule (409 routing_overlap naming the rule it overlaps)'),
    '/v1/accounts/{a}/customers/{code}/usage': {
      get: {
        summary: 'Current charges of a customer for a period, as its invoice would show them now (purchases billed to it, period rules on summed quantities)',
        parameters: [
          account,
          { name: 'code', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'periodStart', in: 'query', required: true, schema: date },
          { name: 'periodEnd', in: 'query', required: true, schema: { ...date, description: 'exclusive' } },
        ],
        responses: { '200': json(ref('Usage')), ...errors },
      },
    },
    '/v1/accounts/{a}/purchases': {
      post: {
        summary: 'Submit 1 to 1000 purchases; mapping is asynchronous',
        parameters: [account],
        requestBody: json({ type: 'object', required: ['purchases'], properties: { purchases: { type: 'array', minItems: 1, maxItems: 1000, items: ref('PurchaseInput') } } }),
        responses: { '202': json(ref('IngestResult')), '413': error, ...errors },
      },
      get: {
        summary: 'List purchases, in purchase-month then arrival order. `customer` is the original customer code; `from` inclusive, `to` exclusive on purchaseDate.',
        parameters: [
          account,
          { name: 'status', in: 'query', schema: { enum: ['received', 'unmapped', 'not-invoiced', 'rated', 'invoiced', 'completed'] } },
          { name: 'customer', in: 'query', schema: { type: 'string' } },
          { name: 'from', in: 'query', schema: date },
          { name: 'to', in: 'query', schema: date },
          ...pageParams,
        ],
        responses: { '200': listOf('Purchase'), ...errors },
      },
    },
    '/v1/accounts/{a}/purchases/{reference}': {
      get: {
        summary: 'Read a purchase with its mapping decision (status `received` while still in flight)',
        parameters: [account, { name: 'reference', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': json(ref('Purchase')), ...errors },
      },
    },
    ...billingPaths,
    ...tablesPaths,
    ...streamsPaths,
  },
  components: {
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api-key>' } },
    schemas: {
      Error: {
        type: 'object',
        properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: { type: 'string' } } } } },
      },
      NewAccount: {
        type: 'object',
        required: ['id', 'name', 'roles', 'currency'],
        properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }, name: { type: 'string' }, roles: { type: 'array', items: { enum: ['vendor', 'distributor', 'reseller'] } }, currency: { type: 'string' } },
      },
      Account: { allOf: [ref('NewAccount'), { type: 'object', properties: { createdAt: date } }] },
      CustomerCluster: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parent: { type: ['string', 'null'] } } },
      Customer: {
        type: 'object',
        required: ['name', 'cluster', 'currency'],
        properties: {
          name: { type: 'string' },
          cluster: { type: 'string' },
          currency: { type: 'string' },
          partnerAccount: { type: ['string', 'null'] },
          billingDay: { type: 'integer', minimum: 1, maximum: 28, default: 1 },
          onHold: { type: 'boolean', default: false },
          taxRate: { ...decimal, description: 'percent' },
          country: { type: ['string', 'null'] },
        },
      },
      ProductCluster: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, parent: { type: ['string', 'null'] }, aliases: { type: 'array', items: { type: 'string' }, description: 'unique per account (409 alias_taken)' } },
      },
      PriceRule: {
        type: 'object',
        required: ['productCluster', 'currency', 'validFrom', 'model'],
        properties: {
          productCluster: { type: 'string' },
          customerCluster: { type: ['string', 'null'] },
          currency: { type: 'string' },
          validFrom: date,
          validTo: { ...date, description: 'exclusive' },
          priority: { type: 'integer', default: 0, description: 'lower wins among equally specific rules' },
          condition: { type: ['string', 'null'], description: 'expression over quantity, dates, metadata.<key>' },
          scope: { enum: ['purchase', 'period'], default: 'purchase', description: 'period: priced on the summed quantity of the billing period; such purchases show `pricing: "period"` and no amount of their own' },
          groupBy: { type: ['string', 'null'], description: 'metadata key (period scope)' },
          model: {
            type: 'object',
            required: ['type'],
            properties: { type: { enum: ['standard', 'graduated', 'volume', 'package', 'percentage', 'graduated_percentage', 'expression'] } },
            description: 'the charge models of API.md; decimals as strings',
          },
        },
      },
      RoutingRule: {
        type: 'object',
        required: ['customerCluster', 'productCluster', 'targetCustomer'],
        properties: { customerCluster: { type: 'string' }, productCluster: { type: 'string' }, targetCustomer: { type: 'string', description: 'the customer who pays' } },
      },
      Usage: {
        type: 'object',
        properties: {
          customer: { type: 'string' },
          periodStart: date,
          periodEnd: date,
          currency: { type: 'string' },
          purchases: { type: 'integer' },
          lines: { type: 'array', items: { type: 'object', properties: { description: { type: 'string' }, productCluster: { type: 'string' }, quantity: decimal, unitPrice: decimal, amount: decimal, group: { type: ['string', 'null'] } } } },
          subtotal: decimal,
          notBillable: { type: 'object', additionalProperties: { type: 'integer' }, description: 'purchases not billable yet, by reason' },
        },
      },
      PurchaseInput: {
        type: 'object',
        required: ['reference', 'productLabel', 'customerCode', 'quantity', 'purchaseDate'],
        properties: {
          reference: { type: 'string' },
          productLabel: { type: 'string' },
          customerCode: { type: 'string' },
          quantity: decimal,
          purchaseDate: date,
          endDate: date,
          metadata: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
        },
      },
      IngestResult: {
        type: 'object',
        properties: {
          accepted: { type: 'array', items: { type: 'string' } },
          duplicates: { type: 'array', items: { type: 'string' } },
          rejected: {
            type: 'array',
            items: { type: 'object', properties: { index: { type: 'integer' }, reference: { type: ['string', 'null'] }, code: { enum: ['invalid', 'duplicate_conflict'] }, errors: { type: 'array', items: { type: 'string' } } } },
          },
        },
      },
      Purchase: {
        allOf: [
          ref('PurchaseInput'),
          {
            type: 'object',
            properties: {
              status: { enum: ['received', 'unmapped', 'not-invoiced', 'rated', 'invoiced', 'completed'] },
              reason: { enum: [null, 'unknown-customer', 'unknown-product', 'future-date', 'no-price-rule', 'on-hold'] },
              customer: { type: ['string', 'null'] },
              billedTo: { type: ['string', 'null'] },
              routingRule: { type: ['string', 'null'] },
              productCluster: { type: ['string', 'null'] },
              priceRule: { type: ['string', 'null'] },
              amount: { ...decimal, type: ['string', 'null'] },
              currency: { type: ['string', 'null'] },
              invoice: { type: ['string', 'null'] },
              pricing: { enum: ['purchase', 'period'], description: 'present once priced' },
              ratingError: { type: 'string', description: 'present when a rule applies but cannot price the purchase' },
            },
          },
        ],
      },
      ...billingSchemas,
      ...tablesSchemas,
      ...streamsSchemas,
    },
  },
} as const;
