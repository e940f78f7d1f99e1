import { randomBytes } from 'node:crypto';
import { ClusterTree } from '../../catalog/domain/clusters';
import { purchaseMonth } from '../domain/purchase';
import { logger } from '../../kernel/logger';
import type { CatalogStore } from '../../catalog/ports';
import type { ChunkStore, MessageBus, PipelineMessage, ReevaluationRecord, ReevaluationScope, ReevaluationStore, ReevaluationWork } from '../ports';
import type { RuleStore } from '../../pricing/ports';
import { allCustomers } from '../../pricing/use-cases/rating';
import { errorText, heartbeatEveryMs, withHeartbeat, type RecoveryPolicy } from '../../platform/use-cases/reconcile';

/** How many purchases one re-evaluation message carries: one BatchGet round and a few hundred writes. */
export const PURCHASES_PER_MESSAGE = 250;

/** Time-sortable ids: records of an account list in the order they were started. */
export function newReevaluationId(at: Date): string {
  return `rev_${at.getTime().toString(36).padStart(9, '0')}_${randomBytes(6).toString('hex')}`;
}

/** Pure: the record of a re-evaluation about to be started (its first attempt). */
export function newReevaluation(accountId: string, work: ReevaluationWork, at: Date, id = newReevaluationId(at)): ReevaluationRecord {
  const now = at.toISOString();
  return {
    accountId,
    id,
    work,
    status: 'planned',
    attempt: 1,
    parts: null,
    finished: [],
    createdAt: now,
    heartbeatAt: now,
    completedAt: null,
    resumes: 0,
    reason: null,
    lastError: null,
  };
}

/** Pure: the message that starts (or, for a later attempt, re-runs) a re-evaluation. */
export function startMessage(record: ReevaluationRecord): PipelineMessage {
  const ref = { reevaluationId: record.id, attempt: record.attempt };
  return record.work.kind === 'reevaluate'
    ? { type: 'reevaluate', accountId: record.accountId, scope: record.work.scope, ...ref }
    : { type: 'remap', accountId: record.accountId, waitingFor: record.work.waitingFor, ...ref };
}

/** Pure: every part finished, so the attempt is done. */
export function allPartsFinished(record: ReevaluationRecord): boolean {
  return record.parts !== null && record.finished.length >= record.parts;
}

/**
 * Starts re-evaluations for catalogue and rule changes: each gets its record first, then its message, so
 * a message lost anywhere later (or never sent) leaves a record that the reconciler finds without progress.
 */
export class Reevaluations {
  constructor(
    private readonly store: ReevaluationStore,
    private readonly bus: MessageBus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async start(accountId: string, works: readonly ReevaluationWork[]): Promise<ReevaluationRecord[]> {
    if (!works.length) return [];
    const at = this.now();
    const records = works.map((work) => newReevaluation(accountId, work, at));
    for (const record of records) {
      if (!(await this.store.create(record))) throw new Error(`re-evaluation ${record.id} exists already`);
    }
    // Counted after the change's data is written and before planning can walk the journal (IngestService).
    await this.store.countStarted(accountId, records.length);
    await this.bus.send('remap', records.map(startMessage));
    return records;
  }
}

/** What carries out the re-rating and re-mapping itself (the ingest service). */
export interface Reevaluator {
  reevaluate(accountId: string, references: readonly string[]): Promise<number>;
  remap(accountId: string, waitingFor: { customer: string } | { label: string }): Promise<number>;
}

export interface ReevaluationWorkerDeps {
  planner: ReevaluationPlanner;
  reevaluator: Reevaluator;
  store: ReevaluationStore;
  bus: MessageBus;
  policy: RecoveryPolicy;
  now?: () => Date;
}

/**
 * Carries out the messages of a re-evaluation and keeps its record: planning (a heartbeat while the journal
 * is walked, then the number of parts), each finished part, and the end. A message of an attempt that is
 * over (done, failed, or superseded by a re-drive) changes nothing on the record; its re-rating, if it
 * runs, writes nothing a current attempt would not write too (unchanged purchases are never written).
 */
export class ReevaluationWorker {
  private readonly now: () => Date;

