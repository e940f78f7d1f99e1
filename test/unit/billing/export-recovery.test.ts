import type { BillingBus, BillingMessage, ExportRecord, ExportStore } from '../../../shared/billing/ports';
import { decideExport, ExportReconciler } from '../../../shared/billing/use-cases/export-recovery';

const policy = { staleAfterMs: 45_000, maxResumes: 5 };
const T0 = new Date('2026-11-02T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

function exported(over: Partial<ExportRecord> = {}): ExportRecord {
  return {
    id: 'exp_1',
    accountId: 'acme',
    kind: 'invoices',
    format: 'csv',
    periodStart: '2026-10-01',
    periodEnd: '2026-11-01',
    status: 'running',
    rows: null,
    key: 'exports/acme/exp_1.csv',
    error: null,
    createdAt: T0.toISOString(),
    completedAt: null,
    heartbeatAt: T0.toISOString(),
    resumes: 0,
    ...over,
  };
}

/** The export store's contract on a Map: conditional writes as the DynamoDB adapter makes them. */
class MemoryExports implements ExportStore {
  readonly records = new Map<string, ExportRecord>();
  async create(record: ExportRecord) {
    this.records.set(record.id, { ...record });
  }
  async get(_accountId: string, id: string) {
    const r = this.records.get(id);
    return r ? { ...r } : null;
  }
  async finish(_accountId: string, id: string, outcome: Pick<ExportRecord, 'status' | 'rows' | 'error' | 'completedAt'>) {
    const r = this.records.get(id);
    if (r?.status !== 'running') return false;
    this.records.set(id, { ...r, ...outcome });
    return true;
  }
  async heartbeat(_accountId: string, id: string, at: string) {
    const r = this.records.get(id);
    if (r?.status !== 'running') return false;
    this.records.set(id, { ...r, heartbeatAt: at });
    return true;
  }
  async *stale(before: string) {
    yield [...this.records.values()].filter((r) => r.status === 'running' && r.heartbeatAt < before);
  }
  async redrive(seen: ExportRecord, at: string) {
    const r = this.records.get(seen.id);
    if (r?.status !== 'running' || r.heartbeatAt !== seen.heartbeatAt) return null;
    const next = { ...r, heartbeatAt: at, resumes: seen.resumes + 1 };
    this.records.set(seen.id, next);
    return { ...next };
  }
}

class RecordingBus implements BillingBus {
  readonly sent: BillingMessage[] = [];
  async send(messages: readonly BillingMessage[]) {
    this.sent.push(...messages);
  }
}

describe('decideExport', () => {
  test('only a running export that made no progress for the threshold is resumed', () => {
    expect(decideExport(null, later(60_000), policy)).toEqual({ action: 'none' });
    expect(decideExport(exported({ status: 'completed' }), later(600_000), policy)).toEqual({ action: 'none' });
    expect(decideExport(exported({ status: 'failed' }), later(600_000), policy)).toEqual({ action: 'none' });
    expect(decideExport(exported(), later(44_000), policy)).toEqual({ action: 'none' });
    expect(decideExport(exported(), later(46_000), policy)).toEqual({ action: 'resume' });
  });

  test('each resume waits longer; after maxResumes it is given up with the reason', () => {
    // the second resume waits twice the threshold
    expect(decideExport(exported({ resumes: 1 }), later(60_000), policy)).toEqual({ action: 'none' });
    expect(decideExport(exported({ resumes: 1 }), later(91_000), policy)).toEqual({ action: 'resume' });
    expect(decideExport(exported({ resumes: 5 }), later(600_000), policy)).toEqual({
      action: 'give-up',
      reason: 'stopped making progress after 5 resumes',
    });
  });
});

describe('ExportReconciler', () => {
  test('a lost export message is sent again once, whatever the number of reconcilers at once', async () => {
    const exports = new MemoryExports();
    const bus = new RecordingBus();
    await exports.create(exported());
    await exports.create(exported({ id: 'exp_alive', heartbeatAt: later(50_000).toISOString() }));
    const now = later(60_000);
    const outcomes = await Promise.all([1, 2, 3].map(() => new ExportReconciler({ exports, bus, policy }).reconcile(now)));
    expect(outcomes.map((o) => o.resumed).reduce((a, b) => a + b)).toBe(1);
    expect(bus.sent).toEqual([{ type: 'export', accountId: 'acme', exportId: 'exp_1' }]);
    expect(exports.records.get('exp_1')).toMatchObject({ status: 'running', resumes: 1, heartbeatAt: now.toISOString() });
    // resumed just now: alive again
    expect(await new ExportReconciler({ exports, bus, policy }).reconcile(later(61_000))).toEqual({ resumed: 0, failed: 0 });
  });

  test('an export that never progresses ends failed with the reason, which its reader sees', async () => {
    const exports = new MemoryExports();
    const bus = new RecordingBus();
    await exports.create(exported({ resumes: 5 }));
    expect(await new ExportReconciler({ exports, bus, policy }).reconcile(later(10 * 60_000))).toEqual({ resumed: 0, failed: 1 });
    expect(exports.records.get('exp_1')).toMatchObject({ status: 'failed', error: 'stopped making progress after 5 resumes' });
    expect(bus.sent).toEqual([]);
  });
});
