import type { S3Event } from 'aws-lambda';
import { logger } from '../../shared/kernel/logger';
import { dropService } from '../../shared/ingest/wiring';
import { customerDropImports } from '../../shared/catalog/wiring';
import { parseCustomerDropKey } from '../../shared/catalog/domain/customer-import';

const drops = dropService();
const customers = customerDropImports();

/**
 * S3 ObjectCreated on drops/: streams each dropped file into the ingest pipeline and writes its results; a
 * file under drops/<a>/customers/ is a customer import instead (shared/catalog/use-cases/customer-import.ts).
 */
export const handler = async (event: S3Event): Promise<void> => {
  for (const record of event.Records) {
    // S3 event keys are URL-encoded with '+' for spaces.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    if (parseCustomerDropKey(key)) {
      const imported = await customers.processDrop(key, record.s3.object.eTag ?? record.s3.object.sequencer ?? '');
      if (imported)
        logger.info('customer drop imported', {
          key,
          rows: imported.rows,
          created: imported.created,
          updated: imported.updated,
          rejected: imported.rejected.length,
        });
      continue;
    }
    const result = await drops.process(key, record.s3.object.eTag ?? record.s3.object.sequencer ?? '');
    if (result)
      logger.info('drop processed', {
        key,
        rows: result.rows,
        accepted: result.accepted,
        duplicates: result.duplicates,
        rejected: result.rejectedCount,
      });
  }
};
