import { z } from 'zod';
import { identifier } from '../kernel/fields';
import type { BatchRecord } from '../streams/domain/batch';
import type { BillingMessage } from '../billing/ports';
import type { PipelineMessage } from '../ingest/ports';
import type { StreamMessage } from '../streams/ports';

/** The re-evaluation a message belongs to (absent in messages sent before re-evaluations had records). */
const reevaluationRef = { reevaluationId: identifier.optional(), attempt: z.number().int().min(1).optional() };

const messageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('remap'),
    accountId: identifier,
    waitingFor: z.union([z.object({ customer: identifier }).strict(), z.object({ label: identifier }).strict()]),
    ...reevaluationRef,
  }),
  z.object({
    type: z.literal('reevaluate'),
    accountId: identifier,
    ...reevaluationRef,
    scope: z
      .object({
        productClusters: z.array(identifier).optional(),
        labels: z.array(identifier).optional(),
        customerClusters: z.array(identifier).optional(),
        customers: z.array(identifier).optional(),
        followRouting: z.boolean().optional(),
      })
      .strict(),
  }),
  z.object({
    type: z.literal('reevaluate-purchases'),
    accountId: identifier,
    references: z.array(identifier).min(1),
    part: z.number().int().min(0).optional(),
    ...reevaluationRef,
  }),
]);

/** Parses a queue message body; a malformed one throws, so it is retried and then lands in the DLQ. */
export function parseMessage(body: string): PipelineMessage {
  return messageSchema.parse(JSON.parse(body));
}

const cycleRef = { accountId: identifier, cycleId: identifier, run: z.number().int().min(1) };

const billingMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cycle-start'), ...cycleRef }),
  z.object({
    type: z.literal('cycle-collect'),
    ...cycleRef,
    collector: z.number().int().min(0),
    keys: z.array(z.string().min(1)),
    // absent in messages queued before collect messages said their source (the collector infers it from the keys)
    source: z.enum(['journal', 'batches']).optional(),
  }),
  z.object({ type: z.literal('cycle-invoice'), ...cycleRef, partition: z.number().int().min(0) }),
  z.object({ type: z.literal('cycle-late'), accountId: identifier, cycleId: identifier, arrivedAt: z.string().min(1) }),
  z.object({ type: z.literal('export'), accountId: identifier, exportId: identifier }),
]);

/** Parses a BillingQueue message body; a malformed one throws (retried, then kept by the DLQ). */
export function parseBillingMessage(body: string): BillingMessage {
  return billingMessageSchema.parse(JSON.parse(body));
}

const streamMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('stream-run'),
    accountId: identifier,
    batchId: identifier,
    // written by our own senders from a checked definition; the consumer only compares its ids
    batch: z.custom<BatchRecord>((value) => typeof value === 'object' && value !== null && !Array.isArray(value)).optional(),
    attempt: z.number().int().min(1).optional(),
  }),
  z.object({ type: z.literal('batch-share'), accountId: identifier, batchId: identifier }),
]);

/** Parses a StreamsQueue message body; a malformed one throws (retried, then kept by the DLQ). */
export function parseStreamMessage(body: string): StreamMessage {
  return streamMessageSchema.parse(JSON.parse(body));
}
