import { logger } from '../../shared/kernel/logger';
import { reconcileService } from '../../shared/platform/wiring';

const reconciler = reconcileService();

/**
 * Every minute (EventBridge): resumes the work that stopped making progress (billing cycles, stream runs
 * and shares, …; see shared/platform/wiring.ts `reconcileService`). Staleness is judged against the clock when it
 * runs, so a late or retried event is as good as a punctual one, and a doubled one resumes nothing twice.
 */
export const handler = async () => {
  const outcome = await reconciler.run(new Date());
  const acted = Object.values(outcome.parts).some((p) => 'error' in p || p.resumed > 0 || p.failed > 0);
  if (acted) logger.info('reconciled', { parts: outcome.parts });
  return outcome;
};
