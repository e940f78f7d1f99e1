import type { Context } from 'aws-lambda';
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
 * The schedule fires once a minute: a run waits up to this long for intents that are not stale yet, so an
 * acceptance that died is finished about `INGEST_RECOVER_AFTER_SECONDS` after it stopped, not up to a minute later.
 */
const WAIT_MS = Number(process.env.INGEST_RECOVER_WAIT_SECONDS ?? '30') * 1000;
/** Intents younger than this are not waited for: a healthy acceptance, about to delete its own. */
const WAIT_FOR_AGE_MS = 5_000;
/** Time kept back from the invocation's deadline for the recoveries that the wait ends on. */
const MARGIN_MS = 20_000;

/**
 * Scheduled: finishes every stale acceptance (journal, re-rating, removal of its intent) and runs every
 * stalled drop again from its first line, so nothing accepted is ever lost and every dropped file gets its result.
 */
export const handler = async (
  _event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<{ recovered: number; drops: number }> => {
  const resumed = await drops.recoverStale(DROP_STALE_MS);
  const left = context?.getRemainingTimeInMillis ? context.getRemainingTimeInMillis() - MARGIN_MS : WAIT_MS;
  const recovered = await ingest.recoverStale(INTENT_STALE_MS, {
    waitUpToMs: Math.max(0, Math.min(WAIT_MS, left)),
    waitForAgeMs: WAIT_FOR_AGE_MS,
  });
  if (recovered > 0 || resumed > 0) logger.info('finished stopped ingest work', { recovered, drops: resumed });
  return { recovered, drops: resumed };
};
