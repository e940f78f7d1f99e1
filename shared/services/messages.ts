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
]);

/** Parses a queue message body; a malformed one throws, so it is retried and then lands in the DLQ. */
export function parseMessage(body: string): PipelineMessage {
  return messageSchema.parse(JSON.parse(body));
}
