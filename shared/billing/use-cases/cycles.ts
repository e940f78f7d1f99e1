import { ConflictError, NotFoundError } from '../../kernel/errors';
import { cycleId, type BillingPeriod } from '../../kernel/periods';
import { emptyReport, toWireReport } from '../domain/report';
import { isBillable } from '../domain/period-rows';
import { purchaseView, type PurchaseRecord } from '../../ingest/domain/purchase';
import type { BillingBus, BillingFiles, CycleRecord, CycleStore, CycleSubscriptions, InvoiceStore } from '../ports';
import type { Invoice } from '../domain/invoice';
import { historyOf } from '../../catalog/domain/billing-days';
import { customerPeriodEndingOn } from '../../kernel/proration';
import { subscriptionsSection } from './troubleshoot-subscriptions';
import { payerLinks } from '../domain/payers';
import { allCustomers } from '../../pricing/use-cases/rating';
import type { CatalogStore } from '../../catalog/ports';
import type { ChunkStore, PurchaseStore } from '../../ingest/ports';
import type { Page, PageRequest } from '../../kernel/page';
import { purchasesOfPeriod } from './period-purchases';
import type { ReevaluationPlanner } from '../../ingest/use-cases/reevaluation';
import { periodOf } from './cycle/steps';
import { invoiceView, loadInvoice } from './documents';
import { DraftedPurchases } from './drafted';
import { toCycleRow } from './rows';

/** The troubleshooting bundle lists at most this many purchases (the counts stay exact). */
export const TROUBLESHOOT_PURCHASES = 5000;

/**
 * Starts cycles: one per account and period, whatever retries or concurrent starts happen. The cycle id
 * is derived from both, and the first conditional write of it is the only one that sends a start. A
 * start message lost after the write (or any later message) is the reconciler's: the running cycle is
 * open work, resumed from its state once it stops making progress (cycle-recovery.ts).
 */
export class CycleStarter {
  private readonly now: () => Date;

  constructor(
    private readonly cycles: CycleStore,
    private readonly bus: BillingBus,
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
  }

  async start(accountId: string, period: BillingPeriod): Promise<{ created: boolean; cycle: CycleRecord }> {
    const at = this.now();
    const { created, cycle } = await this.cycles.create({
      id: cycleId(accountId, period.start, period.end),
      accountId,
      periodStart: period.start,
      periodEnd: period.end,
      status: 'running',
      run: 1,
      startedAt: at.toISOString(),
      completedAt: null,
      plan: null,
      collected: [],
      invoiced: [],
      report: null,
      heartbeatAt: at.toISOString(),
      resumes: 0,
      lastError: null,
    });
    if (created) await this.bus.send([{ type: 'cycle-start', accountId, cycleId: cycle.id, run: cycle.run }]);
    return { created, cycle };
  }

  /** Rebuilds the drafts of a finished cycle (approved invoices stay as they are). 409 while it runs. */
  async regenerate(accountId: string, id: string): Promise<CycleRecord> {
    const cycle = await this.cycles.get(accountId, id);
    if (!cycle) throw new NotFoundError(`billing cycle '${id}' not found`);
    const next = await this.cycles.restart(accountId, id, this.now().toISOString());
    if (!next) throw new ConflictError('cycle_running', `billing cycle ${id} is still running; regenerate it once it has finished`);
    await this.bus.send([{ type: 'cycle-start', accountId, cycleId: id, run: next.run }]);
    return next;
  }
}

export interface BillingCycleDeps {
  cycles: CycleStore;
  invoices: InvoiceStore;
  files: BillingFiles;
  chunks: ChunkStore;
  purchases: PurchaseStore;
  catalog: CatalogStore;
  planner: ReevaluationPlanner;
  /** The account's subscriptions (the bundle explains their lines); absent: no subscriptions section. */
  subscriptions?: CycleSubscriptions;
  now?: () => Date;
}

/** Cycles as the API shows them, and the troubleshooting bundle of one customer in one cycle. */
export class BillingCycleService {
  constructor(
    private readonly deps: BillingCycleDeps,
    readonly starter: CycleStarter,
  ) {}

  async start(accountId: string, period: BillingPeriod) {
    const { cycle } = await this.starter.start(accountId, period);
    return { id: cycle.id, status: cycle.status };
  }

  async regenerate(accountId: string, id: string) {
    const cycle = await this.starter.regenerate(accountId, id);
    return { id: cycle.id, status: cycle.status, run: cycle.run };
  }

  async get(accountId: string, id: string) {
    return cycleView(await this.cycle(accountId, id));
  }

  async list(accountId: string, page: PageRequest): Promise<Page<ReturnType<typeof cycleView>>> {
    const result = await this.deps.cycles.list(accountId, page);
    return { items: result.items.map(cycleView), next: result.next };
  }

