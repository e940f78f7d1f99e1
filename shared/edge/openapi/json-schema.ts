import { z } from 'zod';

/**
 * zod → JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) with zod's own `z.toJSONSchema`, from the side of
 * the wire a schema is on: a request (body, query, path) is what the client may send (`io: 'input'`: a field
 * with a default is optional), a reply is what the API answers (`io: 'output'`: the defaulted field is always
 * there). Schemas registered with `.meta({ id })` become `components.schemas` entries and `$ref`s to them; an
 * id used on both sides whose two shapes differ gets a second entry for its reply side (`<id>Output`). Fields
 * checked by code zod cannot describe (the kernel's decimals and dates) carry what the wire holds in their `.meta()`.
 */

const REF = '#/components/schemas/';
/** Where a reply-side schema refers to a component before its name is known (see `resolve`). */
const OUTPUT_REF = '#/$output/';

export type JsonSchema = Record<string, unknown>;
export type Side = 'input' | 'output';

/** Collects the components the converted schemas refer to. */
export class SchemaSet {
  private readonly input = new Map<string, JsonSchema>();
  private readonly output = new Map<string, JsonSchema>();
  /** The ids in the order they were first met, so that the document reads in the order of the route tables. */
  private readonly order = new Set<string>();

  /** The JSON Schema of `schema` as `side` sees it: a `$ref` when it has an id, inline otherwise. */
  convert(schema: z.ZodType, side: Side = 'input'): JsonSchema {
    const out = z.toJSONSchema(schema, { io: side, unrepresentable: 'any', override: side === 'output' ? open : undefined }) as JsonSchema;
    const { $schema: _, $defs, ...root } = out;
    const prefix = side === 'input' ? REF : OUTPUT_REF;
    const into = side === 'input' ? this.input : this.output;
    const add = (id: string, def: JsonSchema) => {
      const { id: _id, ...rest } = def;
      into.set(id, refs(rest, prefix));
      this.order.add(id);
    };
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) add(id, def);
    const id = z.globalRegistry.get(schema)?.id;
    if (id) {
      add(id, root);
      return { $ref: `${prefix}${id}` };
    }
    return refs(root, prefix);
  }

  /**
   * `document` with every reply-side `$ref` pointing at its component and `components.schemas` filled in: a
   * reply-side schema takes its id when no request uses that id or both sides agree, `<id>Output` otherwise
   * (decided until nothing changes, since a schema differs as soon as one it refers to does).
   */
  resolve<T extends { components: Record<string, unknown> }>(document: T): T & { components: { schemas: Record<string, JsonSchema> } } {
    const names = new Map([...this.output.keys()].map((id) => [id, id]));
    const named = (value: unknown) => {
      let text = JSON.stringify(value);
      for (const [id, name] of names) text = text.replaceAll(`"${OUTPUT_REF}${id}"`, `"${REF}${name}"`);
      return text;
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (const [id, def] of this.output) {
        const input = this.input.get(id);
        if (names.get(id) === id && input && JSON.stringify(input) !== named(def)) {
          names.set(id, `${id}Output`);
          changed = true;
        }
      }
    }
    const schemas: Record<string, JsonSchema> = {};
    for (const id of this.order) {
      const input = this.input.get(id);
      const output = this.output.get(id);
      if (input) schemas[id] = input;
      if (output) schemas[names.get(id)!] ??= JSON.parse(named(output)) as JsonSchema;
    }
    return JSON.parse(named({ ...document, components: { ...document.components, schemas } }));
  }
}

/**
 * A reply's plain object stays open as a request's is (zod's output side closes it, since parsing strips
 * unknown keys): a reply may gain a field without breaking a client. Strict and loose objects keep theirs.
 */
function open(ctx: { zodSchema: z.core.$ZodTypes; jsonSchema: z.core.JSONSchema.BaseSchema }): void {
  const def = ctx.zodSchema._zod.def;
  if (def.type === 'object' && def.catchall === undefined) delete ctx.jsonSchema.additionalProperties;
}

function refs(schema: JsonSchema, prefix: string): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', `"${prefix}`)) as JsonSchema;
}
