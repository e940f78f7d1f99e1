import { ClusterTree } from '../domain/clusters';
import { purchaseMonth } from '../domain/purchase';
import type { CatalogStore, ChunkStore, MessageBus, ReevaluationScope, RuleStore } from '../ports';
import { allCustomers } from './rating';

/** How many purchases one re-evaluation message carries: one BatchGet round and a few hundred writes. */
export const PURCHASES_PER_MESSAGE = 250;

/**
 * Plans the re-evaluation a catalogue change calls for: resolves the scope to labels and customers,
 * walks the account's purchase journal (S3, never a table Scan) for the purchases in scope and fans them
 * out over the queue in messages of PURCHASES_PER_MESSAGE, which the consumers re-rate in parallel.
 */
export class ReevaluationPlanner {
  constructor(
    private readonly catalog: CatalogStore,
    private readonly rules: RuleStore,
    private readonly chunks: ChunkStore,
    private readonly bus: MessageBus,
  ) {}

  async plan(accountId: string, scope: ReevaluationScope): Promise<number> {
    const { labels, customers } = await this.resolve(accountId, scope);
    let planned = 0;
    let batch: string[] = [];
    const flush = async () => {
      if (!batch.length) return;
      await this.bus.send('remap', [{ type: 'reevaluate-purchases', accountId, references: batch }]);
      planned += batch.length;
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
    return planned;
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
