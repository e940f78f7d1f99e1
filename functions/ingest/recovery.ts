import { logger } from '../../shared/kernel/logger';
import { dropService, ingestService } from '../../shared/ingest/wiring';

const ingest = ingestService();
const drops = dropService();

/**
 * An acceptance takes a second or two; one whose intent is older than this was stopped (a crash, a timeout)
 * after claiming some purchases. A drop notes its progress after every chunk of 1,000 rows; one silent for
 * longer than the drop threshold has stopped. Both are settable for tests.
 */
const INTENT_STALE_MS = Number(process.env.INGEST_RECOVER_AFTER_SECONDS ?? '15') * 1000;
const DROP_STALE_MS = Number(process.env.DROP_RECOVER_AFTER_SECONDS ?? '60') * 1000;

/**
 * Scheduled: finishes every stale acceptance (journal, re-rating, removal of its intent) and runs every
 * stalled drop again from its first line, so nothing accepted is ever lost and every dropped file gets its result.
 */
export const handler = async (): Promise<{ recovered: number; drops: number }> => {
  const recovered = await ingest.recoverStale(INTENT_STALE_MS);
  const resumed = await drops.recoverStale(DROP_STALE_MS);
  if (recovered > 0 || resumed > 0) logger.info('finished stopped ingest work', { recovered, drops: resumed });
  return { recovered, drops: resumed };
};
