import { z } from 'zod';
import { currency, identifier } from '../../kernel/fields';
import { parseInput } from '../../kernel/validation';
import { stageSchema, toWireStage } from './stages/schema';
import type { Stage, WireStage } from './stages/types';

/**
 * A stream definition (docs/product.md §5; docs/api.md `PUT /streams/{id}`): what it is for, where its rows come
 * from, and the stages applied to them in order. Every stage is validated and its formulas, filters and
 * patterns compiled here, once, when the stream is saved; errors name the stage by index and field
 * (`stages.2.expression: unexpected token ')' at 14`).
 */

export const STREAM_KINDS = ['billing', 'pricing'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];
export const STREAM_TYPES = ['simple', 'computed'] as const;
export type StreamType = (typeof STREAM_TYPES)[number];

export const MAX_STAGES = 50;

/**
 * `{"purchases":true}`: the account's own purchases of the period. `{"upload":true}`: a CSV uploaded to
 * the stream. `{"account","stream"}`: the batches that stream of that (upstream) account shares with us.
 */
export type StreamSource = { readonly purchases: true } | { readonly upload: true } | { readonly account: string; readonly stream: string };

export interface StreamDefinition {
  readonly kind: StreamKind;
  readonly type: StreamType;
  readonly source: StreamSource;
  readonly stages: readonly Stage[];
  readonly currency: string;
}

export interface WireStream {
  kind: StreamKind;
  type: StreamType;
  source: StreamSource;
  stages: WireStage[];
  currency: string;
}

const SOURCE_SHAPES = `{"purchases":true}, {"upload":true} or {"account","stream"}`;

const sourceSchema = z.unknown().transform((input, ctx): StreamSource => {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    ctx.issues.push({ code: 'custom', message: input === undefined ? `required (${SOURCE_SHAPES})` : `must be ${SOURCE_SHAPES}`, input });
    return z.NEVER;
  }
  const keys = Object.keys(input);
  const shape =
    keys.includes('account') || keys.includes('stream')
      ? z.strictObject({ account: identifier, stream: identifier })
      : keys.includes('upload')
        ? z.strictObject({ upload: z.literal(true, { error: 'must be true' }) })
        : keys.includes('purchases')
          ? z.strictObject({ purchases: z.literal(true, { error: 'must be true' }) })
          : null;
  if (shape === null) {
    ctx.issues.push({ code: 'custom', message: `must be ${SOURCE_SHAPES}`, input });
    return z.NEVER;
  }
  const result = shape.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.issues.push({ code: 'custom', path: issue.path, message: issue.message, input });
    return z.NEVER;
  }
  return result.data as StreamSource;
});

export function isComputedSource(source: StreamSource): source is { readonly account: string; readonly stream: string } {
  return 'account' in source;
}

export const streamDefinitionSchema = z
  .strictObject({
    kind: z.enum(STREAM_KINDS, { error: `must be one of ${STREAM_KINDS.join(', ')}` }),
    type: z.enum(STREAM_TYPES, { error: `must be one of ${STREAM_TYPES.join(', ')}` }),
    source: sourceSchema,
    stages: z
      .array(stageSchema, { error: (issue) => (issue.input === undefined ? 'required' : 'must be an array of stages') })
      .max(MAX_STAGES, `at most ${MAX_STAGES} stages`),
    currency,
  })
  .superRefine((stream, ctx) => {
    const computed = isComputedSource(stream.source);
    if (stream.type === 'computed' && !computed) {
      ctx.addIssue({
        code: 'custom',
        path: ['source'],
        message: 'a computed stream takes its rows from {"account","stream"} (the upstream stream that shares batches with this account)',
      });
    }
    if (stream.type === 'simple' && computed) {
      ctx.addIssue({
        code: 'custom',
        path: ['source'],
        message: 'a simple stream takes its rows from {"purchases":true} or {"upload":true}; {"account","stream"} is the source of a computed stream',
      });
    }
  });

/** The body of `PUT /streams/{id}`; throws ValidationError whose details name each bad field. */
export function parseStreamDefinition(body: unknown): StreamDefinition {
  return parseInput(streamDefinitionSchema, body, 'stream');
}

/** The stream as the API returns it: the JSON it was saved with (normalised), nothing compiled. */
export function toWireStream(stream: StreamDefinition): WireStream {
  return {
    kind: stream.kind,
    type: stream.type,
    source: { ...stream.source },
    stages: stream.stages.map(toWireStage),
    currency: stream.currency,
  };
}

/** Whether a run of this stream has to see every row before emitting any (an `aggregate` stage). */
export function hasBarrier(stream: Pick<StreamDefinition, 'stages'>): boolean {
  return stream.stages.some((stage) => stage.type === 'aggregate');
}
