import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../shared/logger';
import { parseMessage } from '../../shared/services/messages';
import { ingestService } from '../../shared/wiring';

const ingest = ingestService();
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseMessage(record.body);
  if (message.type !== 'chunk') throw new Error(`unexpected ${message.type} message on the ingest queue`);
  const outcome = await ingest.processChunk(message.key);
  if (outcome.conflicts > 0) logger.warn('conflicting resends kept out of the store', { key: message.key, conflicts: outcome.conflicts });
}

/** Maps and stores in-flight purchase chunks; a failed chunk alone is retried (partial batch response). */
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context });
