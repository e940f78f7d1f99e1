import type { SQSRecord } from 'aws-lambda';

/**
 * Deliveries of one message before SQS moves it to its queue's dead-letter queue: the redrive policy's
 * `maxReceiveCount` of every queue (infra/constructs/state.ts; the local stack provisions its queues from the
 * same template). The consumers compile the same constant in, so "last delivery" cannot drift from the DLQ.
 */
export const MAX_RECEIVE_COUNT = 5;

/** How many times SQS has delivered this message, this delivery included (1 when the attribute is missing). */
export function receiveCount(record: Pick<SQSRecord, 'attributes'>): number {
  const count = Number(record.attributes?.ApproximateReceiveCount ?? 1);
  return Number.isFinite(count) && count >= 1 ? count : 1;
}

/**
 * Whether this is the last delivery SQS makes of the message: if it fails now, the message goes to the DLQ,
 * so the consumer records the work as failed instead of leaving it to a retry that will not come.
 */
export function isLastDelivery(record: Pick<SQSRecord, 'attributes'>): boolean {
  return receiveCount(record) >= MAX_RECEIVE_COUNT;
}
