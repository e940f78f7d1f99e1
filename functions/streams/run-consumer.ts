import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../../shared/kernel/logger';
import { parseStreamMessage } from '../../shared/streams/messages';
import { isLastDelivery, receiveCount } from '../../shared/edge/sqs';
import { errorText } from '../../shared/platform/use-cases/reconcile';
import { streamRunner } from '../../shared/streams/wiring';

const runner = streamRunner();
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseStreamMessage(record.body);
  try {
    if (message.type === 'stream-run') await runner.run(message.accountId, message.batchId, message.batch, message.attempt ?? 1);
    else await runner.share(message.accountId, message.batchId);
  } catch (error) {
    logger.warn('stream message failed', {
      type: message.type,
      accountId: message.accountId,
      batchId: message.batchId,
      receives: receiveCount(record),
      error: error as Error,
    });
    try {
      // the error is kept for the reconciler; the last delivery of a run ends the batch failed with it
      if (message.type === 'stream-run' && isLastDelivery(record))
        await runner.failRun(message.accountId, message.batchId, errorText(error), message.attempt ?? 1);
      else await runner.noteFailure(message.accountId, message.batchId, error);
    } catch (markError) {
      logger.error('could not record the failure of a stream message', { type: message.type, batchId: message.batchId, error: markError as Error });
    }
    throw error;
  }
}

/** The StreamsQueue: one stream run or one batch share per message. */
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context });