  constructor(private readonly deps: ReevaluationWorkerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async handle(message: PipelineMessage): Promise<void> {
    switch (message.type) {
      case 'reevaluate':
        return this.plan(message);
      case 'reevaluate-purchases':
        return this.part(message);
      case 'remap':
        return this.remap(message);
    }
  }

  /** Remembers on the record what a message failed with, so that a give-up can say why. */
  async failed(message: PipelineMessage, error: unknown): Promise<void> {
    if (!message.reevaluationId) return;
    await this.deps.store.noteError(message.accountId, message.reevaluationId, errorText(error)).catch((e: unknown) => {
      logger.warn('could not note a re-evaluation error', { reevaluationId: message.reevaluationId, error: e as Error });
    });
  }

  private async plan(message: Extract<PipelineMessage, { type: 'reevaluate' }>): Promise<void> {
    const { accountId, reevaluationId: id, attempt } = message;
    if (!id || !attempt) {
      await this.deps.planner.plan(accountId, message.scope, (_part, references) =>
        this.deps.bus.send('remap', [{ type: 'reevaluate-purchases', accountId, references }]),
      );
      return;
    }
    const { store } = this.deps;
    const record = await store.get(accountId, id);
    if (!record || record.attempt !== attempt || record.status !== 'planned') return; // an attempt that is over, or planned already
    const parts = await withHeartbeat(
      heartbeatEveryMs(this.deps.policy),
      () => store.beat(accountId, id, attempt, this.now().toISOString()),
      () =>
        this.deps.planner.plan(accountId, message.scope, (part, references) =>
          this.deps.bus.send('remap', [{ type: 'reevaluate-purchases', accountId, references, reevaluationId: id, attempt, part }]),
        ),
    );
    const after = await store.planned(accountId, id, attempt, parts, this.now().toISOString());
    // parts may all have finished before their count was written
    if (after && allPartsFinished(after)) await this.complete(after);
  }

  private async part(message: Extract<PipelineMessage, { type: 'reevaluate-purchases' }>): Promise<void> {
    const { accountId, reevaluationId: id, attempt, part } = message;
    await this.deps.reevaluator.reevaluate(accountId, message.references);
    if (!id || !attempt || part === undefined) return;
    const after = await this.deps.store.partDone(accountId, id, attempt, part, this.now().toISOString());
    if (after && allPartsFinished(after)) await this.complete(after);
  }

  private async remap(message: Extract<PipelineMessage, { type: 'remap' }>): Promise<void> {
    const { accountId, reevaluationId: id, attempt } = message;
    if (!id || !attempt) {
      await this.deps.reevaluator.remap(accountId, message.waitingFor);
      return;
    }
    const { store } = this.deps;
    await withHeartbeat(
      heartbeatEveryMs(this.deps.policy),
      () => store.beat(accountId, id, attempt, this.now().toISOString()),
      () => this.deps.reevaluator.remap(accountId, message.waitingFor),
    );
    await store.complete(accountId, id, attempt, this.now().toISOString());
  }

  private async complete(record: ReevaluationRecord): Promise<void> {
    if (await this.deps.store.complete(record.accountId, record.id, record.attempt, this.now().toISOString())) {
      logger.info('re-evaluation done', { accountId: record.accountId, reevaluationId: record.id, attempt: record.attempt, parts: record.parts });
    }
  }
}

/**
 * Plans the re-evaluation a catalogue change calls for: resolves the scope to labels and customers,
 * walks the account's purchase journal (S3, never a table Scan) for the purchases in scope and hands them
 * out in parts of PURCHASES_PER_MESSAGE (`send`, numbered from 0), which the consumers re-rate in parallel.
 */
export class ReevaluationPlanner {
  constructor(
    private readonly catalog: Pick<CatalogStore, 'allProductClusters' | 'allCustomerClusters' | 'listCustomers'>,
    private readonly rules: Pick<RuleStore, 'routingRules'>,
    private readonly chunks: Pick<ChunkStore, 'journalMonths' | 'journalKeys' | 'readJournal'>,
  ) {}

  /** Returns how many parts were sent. */
  async plan(accountId: string, scope: ReevaluationScope, send: (part: number, references: string[]) => Promise<void>): Promise<number> {
    const { labels, customers } = await this.resolve(accountId, scope);
    let parts = 0;
    let batch: string[] = [];
    const flush = async () => {
      if (!batch.length) return;
      await send(parts, batch);
      parts += 1;
      batch = [];
    };
    for (const month of await this.chunks.journalMonths(accountId)) {
      for await (const key of this.chunks.journalKeys(accountId, month)) {
        for (const line of await this.chunks.readJournal(key)) {
          if (purchaseMonth(line) !== month) continue; // a spanning purchase is planned once, from its home month
          if (labels && !labels.has(line.productLabel)) continue;
          if (customers && !customers.has(line.customerCode)) continue;
          batch.push(line.reference);
          if (batch.length === PURCHASES_PER_MESSAGE) await flush();
        }
      }
    }
    await flush();
    return parts;
  }

  /** The labels and customers a scope stands for; null means "not narrowed on that side". */
  async resolve(accountId: string, scope: ReevaluationScope): Promise<{ labels: Set<string> | null; customers: Set<string> | null }> {
    let labels: Set<string> | null = null;
    if (scope.labels?.length || scope.productClusters?.length) {
      labels = new Set(scope.labels ?? []);
      const clusters = await this.catalog.allProductClusters(accountId);
      const tree = new ClusterTree(clusters);
      const inScope = new Set<string>();
      for (const id of scope.productClusters ?? []) if (tree.has(id)) for (const c of [id, ...tree.descendants(id)]) inScope.add(c);
      for (const cluster of clusters) if (inScope.has(cluster.id)) for (const alias of cluster.aliases) labels.add(alias);
    }

    let customers: Set<string> | null = null;
    if (scope.customers?.length || scope.customerClusters?.length) {
      customers = new Set(scope.customers ?? []);
      const needAll = Boolean(scope.customerClusters?.length || scope.followRouting);
      const all = needAll ? await allCustomers(this.catalog, accountId) : [];
      const tree = needAll ? new ClusterTree(await this.catalog.allCustomerClusters(accountId)) : null;
      const under = (clusterId: string) => {
        if (!tree?.has(clusterId)) return new Set<string>();
        const ids = new Set([clusterId, ...tree.descendants(clusterId)]);
        return new Set(all.filter((c) => ids.has(c.cluster)).map((c) => c.code));
      };
      for (const id of scope.customerClusters ?? []) for (const code of under(id)) customers.add(code);
      if (scope.followRouting) {
        for (const rule of await this.rules.routingRules(accountId)) {
          if (customers.has(rule.targetCustomer)) for (const code of under(rule.customerCluster)) customers.add(code);
        }
      }
    }
    return { labels, customers };
  }
}
