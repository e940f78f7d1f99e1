import type { JournalLine, MessageBus, PipelineMessage, ReevaluationRecord, ReevaluationStore } from '../../shared/ingest/ports';
import { ReevaluationPlanner, Reevaluations, ReevaluationWorker, type Reevaluator } from '../../shared/ingest/use-cases/reevaluation';
import { decideReevaluation, ReevaluationReconciler } from '../../shared/ingest/use-cases/reevaluation-recovery';
import type { RecoveryPolicy } from '../../shared/platform/use-cases/reconcile';

/** The DynamoDB adapter's conditions, on a map: every transition checks the attempt and that the record is open. */
class MemoryReevaluations implements ReevaluationStore {
  readonly items = new Map<string, ReevaluationRecord>();
  private key = (accountId: string, id: string) => `${accountId}/${id}`;
  private open = (r: ReevaluationRecord | undefined, attempt: number): r is ReevaluationRecord =>
    !!r && r.attempt === attempt && (r.status === 'planned' || r.status === 'running');
  private copy = (r: ReevaluationRecord) => structuredClone(r);

  readonly counts = new Map<string, number>();
  async countStarted(accountId: string, n: number) {
    this.counts.set(accountId, (this.counts.get(accountId) ?? 0) + n);
  }
  async started(accountId: string) {
    return this.counts.get(accountId) ?? 0;
  }
  async create(record: ReevaluationRecord) {
    if (this.items.has(this.key(record.accountId, record.id))) return false;
    this.items.set(this.key(record.accountId, record.id), this.copy(record));
    return true;
  }
  async get(accountId: string, id: string) {
    const r = this.items.get(this.key(accountId, id));
    return r ? this.copy(r) : null;
  }
  async beat(accountId: string, id: string, attempt: number, at: string) {
    const r = this.items.get(this.key(accountId, id));
    if (!this.open(r, attempt)) return false;
    r.heartbeatAt = at;
    return true;
  }
  async planned(accountId: string, id: string, attempt: number, parts: number, at: string) {
    const r = this.items.get(this.key(accountId, id));
    if (!this.open(r, attempt) || r.status !== 'planned') return null;
    Object.assign(r, { parts, status: 'running', heartbeatAt: at });
    return this.copy(r);
  }
  async partDone(accountId: string, id: string, attempt: number, part: number, at: string) {
    const r = this.items.get(this.key(accountId, id));
    if (!this.open(r, attempt)) return null;
    r.finished = [...new Set([...r.finished, part])].sort((a, b) => a - b);
    r.heartbeatAt = at;
    return this.copy(r);
  }
  async complete(accountId: string, id: string, attempt: number, at: string) {
    const r = this.items.get(this.key(accountId, id));
    if (!this.open(r, attempt)) return false;
    Object.assign(r, { status: 'done', completedAt: at, heartbeatAt: at });
    return true;
  }
  async *openWork(before: string) {
    const open = [...this.items.values()].filter((r) => (r.status === 'planned' || r.status === 'running') && r.heartbeatAt < before);
    if (open.length) yield open.map(this.copy);
  }
  async redrive(seen: ReevaluationRecord, at: string) {
    const r = this.items.get(this.key(seen.accountId, seen.id));
    if (!this.open(r, seen.attempt) || r.heartbeatAt !== seen.heartbeatAt) return null;
    Object.assign(r, { attempt: r.attempt + 1, status: 'planned', heartbeatAt: at, resumes: r.resumes + 1, parts: null, finished: [] });
    return this.copy(r);
  }
  async fail(seen: ReevaluationRecord, reason: string, at: string) {
    const r = this.items.get(this.key(seen.accountId, seen.id));
    if (!this.open(r, seen.attempt) || r.heartbeatAt !== seen.heartbeatAt) return false;
    Object.assign(r, { status: 'failed', reason, completedAt: at });
    return true;
  }
  async noteError(accountId: string, id: string, error: string) {
    const r = this.items.get(this.key(accountId, id));
    if (r) r.lastError = error;
  }
}

