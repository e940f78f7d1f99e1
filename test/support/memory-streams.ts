/** In-memory streams ports (see memory-ports.ts). */
import type { BatchRecord, BatchStatus, InboundRecord } from '../../shared/streams/domain/batch';
import type { WireStream } from '../../shared/streams/domain/stream';
import type { LookupTable } from '../../shared/streams/domain/tables';
import type {
  ExchangeRateRecord,
  LookupTableSummary,
  OpenBatchWork,
  StoredStream,
  StreamBus,
  StreamMessage,
  StreamStore,
  StreamTablesStore,
} from '../../shared/streams/ports';
import type { Page, PageRequest } from '../../shared/kernel/page';
import { keys } from '../../shared/storage/keys';
import { byKey, copy, copyOrNull, MemoryQueue, ofAccount, pageOf } from './memory-common';

export class MemoryStreamBus extends MemoryQueue<StreamMessage> implements StreamBus {}

/**
 * Streams, batches, inbound batches and the open-work items of batches (DynamoStreamStore). A batch is
 * created once; its status moves only from the status a write names, and a running batch only by the
 * attempt the stored record names. A running batch has its `run` work item from its first write; a
 * published one gets a `share` item; ending a run removes the item.
 */
export class MemoryStreams implements StreamStore {
  private readonly streams = new Map<string, StoredStream>();
  private readonly batches = new Map<string, BatchRecord>();
  private readonly work = new Map<string, OpenBatchWork>();
  private readonly inbounds = new Map<string, InboundRecord>();

  async putStream(accountId: string, id: string, definition: WireStream, updatedAt: string) {
    const created = !this.streams.has(`${accountId}/${id}`);
    this.streams.set(`${accountId}/${id}`, { id, definition: copy(definition), updatedAt });
    return { created };
  }
  async getStream(accountId: string, id: string) {
    return copyOrNull(this.streams.get(`${accountId}/${id}`));
  }
  async listStreams(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.streams, accountId), page);
  }
  async allStreams(accountId: string) {
    return ofAccount(this.streams, accountId).map(copy);
  }

  async createBatch(record: BatchRecord) {
    const key = `${record.accountId}/${record.id}`;
    if (this.batches.has(key)) return false;
    if (record.status !== 'running') {
      this.batches.set(key, copy(record));
      return true;
    }
    const running = { ...copy(record), attempt: record.attempt ?? 1 };
    this.batches.set(key, running);
    this.work.set(key, {
      accountId: record.accountId,
      batchId: record.id,
      phase: 'run',
      attempt: running.attempt,
      heartbeatAt: record.updatedAt,
      resumes: 0,
      lastError: null,
    });
    return true;
  }

  async getBatch(accountId: string, id: string) {
    return copyOrNull(this.batches.get(`${accountId}/${id}`));
  }

  async updateBatch(record: BatchRecord, from: BatchStatus) {
    const key = `${record.accountId}/${record.id}`;
    const current = this.batches.get(key);
    if (!current || current.status !== from) return false;
    if (from === 'running' && current.attempt !== record.attempt) return false;
    this.batches.set(key, copy(record));
    if (from === 'running' && record.status !== 'running') this.work.delete(key);
    if (from === 'draft' && record.status === 'published') {
      this.work.set(key, {
        accountId: record.accountId,
        batchId: record.id,
        phase: 'share',
        attempt: record.attempt ?? 1,
        heartbeatAt: record.updatedAt,
        resumes: 0,
        lastError: null,
      });
    }
    return true;
  }

  async streamBatches(accountId: string, stream: string, page: PageRequest) {
    const sortOf = (b: BatchRecord) => `${b.createdAt}#${b.id}`;
    return pageOf(
      ofAccount(this.batches, accountId)
        .filter((b) => b.stream === stream)
        .sort(byKey(sortOf))
        .reverse(),
      page,
    );
  }

  async *openWork(before: string) {
    const sortOf = (w: OpenBatchWork) => keys.openWorkSort(w.heartbeatAt, w.accountId, w.batchId);
    const stale = [...this.work.values()].filter((w) => sortOf(w) < keys.openWorkSort(before)).sort(byKey(sortOf));
    if (stale.length) yield stale.map(copy);
  }
  async getWork(accountId: string, batchId: string) {
    return copyOrNull(this.work.get(`${accountId}/${batchId}`));
  }
  async beat(accountId: string, batchId: string, phase: OpenBatchWork['phase'], attempt: number, at: string) {
    const current = this.work.get(`${accountId}/${batchId}`);
    if (!current || current.phase !== phase || current.attempt !== attempt) return false;
    current.heartbeatAt = at;
    return true;
  }
  async noteError(accountId: string, batchId: string, error: string) {
    const current = this.work.get(`${accountId}/${batchId}`);
    if (current) current.lastError = error;
  }
  async redrive(work: OpenBatchWork, at: string) {
    const key = `${work.accountId}/${work.batchId}`;
    const current = this.work.get(key);
    if (!current || current.heartbeatAt !== work.heartbeatAt || current.phase !== work.phase || current.attempt !== work.attempt) return null;
    const next = work.phase === 'run' ? work.attempt + 1 : work.attempt;
    if (work.phase === 'run') {
      const batch = this.batches.get(key);
      if (batch?.status !== 'running' || batch.attempt !== work.attempt) return null;
      this.batches.set(key, { ...batch, attempt: next, updatedAt: at });
    }
    this.work.set(key, { ...current, heartbeatAt: at, attempt: next, resumes: current.resumes + 1 });
    return this.getBatch(work.accountId, work.batchId);
  }
  async closeWork(accountId: string, batchId: string, phase: OpenBatchWork['phase']) {
    if (this.work.get(`${accountId}/${batchId}`)?.phase === phase) this.work.delete(`${accountId}/${batchId}`);
  }

  async createInbound(record: InboundRecord) {
    const key = `${record.accountId}/${record.id}`;
    if (this.inbounds.has(key)) return false;
    this.inbounds.set(key, copy(record));
    return true;
  }
  async getInbound(accountId: string, id: string) {
    return copyOrNull(this.inbounds.get(`${accountId}/${id}`));
  }
  async listInbound(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.inbounds, accountId), page);
  }
}

