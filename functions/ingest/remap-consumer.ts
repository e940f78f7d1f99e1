import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseMessage } from '../../shared/edge/messages';
import { reevaluationWorker } from '../../shared/ingest/wiring';

const worker = reevaluationWorker();
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseMessage(record.body);
  try {
    await worker.handle(message);
  } catch (error) {
    await worker.failed(message, error);
    throw error;
  }
}

/**
 * The re-evaluation queue: re-maps purchases waiting for a new customer or alias, plans the
 * re-evaluation a catalogue change calls for, and re-rates the purchases it fans out, keeping each
 * re-evaluation's record (shared/ingest/use-cases/reevaluation.ts) so that the reconciler can finish it.
 */
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context });
