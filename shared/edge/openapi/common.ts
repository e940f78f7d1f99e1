/** The building blocks every part of the OpenAPI description (openapi*.ts) shares. */

export const decimal = { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: 'decimal as a string (requests also accept numbers)' };
/** A whole UTC day (billing periods, end exclusive). */
export const day = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'ISO date (periods are whole UTC days, end exclusive)' };
export const dateOrTime = { type: 'string', description: 'ISO 8601 date or date-time' };
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: object) => ({ content: { 'application/json': { schema } } });
export const error = { description: 'error', ...json(ref('Error')) };
export const errors = { '400': error, '401': error, '403': error, '404': error };
export const account = { name: 'a', in: 'path', required: true, schema: { type: 'string' } };
export const pathParam = (name = 'id') => ({ name, in: 'path', required: true, schema: { type: 'string' } });
export const pageParams = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'the `next` of the previous page of the same list (a cursor is sealed to its account and list: any other is a 400)' },
];
/** A page `{items, next}` of any item schema. */
export const pageOf = (items: object) => json({ type: 'object', properties: { items: { type: 'array', items }, next: { type: ['string', 'null'] } } });
export const listOf = (item: string) => pageOf(ref(item));
