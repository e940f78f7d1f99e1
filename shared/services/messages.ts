import { z } from 'zod';
import { identifier } from '../domain/fields';
import type { PipelineMessage } from '../ports';

const messageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('chunk'), accountId: identifier, key: z.string().min(1) }),
  z.object({
    type: z.literal('remap'),
    accountId: identifier,
    waitingFor: z.union([z.object({ customer: identifier }).strict(), z.object({ label: identifier }).strict()]),
  }),
  z.object({
    type: z.literal('reevaluate'),
    accountId: identifier,
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
  z.object({ type: z.literal('reevaluate-purchases'), accountId: identifier, references: z.array(identifier).min(1) }),
]);

/** Parses a queue message body; a malformed one throws, so it is retried and then lands in the DLQ. */
export function parseMessage(body: string): PipelineMessage {
  return messageSchema.parse(JSON.parse(body));
}
