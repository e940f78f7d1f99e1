/**
 * The use cases wired on the in-memory ports, as the contexts' wiring.ts files wire them on DynamoDB, S3 and SQS:
 * acceptance rates against the real catalogue and rules code and tells billing about late purchases;
 * cycles, invoices and streams share one set of stores. Queues are not consumed by themselves: a test
 * delivers what they hold (once, twice, in another order, or not at all), which is what it is about.
 */
import { CycleStarter } from '../../shared/billing/use-cases/cycles';
import { CycleWorker, type RunMessage } from '../../shared/billing/use-cases/cycle-worker';
import { InvoiceService } from '../../shared/billing/use-cases/invoices';
import { DraftedPurchases } from '../../shared/billing/use-cases/drafted';
import { LatePurchases } from '../../shared/billing/use-cases/late';
import type { BillingMessage } from '../../shared/billing/ports';
import type { CustomerRecord } from '../../shared/catalog/ports';
import { IngestService } from '../../shared/ingest/use-cases/ingest';
import type { ReevaluationWork } from '../../shared/ingest/ports';
import { parsePriceRule, toWirePriceRule } from '../../shared/pricing/domain/rules';
import { RatingContextLoader } from '../../shared/pricing/use-cases/rating';
import { RulesService } from '../../shared/pricing/use-cases/rules';
import type { RecoveryPolicy } from '../../shared/platform/use-cases/reconcile';
import { StreamReconciler } from '../../shared/streams/use-cases/run-recovery';
import { StreamRunner } from '../../shared/streams/use-cases/runner';
import { StreamService } from '../../shared/streams/use-cases/service';
import { StreamTablesService } from '../../shared/streams/use-cases/stream-tables';
import type { StreamMessage } from '../../shared/streams/ports';
import {
  MemoryAccounts,
  MemoryBillingBus,
  MemoryCatalog,
  MemoryChunks,
  MemoryCycles,
  MemoryFiles,
  MemoryInvoices,
  MemoryPurchaseInvoicing,
  MemoryPurchases,
  MemoryReevaluationCount,
  MemoryRules,
  MemoryStreamBus,
  MemoryStreams,
  MemoryStreamTables,
} from './memory-ports';

