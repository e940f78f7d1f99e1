import { z } from 'zod';
import { identifier } from '../../kernel/fields';
import { operations, pageQuery, type Auth, type Operation, type RouteTable } from '../routes';
import { type JsonSchema, SchemaSet, type Side } from './json-schema';

/**
 * The OpenAPI 3.1 description of the API, generated from the contexts' route tables: one operation per
 * table entry (operationId, summary, parameters from the path and the zod query, request and response
 * bodies from zod, the error responses every operation shares, and who may call it).
 */

export interface ApiSection {
  /** The tag of the section's operations. */
  readonly tag: string;
  readonly description: string;
  readonly routes: RouteTable;
}

/** Every error leaves as this body. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'stable, machine-readable (`invalid_input`, `not_found`, `routing_overlap` …)' }),
      message: z.string(),
      details: z.array(z.string()).meta({ description: 'one entry per bad field, as `<field>: <reason>`' }),
    }),
  })
  .meta({ id: 'Error' });

const SHARED_ERRORS = {
  BadRequest: 'invalid input: the details name each bad field (a body that is not JSON is one)',
  Unauthorized: 'no API key, or an unknown one',
  Forbidden: "the key's role may not do this",
  NotFound: 'no such resource, or it belongs to another account',
} as const;

const WHO: Record<Auth, string> = {
  none: 'No API key needed.',
  'platform-admin': 'Key: the platform admin key.',
  'account-admin': 'Key: the platform admin key or an `admin` key of the account.',
  'account-read': 'Key: any key of the account, or the platform admin key.',
  'account-write': 'Key: an `admin` or `billing` key of the account, or the platform admin key.',
};

const errorRef = (name: keyof typeof SHARED_ERRORS) => ({ $ref: `#/components/responses/${name}` });

export function openApiDocument(sections: readonly ApiSection[], info: { title: string; version: string; description: string }) {
  const schemas = new SchemaSet();
  const json = (schema: z.ZodType, type = 'application/json', side: Side = 'input') => ({ [type]: { schema: schemas.convert(schema, side) } });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const section of sections) {
    for (const op of operations(section.routes)) {
      paths[op.path] ??= {};
      paths[op.path][op.method.toLowerCase()] = {
        operationId: op.operationId,
        tags: [section.tag],
        summary: op.summary,
        description: [op.description, WHO[op.auth]].filter(Boolean).join('\n\n'),
        ...(op.auth === 'none' ? { security: [] } : {}),
        parameters: [...pathParameters(op, schemas), ...queryParameters(op, schemas)],
        ...(op.body ? { requestBody: { required: true, content: json(op.body, op.bodyType) } } : {}),
        responses: responses(op, json),
      };
    }
  }
  for (const item of Object.values(paths))
    for (const op of Object.values(item))
      if ((op as { parameters: unknown[] }).parameters.length === 0) delete (op as { parameters?: unknown }).parameters;
  const errorBody = json(errorSchema, 'application/json', 'output');
  return schemas.resolve({
    openapi: '3.1.0',
    info: { ...info, license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    tags: sections.map((s) => ({ name: s.tag, description: s.description })),
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api-key>' } },
      responses: Object.fromEntries(Object.entries(SHARED_ERRORS).map(([name, description]) => [name, { description, content: errorBody }])),
    },
  });
}

function pathParameters(op: Operation, schemas: SchemaSet) {
  const declared = (op.params?.shape ?? {}) as Record<string, z.ZodType>;
  return [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const schema = schemas.convert(declared[name!] ?? identifier);
    return { name, in: 'path', required: true, ...(name === 'a' ? { description: 'the account id' } : {}), ...describe(schema) };
  });
}

function queryParameters(op: Operation, schemas: SchemaSet) {
  const query = op.page ? (op.query ?? z.object({})).extend(pageQuery.shape) : op.query;
  if (!query) return [];
  const object = schemas.convert(query) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    ...(object.required?.includes(name) ? { required: true } : {}),
    ...describe(schema),
  }));
}

/** A parameter's description sits on the parameter, not on its schema. */
function describe(schema: JsonSchema) {
  const { description, ...rest } = schema;
  return { ...(description ? { description } : {}), schema: rest };
}

function responses(op: Operation, json: (schema: z.ZodType, type: string | undefined, side: Side) => Record<string, unknown>) {
  const out: Record<string, unknown> = { '400': errorRef('BadRequest') };
  if (op.auth !== 'none') out['401'] = errorRef('Unauthorized');
  if (op.auth !== 'none' && op.auth !== 'account-read') out['403'] = errorRef('Forbidden');
  if (op.path.includes('{')) out['404'] = errorRef('NotFound');
  for (const [status, r] of Object.entries(op.responses)) {
    const schema = r.schema ?? (Number(status) >= 400 ? errorSchema : undefined);
    const content = {
      ...(schema ? json(schema, r.contentType, 'output') : {}),
      ...Object.fromEntries(Object.entries(r.content ?? {}).flatMap(([type, s]) => Object.entries(json(s, type, 'output')))),
    };
    out[status] = { description: r.description, ...(Object.keys(content).length ? { content } : {}) };
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
