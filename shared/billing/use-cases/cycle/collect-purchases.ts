import { mapLimit } from '../../../kernel/concurrency';
import { instant } from '../../../kernel/fields';
import type { PurchaseRecord } from '../../../ingest/domain/purchase';
import { objects } from '../../../storage/keys';
import { isBillable, readsFromMonth } from '../../domain/period-rows';
import { customerReport, type CycleReport, type NotInvoicedReason, type UnmappedReason } from '../../domain/report';
import type { CycleRecord } from '../../ports';
import { journalKeyMonth, linkedRow, partitionOf, rowsToJsonLines, toCycleRow, type CycleRow } from '../rows';
import { planLinks } from './plan-file';
import { periodOf, type StepDeps } from './steps';

/**
 * A collector of journal objects: reads the purchases their lines name, writes the billable (and held)
 * ones as rows into one file per partition of paying customers, and counts the rest by reason.
 */
export async function collectPurchases(deps: StepDeps, cycle: CycleRecord, collector: number, keys: readonly string[]): Promise<CycleReport> {
  const { accountId, id: cycleId, run } = cycle;
  const period = periodOf(cycle);
  const partitions = cycle.plan!.partitions;
  const references = new Set<string>();
  await mapLimit(keys, 4, async (key) => {
    const month = journalKeyMonth(key);
    for (const line of await deps.chunks.readJournal(key)) {
      if (readsFromMonth(line, period, month)) references.add(line.reference);
    }
  });
  const records = await readPurchases(deps, accountId, [...references]);
  const links = await planLinks(deps.files, cycle);

  const unmapped: Partial<Record<UnmappedReason, number>> = {};
  const notInvoiced: Partial<Record<NotInvoicedReason, number>> = {};
  const parts = new Map<number, CycleRow[]>();
  for (const record of records) {
    if (record.status === 'unmapped') {
      const reason = record.reason as UnmappedReason;
      unmapped[reason] = (unmapped[reason] ?? 0) + 1;
    } else if (isBillable(record) || record.reason === 'on-hold') {
      // held rows (priced or not) go to their payer's partition too: the invoicer reports a held customer once
      const row = linkedRow(toCycleRow(record, period), links);
      const partition = partitionOf(row.customerCode, partitions);
      const part = parts.get(partition) ?? [];
      part.push(row);
      parts.set(partition, part);
    } else {
      const reason = (record.reason ?? 'no-price-rule') as NotInvoicedReason;
      notInvoiced[reason] = (notInvoiced[reason] ?? 0) + 1;
    }
  }
  await mapLimit([...parts], 8, ([partition, rows]) =>
    deps.files.put(objects.cyclePart(accountId, cycleId, run, partition, collector), rowsToJsonLines(rows), 'application/x-ndjson'),
  );
  return customerReport({ unmapped, notInvoiced });
}

/** Reads purchases 100 at a time; those waiting as future-date whose date has come are re-rated first. */
async function readPurchases(deps: StepDeps, accountId: string, references: readonly string[]): Promise<PurchaseRecord[]> {
  const read = async (refs: readonly string[]) => {
    const batches: string[][] = [];
    for (let i = 0; i < refs.length; i += 100) batches.push(refs.slice(i, i + 100));
    const pages = await mapLimit(batches, 4, (batch) => deps.purchases.getMany(accountId, batch));
    return pages.flatMap((page) => [...page.values()]);
  };
  const records = await read(references);
  const now = deps.now().getTime();
  const due = records.filter((r) => r.reason === 'future-date' && instant(r.purchaseDate) <= now).map((r) => r.reference);
  if (!due.length) return records;
  await deps.rerate(accountId, due);
  const fresh = new Map((await read(due)).map((r) => [r.reference, r]));
  return records.map((r) => fresh.get(r.reference) ?? r);
}
