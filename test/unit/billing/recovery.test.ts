import { customerReport, heldReport, toWireReport } from '../../../shared/billing/domain/report';
import { objects } from '../../../shared/storage/keys';
import type { BillingBus, BillingMessage, CycleRecord, CycleStore, OpenCycle, PartialReport } from '../../../shared/billing/ports';
import { CycleReconciler, decideCycle, failCycleRun, nextStep, resumeMessages } from '../../../shared/billing/use-cases/cycle-recovery';
import { ReconcileService, recoveryPolicy, stallVerdict, withHeartbeat, type Reconciler } from '../../../shared/platform/use-cases/reconcile';

const policy = { staleAfterMs: 45_000, maxResumes: 5 };
const T0 = new Date('2026-11-02T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

function cycle(over: Partial<CycleRecord> = {}): CycleRecord {
  return {
    id: 'cyc_20261001_20261101_x',
    accountId: 'acme',
    periodStart: '2026-10-01',
    periodEnd: '2026-11-01',
    status: 'running',
    run: 2,
    startedAt: T0.toISOString(),
    completedAt: null,
    plan: null,
    collected: [],
    invoiced: [],
    report: null,
    heartbeatAt: T0.toISOString(),
    resumes: 0,
    lastError: null,
    ...over,
  };
}

const plan = { planId: 'p1', collectors: 3, partitions: 4 };

describe('re-drive decisions (pure)', () => {
  test('the next step follows from the state: plan, missing collectors, missing partitions, finalize', () => {
    expect(nextStep(cycle())).toEqual({ step: 'plan' });
    expect(nextStep(cycle({ plan, collected: [1] }))).toEqual({ step: 'collect', collectors: [0, 2] });
    expect(nextStep(cycle({ plan, collected: [0, 1, 2], invoiced: [0, 3] }))).toEqual({ step: 'invoice', partitions: [1, 2] });
    expect(nextStep(cycle({ plan, collected: [0, 1, 2], invoiced: [0, 1, 2, 3] }))).toEqual({ step: 'finalize' });
    // a period with nothing journaled: no collectors, straight to the invoicers
    expect(nextStep(cycle({ plan: { planId: 'p', collectors: 0, partitions: 1 } }))).toEqual({ step: 'invoice', partitions: [0] });
  });

  test('a live cycle is left alone; a stopped one is resumed; patience grows with each resume', () => {
    expect(decideCycle(cycle(), later(44_999), policy)).toEqual({ action: 'none', why: 'alive' });
    expect(decideCycle(cycle(), later(45_000), policy)).toEqual({ action: 'resume', step: { step: 'plan' } });
    expect(decideCycle(cycle({ resumes: 2 }), later(134_999), policy)).toEqual({ action: 'none', why: 'alive' });
    expect(decideCycle(cycle({ resumes: 2 }), later(135_000), policy).action).toBe('resume');
    expect(decideCycle(cycle({ status: 'completed' }), later(10 * 3600_000), policy)).toEqual({ action: 'none', why: 'not-running' });
    // a cycle written before heartbeats existed counts from its start
    expect(decideCycle(cycle({ heartbeatAt: null }), later(60_000), policy).action).toBe('resume');
  });

  test('after maxResumes fruitless resumes it is given up, with the last error', () => {
    expect(decideCycle(cycle({ resumes: 5, lastError: 'cycle-invoice 3: boom' }), later(6 * 45_000), policy)).toEqual({
      action: 'give-up',
      reason: 'stopped making progress after 5 resumes; last error: cycle-invoice 3: boom',
    });
    expect(stallVerdict(T0.toISOString(), 5, later(1000), policy)).toBe('alive'); // never given up while alive
  });

  test('the messages that resume each step', () => {
    const c = cycle({ plan, collected: [1] });
    const ref = { accountId: 'acme', cycleId: c.id, run: 2 };
    expect(resumeMessages(c, { step: 'plan' }, null)).toEqual([{ type: 'cycle-start', ...ref }]);
    expect(resumeMessages(c, { step: 'collect', collectors: [0, 2] }, [['j/a'], ['j/b'], ['j/c', 'j/d']])).toEqual([
      { type: 'cycle-collect', ...ref, collector: 0, keys: ['j/a'] },
      { type: 'cycle-collect', ...ref, collector: 2, keys: ['j/c', 'j/d'] },
    ]);
    expect(resumeMessages(c, { step: 'invoice', partitions: [1, 2] }, null)).toEqual([
      { type: 'cycle-invoice', ...ref, partition: 1 },
      { type: 'cycle-invoice', ...ref, partition: 2 },
    ]);
    // the finishing writer died: a start of the planned run finds every set complete and finalizes
    expect(resumeMessages(c, { step: 'finalize' }, null)).toEqual([{ type: 'cycle-start', ...ref }]);
  });

  test('the policy comes from the environment, with sensible defaults', () => {
    expect(recoveryPolicy({})).toEqual({ staleAfterMs: 45_000, maxResumes: 5 });
    expect(recoveryPolicy({ BILLSTREAM_STALE_AFTER_SECONDS: '3', BILLSTREAM_MAX_RESUMES: '2' })).toEqual({ staleAfterMs: 3000, maxResumes: 2 });
    expect(recoveryPolicy({ BILLSTREAM_STALE_AFTER_SECONDS: 'soon' })).toEqual({ staleAfterMs: 45_000, maxResumes: 5 });
  });
});

/** A small in-memory CycleStore with the conditions of the DynamoDB one that the reconciler relies on. */
class MemoryCycles implements CycleStore {
  readonly items = new Map<string, CycleRecord>();
  readonly partialsOf = new Map<string, PartialReport[]>();
  failPartials = false;

  put(c: CycleRecord) {
    this.items.set(c.id, structuredClone(c));
  }
  async create(c: CycleRecord) {
    const existing = this.items.get(c.id);
    if (existing) return { created: false, cycle: structuredClone(existing) };
    this.put(c);
    return { created: true, cycle: c };
  }
  async get(_a: string, id: string) {
    const c = this.items.get(id);
    return c ? structuredClone(c) : null;
  }
  async list() {
    return { items: [...this.items.values()], next: null };
  }
  async startingBetween() {
    return [];
  }
  async restart() {
    return null;
  }
  async setPlan() {
    return null;
  }
  async putPartial(_a: string, id: string, _run: number, p: PartialReport) {
    this.partialsOf.set(id, [...(this.partialsOf.get(id) ?? []), p]);
  }
  async partials(_a: string, id: string) {
    if (this.failPartials) throw new Error('partials unreadable');
    return this.partialsOf.get(id) ?? [];
  }
  async markDone() {
    return null;
  }
  private running(id: string, run: number) {
    const c = this.items.get(id);
    return c && c.run === run && c.status === 'running' ? c : null;
  }
  async finish(_a: string, id: string, run: number, status: 'completed' | 'failed', report: CycleRecord['report'], at: string) {
    const c = this.running(id, run);
    if (!c) return false;
    Object.assign(c, { status, report, completedAt: at });
    return true;
  }
  async beat(_a: string, id: string, run: number, at: string) {
    const c = this.running(id, run);
    if (c) c.heartbeatAt = at;
    return !!c;
  }
  async noteError(_a: string, id: string, run: number, error: string) {
    const c = this.running(id, run);
    if (c) c.lastError = error;
  }
  async resumed(_a: string, id: string, run: number, seen: string | null, at: string) {
    const c = this.running(id, run);
    if (!c || c.heartbeatAt !== seen) return false;
    c.heartbeatAt = at;
    c.resumes += 1;
    return true;
  }
  async *stale(before: string): AsyncIterable<OpenCycle[]> {
    const open = [...this.items.values()]
      .filter((c) => c.status === 'running' && (c.heartbeatAt ?? c.startedAt) < before)
      .sort((a, b) => ((a.heartbeatAt ?? '') < (b.heartbeatAt ?? '') ? -1 : 1))
      .map((c) => ({ accountId: c.accountId, cycleId: c.id, heartbeatAt: c.heartbeatAt ?? c.startedAt }));
    if (open.length) yield open;
  }
}

class MemoryBus implements BillingBus {
  readonly sent: BillingMessage[] = [];
  async send(messages: readonly BillingMessage[]) {
    this.sent.push(...messages);
  }
}

function setup() {
  const cycles = new MemoryCycles();
  const bus = new MemoryBus();
  const files = new Map<string, string>();
  const reconciler = new CycleReconciler({ cycles, bus, policy, files: { getText: async (key) => files.get(key) ?? null } });
  return { cycles, bus, files, reconciler };
}

describe('CycleReconciler (the use case on in-memory ports)', () => {
  test('resumes each stopped cycle from its state, and leaves live and finished ones alone', async () => {
    const { cycles, bus, files, reconciler } = setup();
    cycles.put(cycle({ id: 'cyc_a' }));
    cycles.put(cycle({ id: 'cyc_b', plan, collected: [0] }));
    cycles.put(cycle({ id: 'cyc_c', plan, collected: [0, 1, 2], invoiced: [2] }));
    cycles.put(cycle({ id: 'cyc_d', plan, collected: [0, 1, 2], invoiced: [0, 1, 2, 3] }));
    cycles.put(cycle({ id: 'cyc_live', heartbeatAt: later(50_000).toISOString() }));
    cycles.put(cycle({ id: 'cyc_done', status: 'completed' }));
    files.set(objects.cyclePlan('acme', 'cyc_b', 2, 'p1'), JSON.stringify({ slices: [['k0'], ['k1'], ['k2']], notes: [] }));

    expect(await reconciler.reconcile(later(60_000))).toEqual({ resumed: 4, failed: 0 });
    const byCycle = (id: string) => bus.sent.filter((m) => m.type !== 'export' && m.cycleId === id);
    expect(byCycle('cyc_a')).toEqual([{ type: 'cycle-start', accountId: 'acme', cycleId: 'cyc_a', run: 2 }]);
    expect(byCycle('cyc_b')).toEqual([
      { type: 'cycle-collect', accountId: 'acme', cycleId: 'cyc_b', run: 2, collector: 1, keys: ['k1'] },
      { type: 'cycle-collect', accountId: 'acme', cycleId: 'cyc_b', run: 2, collector: 2, keys: ['k2'] },
    ]);
    expect(byCycle('cyc_c').map((m) => (m as { partition: number }).partition)).toEqual([0, 1, 3]);
    expect(byCycle('cyc_d')).toEqual([{ type: 'cycle-start', accountId: 'acme', cycleId: 'cyc_d', run: 2 }]);
    expect(byCycle('cyc_live')).toEqual([]);
    expect((await cycles.get('acme', 'cyc_a'))!).toMatchObject({ resumes: 1, heartbeatAt: later(60_000).toISOString() });

    // the resume is the new heartbeat, and the next resume waits twice as long: a minute later only the
    // cycle that was alive before (and has since stopped) is resumed; the four others 90 s after their resume
    bus.sent.length = 0;
    expect(await reconciler.reconcile(later(120_000))).toEqual({ resumed: 1, failed: 0 });
    expect(bus.sent.map((m) => (m as { cycleId: string }).cycleId)).toEqual(['cyc_live']);
    expect(await reconciler.reconcile(later(149_999))).toEqual({ resumed: 0, failed: 0 });
    expect(await reconciler.reconcile(later(150_000))).toEqual({ resumed: 4, failed: 0 });
  });

  test('two reconcilers at once resume a cycle once', async () => {
    const { cycles, bus, reconciler } = setup();
    cycles.put(cycle());
    const outcomes = await Promise.all([reconciler.reconcile(later(60_000)), reconciler.reconcile(later(60_000))]);
    expect(outcomes.map((o) => o.resumed).sort()).toEqual([0, 1]);
    expect(bus.sent).toHaveLength(1);
  });

  test('gives up after maxResumes: the run ends failed with the reason, the last error and what the partial reports know', async () => {
    const { cycles, bus, reconciler } = setup();
    cycles.put(cycle({ plan, collected: [0, 1, 2], invoiced: [0], resumes: 5, lastError: 'cycle-invoice 1: amount too large' }));
    await cycles.putPartial('acme', cycle().id, 2, { kind: 'invoicer', index: 0, report: toWireReport(heldReport('C9')), invoiceIds: [] });
    expect(await reconciler.reconcile(later(10 * 60_000))).toEqual({ resumed: 0, failed: 1 });
    expect(bus.sent).toEqual([]);
    const failed = (await cycles.get('acme', cycle().id))!;
    expect(failed.status).toBe('failed');
    expect(failed.report!.held.customers).toEqual(['C9']);
    expect(failed.report!.errors.items).toEqual([
      { customer: null, code: 'cycle_failed', message: 'stopped making progress after 5 resumes; last error: cycle-invoice 1: amount too large' },
    ]);
    // it is over: nothing more happens to it
    expect(await reconciler.reconcile(later(20 * 60_000))).toEqual({ resumed: 0, failed: 0 });
  });

  test('a run whose plan is gone cannot resume its collectors: it ends failed saying so', async () => {
    const { cycles, bus, reconciler } = setup();
    cycles.put(cycle({ plan, collected: [1] }));
    expect(await reconciler.reconcile(later(60_000))).toEqual({ resumed: 0, failed: 1 });
    expect(bus.sent).toEqual([]);
    expect((await cycles.get('acme', cycle().id))!.report!.errors.items[0]!.message).toMatch(/plan of run 2 is missing/);
  });

  test('the failure marker cannot fail for what it merges: unreadable partials leave the reason alone', async () => {
    const { cycles } = setup();
    cycles.put(cycle());
    await cycles.putPartial('acme', cycle().id, 2, { kind: 'collector', index: 0, report: toWireReport(customerReport({})), invoiceIds: [] });
    cycles.failPartials = true;
    expect(await failCycleRun(cycles, { accountId: 'acme', cycleId: cycle().id, run: 2 }, 'cycle-invoice 0: boom', later(1).toISOString())).toBe(
      true,
    );
    const failed = (await cycles.get('acme', cycle().id))!;
    expect(failed).toMatchObject({ status: 'failed', completedAt: later(1).toISOString() });
    expect(failed.report!.errors.items).toEqual([{ customer: null, code: 'cycle_failed', message: 'cycle-invoice 0: boom' }]);
    // a second marker (the last delivery and the reconciler, say) changes nothing
    expect(await failCycleRun(cycles, { accountId: 'acme', cycleId: cycle().id, run: 2 }, 'again', later(2).toISOString())).toBe(false);
  });
});

describe('ReconcileService and heartbeats', () => {
  test('every part runs; one that throws is reported and does not stop the others', async () => {
    const calls: string[] = [];
    const part = (name: string, fail = false): Reconciler => ({
      name,
      reconcile: async () => {
        calls.push(name);
        if (fail) throw new Error(`${name} broke`);
        return { resumed: 1, failed: 0 };
      },
    });
    const outcome = await new ReconcileService([part('a'), part('b', true), part('c')]).run(T0);
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(outcome.parts).toEqual({ a: { resumed: 1, failed: 0 }, b: { error: 'b broke' }, c: { resumed: 1, failed: 0 } });
  });

  test('withHeartbeat beats while the work runs, stops after it, and reports a takeover', async () => {
    let beats = 0;
    const result = await withHeartbeat(
      20,
      async () => {
        beats += 1;
        return beats < 3;
      },
      async (superseded) => {
        while (!superseded()) await new Promise((resolve) => setTimeout(resolve, 5));
        return 'stopped';
      },
    );
    expect(result).toBe('stopped');
    const after = beats;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(beats).toBe(after);
    expect(after).toBeGreaterThanOrEqual(3);
  });
});
