import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parsePipelineMessage } from '../../shared/ingest/messages';
import { isLastDelivery, receiveCount } from '../../shared/edge/sqs';
import { logger } from '../../shared/kernel/logger';
import { reevaluationWorker } from '../../shared/ingest/wiring';

const worker = reevaluationWorker();
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parsePipelineMessage(record.body);
  try {
    await worker.handle(message);
  } catch (error) {
    // the error is kept on the re-evaluation; after the last delivery the reconciler finishes it
    const last = isLastDelivery(record);
    const log = last ? logger.error.bind(logger) : logger.warn.bind(logger);
    log(last ? 're-evaluation message failed for the last time; it goes to the DLQ' : 're-evaluation message failed; SQS will deliver it again', {
      type: message.type,
      receives: receiveCount(record),
      error: error as Error,
    });
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
