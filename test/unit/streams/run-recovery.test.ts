import { runningBatch, type BatchRecord, type BatchStatus } from '../../../shared/streams/domain/batch';
import type { WireStream } from '../../../shared/streams/domain/stream';
import type { OpenBatchWork, StreamBus, StreamMessage, StreamStore } from '../../../shared/streams/ports';
import { decideBatch, redriveMessage, StreamReconciler } from '../../../shared/streams/use-cases/run-recovery';

const policy = { staleAfterMs: 45_000, maxResumes: 5 };
const T0 = new Date('2026-11-02T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

const definition: WireStream = { kind: 'billing', type: 'simple', currency: 'EUR', source: { upload: true }, stages: [] };
function batch(over: Partial<BatchRecord> = {}): BatchRecord {
  return {
    ...runningBatch({
      id: 'bat_1',
      accountId: 'acme',
      stream: 's',
      definition,
      period: { start: '2026-10-01', end: '2026-11-01' },
      source: { upload: true },
      at: T0.toISOString(),
    }),
    ...over,
  };
}
function work(over: Partial<OpenBatchWork> = {}): OpenBatchWork {
  return { accountId: 'acme', batchId: 'bat_1', phase: 'run', attempt: 1, heartbeatAt: T0.toISOString(), resumes: 0, lastError: null, ...over };
}

describe('stream re-drive decisions (pure)', () => {
  test('a running batch whose run stopped is re-driven; a live one is left; a batch that moved on closes its item', () => {
    expect(decideBatch(work(), batch(), later(44_000), policy)).toEqual({ action: 'none', why: 'alive' });
    expect(decideBatch(work(), batch(), later(45_000), policy)).toEqual({ action: 'resume', phase: 'run' });
    expect(decideBatch(work(), batch({ status: 'draft' }), later(45_000), policy)).toEqual({ action: 'close' });
    expect(decideBatch(work(), null, later(45_000), policy)).toEqual({ action: 'close' });
    expect(decideBatch(work({ phase: 'share' }), batch({ status: 'published' }), later(45_000), policy)).toEqual({
      action: 'resume',
      phase: 'share',
    });
    expect(decideBatch(work({ phase: 'share' }), batch({ status: 'draft' }), later(45_000), policy)).toEqual({ action: 'close' });
  });

  test('after maxResumes it is given up with the last error', () => {
    expect(decideBatch(work({ resumes: 5, lastError: 'input unreadable' }), batch(), later(10 * 60_000), policy)).toEqual({
      action: 'give-up',
      phase: 'run',
      reason: 'stopped making progress after 5 resumes; last error: input unreadable',
    });
  });

  test('a run is re-driven as the record’s attempt, with the stored record; a share by its batch id', () => {
    const b = batch({ attempt: 3 });
    expect(redriveMessage('run', b)).toEqual({ type: 'stream-run', accountId: 'acme', batchId: 'bat_1', attempt: 3, batch: b });
    expect(redriveMessage('share', b)).toEqual({ type: 'batch-share', accountId: 'acme', batchId: 'bat_1' });
  });
});

/** An in-memory store with the DynamoDB store's conditions: attempt-conditional run ends, redrive only if unchanged. */
type ReconcilerStreams = Pick<StreamStore, 'openWork' | 'getWork' | 'getBatch' | 'updateBatch' | 'redrive' | 'closeWork'>;
class MemoryStreams implements ReconcilerStreams {
  readonly batches = new Map<string, BatchRecord>();
  readonly work = new Map<string, OpenBatchWork>();

  async *openWork(before: string): AsyncIterable<OpenBatchWork[]> {
    const open = [...this.work.values()].filter((w) => w.heartbeatAt < before);
    if (open.length) yield open.map((w) => ({ ...w }));
  }
  async getWork(_a: string, id: string) {
    const w = this.work.get(id);
    return w ? { ...w } : null;
  }
  async getBatch(_a: string, id: string) {
    const b = this.batches.get(id);
    return b ? structuredClone(b) : null;
  }
  async updateBatch(record: BatchRecord, from: BatchStatus) {
    const current = this.batches.get(record.id);
    if (!current || current.status !== from) return false;
    if (from === 'running' && current.attempt !== record.attempt) return false;
    this.batches.set(record.id, structuredClone(record));
    if (from === 'running' && record.status !== 'running') this.work.delete(record.id);
    return true;
  }
  async redrive(seen: OpenBatchWork, at: string) {
    const w = this.work.get(seen.batchId);
    const b = this.batches.get(seen.batchId);
    if (!w || !b || w.heartbeatAt !== seen.heartbeatAt || w.attempt !== seen.attempt || w.phase !== seen.phase) return null;
    Object.assign(w, { heartbeatAt: at, resumes: w.resumes + 1 });
    if (w.phase === 'run') {
      if (b.status !== 'running' || b.attempt !== seen.attempt) return null;
      w.attempt += 1;
      b.attempt = w.attempt;
    }
    return structuredClone(b);
  }
  async closeWork(_a: string, id: string, phase: OpenBatchWork['phase']) {
    if (this.work.get(id)?.phase === phase) this.work.delete(id);
  }
}

class MemoryBus implements StreamBus {
  readonly sent: StreamMessage[] = [];
  async send(messages: readonly StreamMessage[]) {
    this.sent.push(...messages);
  }
}

describe('StreamReconciler (the use case on in-memory ports)', () => {
  const setup = () => {
    const streams = new MemoryStreams();
    const bus = new MemoryBus();
    return { streams, bus, reconciler: new StreamReconciler({ streams, bus, policy }) };
  };

  test('a stopped run is re-driven as attempt 2, once; an older attempt can no longer finish the record', async () => {
    const { streams, bus, reconciler } = setup();
    streams.batches.set('bat_1', batch());
    streams.work.set('bat_1', work());
    const [a, b] = await Promise.all([reconciler.reconcile(later(60_000)), reconciler.reconcile(later(60_000))]);
    expect(a.resumed + b.resumed).toBe(1);
    expect(bus.sent).toEqual([
      { type: 'stream-run', accountId: 'acme', batchId: 'bat_1', attempt: 2, batch: expect.objectContaining({ attempt: 2, status: 'running' }) },
    ]);
    // the slow first attempt finishing now is refused; attempt 2 finishes the record
    expect(await streams.updateBatch({ ...batch(), status: 'draft', rows: 1 }, 'running')).toBe(false);
    expect(await streams.updateBatch({ ...batch({ attempt: 2 }), status: 'draft', rows: 2 }, 'running')).toBe(true);
    expect(streams.batches.get('bat_1')).toMatchObject({ status: 'draft', rows: 2, attempt: 2 });
    expect(streams.work.size).toBe(0);
  });

  test('a lost share is sent again; a share given up leaves the batch published, saying why', async () => {
    const { streams, bus, reconciler } = setup();
    streams.batches.set('bat_1', batch({ status: 'published' }));
    streams.work.set('bat_1', work({ phase: 'share' }));
    expect(await reconciler.reconcile(later(60_000))).toEqual({ resumed: 1, failed: 0 });
    expect(bus.sent).toEqual([{ type: 'batch-share', accountId: 'acme', batchId: 'bat_1' }]);

    streams.work.set('bat_1', work({ phase: 'share', resumes: 5, lastError: 'partner rows unreadable' }));
    expect(await reconciler.reconcile(later(10 * 60_000))).toEqual({ resumed: 0, failed: 1 });
    expect(streams.batches.get('bat_1')).toMatchObject({
      status: 'published',
      failure: 'sharing with partner accounts stopped making progress after 5 resumes; last error: partner rows unreadable',
    });
    expect(streams.work.size).toBe(0);
  });

  test('a run given up ends failed with the reason; an index item its batch outlived is removed', async () => {
    const { streams, bus, reconciler } = setup();
    streams.batches.set('bat_1', batch());
    streams.work.set('bat_1', work({ resumes: 5 }));
    streams.batches.set('bat_2', batch({ id: 'bat_2', status: 'draft' }));
    streams.work.set('bat_2', work({ batchId: 'bat_2' }));
    expect(await reconciler.reconcile(later(10 * 60_000))).toEqual({ resumed: 0, failed: 1 });
    expect(bus.sent).toEqual([]);
    expect(streams.batches.get('bat_1')).toMatchObject({ status: 'failed', failure: 'stopped making progress after 5 resumes' });
    expect(streams.work.size).toBe(0);
  });
});
