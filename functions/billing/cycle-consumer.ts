import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { checkPdfFonts } from '../../shared/billing/documents/pdf';
import { logger } from '../../shared/kernel/logger';
import { parseBillingMessage } from '../../shared/billing/messages';
import { isLastDelivery, receiveCount } from '../../shared/edge/sqs';
import { cycleWorker, exportService } from '../../shared/billing/wiring';

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
    // Every failure is logged with its message: a retry comes only after the visibility timeout.
    logger.warn('billing message failed; SQS will deliver it again', { type: message.type, receives: receiveCount(record), error: error as Error });
    await settle(message, error, isLastDelivery(record)).catch((markError: unknown) =>
      // the marker failing must not hide the step's own error; the reconciler gives the run up later
      logger.error('could not record the failure of a billing message', { type: message.type, error: markError as Error }),
    );
    throw error;
  }
}

/**
 * A failed delivery of a cycle step keeps its error on the cycle (what the reconciler reports if it gives
 * up); on the last delivery the cycle (or export) is marked failed with the error, and the DLQ keeps the message.
 */
async function settle(message: ReturnType<typeof parseBillingMessage>, error: unknown, last: boolean): Promise<void> {
  if (message.type === 'export') {
    if (last) await exports.fail(message.accountId, message.exportId, error);
    return;
  }
  if (message.type === 'cycle-late') return;
  if (!last) return worker.noteFailure(message, error);
  logger.error('billing message failed for the last time', { type: message.type, error: error as Error });
  await worker.fail(message, error);
}

/** The BillingQueue: cycle steps (start, collect, invoice), late purchases and exports; a failed message alone is retried. */
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, processRecord, processor, { context });
