import { NotFoundError } from '../../kernel/errors';
import { buildLines, type RatedRow } from '../domain/lines';
import { toWireLine } from '../domain/invoice-wire';
import type { BillingPeriod } from '../../kernel/periods';
import { roundMoney, toWireMoney } from '../../kernel/money';
import { D } from '../../kernel/money';
import { isBillable, ratedRowOf } from '../domain/period-rows';
import { parsePriceRule, type PriceRule } from '../../pricing/domain/rules';
import type { CatalogStore } from '../../catalog/ports';
import type { ChunkStore, PurchaseStore } from '../../ingest/ports';
import type { RuleStore } from '../../pricing/ports';
import { purchasesOfPeriod } from './period-purchases';
import type { ReevaluationPlanner } from '../../ingest/use-cases/reevaluation';
import type { CycleSubscriptions } from '../ports';
import { subscriptionPriceRules, subscriptionRuleScopes } from '../../subscriptions/domain/rating';
import { allSubscriptions, offersFor } from './cycle/subscriptions';

/**
 * The current charges of a customer for a period, as its invoice would show them now: priced purchases
 * billed to it (its own and those routed to it) summed into lines, period-scoped rules priced on the
 * summed quantity (a subscription's usage charge with its own model and parameters, as the cycle prices
 * it); plus what is not billable yet, counted by reason. Subscription fees are not previewed here: the
 * cycle's troubleshooting shows them.
 */
export class UsageService {
  constructor(
    private readonly deps: {
      catalog: CatalogStore;
      rules: RuleStore;
      chunks: ChunkStore;
      purchases: PurchaseStore;
      planner: ReevaluationPlanner;
      subscriptions?: Pick<CycleSubscriptions, 'listSubscriptions' | 'getOffers'>;
    },
  ) {}

  async preview(accountId: string, code: string, period: BillingPeriod) {
    const customer = await this.deps.catalog.getCustomer(accountId, code);
    if (!customer) throw new NotFoundError(`customer '${code}' not found`);
    const { customers } = await this.deps.planner.resolve(accountId, { customers: [code], followRouting: true });
    const rows: RatedRow[] = [];
    const waiting: Record<string, number> = {};
    let count = 0;
    for await (const page of purchasesOfPeriod(this.deps, accountId, period, customers)) {
      for (const record of page) {
        if (record.billedTo !== code) continue;
        count += 1;
        if (isBillable(record) && record.currency === customer.currency) rows.push(ratedRowOf(record, period));
        else {
          const reason = record.reason ?? record.status;
          waiting[reason] = (waiting[reason] ?? 0) + 1;
        }
      }
    }
    const rules = new Map<string, PriceRule>();
    for (const { id, ...definition } of await this.deps.rules.priceRules(accountId)) rules.set(id, parsePriceRule(id, definition));
    let ruleScopes: Map<string, Record<string, string>> | undefined;
    if (this.deps.subscriptions) {
      const subscriptions = await allSubscriptions(this.deps.subscriptions, accountId, { customer: code });
      const offers = await offersFor(this.deps.subscriptions, accountId, subscriptions);
      for (const [id, rule] of subscriptionPriceRules(subscriptions, offers)) rules.set(id, rule);
      ruleScopes = subscriptionRuleScopes(subscriptions, offers);
    }
    const lines = buildLines({ customerCode: code, currency: customer.currency, rows, rules, ruleScopes });
    const subtotal = lines.reduce((sum, line) => sum.plus(line.amount), new D(0));
    return {
      customer: code,
      periodStart: period.start,
      periodEnd: period.end,
      currency: customer.currency,
      purchases: count,
      lines: lines.map((line) => toWireLine(line, customer.currency)),
      subtotal: toWireMoney(roundMoney(subtotal, customer.currency), customer.currency),
      notBillable: waiting,
    };
  }
}
