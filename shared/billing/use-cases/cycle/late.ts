import { logger } from '../../../kernel/logger';
import type { StepDeps } from './steps';

/** A late purchase of a running cycle is looked at again this much later (the running run may miss it). */
const LATE_RETRY_SECONDS = 60;

/**
 * `cycle-late`: purchases of a completed cycle's period were stored at `arrivedAt` (shared/ingest/use-cases/ingest.ts
 * calls LatePurchases): its drafts are regenerated, unless a run started after that already read them. A
 * burst of late chunks makes one regeneration; while a run goes, the question is asked again later.
 * Approved invoices stay as they are (the report names what arrived too late for them).
 */
export async function regenerateLate(deps: StepDeps, accountId: string, cycleId: string, arrivedAt: string): Promise<void> {
  const cycle = await deps.cycles.get(accountId, cycleId);
  if (!cycle || cycle.status === 'failed' || Date.parse(cycle.startedAt) > Date.parse(arrivedAt)) return;
  const next = cycle.status === 'running' ? null : await deps.cycles.restart(accountId, cycleId, deps.now().toISOString());
  if (!next) {
    await deps.bus.send([{ type: 'cycle-late', accountId, cycleId, arrivedAt }], { delaySeconds: LATE_RETRY_SECONDS });
    return;
  }
  logger.info('late purchases: regenerating the cycle', { accountId, cycleId, run: next.run });
  await deps.bus.send([{ type: 'cycle-start', accountId, cycleId, run: next.run }]);
}