/** A queue: messages wait until `deliver` hands them to the worker; `lose` drops those a predicate picks. */
class MemoryQueue implements MessageBus {
  readonly queued: PipelineMessage[] = [];
  readonly dead: PipelineMessage[] = [];
  async send(_queue: 'remap', messages: readonly PipelineMessage[]) {
    this.queued.push(...structuredClone(messages));
  }
  lose(pick: (m: PipelineMessage) => boolean): PipelineMessage[] {
    const lost = this.queued.filter(pick);
    this.queued.splice(0, this.queued.length, ...this.queued.filter((m) => !pick(m)));
    return lost;
  }
  /** Delivers until the queue is empty; a message that throws goes to the dead-letter list (after its retries). */
  async deliver(worker: ReevaluationWorker): Promise<void> {
    while (this.queued.length) {
      const message = this.queued.shift()!;
      try {
        await worker.handle(message);
      } catch (error) {
        await worker.failed(message, error);
        this.dead.push(message);
      }
    }
  }
}

/** Records which references were re-rated; a reference starting with `poison` can never be re-rated. */
class MemoryReevaluator implements Reevaluator {
  readonly rated: string[] = [];
  readonly remapped: unknown[] = [];
  async reevaluate(_accountId: string, references: readonly string[]) {
    const poison = references.find((r) => r.startsWith('poison'));
    if (poison) throw new Error(`purchase ${poison} cannot be rated`);
    this.rated.push(...references);
    return references.length;
  }
  async remap(_accountId: string, waitingFor: { customer: string } | { label: string }) {
    this.remapped.push(waitingFor);
    return 0;
  }
}

const journal = (references: string[]): JournalLine[] =>
  references.map((reference) => ({ reference, customerCode: 'C1', productLabel: 'voice', purchaseDate: '2026-10-10', endDate: null }));

function setup(references: string[], policy: RecoveryPolicy = { staleAfterMs: 45_000, maxResumes: 2 }) {
  let clock = new Date('2026-11-01T10:00:00.000Z');
  const now = () => clock;
  const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
  const store = new MemoryReevaluations();
  const queue = new MemoryQueue();
  const reevaluator = new MemoryReevaluator();
  const lines = journal(references);
  const planner = new ReevaluationPlanner(
    { allProductClusters: async () => [], allCustomerClusters: async () => [], listCustomers: async () => ({ items: [], next: null }) },
    { routingRules: async () => [] },
    {
      journalMonths: async () => ['2026-10'],
      async *journalKeys() {
        yield 'journal/a/2026-10/one.jsonl';
      },
      readJournal: async () => lines,
    },
  );
  const worker = new ReevaluationWorker({ planner, reevaluator, store, bus: queue, policy, now });
  const reconciler = new ReevaluationReconciler({ store, bus: queue, policy });
  const reevaluations = new Reevaluations(store, queue, now);
  return { store, queue, reevaluator, planner, worker, reconciler, reevaluations, now, advance, policy };
}

const refs = (n: number, prefix = 'p') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