/** A clock the test moves; every use case of a house reads it. */
export class Clock {
  constructor(public at: Date = new Date('2026-11-05T08:00:00.000Z')) {}
  readonly now = (): Date => new Date(this.at);
  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

/** Re-evaluations are counted (what acceptance compares) and their works kept; no worker carries them out here. */
export class CountedReevaluations extends MemoryReevaluationCount {
  readonly works: ReevaluationWork[] = [];
  async start(_accountId: string, works: readonly ReevaluationWork[]) {
    this.count += works.length;
    this.works.push(...works);
    return [];
  }
}

/** Heartbeats every 20 s: none fires inside a unit test, and the stores decide alone. */
export const QUIET_POLICY: RecoveryPolicy = { staleAfterMs: 60_000, maxResumes: 5 };

export function memoryHouse(clock = new Clock()) {
  const now = clock.now;
  const purchases = new MemoryPurchases();
  const marks = new MemoryPurchaseInvoicing(purchases);
  const chunks = new MemoryChunks();
  const catalog = new MemoryCatalog();
  const rules = new MemoryRules();
  const accounts = new MemoryAccounts();
  const cycles = new MemoryCycles();
  const invoices = new MemoryInvoices();
  const files = new MemoryFiles();
  const billingBus = new MemoryBillingBus();
  const streams = new MemoryStreams();
  const streamBus = new MemoryStreamBus();
  const reevaluations = new CountedReevaluations();
  const rating = new RatingContextLoader(catalog, rules, now);
  const late = new LatePurchases(cycles, billingBus);
  const drafted = new DraftedPurchases({ catalog, invoices, files });
  const ingest = new IngestService({
    purchases,
    chunks,
    rating,
    reevaluations,
    now,
    onStored: (accountId, records, at) => late.notice(accountId, records, at),
    asRead: (accountId, records) => drafted.asRead(accountId, records),
  });
  const starter = new CycleStarter(cycles, billingBus, now);
  const worker = new CycleWorker({
    cycles,
    invoices,
    marks,
    files,
    bus: billingBus,
    chunks,
    purchases,
    catalog,
    rules,
    accounts,
    rerate: (accountId, references) => ingest.reevaluate(accountId, references),
    policy: QUIET_POLICY,
    now,
  });
  const invoicing = new InvoiceService({ invoices, files, marks, rules, catalog }, now);
  const tables = new StreamTablesService(new MemoryStreamTables(), now);
  const rulesService = new RulesService(rules, catalog, reevaluations);
  const streamService = new StreamService({
    streams,
    files,
    bus: streamBus,
    tables,
    putPriceRule: (a, id, body) => rulesService.putPriceRule(a, id, body),
    now,
  });
  const runner = new StreamRunner({
    streams,
    files,
    bus: streamBus,
    chunks,
    purchases,
    catalog,
    accounts,
    rating,
    tables,
    policy: QUIET_POLICY,
    now,
  });
  const streamReconciler = (policy: RecoveryPolicy) => new StreamReconciler({ streams, bus: streamBus, policy });

  /** Delivers one billing message as the cycle consumer does (a failing delivery is noted, then thrown). */
  const handleBilling = async (message: BillingMessage) => {
    if (message.type === 'export') throw new Error('exports are not wired in the memory house');
    try {
      await worker.handle(message);
    } catch (error) {
      if (message.type !== 'cycle-late') await worker.noteFailure(message as RunMessage, error);
      throw error;
    }
  };

  /** Delivers one streams message as the streams consumer does. */
  const handleStream = (message: StreamMessage) =>
    message.type === 'stream-run'
      ? runner.run(message.accountId, message.batchId, message.batch, message.attempt ?? 1)
      : runner.share(message.accountId, message.batchId);

  return {
    clock,
    purchases,
    marks,
    chunks,
    catalog,
    rules,
    accounts,
    cycles,
    invoices,
    files,
    billingBus,
    streams,
    streamBus,
    reevaluations,
    ingest,
    starter,
    worker,
    invoicing,
    tables,
    streamService,
    runner,
    streamReconciler,
    handleBilling,
    handleStream,
    /**
     * Delivers what the billing queue holds, and what that sends, until it is empty (delays are not
     * waited out: a delayed message comes next in line). `times` delivers each message that often, one
     * after the other or, with `concurrent`, all at once (two consumers got the same message). Returns
     * every message delivered, in order.
     */
    async drainBilling(options: { times?: number; concurrent?: boolean } = {}): Promise<BillingMessage[]> {
      const delivered: BillingMessage[] = [];
      const times = options.times ?? 1;
      for (let round = 0; billingBus.pending.length; round++) {
        if (round > 1000) throw new Error('the billing queue does not settle');
        for (const message of billingBus.take()) {
          if (options.concurrent) await Promise.all(Array.from({ length: times }, () => handleBilling(message)));
          else for (let i = 0; i < times; i++) await handleBilling(message);
          delivered.push(message);
        }
      }
      return delivered;
    },
    async drainStreams(): Promise<StreamMessage[]> {
      const delivered: StreamMessage[] = [];
      for (let round = 0; streamBus.pending.length; round++) {
        if (round > 1000) throw new Error('the streams queue does not settle');
        for (const message of streamBus.take()) {
          await handleStream(message);
          delivered.push(message);
        }
      }
      return delivered;
    },
  };
}

export type MemoryHouse = ReturnType<typeof memoryHouse>;

/** A customer of cluster `all` with what a test names. */
export function customer(code: string, over: Partial<CustomerRecord> = {}): CustomerRecord {
  return {
    code,
    name: `Customer ${code}`,
    cluster: 'all',
    currency: 'EUR',
    partnerAccount: null,
    billingDay: 1,
    onHold: false,
    taxRate: null,
    country: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

/**
 * A small catalogue for account `acme`: customers C1 (EUR, 21 % tax, NL), C2 (EUR, no tax) and C3 (USD),
 * voice (`voice-min`) at 0.0437 EUR or 0.05 USD a minute, data (`data-gb`) at 2 EUR a GB.
 */
export async function seedCatalog(house: MemoryHouse, accountId = 'acme'): Promise<void> {
  const { catalog, rules, accounts } = house;
  await accounts.create({ id: accountId, name: 'Acme Telecom', roles: ['vendor'], currency: 'EUR', createdAt: '2026-01-01T00:00:00.000Z' });
  await catalog.putCustomerCluster(accountId, { id: 'all', name: 'All', parent: null, updatedAt: '2026-01-01T00:00:00.000Z' });
  await catalog.putCustomer(accountId, customer('C1', { name: 'One B.V.', taxRate: '21', country: 'NL' }));
  await catalog.putCustomer(accountId, customer('C2', { name: 'Two Ltd' }));
  await catalog.putCustomer(accountId, customer('C3', { name: 'Three Inc.', currency: 'USD' }));
  for (const [id, name, label] of [
    ['voice', 'Voice', 'voice-min'],
    ['data', 'Data', 'data-gb'],
  ] as const) {
    await catalog.putProductCluster(accountId, { id, name, parent: null, aliases: [label], updatedAt: '2026-01-01T00:00:00.000Z' });
    await catalog.claimAlias(accountId, label, id);
  }
  const rule = (id: string, productCluster: string, currency: string, unitPrice: string) =>
    toWirePriceRule(parsePriceRule(id, { productCluster, currency, validFrom: '2026-01-01', model: { type: 'standard', unitPrice } }));
  let version = await rules.version(accountId);
  for (const wire of [rule('voice-eur', 'voice', 'EUR', '0.0437'), rule('voice-usd', 'voice', 'USD', '0.05'), rule('data-eur', 'data', 'EUR', '2')]) {
    if (!(await rules.savePriceRule(accountId, wire, version++))) throw new Error(`could not save ${wire.id}`);
  }
}

/** A purchase row as `POST /purchases` takes it. */
export function purchase(reference: string, customerCode: string, quantity: string, over: Record<string, unknown> = {}) {
  return { reference, customerCode, productLabel: 'voice-min', quantity, purchaseDate: '2026-10-10', ...over };
}

export const rowsOf = (...raws: unknown[]) => raws.map((raw, at) => ({ at, raw }));

export const OCTOBER = { start: '2026-10-01', end: '2026-11-01' };
