import { mapLimit } from '../../../kernel/concurrency';
import { objects } from '../../../storage/keys';
import { customerReport, errorReport, mergeAll, type CycleReport } from '../../domain/report';
import type { CycleRecord } from '../../ports';
import { batchCycleRow, linkedRow, partitionOf, rowsToJsonLines, type CycleRow } from '../rows';
import { planLinks } from './plan-file';
import { ROWS_PER_PIECE, type StepDeps } from './steps';

/**
 * A collector of billing stream batches (one per key, a batch's rows file): each row goes to its
 * customer's partition; rows without customer or amount are reported.
 */
export async function collectBatches(deps: StepDeps, cycle: CycleRecord, collector: number, keys: readonly string[]): Promise<CycleReport> {
  const { accountId, id: cycleId, run } = cycle;
  const partitions = cycle.plan!.partitions;
  const clusters = await deps.catalog.allProductClusters(accountId);
  const clusterOfLabel = new Map(clusters.flatMap((c) => c.aliases.map((alias) => [alias, c.id] as const)));
  const links = await planLinks(deps.files, cycle);
  let parts = new Map<number, CycleRow[]>();
  let buffered = 0;
  let piece = 0;
  // rows go out in pieces, so a collector holds at most ROWS_PER_PIECE rows whatever the batch's size
  const flush = async () => {
    const out = parts;
    const at = piece++;
    parts = new Map();
    buffered = 0;
    await mapLimit([...out], 8, ([partition, rows]) =>
      deps.files.put(objects.cyclePart(accountId, cycleId, run, partition, collector, at), rowsToJsonLines(rows), 'application/x-ndjson'),
    );
  };
  const problems: CycleReport[] = [];
  for (const key of keys) {
    const batchId = objects.batchOfFile(key)!;
    const batch = await deps.batches?.batch(accountId, batchId);
    if (!batch || !deps.batches) throw new Error(`batch ${batchId} of cycle ${cycleId} is missing`);
    let index = 0;
    let skipped = 0;
    for await (const row of deps.batches.rows(batch)) {
      const unlinked = batchCycleRow(row, batch, index++, clusterOfLabel);
      if (!unlinked) {
        skipped += 1;
        continue;
      }
      const cycleRow = linkedRow(unlinked, links);
      const partition = partitionOf(cycleRow.customerCode, partitions);
      const part = parts.get(partition) ?? [];
      part.push(cycleRow);
      parts.set(partition, part);
      if (++buffered >= ROWS_PER_PIECE) await flush();
    }
    if (skipped) {
      const message = `${skipped} row(s) of batch ${batchId} (stream ${batch.stream}) have no customerCode, or no amount or quantity that reads as a decimal`;
      problems.push(errorReport({ customer: null, code: 'batch_rows_not_invoiced', message }));
    }
  }
  await flush();
  return mergeAll([customerReport({}), ...problems]);
}
