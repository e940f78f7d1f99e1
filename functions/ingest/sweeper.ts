import { logger } from '../../shared/logger';
import { ingestService } from '../../shared/wiring';

const ingest = ingestService();

/** Chunks still in flight after this long have lost their message (or their consumer crashed). */
const STALE_AFTER_MS = 5 * 60_000;

/** Scheduled: re-sends the message of every stale in-flight chunk, so nothing accepted is ever lost. */
export const handler = async (): Promise<{ resent: number }> => {
  const resent = await ingest.sweep(STALE_AFTER_MS);
  if (resent > 0) logger.info('re-sent stale ingest chunks', { resent });
  return { resent };
};
