import { ClusterTree } from '../../catalog/domain/clusters';
import { ConflictError, NotFoundError, ValidationError } from '../../kernel/errors';
import { parseInput } from '../../kernel/validation';
import {
  checkPriceRuleCollision,
  checkRoutingOverlap,
  parsePriceRule,
  routingRuleDefinitionSchema,
  toWirePriceRule,
  type RoutingRule,
  type WirePriceRule,
} from '../domain/rules';
import type { CatalogStore } from '../../catalog/ports';
import type { Page, PageRequest } from '../../kernel/page';
import type { ReevaluationScope } from '../../ingest/ports';
import type { RuleStore } from '../ports';
import type { Reevaluations } from '../../ingest/use-cases/reevaluation';
import type { Saved } from '../../catalog/use-cases/catalog';

/** How often a save is retried when another save of the same account's rules came first. */
const SAVE_ATTEMPTS = 5;

/**
 * Price rules and routing rules. A save checks the rule against the account's rule set (ambiguity for
 * price rules, overlap for routing rules) and stores it only if the rule set has not changed meanwhile;
 * then the open purchases the change can affect are re-evaluated (a tracked re-evaluation, `Reevaluations`).
 */
export class RulesService {
  constructor(
    private readonly rules: RuleStore,
    private readonly catalog: CatalogStore,
    private readonly reevaluations: Pick<Reevaluations, 'start'>,
  ) {}

  async putPriceRule(accountId: string, id: string, body: unknown): Promise<Saved<WirePriceRule>> {
    const rule = parsePriceRule(id, body);
    const [product, customer] = await Promise.all([
      this.catalog.getProductCluster(accountId, rule.productCluster),
      rule.customerCluster ? this.catalog.getCustomerCluster(accountId, rule.customerCluster) : Promise.resolve(true),
    ]);
    const problems: string[] = [];
    if (!product) problems.push(`productCluster: product cluster '${rule.productCluster}' does not exist`);
    if (!customer) problems.push(`customerCluster: customer cluster '${rule.customerCluster}' does not exist`);
    if (problems.length) throw new ValidationError('invalid price rule', problems);

    const wire = toWirePriceRule(rule);
    const previous = await this.saveChecked(
      accountId,
      async () => {
        const existing = await this.rules.priceRules(accountId);
        checkPriceRuleCollision(
          rule,
          existing.filter((r) => r.id !== id).map(({ id: other, ...definition }) => parsePriceRule(other, definition)),
        );
        return existing.find((r) => r.id === id) ?? null;
      },
      (version) => this.rules.savePriceRule(accountId, wire, version),
    );
    await this.reevaluate(accountId, [{ productClusters: unique([rule.productCluster, previous?.productCluster]) }]);
    return { created: !previous, record: wire };
  }

  async getPriceRule(accountId: string, id: string): Promise<WirePriceRule> {
    const rule = await this.rules.getPriceRule(accountId, id);
    if (!rule) throw new NotFoundError(`price rule '${id}' not found`);
    return rule;
  }

  listPriceRules(accountId: string, page: PageRequest): Promise<Page<WirePriceRule>> {
    return this.rules.listPriceRules(accountId, page);
  }

  async putRoutingRule(accountId: string, id: string, body: unknown): Promise<Saved<RoutingRule>> {
    const rule: RoutingRule = { id, ...parseInput(routingRuleDefinitionSchema, body) };
    const [customerClusters, productClusters, target] = await Promise.all([
      this.catalog.allCustomerClusters(accountId),
      this.catalog.allProductClusters(accountId),
      this.catalog.getCustomer(accountId, rule.targetCustomer),
    ]);
    const customerTree = new ClusterTree(customerClusters);
    const productTree = new ClusterTree(productClusters);
    const problems: string[] = [];
    if (!customerTree.has(rule.customerCluster)) problems.push(`customerCluster: customer cluster '${rule.customerCluster}' does not exist`);
    if (!productTree.has(rule.productCluster)) problems.push(`productCluster: product cluster '${rule.productCluster}' does not exist`);
    if (!target) problems.push(`targetCustomer: customer '${rule.targetCustomer}' does not exist`);
    if (problems.length) throw new ValidationError('invalid routing rule', problems);

    const previous = await this.saveChecked(
      accountId,
      async () => {
        const existing = await this.rules.routingRules(accountId);
        checkRoutingOverlap(rule, existing, customerTree, productTree);
        return existing.find((r) => r.id === id) ?? null;
      },
      (version) => this.rules.saveRoutingRule(accountId, rule, version),
    );
    const scopes = [rule, previous]
      .filter((r): r is RoutingRule => r !== null)
      .map((r) => ({ productClusters: [r.productCluster], customerClusters: [r.customerCluster] }));
    await this.reevaluate(accountId, scopes);
    return { created: !previous, record: rule };
  }

  async getRoutingRule(accountId: string, id: string): Promise<RoutingRule> {
    const rule = await this.rules.getRoutingRule(accountId, id);
    if (!rule) throw new NotFoundError(`routing rule '${id}' not found`);
    return rule;
  }

  listRoutingRules(accountId: string, page: PageRequest): Promise<Page<RoutingRule>> {
    return this.rules.listRoutingRules(accountId, page);
  }

  /** Optimistic concurrency on the rule-set version: check against what is stored, save only if unchanged. */
  private async saveChecked<T>(accountId: string, check: () => Promise<T>, save: (version: number) => Promise<boolean>): Promise<T> {
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const version = await this.rules.version(accountId);
      const result = await check();
      if (await save(version)) return result;
    }
    throw new ConflictError('concurrent_change', 'the rule set kept changing while this rule was saved; try again');
  }

  private async reevaluate(accountId: string, scopes: readonly ReevaluationScope[]) {
    await this.reevaluations.start(
      accountId,
      scopes.map((scope) => ({ kind: 'reevaluate' as const, scope })),
    );
  }
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}
