import { z } from 'zod';
import { identifier } from '../kernel/fields';

/**
 * The messages of the BillingQueue, written once: the schema the consumer parses with, and the types senders
 * and use cases see (`z.infer`). A cycle's fan-out (plan → collect → invoice), late purchases and exports.
 */

/** What a collector's keys are: journal objects of the period's months, or billing stream batches' rows files. */
const collectSource = z.enum(['journal', 'batches']);
export type CollectSource = z.infer<typeof collectSource>;

const cycleRef = { accountId: identifier, cycleId: identifier, run: z.number().int().min(1) };

const billingMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cycle-start'), ...cycleRef }),
  z.object({
    type: z.literal('cycle-collect'),
    ...cycleRef,
    collector: z.number().int().min(0),
    keys: z.array(z.string().min(1)),
    // absent in messages queued before collect messages said their source (the collector infers it from the keys)
    source: collectSource.optional(),
  }),
  z.object({ type: z.literal('cycle-invoice'), ...cycleRef, partition: z.number().int().min(0) }),
  /** Purchases of the cycle's period were stored at `arrivedAt`, after a run had started: regenerate. */
  z.object({ type: z.literal('cycle-late'), accountId: identifier, cycleId: identifier, arrivedAt: z.string().min(1) }),
  z.object({ type: z.literal('export'), accountId: identifier, exportId: identifier }),
]);
export type BillingMessage = z.infer<typeof billingMessage>;

/** Parses a BillingQueue message body; a malformed one throws (retried, then kept by the DLQ). */
export function parseBillingMessage(body: string): BillingMessage {
  return billingMessage.parse(JSON.parse(body));
}
