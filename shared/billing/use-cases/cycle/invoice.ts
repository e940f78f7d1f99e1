import { mapLimit } from '../../../kernel/concurrency';
import { invoiceId } from '../../../kernel/periods';
import { objects } from '../../../storage/keys';
import type { CustomerRecord } from '../../../catalog/ports';
import { mergeAll, toWireReport } from '../../domain/report';
import type { CycleRecord, StoredInvoice, SubscriberLedger } from '../../ports';
import { ruleLookup } from '../documents';
import { proratedTo, rowsFromJsonLines, type CycleRow } from '../rows';
import { historyOf } from '../../../catalog/domain/billing-days';
import { customerPeriodEndingOn } from '../../../kernel/proration';
import type { OfferRecord, SubscriptionRecord } from '../../../subscriptions/ports';
import { coversPeriod } from '../../domain/period-rows';
import { subscriptionPriceRules, subscriptionRuleScopes } from '../../../subscriptions/domain/rating';
import { invoiceCustomer, isSubscriber, type InvoicingContext, type Payer } from './draft';
import { offersFor, readSubscriptionFile, subscriptionCurrencies } from './subscriptions';
import { planLinks } from './plan-file';
import { finalize } from './finalize';
import { currentRun, periodOf, type StepDeps } from './steps';

/** Paying customers of a partition drafted at once. */
const CUSTOMERS_IN_FLIGHT = 12;

/**
 * `cycle-invoice`: reads the partition's rows, builds one draft per paying customer and currency
 * (draft.ts), keeps the partial report and joins the `invoiced` set. The invoicer that completes the
 * set finalizes the run.
 */
export async function invoice(deps: StepDeps, accountId: string, cycleId: string, run: number, partition: number): Promise<void> {
  const cycle = await currentRun(deps, accountId, cycleId, run);
  if (!cycle) return;
  if (cycle.invoiced.includes(partition)) return afterInvoiced(deps, cycle);

  const rows = await readPartition(deps, cycle, partition);
  const byPayer = new Map<string, CycleRow[]>();
  for (const row of rows) {
    const list = byPayer.get(row.customerCode) ?? [];
    list.push(row);
    byPayer.set(row.customerCode, list);
  }
  const links = await planLinks(deps.files, cycle);
  const subscribed = deps.subscriptions ? await readSubscriptionFile(deps.files, cycle, partition, links) : new Map<string, SubscriptionRecord[]>();
  const account = await invoicingContext(deps, cycle);
  const codes = [...new Set([...byPayer.keys(), ...subscribed.keys()])].sort();
  const customers = codes.length ? await deps.catalog.getCustomers(accountId, codes) : new Map<string, CustomerRecord>();
  const offers = deps.subscriptions
    ? await offersFor(deps.subscriptions, accountId, [...subscribed.values()].flat())
    : new Map<string, OfferRecord>();
  // purchases priced by a subscriber's usage charge are invoiced by that charge's model (e.g. on the period's sum)
  const subscriptions = [...subscribed.values()].flat();
  const context = subscribed.size
    ? {
        ...account,
        rules: new Map([...account.rules, ...subscriptionPriceRules(subscriptions, offers)]),
        ruleScopes: subscriptionRuleScopes(subscriptions, offers),
      }
    : account;

  // A customer is invoiced when one of its billing periods ends on the cycle's end, for that period; its
  // purchases of the cycle's days outside it belong to its neighbouring periods' invoices.
  const cyclePeriod = periodOf(cycle);
  const payers: Payer[] = [];
  for (const code of codes) {
    const customer = customers.get(code) ?? null;
    const period = customer ? customerPeriodEndingOn(historyOf(customer), cycle.periodEnd) : cyclePeriod;
    if (period === null) continue;
    const own = byPayer.get(code) ?? [];
    const list = subscribed.get(code);
    payers.push({
      code,
      customer,
      period,
      rows: period.start === cyclePeriod.start ? own : own.filter((r) => coversPeriod(r, period)).map((r) => proratedTo(r, period)),
      subscriptions: list?.length ? { list, offers } : null,
    });
  }
  const ids = payers.flatMap((p) =>
    [
      ...new Set([
        ...p.rows.map((r) => r.currency),
        ...subscriptionCurrencies(p.subscriptions && { subscriptions: p.subscriptions.list, offers, billed: [] }),
      ]),
    ].map((currency) => invoiceId(accountId, p.period, p.code, currency)),
  );
  const existing = ids.length ? await deps.invoices.getMany(accountId, ids) : new Map<string, StoredInvoice>();

  // the subscribers' ledgers, read consistently in batches of 100 (a subscriber whose ledger moved since reads its own again)
  const subscribers = payers.filter(isSubscriber).map((p) => p.code);
  const ledgers = subscribers.length ? await deps.invoices.subscriberLedgers(accountId, subscribers) : new Map<string, SubscriberLedger>();

  const outcomes = await mapLimit(payers, CUSTOMERS_IN_FLIGHT, (payer) => invoiceCustomer(deps, context, payer, existing, ledgers));
  // charged-through dates the drafts moved, for the partition at once (a redelivery computes them again)
  const moved = outcomes.flatMap((o) => o.chargedThrough);
  if (moved.length && deps.subscriptions) await deps.subscriptions.setChargedThroughMany(accountId, moved);
  const report = mergeAll(outcomes.map((o) => o.report));
  const invoiceIds = outcomes.flatMap((o) => o.invoiceIds);
  await deps.cycles.putPartial(accountId, cycleId, run, { kind: 'invoicer', index: partition, report: toWireReport(report), invoiceIds });
  const after = await deps.cycles.markDone(accountId, cycleId, run, 'invoiced', partition);
  if (after) await afterInvoiced(deps, after);
}

async function afterInvoiced(deps: StepDeps, cycle: CycleRecord): Promise<void> {
  if (cycle.invoiced.length >= cycle.plan!.partitions) await finalize(deps, cycle);
}

/** The partition's rows, from every collector's files; a row written twice (a redelivered collector's piece) counts once. */
async function readPartition(deps: StepDeps, cycle: CycleRecord, partition: number): Promise<CycleRow[]> {
  const keys = await deps.files.list(objects.cyclePartsPrefix(cycle.accountId, cycle.id, cycle.run, partition));
  const texts = await mapLimit(keys, 8, (key) => deps.files.getText(key));
  const seen = new Set<string>();
  const rows: CycleRow[] = [];
  for (const text of texts) {
    for (const row of rowsFromJsonLines(text ?? '')) {
      const key = row.rowKey ?? row.reference;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(row);
    }
  }
  return rows;
}

async function invoicingContext(deps: StepDeps, cycle: CycleRecord): Promise<InvoicingContext> {
  const [account, rules, clusters] = await Promise.all([
    deps.accounts.get(cycle.accountId),
    ruleLookup(deps.rules, cycle.accountId),
    deps.catalog.allProductClusters(cycle.accountId),
  ]);
  return {
    cycle,
    seller: { id: cycle.accountId, name: account?.name ?? cycle.accountId },
    rules,
    clusterNames: new Map(clusters.map((c) => [c.id, c.name])),
  };
}