/** Exchange rates (one entry per pair and validFrom) and lookup tables (DynamoStreamTablesStore): a PUT replaces. */
export class MemoryStreamTables implements StreamTablesStore {
  private readonly rates = new Map<string, ExchangeRateRecord>();
  private readonly tables = new Map<string, { table: LookupTable; updatedAt: string }>();

  async putExchangeRate(accountId: string, rate: ExchangeRateRecord) {
    const key = `${accountId}/${keys.exchangeRateSort(rate.pair, rate.validFrom)}`;
    const created = !this.rates.has(key);
    this.rates.set(key, copy(rate));
    return { created };
  }
  async exchangeRates(accountId: string) {
    return ofAccount(this.rates, accountId).map(copy);
  }
  async exchangeRatesOf(accountId: string, pair: string) {
    return [...this.rates]
      .filter(([k]) => k.startsWith(`${accountId}/${keys.exchangeRateSort(pair)}`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, r]) => copy(r));
  }
  async listExchangeRates(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.rates, accountId), page);
  }
  async putLookupTable(accountId: string, id: string, table: LookupTable, updatedAt: string) {
    const created = !this.tables.has(`${accountId}/${id}`);
    this.tables.set(`${accountId}/${id}`, { table: copy(table), updatedAt });
    return { created };
  }
  async lookupTable(accountId: string, id: string) {
    return copyOrNull(this.tables.get(`${accountId}/${id}`));
  }
  async listLookupTables(accountId: string, page: PageRequest): Promise<Page<LookupTableSummary>> {
    const summaries = [...this.tables]
      .filter(([k]) => k.startsWith(`${accountId}/`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, { table, updatedAt }]) => ({ id: k.slice(accountId.length + 1), key: table.key, rowCount: table.rows.length, updatedAt }));
    return pageOf(summaries, page);
  }
}