  /**
   * Everything about one customer in one cycle: its purchases of the period (its own and those routed to
   * it) with their mapping, routing and price-rule decisions and their share of the period, and its
   * invoices of the period with their lines. The period is the customer's own billing period ending on the
   * cycle's end (`billingPeriod`: null when none ends there, and the customer is not invoiced by this cycle);
   * its subscriptions are listed with their timelines, and each subscription line with how it was computed.
   */
  async troubleshoot(accountId: string, id: string, code: string) {
    const cycle = await this.cycle(accountId, id);
    const [customer, scope] = await Promise.all([
      this.deps.catalog.getCustomer(accountId, code),
      this.deps.planner.resolve(accountId, { customers: [code], followRouting: true }),
    ]);
    const links = payerLinks(await allCustomers(this.deps.catalog, accountId));
    const invoicedTo = links[code] ?? null;
    const own = customer ? customerPeriodEndingOn(historyOf(customer), cycle.periodEnd) : null;
    const period = own ?? periodOf(cycle);
    const purchases: PurchaseRecord[] = [];
    const byStatus: Record<string, number> = {};
    const byReason: Record<string, number> = {};
    let count = 0;
    const drafted = new DraftedPurchases(this.deps);
    for await (const stored of purchasesOfPeriod(this.deps, accountId, period, scope.customers)) {
      const page = await drafted.asRead(
        accountId,
        stored.filter((r) => r.billedTo === code || r.customerCode === code),
      );
      for (const record of page) {
        if (record.billedTo !== code && record.customerCode !== code) continue;
        count += 1;
        byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
        if (record.reason) byReason[record.reason] = (byReason[record.reason] ?? 0) + 1;
        if (purchases.length < TROUBLESHOOT_PURCHASES) purchases.push(record);
      }
    }
    const invoices = [];
    const loaded: Invoice[] = [];
    let cursor: string | undefined;
    do {
      const result = await this.deps.invoices.list(accountId, { customer: code, periodStart: period.start }, { limit: 100, cursor });
      for (const stored of result.items) {
        if (stored.record.periodEnd !== period.end) continue;
        const invoice = await loadInvoice(this.deps.files, stored);
        loaded.push(invoice);
        invoices.push(invoiceView(invoice, stored));
      }
      cursor = result.next ?? undefined;
    } while (cursor);
    const today = (this.deps.now?.() ?? new Date()).toISOString().slice(0, 10);
    const subscriptions = this.deps.subscriptions
      ? await subscriptionsSection(this.deps.subscriptions, accountId, code, period, loaded, today)
      : null;
    return {
      cycle: { id: cycle.id, periodStart: cycle.periodStart, periodEnd: cycle.periodEnd, status: cycle.status, run: cycle.run },
      customer: customer
        ? {
            code: customer.code,
            name: customer.name,
            cluster: customer.cluster,
            currency: customer.currency,
            onHold: customer.onHold,
            taxRate: customer.taxRate,
            country: customer.country,
          }
        : null,
      summary: { purchases: count, byStatus, byReason, listed: purchases.length, truncated: count > purchases.length },
      purchases: purchases.map((record) => {
        const share = isBillable(record) || record.reason === 'on-hold' ? toCycleRow(record, period) : null;
        return { ...purchaseView(record), inPeriod: share ? { quantity: share.quantity, amount: share.amount } : null };
      }),
      invoices,
      links: {
        parent: customer?.parent ?? null,
        invoicing: customer?.invoicing ?? 'self',
        /** Who pays for this customer's charges in this cycle (a parent up its chain); null: itself. */
        invoicedTo,
        /** The linked customers whose charges are on this customer's invoices. */
        children: Object.keys(links)
          .filter((c) => links[c] === code)
          .sort(),
      },
      billingPeriod: own,
      ...(subscriptions ? { subscriptions: subscriptions.subscriptions, subscriptionLines: subscriptions.subscriptionLines } : {}),
    };
  }

  private async cycle(accountId: string, id: string): Promise<CycleRecord> {
    const cycle = await this.deps.cycles.get(accountId, id);
    if (!cycle) throw new NotFoundError(`billing cycle '${id}' not found`);
    return cycle;
  }
}

/** docs/api.md `GET /billing-cycles/{id}`; while a run is going, its progress and an empty report. */
export function cycleView(cycle: CycleRecord) {
  return {
    id: cycle.id,
    periodStart: cycle.periodStart,
    periodEnd: cycle.periodEnd,
    status: cycle.status,
    run: cycle.run,
    startedAt: cycle.startedAt,
    completedAt: cycle.completedAt,
    progress: cycle.plan
      ? { collectors: cycle.plan.collectors, collected: cycle.collected.length, partitions: cycle.plan.partitions, invoiced: cycle.invoiced.length }
      : null,
    report: cycle.report ?? toWireReport(emptyReport()),
  };
}