describe('re-evaluations are tracked to completion', () => {
  test('the record is written before the message; parts are counted as they finish; done when all did', async () => {
    const t = setup(refs(600));
    const [record] = await t.reevaluations.start('a', [{ kind: 'reevaluate', scope: {} }]);
    expect(t.store.items.get(`a/${record!.id}`)).toMatchObject({ status: 'planned', attempt: 1, parts: null });
    expect(t.queue.queued).toEqual([{ type: 'reevaluate', accountId: 'a', scope: {}, reevaluationId: record!.id, attempt: 1 }]);

    await t.queue.deliver(t.worker);

    expect(await t.store.get('a', record!.id)).toMatchObject({ status: 'done', attempt: 1, parts: 3, finished: [0, 1, 2] });
    expect(t.reevaluator.rated.sort()).toEqual(refs(600));
  });

  test('parts that all finish before their count is written still end it done', async () => {
    const t = setup(refs(300));
    // a queue that delivers each part as soon as it is sent, while the plan is still being written
    const eager: MessageBus = { send: async (_q, messages) => void (await Promise.all(messages.map((m) => t.worker.handle(m)))) };
    const worker = new ReevaluationWorker({
      planner: t.planner,
      reevaluator: t.reevaluator,
      store: t.store,
      bus: eager,
      policy: t.policy,
      now: t.now,
    });
    const [record] = await new Reevaluations(t.store, { send: async () => undefined }, t.now).start('a', [{ kind: 'reevaluate', scope: {} }]);
    await worker.handle({ type: 'reevaluate', accountId: 'a', scope: {}, reevaluationId: record!.id, attempt: 1 });
    expect(await t.store.get('a', record!.id)).toMatchObject({ status: 'done', parts: 2, finished: [0, 1] });
  });

  test('a lost part: the reconciler re-runs it whole after the threshold, and it ends done', async () => {
    const t = setup(refs(600));
    const [record] = await t.reevaluations.start('a', [{ kind: 'reevaluate', scope: {} }]);
    await t.worker.handle(t.queue.queued.shift()!); // planning
    const [lost] = t.queue.lose((m) => m.type === 'reevaluate-purchases' && m.part === 1);
    await t.queue.deliver(t.worker);
    expect(await t.store.get('a', record!.id)).toMatchObject({ status: 'running', parts: 3, finished: [0, 2] });

    // Not yet: the threshold has not passed.
    t.advance(t.policy.staleAfterMs - 1);
    expect(await t.reconciler.reconcile(t.now())).toEqual({ resumed: 0, failed: 0 });
    t.advance(2);
    expect(await t.reconciler.reconcile(t.now())).toEqual({ resumed: 1, failed: 0 });
    expect(t.queue.queued).toEqual([{ type: 'reevaluate', accountId: 'a', scope: {}, reevaluationId: record!.id, attempt: 2 }]);
    await t.queue.deliver(t.worker);
    expect(await t.store.get('a', record!.id)).toMatchObject({ status: 'done', attempt: 2, resumes: 1, parts: 3, finished: [0, 1, 2] });
    expect(new Set(t.reevaluator.rated)).toEqual(new Set(refs(600)));

    // The lost part of attempt 1 turning up late changes nothing on the record.
    await t.worker.handle(lost!);
    expect(await t.store.get('a', record!.id)).toMatchObject({ status: 'done', attempt: 2 });
  });

  test('a lost start message: the planned record is re-driven', async () => {
    const t = setup(refs(10));
    const [record] = await t.reevaluations.start('a', [{ kind: 'reevaluate', scope: { labels: ['voice'] } }]);
    t.queue.lose(() => true);
    t.advance(t.policy.staleAfterMs + 1);
    expect(await t.reconciler.reconcile(t.now())).toEqual({ resumed: 1, failed: 0 });
    await t.queue.deliver(t.worker);
    expect(await t.store.get('a', record!.id)).toMatchObject({ status: 'done', attempt: 2, parts: 1 });
    expect(t.reevaluator.rated).toEqual(refs(10));
  });

  test('a re-evaluation that can never finish ends failed with the reason after the bounded resumes', async () => {
    const t = setup([...refs(250), 'poison-1']);
    const [record] = await t.reevaluations.start('a', [{ kind: 'reevaluate', scope: {} }]);
    await t.queue.deliver(t.worker);
    expect(t.queue.dead).toHaveLength(1);
    expect(await t.store.get('a', record!.id)).toMatchObject({
      status: 'running',
      parts: 2,
      finished: [0],
      lastError: 'purchase poison-1 cannot be rated',
    });

    // Each resume waits longer (threshold × resumes + 1); after maxResumes (2) it is given up.
    const outcomes = [];
    for (let resumes = 0; resumes <= t.policy.maxResumes; resumes++) {
      t.advance(t.policy.staleAfterMs * (resumes + 1) + 1);
      outcomes.push(await t.reconciler.reconcile(t.now()));
      await t.queue.deliver(t.worker);
    }
    expect(outcomes).toEqual([
      { resumed: 1, failed: 0 },
      { resumed: 1, failed: 0 },
      { resumed: 0, failed: 1 },
    ]);
    expect(await t.store.get('a', record!.id)).toMatchObject({
      status: 'failed',
      attempt: 3,
      reason: 'stopped making progress after 2 resumes; last error: purchase poison-1 cannot be rated',
    });
    // Given up: nothing is open any more.
    t.advance(t.policy.staleAfterMs * 10);
    expect(await t.reconciler.reconcile(t.now())).toEqual({ resumed: 0, failed: 0 });
  });

  test('a remap is a re-evaluation of one part: done once the purchases waiting for the key were re-mapped', async () => {
    const t = setup([]);
    const [record] = await t.reevaluations.start('a', [{ kind: 'remap', waitingFor: { customer: 'C9' } }]);
    expect(t.queue.queued).toEqual([{ type: 'remap', accountId: 'a', waitingFor: { customer: 'C9' }, reevaluationId: record!.id, attempt: 1 }]);
    await t.queue.deliver(t.worker);
    expect(t.reevaluator.remapped).toEqual([{ customer: 'C9' }]);
    expect(await t.store.get('a', record!.id)).toMatchObject({ status: 'done' });
  });

  test('nothing in scope: done at once', async () => {
    const t = setup([]);
    const [record] = await t.reevaluations.start('a', [{ kind: 'reevaluate', scope: {} }]);
    await t.queue.deliver(t.worker);
    expect(await t.store.get('a', record!.id)).toMatchObject({ status: 'done', parts: 0 });
  });

  test('messages sent before records existed are still carried out', async () => {
    const t = setup(refs(300));
    await t.worker.handle({ type: 'reevaluate', accountId: 'a', scope: {} });
    expect(t.queue.queued.map((m) => m.type)).toEqual(['reevaluate-purchases', 'reevaluate-purchases']);
    await t.queue.deliver(t.worker);
    await t.worker.handle({ type: 'remap', accountId: 'a', waitingFor: { label: 'gb' } });
    expect(t.reevaluator.rated).toHaveLength(300);
    expect(t.reevaluator.remapped).toEqual([{ label: 'gb' }]);
    expect(t.store.items.size).toBe(0);
  });

  test('decideReevaluation: alive within the patience, resumed after it, given up after the last resume', () => {
    const policy = { staleAfterMs: 10_000, maxResumes: 1 };
    const base: ReevaluationRecord = {
      accountId: 'a',
      id: 'r',
      work: { kind: 'reevaluate', scope: {} },
      status: 'running',
      attempt: 1,
      parts: 2,
      finished: [0],
      createdAt: '2026-11-01T10:00:00.000Z',
      heartbeatAt: '2026-11-01T10:00:00.000Z',
      completedAt: null,
      resumes: 0,
      reason: null,
      lastError: null,
    };
    expect(decideReevaluation(base, new Date('2026-11-01T10:00:09.999Z'), policy)).toEqual({ action: 'none' });
    expect(decideReevaluation(base, new Date('2026-11-01T10:00:10.000Z'), policy)).toEqual({ action: 'resume' });
    expect(decideReevaluation({ ...base, resumes: 1 }, new Date('2026-11-01T10:00:19.999Z'), policy)).toEqual({ action: 'none' });
    expect(decideReevaluation({ ...base, resumes: 1 }, new Date('2026-11-01T10:00:20.000Z'), policy)).toEqual({
      action: 'give-up',
      reason: 'stopped making progress after 1 resume',
    });
    expect(decideReevaluation({ ...base, status: 'done' }, new Date('2026-11-02T00:00:00.000Z'), policy)).toEqual({ action: 'none' });
  });
});
