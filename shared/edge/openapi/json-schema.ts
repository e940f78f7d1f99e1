import { z } from 'zod';
import { calendarDate, decimal, identifier, isoDate } from '../../kernel/fields';

/**
 * zod → JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) with zod's own `z.toJSONSchema`, as the request
 * side sees it (`io: 'input'`: fields with a default are optional). Schemas registered with
 * `.meta({ id })` become `components.schemas` entries and `$ref`s to them. The kernel's parsed fields
 * (decimals and dates are checked by code zod cannot describe) are rendered as what the wire carries.
 */

const DESCRIBED = new Map<z.ZodType, Record<string, unknown>>([
  [decimal, { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$', description: 'decimal as a string (requests also accept numbers)' }],
  [isoDate, { type: 'string', description: 'ISO 8601 date or date-time' }],
  [calendarDate, { type: 'string', format: 'date', description: 'ISO date (whole UTC days)' }],
  [identifier, { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^#\\u0000-\\u001f\\u007f]+$' }],
]);

const REF = '#/components/schemas/';

export type JsonSchema = Record<string, unknown>;

/** Collects the components the converted schemas refer to. */
export class SchemaSet {
  readonly components: Record<string, JsonSchema> = {};

  /** The JSON Schema of `schema`: a `$ref` when it has an id, inline otherwise. */
  convert(schema: z.ZodType): JsonSchema {
    const out = z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      override: ({ zodSchema, jsonSchema }) => {
        const described = DESCRIBED.get(zodSchema as unknown as z.ZodType);
        if (described) Object.assign(jsonSchema, described);
      },
    }) as JsonSchema;
    const { $schema: _, $defs, ...root } = out;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) this.add(id, def);
    const id = z.globalRegistry.get(schema)?.id;
    if (id) {
      this.add(id, root);
      return { $ref: `${REF}${id}` };
    }
    return refs(root);
  }

  private add(id: string, def: JsonSchema): void {
    const { id: _, ...rest } = def;
    this.components[id] = refs(rest);
  }
}

function refs(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', `"${REF}`)) as JsonSchema;
}
