import { z } from 'zod';
import { identifier } from '../kernel/fields';

/**
 * The messages of the re-evaluation (remap) queue, written once: the schema the consumer parses with, and the
 * types senders and use cases see (`z.infer`).
 */

/**
 * Which open purchases a catalogue change can affect. Product clusters stand for the labels aliased to
 * them or their descendants, customer clusters for the customers in them or below; with `followRouting`
 * the customers whose purchases are routed to those customers count too. A purchase is in scope when its
 * label is (if labels are named) and its customer is (if customers are named). Empty scope: all of them.
 */
const reevaluationScope = z
  .object({
    productClusters: z.array(identifier).optional(),
    labels: z.array(identifier).optional(),
    customerClusters: z.array(identifier).optional(),
    customers: z.array(identifier).optional(),
    followRouting: z.boolean().optional(),
  })
  .strict();
export type ReevaluationScope = z.infer<typeof reevaluationScope>;

/** The new customer code or product label unmapped purchases wait for. */
const waitingFor = z.union([z.object({ customer: identifier }).strict(), z.object({ label: identifier }).strict()]);
export type WaitingFor = z.infer<typeof waitingFor>;

/**
 * A re-evaluation's messages name its record and attempt (`reevaluationId`, `attempt`), and each fanned-out
 * part its number: the record counts the parts as they finish. Messages without them (sent before records
 * existed) are carried out untracked.
 */
const reevaluationRef = { reevaluationId: identifier.optional(), attempt: z.number().int().min(1).optional() };

const pipelineMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('remap'), accountId: identifier, waitingFor, ...reevaluationRef }),
  z.object({ type: z.literal('reevaluate'), accountId: identifier, scope: reevaluationScope, ...reevaluationRef }),
  z.object({
    type: z.literal('reevaluate-purchases'),
    accountId: identifier,
    references: z.array(identifier).min(1),
    part: z.number().int().min(0).optional(),
    ...reevaluationRef,
  }),
]);
export type PipelineMessage = z.infer<typeof pipelineMessage>;

/** Parses a remap queue message body; a malformed one throws, so it is retried and then lands in the DLQ. */
export function parsePipelineMessage(body: string): PipelineMessage {
  return pipelineMessage.parse(JSON.parse(body));
}
