import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseMessage } from '../../shared/services/messages';
import { ingestService, reevaluationPlanner } from '../../shared/wiring';

const ingest = ingestService();
const planner = reevaluationPlanner();
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseMessage(record.body);
  switch (message.type) {
    case 'remap':
      await ingest.remap(message.accountId, message.waitingFor);
      return;
    case 'reevaluate':
      await planner.plan(message.accountId, message.scope);
      return;
    case 'reevaluate-purchases':
      await ingest.reevaluate(message.accountId, message.references);
      return;
    default:
      throw new Error(`unexpected ${(message as { type: string }).type} message on the re-evaluation queue`);
  }
}

/**
 * The re-evaluation queue: re-maps purchases waiting for a new customer or alias, plans the
 * re-evaluation a catalogue change calls for, and re-rates the purchases it fans out.
 */
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context });
