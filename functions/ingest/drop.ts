import type { S3Event } from 'aws-lambda';
import { logger } from '../../shared/kernel/logger';
import { dropService } from '../../shared/ingest/wiring';

const drops = dropService();

/** S3 ObjectCreated on drops/: streams each dropped file into the ingest pipeline and writes its results. */
export const handler = async (event: S3Event): Promise<void> => {
  for (const record of event.Records) {
    // S3 event keys are URL-encoded with '+' for spaces.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
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
