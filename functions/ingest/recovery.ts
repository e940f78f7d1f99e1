import { logger } from '../../shared/logger';
import { ingestService } from '../../shared/wiring';

const ingest = ingestService();

/**
 * An acceptance takes a second or two; one whose intent is older than this was stopped (a crash, a timeout)
 * after claiming some purchases. `INGEST_RECOVER_AFTER_SECONDS` lets tests shorten it.
 */
const STALE_AFTER_MS = Number(process.env.INGEST_RECOVER_AFTER_SECONDS ?? '15') * 1000;

/** Scheduled: finishes every stale acceptance (journal, re-rating, removal of its intent), so nothing accepted is ever lost. */
export const handler = async (): Promise<{ recovered: number }> => {
  const recovered = await ingest.recoverStale(STALE_AFTER_MS);
  if (recovered > 0) logger.info('finished stale ingest acceptances', { recovered });
  return { recovered };
};
