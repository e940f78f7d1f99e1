import { z } from 'zod';
import { identifier } from '../kernel/fields';
import type { BatchRecord } from './domain/batch';

/** The messages of the StreamsQueue, written once: the schema the consumer parses with, and their type. */
const streamMessage = z.discriminatedUnion('type', [
  /**
   * Runs a batch. `batch` is the record to create when it does not exist yet: senders send first and write
   * the record after, so a crash in between never leaves a `running` batch that no message will run.
   * `attempt` (default 1) is the run attempt the message is for: a re-driven run is a new attempt, and a
   * message of an older attempt does nothing.
   */
  z.object({
    type: z.literal('stream-run'),
    accountId: identifier,
    batchId: identifier,
    // written by our own senders from a checked definition; the consumer only compares its ids
    batch: z.custom<BatchRecord>((value) => typeof value === 'object' && value !== null && !Array.isArray(value)).optional(),
    attempt: z.number().int().min(1).optional(),
  }),
  /** Shares a published batch with the partner accounts it is shared with. */
  z.object({ type: z.literal('batch-share'), accountId: identifier, batchId: identifier }),
]);
export type StreamMessage = z.infer<typeof streamMessage>;

/** Parses a StreamsQueue message body; a malformed one throws (retried, then kept by the DLQ). */
export function parseStreamMessage(body: string): StreamMessage {
  return streamMessage.parse(JSON.parse(body));
}
