import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  throw new Error(`stream message not handled yet: ${record.body.slice(0, 80)}`);
}

/** The StreamsQueue: stream runs and batch shares. */
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context });
