import type { BillingPeriod } from '../../kernel/periods';
import { newBatchId, runningBatch, type BatchRecord } from '../domain/batch';
import type { Row } from '../domain/columns';
import { isComputedSource } from '../domain/stream';
import { objects } from '../../storage/keys';
import type { StreamBus, StreamFiles, StreamStore } from '../ports';
import { batchFileRows } from './io';
import { launchRun } from './launch';

/** The batches a billing cycle invoices (docs/product.md §7: "invoices are views of batches"). */
export interface CycleBatches {
  /**
   * null when the account has no billing stream (its own rated purchases are billed). Otherwise, per
   * billing stream, the newest batch of exactly this period: `ready` (draft or published), `waiting`
   * (running; a simple stream without one has just been started) or `missing` (a computed stream its
   * upstream has not shared the period with, or a run that failed).
   */
  forPeriod(accountId: string, period: BillingPeriod): Promise<{ ready: BatchRecord[]; waiting: string[]; missing: string[] } | null>;
  /** A batch the plan chose, read again by its collector. */
  batch(accountId: string, batchId: string): Promise<BatchRecord | null>;
  /** The rows of a ready batch, streamed from the file of the attempt that finished it. */
  rows(batch: BatchRecord): AsyncIterable<Row>;
}

export class StreamCycleBatches implements CycleBatches {
  constructor(
    private readonly streams: StreamStore,
    private readonly files: StreamFiles,
    private readonly bus: StreamBus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async forPeriod(accountId: string, period: BillingPeriod) {
    const billing = (await this.streams.allStreams(accountId)).filter((s) => s.definition.kind === 'billing');
    if (billing.length === 0) return null;
    const ready: BatchRecord[] = [];
    const waiting: string[] = [];
    const missing: string[] = [];
    for (const stream of billing) {
      const batch = await this.latest(accountId, stream.id, period);
      if (batch && (batch.status === 'draft' || batch.status === 'published')) ready.push(batch);
      else if (batch?.status === 'running') waiting.push(stream.id);
      else if (batch?.status === 'failed')
        missing.push(`stream '${stream.id}': its run ${batch.id} for the period failed: ${batch.failure ?? 'unknown reason'}`);
      else if (isComputedSource(stream.definition.source))
        missing.push(`stream '${stream.id}': no batch of the period yet (its upstream has not shared one)`);
      else if ('upload' in stream.definition.source) missing.push(`stream '${stream.id}': no batch of the period (run it after uploading its file)`);
      else {
        // a simple stream of the account's purchases without a batch of the period: run it now
        const at = this.now();
        const id = newBatchId(at);
        const source = { purchases: true as const };
        const batch = runningBatch({ id, accountId, stream: stream.id, definition: stream.definition, period, source, at: at.toISOString() });
        await launchRun({ bus: this.bus, streams: this.streams }, batch);
        waiting.push(stream.id);
      }
    }
    return { ready, waiting, missing };
  }

  batch(accountId: string, batchId: string): Promise<BatchRecord | null> {
    return this.streams.getBatch(accountId, batchId);
  }

  async *rows(batch: BatchRecord): AsyncIterable<Row> {
    const bytes = await this.files.open(objects.batchFile(batch.accountId, batch.id, 'rows.csv', batch.attempt));
    if (!bytes) throw new Error(`batch ${batch.id} has no rows file`);
    yield* batchFileRows(bytes, `batch ${batch.id}`);
  }

  private async latest(accountId: string, stream: string, period: BillingPeriod): Promise<BatchRecord | null> {
    let cursor: string | undefined;
    do {
      const page = await this.streams.streamBatches(accountId, stream, { limit: 100, cursor });
      const found = page.items.find((b) => b.periodStart === period.start && b.periodEnd === period.end);
      if (found) return found;
      cursor = page.next ?? undefined;
    } while (cursor);
    return null;
  }
}
