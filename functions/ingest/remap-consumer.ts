import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseMessage } from '../../shared/services/messages';
import { ingestService } from '../../shared/wiring';

const ingest = ingestService();
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseMessage(record.body);
  if (message.type !== 'remap') throw new Error(`unexpected ${message.type} message on the remap queue`);
  await ingest.remap(message.accountId, message.waitingFor);
}

/** Re-maps the unmapped purchases waiting for a customer code or product label that has just appeared. */
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context });
