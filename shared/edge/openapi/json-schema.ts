import { z } from 'zod';

/**
 * zod → JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) with zod's own `z.toJSONSchema`, as the request
 * side sees it (`io: 'input'`: fields with a default are optional). Schemas registered with
 * `.meta({ id })` become `components.schemas` entries and `$ref`s to them. Fields checked by code zod
 * cannot describe (the kernel's decimals and dates) carry what the wire holds in their `.meta()`.
 */

const REF = '#/components/schemas/';

export type JsonSchema = Record<string, unknown>;

/** Collects the components the converted schemas refer to. */
export class SchemaSet {
  readonly components: Record<string, JsonSchema> = {};

  /** The JSON Schema of `schema`: a `$ref` when it has an id, inline otherwise. */
  convert(schema: z.ZodType): JsonSchema {
    const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
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
