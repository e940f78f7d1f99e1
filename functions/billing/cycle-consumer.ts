import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { checkPdfFonts } from '../../shared/documents/pdf';
import { logger } from '../../shared/logger';
import { parseBillingMessage } from '../../shared/services/messages';
import { cycleWorker, exportService } from '../../shared/wiring';

/** Receives before SQS moves a message to the DLQ (the BillingQueue's maxReceiveCount). */
const MAX_RECEIVES = 5;

checkPdfFonts(); // a bundle without pdfkit's font metrics fails here, at cold start, not on the first invoice
const worker = cycleWorker();
const exports = exportService();
const processor = new BatchProcessor(EventType.SQS);

async function processRecord(record: SQSRecord): Promise<void> {
  const message = parseBillingMessage(record.body);
  try {
    if (message.type === 'export') await exports.run(message.accountId, message.exportId);
    else await worker.handle(message);
  } catch (error) {
    const receives = Number(record.attributes.ApproximateReceiveCount ?? 1);
    // Every failure is logged with its message: a retry comes only after the visibility timeout.
    logger.warn('billing message failed; SQS will deliver it again', { type: message.type, receives, error: error as Error });
    // On the last delivery the cycle (or export) is marked failed with the error; the DLQ keeps the message.
    if (receives >= MAX_RECEIVES) {
      logger.error('billing message failed for the last time', { type: message.type, error: error as Error });
      if (message.type === 'export') await exports.fail(message.accountId, message.exportId, error);
      else if (message.type !== 'cycle-late') await worker.fail(message, error);
    }
    throw error;
  }
}

/** The BillingQueue: cycle steps (start, collect, invoice), late purchases and exports; a failed message alone is retried. */
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context });
