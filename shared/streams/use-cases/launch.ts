import type { BatchRecord } from '../domain/batch';
import type { StreamBus, StreamStore } from '../ports';

/**
 * Queues a run of a `running` batch: the message first, carrying the record, then the record (a
 * conditional create, so an existing batch is left as it is). Whichever of the two writes survives a
 * crash between them, the run happens (see StreamMessage).
 */
export async function launchRun(deps: { bus: StreamBus; streams: Pick<StreamStore, 'createBatch'> }, batch: BatchRecord): Promise<void> {
  await deps.bus.send([{ type: 'stream-run', accountId: batch.accountId, batchId: batch.id, batch }]);
  await deps.streams.createBatch(batch);
}
