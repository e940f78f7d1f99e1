import { randomBytes } from 'node:crypto';
import { DomainError } from '../../kernel/errors';
import { instant } from '../../kernel/fields';
import { buildInvoice, toInvoiceRecord, type Invoice } from '../domain/invoice';
import { buildLines } from '../domain/lines';
import { invoiceId, type BillingPeriod } from '../../kernel/periods';
import {
  customerReport,
  errorReport,
  fromWireReport,
  heldReport,
  mergeAll,
  toWireReport,
  type CycleReport,
  type NotInvoicedReason,
  type UnmappedReason,
} from '../domain/report';
import { isBillable, readsFromMonth } from '../domain/period-rows';
import type { PurchaseRecord } from '../../ingest/domain/purchase';
import type { PriceRule } from '../../pricing/domain/rules';
import { objects } from '../../storage/keys';
import { logger } from '../../kernel/logger';
import type { AccountStore } from '../../platform/ports';
import type { BillingBus, BillingFiles, BillingMessage, CycleRecord, CycleStore, InvoiceStore, PurchaseInvoicing, StoredInvoice } from '../ports';
import type { CatalogStore, CustomerRecord } from '../../catalog/ports';
import type { ChunkStore, PurchaseStore } from '../../ingest/ports';
import type { RuleStore } from '../../pricing/ports';
import { mapLimit } from '../../kernel/concurrency';
import { errorText, heartbeatEveryMs, recoveryPolicy, withHeartbeat, type RecoveryPolicy } from '../../platform/use-cases/reconcile';
import { failCycleRun, nextStep } from './cycle-recovery';
import type { CycleBatches } from '../../streams/use-cases/billing-batches';
import { monthsOf } from './period-purchases';
import { documentKeys, documentVersion, itemRecord, loadInvoice, recordTooLarge, ruleLookup, writeDocuments } from './documents';
import { batchCycleRow, journalKeyMonth, partitionOf, rowsDigest, rowsFromJsonLines, rowsToJsonLines, toCycleRow, toRatedRow, type CycleRow } from './rows';

/**
 * Fan-out sizes. A journal object holds at most 1,000 purchases (one ingest chunk), so a collector reads
 * at most 8,000 purchases (80 BatchGetItem calls). A partition invoices about 100 customers (100 PDFs)
 * or 5,000 purchases, whichever needs more partitions: a few seconds each, so the partitions are the
 * cycle's parallelism, far inside the consumer's timeout.
 */
export const KEYS_PER_COLLECTOR = 8;
export const CUSTOMERS_PER_PARTITION = 100;
export const PURCHASES_PER_PARTITION = 5000;
export const MAX_PARTITIONS = 1000;
/** A batch collector writes its partition files every this many rows. */
export const ROWS_PER_PIECE = 20_000;
/** Collect keys under this prefix are billing stream batches' rows files (shared/storage/keys.ts `objects.batchFile`). */
const BATCH_PREFIX = 'batches/';

export interface CycleWorkerDeps {
  cycles: CycleStore;
  invoices: InvoiceStore;
  marks: PurchaseInvoicing;
  files: BillingFiles;
  bus: BillingBus;
  chunks: ChunkStore;
  purchases: PurchaseStore;
  catalog: CatalogStore;
  rules: RuleStore;
  accounts: AccountStore;
  /**
   * Re-rates purchases against the current catalogue (IngestService.reevaluate). A purchase dated after
   * the moment it was rated waits as `future-date`; once its period is invoiced that moment has passed.
   */
  rerate: (accountId: string, references: readonly string[]) => Promise<number>;
  /** The billing streams' batches; without it (or without billing streams) the account's purchases are billed. */
  batches?: CycleBatches;
  /** How often a running step writes its heartbeat follows from the reconciler's threshold. */
  policy?: RecoveryPolicy;
  now?: () => Date;
}

type CycleMessage = Exclude<BillingMessage, { type: 'export' }>;
/** The messages of one run of a cycle. */
export type RunMessage = Extract<BillingMessage, { type: 'cycle-start' | 'cycle-collect' | 'cycle-invoice' }>;

/** A late purchase of a running cycle is looked at again this much later (the running run may miss it). */
const LATE_RETRY_SECONDS = 60;
/** A cycle waiting for its billing streams' runs asks again this much later. */
const STREAM_WAIT_SECONDS = 5;

interface InvoicingContext {
  cycle: CycleRecord;
  period: BillingPeriod;
  seller: { id: string; name: string };
  rules: Map<string, PriceRule>;
  clusterNames: Map<string, string>;
}

interface CustomerOutcome {
  report: CycleReport;
  invoiceIds: string[];
}

/**
 * Runs a billing cycle through the BillingQueue (docs/architecture.md, "Billing cycles"):
 *
 * 1. `cycle-start` lists the journal objects of the period's months and records a plan (collectors,
 *    partitions) on the cycle, first writer wins; the plan's slices go out as `cycle-collect` messages.
 * 2. Each collector reads its purchases, writes the billable (and held) ones as rows into one S3 file per
 *    partition of paying customers, counts the rest by reason, then joins the run's `collected` set. The
 *    collector that completes the set sends one `cycle-invoice` per partition.
 * 3. Each invoicer reads its partition, builds one draft per customer and currency (deterministic id; an
 *    approved invoice is never touched), writes the documents and the item, puts the purchases on it, and
 *    joins the `invoiced` set. The invoicer that completes it merges the partial reports into the cycle.
 *
 * Every message is safe to receive twice, and messages of a superseded run are ignored.
 */
export class CycleWorker {
  private readonly now: () => Date;
  private readonly heartbeatMs: number;

  constructor(private readonly deps: CycleWorkerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.heartbeatMs = heartbeatEveryMs(deps.policy ?? recoveryPolicy());
  }

  async handle(message: CycleMessage): Promise<void> {
    if (message.type === 'cycle-late') return this.late(message.accountId, message.cycleId, message.arrivedAt);
    const { accountId, cycleId, run } = message;
    // A step tells the reconciler it is alive when it starts and while it runs (docs/architecture.md).
    const beat = () => this.deps.cycles.beat(accountId, cycleId, run, this.now().toISOString());
    if (!(await beat())) return; // a finished or superseded run: nothing to do
    await withHeartbeat(this.heartbeatMs, beat, () => {
      switch (message.type) {
        case 'cycle-start':
          return this.plan(accountId, cycleId, run);
        case 'cycle-collect':
          return this.collect(accountId, cycleId, run, message.collector, message.keys);
        case 'cycle-invoice':
          return this.invoice(accountId, cycleId, run, message.partition);
      }
    });
  }

  /** A delivery of a run's message failed: the error is kept, so that a give-up can say what went wrong. */
  async noteFailure(message: RunMessage, error: unknown): Promise<void> {
    await this.deps.cycles.noteError(message.accountId, message.cycleId, message.run, `${describeStep(message)}: ${errorText(error)}`);
  }

  /**
   * The last delivery of a message failed: the run ends `failed`, with what is known so far and the error
   * (or with the error alone, when what is known cannot be merged).
   */
  async fail(message: RunMessage, error: unknown): Promise<void> {
    await failCycleRun(this.deps.cycles, message, `${describeStep(message)}: ${errorText(error)}`, this.now().toISOString());
  }

  /**
   * Purchases of a completed cycle's period were stored at `arrivedAt` (shared/ingest/use-cases/ingest.ts calls
   * LatePurchases): its drafts are regenerated, unless a run started after that already read them. A
   * burst of late chunks makes one regeneration; while a run goes, the question is asked again later.
   * Approved invoices stay as they are (the report names what arrived too late for them).
   */
  private async late(accountId: string, cycleId: string, arrivedAt: string): Promise<void> {
    const cycle = await this.deps.cycles.get(accountId, cycleId);
    if (!cycle || cycle.status === 'failed' || Date.parse(cycle.startedAt) > Date.parse(arrivedAt)) return;
    const next = cycle.status === 'running' ? null : await this.deps.cycles.restart(accountId, cycleId, this.now().toISOString());
    if (!next) {
      await this.deps.bus.send([{ type: 'cycle-late', accountId, cycleId, arrivedAt }], { delaySeconds: LATE_RETRY_SECONDS });
      return;
    }
    logger.info('late purchases: regenerating the cycle', { accountId, cycleId, run: next.run });
    await this.deps.bus.send([{ type: 'cycle-start', accountId, cycleId, run: next.run }]);
  }

  // ------------------------------------------------------------------------------------------ plan

  private async plan(accountId: string, cycleId: string, run: number): Promise<void> {
    const cycle = await this.current(accountId, cycleId, run);
    if (!cycle) return;
    if (cycle.plan) return this.resume(cycle);

    const streamed = this.deps.batches ? await this.deps.batches.forPeriod(accountId, periodOf(cycle)) : null;
    if (streamed?.waiting.length) {
      logger.info('cycle waits for its billing streams to run', { accountId, cycleId, run, streams: streamed.waiting });
      await this.deps.bus.send([{ type: 'cycle-start', accountId, cycleId, run }], { delaySeconds: STREAM_WAIT_SECONDS });
      return;
    }
    const slices: string[][] = [];
    let census: { customers: number; purchases: number };
    if (streamed) {
      // invoices are views of the billing streams' batches: one collector per batch
      for (const batch of streamed.ready) slices.push([objects.batchFile(accountId, batch.id, 'rows.csv', batch.attempt)]);
      census = { customers: 0, purchases: streamed.ready.reduce((n, b) => n + b.rows, 0) };
    } else {
      const wanted = new Set(monthsOf(periodOf(cycle)));
      const keys: string[] = [];
      for (const month of await this.deps.chunks.journalMonths(accountId)) {
        if (!wanted.has(month)) continue;
        for await (const key of this.deps.chunks.journalKeys(accountId, month)) keys.push(key);
      }
      for (let i = 0; i < keys.length; i += KEYS_PER_COLLECTOR) slices.push(keys.slice(i, i + KEYS_PER_COLLECTOR));
      census = await this.census(periodOf(cycle), keys);
    }
    const { customers, purchases } = census;
    const partitions = Math.min(MAX_PARTITIONS, Math.max(1, Math.ceil(customers / CUSTOMERS_PER_PARTITION), Math.ceil(purchases / PURCHASES_PER_PARTITION)));
    const planId = randomBytes(6).toString('hex');
    // The slices are kept before the plan is recorded, so that whoever finds the plan can resend them.
    const notes = streamed?.missing ?? [];
    await this.deps.files.put(objects.cyclePlan(accountId, cycleId, run, planId), JSON.stringify({ slices, notes }), 'application/json');
    const planned = await this.deps.cycles.setPlan(accountId, cycleId, run, { planId, collectors: slices.length, partitions });
    if (!planned) return;
    if (planned.plan?.planId !== planId) return this.resume(planned); // a concurrent start planned first
    logger.info('cycle planned', { accountId, cycleId, run, source: streamed ? 'batches' : 'journal', customers, purchases, collectors: slices.length, partitions });
    await this.dispatchCollectors(planned, slices);
  }

  /**
   * How many customers (original ones: an upper bound of who pays) and purchases the period has, from the
   * journal lines alone: one GET per journal object, what sizes the partitions before anything is read.
   */
  private async census(period: BillingPeriod, keys: readonly string[]): Promise<{ customers: number; purchases: number }> {
    const customers = new Set<string>();
    let purchases = 0;
    await mapLimit(keys, 16, async (key) => {
      const month = journalKeyMonth(key);
      for (const line of await this.deps.chunks.readJournal(key)) {
        if (!readsFromMonth(line, period, month)) continue;
        customers.add(line.customerCode);
        purchases += 1;
      }
    });
    return { customers: customers.size, purchases };
  }

  /**
   * Sends whatever the run still waits for (a redelivered start, a start that lost the race to plan, or
   * the reconciler's resume of a run whose finishing writer died): the same `nextStep` the reconciler reads.
   */
  private async resume(cycle: CycleRecord): Promise<void> {
    const plan = cycle.plan!;
    const next = nextStep(cycle);
    if (next.step === 'collect') {
      const text = await this.deps.files.getText(objects.cyclePlan(cycle.accountId, cycle.id, cycle.run, plan.planId));
      if (text === null) throw new Error(`plan ${plan.planId} of cycle ${cycle.id} run ${cycle.run} is missing`);
      return this.dispatchCollectors(cycle, (JSON.parse(text) as { slices: string[][] }).slices);
    }
    if (next.step === 'invoice') return this.dispatchInvoicers(cycle);
    return this.finalize(cycle);
  }

  private async dispatchCollectors(cycle: CycleRecord, slices: string[][]): Promise<void> {
    if (slices.length === 0) return this.dispatchInvoicers(cycle); // nothing journaled in the period
    const done = new Set(cycle.collected);
    const { accountId, id: cycleId, run } = cycle;
    await this.deps.bus.send(
      slices.flatMap((keys, collector) => (done.has(collector) ? [] : [{ type: 'cycle-collect' as const, accountId, cycleId, run, collector, keys }])),
    );
  }

  private async dispatchInvoicers(cycle: CycleRecord): Promise<void> {
    const done = new Set(cycle.invoiced);
    const { accountId, id: cycleId, run } = cycle;
    const messages: BillingMessage[] = [];
    for (let partition = 0; partition < cycle.plan!.partitions; partition++) {
      if (!done.has(partition)) messages.push({ type: 'cycle-invoice', accountId, cycleId, run, partition });
    }
    await this.deps.bus.send(messages);
  }

  // --------------------------------------------------------------------------------------- collect

  private async collect(accountId: string, cycleId: string, run: number, collector: number, keys: readonly string[]): Promise<void> {
    const cycle = await this.current(accountId, cycleId, run);
    if (!cycle) return;
    if (cycle.collected.includes(collector)) return this.afterCollected(cycle);
    const period = periodOf(cycle);
    const partitions = cycle.plan!.partitions;

    if (keys.some((key) => key.startsWith(BATCH_PREFIX))) return this.collectBatches(cycle, collector, keys);
    const references = new Set<string>();
    await mapLimit(keys, 4, async (key) => {
      const month = journalKeyMonth(key);
      for (const line of await this.deps.chunks.readJournal(key)) {
        if (readsFromMonth(line, period, month)) references.add(line.reference);
      }
    });
    const records = await this.readPurchases(accountId, [...references]);

    const unmapped: Partial<Record<UnmappedReason, number>> = {};
    const notInvoiced: Partial<Record<NotInvoicedReason, number>> = {};
    const parts = new Map<number, CycleRow[]>();
    for (const record of records) {
      if (record.status === 'unmapped') {
        const reason = record.reason as UnmappedReason;
        unmapped[reason] = (unmapped[reason] ?? 0) + 1;
      } else if (isBillable(record) || record.reason === 'on-hold') {
        // held rows (priced or not) go to their payer's partition too: the invoicer reports a held customer once
        const row = toCycleRow(record, period);
        const partition = partitionOf(row.customerCode, partitions);
        const part = parts.get(partition) ?? [];
        part.push(row);
        parts.set(partition, part);
      } else {
        const reason = (record.reason ?? 'no-price-rule') as NotInvoicedReason;
        notInvoiced[reason] = (notInvoiced[reason] ?? 0) + 1;
      }
    }
    await mapLimit([...parts], 8, ([partition, rows]) =>
      this.deps.files.put(objects.cyclePart(accountId, cycleId, run, partition, collector), rowsToJsonLines(rows), 'application/x-ndjson'),
    );
    const report = customerReport({ unmapped, notInvoiced });
    await this.deps.cycles.putPartial(accountId, cycleId, run, { kind: 'collector', index: collector, report: toWireReport(report), invoiceIds: [] });
    const after = await this.deps.cycles.markDone(accountId, cycleId, run, 'collected', collector);
    if (after) await this.afterCollected(after);
  }

  /** A collector of batch rows: each row goes to its customer's partition; rows without customer or amount are reported. */
  private async collectBatches(cycle: CycleRecord, collector: number, keys: readonly string[]): Promise<void> {
    const { accountId, id: cycleId, run } = cycle;
    const partitions = cycle.plan!.partitions;
    const clusters = await this.deps.catalog.allProductClusters(accountId);
    const clusterOfLabel = new Map(clusters.flatMap((c) => c.aliases.map((alias) => [alias, c.id] as const)));
    let parts = new Map<number, CycleRow[]>();
    let buffered = 0;
    let piece = 0;
    // rows go out in pieces, so a collector holds at most ROWS_PER_PIECE rows whatever the batch's size
    const flush = async () => {
      const out = parts;
      const at = piece++;
      parts = new Map();
      buffered = 0;
      await mapLimit([...out], 8, ([partition, rows]) =>
        this.deps.files.put(objects.cyclePart(accountId, cycleId, run, partition, collector, at), rowsToJsonLines(rows), 'application/x-ndjson'),
      );
    };
    const problems: CycleReport[] = [];
    for (const key of keys) {
      const batchId = objects.batchOfFile(key)!;
      const batch = await this.deps.batches?.batch(accountId, batchId);
      if (!batch || !this.deps.batches) throw new Error(`batch ${batchId} of cycle ${cycleId} is missing`);
      let index = 0;
      let skipped = 0;
      for await (const row of this.deps.batches.rows(batch)) {
        const cycleRow = batchCycleRow(row, batch, index++, clusterOfLabel);
        if (!cycleRow) {
          skipped += 1;
          continue;
        }
        const partition = partitionOf(cycleRow.customerCode, partitions);
        const part = parts.get(partition) ?? [];
        part.push(cycleRow);
        parts.set(partition, part);
        if (++buffered >= ROWS_PER_PIECE) await flush();
      }
      if (skipped) problems.push(errorReport({ customer: null, code: 'batch_rows_not_invoiced', message: `${skipped} row(s) of batch ${batchId} (stream ${batch.stream}) have no customerCode, or no amount or quantity that reads as a decimal` }));
    }
    await flush();
    const report = mergeAll([customerReport({}), ...problems]);
    await this.deps.cycles.putPartial(accountId, cycleId, run, { kind: 'collector', index: collector, report: toWireReport(report), invoiceIds: [] });
    const after = await this.deps.cycles.markDone(accountId, cycleId, run, 'collected', collector);
    if (after) await this.afterCollected(after);
  }

  private async afterCollected(cycle: CycleRecord): Promise<void> {
    if (cycle.collected.length >= cycle.plan!.collectors) await this.dispatchInvoicers(cycle);
  }

  /** Reads purchases 100 at a time; those waiting as future-date whose date has come are re-rated first. */
  private async readPurchases(accountId: string, references: readonly string[]): Promise<PurchaseRecord[]> {
    const read = async (refs: readonly string[]) => {
      const batches: string[][] = [];
      for (let i = 0; i < refs.length; i += 100) batches.push(refs.slice(i, i + 100));
      const pages = await mapLimit(batches, 4, (batch) => this.deps.purchases.getMany(accountId, batch));
      return pages.flatMap((page) => [...page.values()]);
    };
    const records = await read(references);
    const now = this.now().getTime();
    const due = records.filter((r) => r.reason === 'future-date' && instant(r.purchaseDate) <= now).map((r) => r.reference);
    if (!due.length) return records;
    await this.deps.rerate(accountId, due);
    const fresh = new Map((await read(due)).map((r) => [r.reference, r]));
    return records.map((r) => fresh.get(r.reference) ?? r);
  }

  // --------------------------------------------------------------------------------------- invoice

  private async invoice(accountId: string, cycleId: string, run: number, partition: number): Promise<void> {
    const cycle = await this.current(accountId, cycleId, run);
    if (!cycle) return;
    if (cycle.invoiced.includes(partition)) return this.afterInvoiced(cycle);

    const rows = await this.readPartition(cycle, partition);
    const byPayer = new Map<string, CycleRow[]>();
    for (const row of rows) {
      const list = byPayer.get(row.customerCode) ?? [];
      list.push(row);
      byPayer.set(row.customerCode, list);
    }
    const payers = [...byPayer.keys()].sort();
    const context = await this.context(cycle);
    const customers = payers.length ? await this.deps.catalog.getCustomers(accountId, payers) : new Map<string, CustomerRecord>();
    const ids = payers.flatMap((code) => [...new Set(byPayer.get(code)!.map((r) => r.currency))].map((currency) => invoiceId(accountId, context.period, code, currency)));
    const existing = ids.length ? await this.deps.invoices.getMany(accountId, ids) : new Map<string, StoredInvoice>();

    const outcomes = await mapLimit(payers, 8, (code) => this.invoiceCustomer(context, code, byPayer.get(code)!, customers.get(code) ?? null, existing));
    const report = mergeAll(outcomes.map((o) => o.report));
    const invoiceIds = outcomes.flatMap((o) => o.invoiceIds);
    await this.deps.cycles.putPartial(accountId, cycleId, run, { kind: 'invoicer', index: partition, report: toWireReport(report), invoiceIds });
    const after = await this.deps.cycles.markDone(accountId, cycleId, run, 'invoiced', partition);
    if (after) await this.afterInvoiced(after);
  }

  private async afterInvoiced(cycle: CycleRecord): Promise<void> {
    if (cycle.invoiced.length >= cycle.plan!.partitions) await this.finalize(cycle);
  }

  private async readPartition(cycle: CycleRecord, partition: number): Promise<CycleRow[]> {
    const keys = await this.deps.files.list(objects.cyclePartsPrefix(cycle.accountId, cycle.id, cycle.run, partition));
    const texts = await mapLimit(keys, 8, (key) => this.deps.files.getText(key));
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

  private async context(cycle: CycleRecord): Promise<InvoicingContext> {
    const [account, rules, clusters] = await Promise.all([
      this.deps.accounts.get(cycle.accountId),
      ruleLookup(this.deps.rules, cycle.accountId),
      this.deps.catalog.allProductClusters(cycle.accountId),
    ]);
    return {
      cycle,
      period: periodOf(cycle),
      seller: { id: cycle.accountId, name: account?.name ?? cycle.accountId },
      rules,
      clusterNames: new Map(clusters.map((c) => [c.id, c.name])),
    };
  }

  /** One paying customer of a partition: its drafts (one per currency), or why it has none. */
  private async invoiceCustomer(
    ctx: InvoicingContext,
    code: string,
    rows: CycleRow[],
    customer: CustomerRecord | null,
    existing: ReadonlyMap<string, StoredInvoice>,
  ): Promise<CustomerOutcome> {
    if (!customer) {
      return { report: errorReport({ customer: code, code: 'unknown_customer', message: `customer '${code}' does not exist; ${rows.length} purchase(s) not invoiced` }), invoiceIds: [] };
    }
    if (customer.onHold) return { report: heldReport(code, rows.length), invoiceIds: [] };

    const held = rows.filter((r) => r.held).length;
    const byCurrency = new Map<string, CycleRow[]>();
    for (const row of rows) {
      if (row.held) continue;
      const list = byCurrency.get(row.currency) ?? [];
      list.push(row);
      byCurrency.set(row.currency, list);
    }
    const invoices: Invoice[] = [];
    const invoiceIds: string[] = [];
    const problems: CycleReport[] = [];
    for (const [currency, currencyRows] of [...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const id = invoiceId(ctx.cycle.accountId, ctx.period, code, currency);
      const stored = existing.get(id) ?? null;
      if (stored?.record.status === 'approved') {
        invoices.push(await loadInvoice(this.deps.files, stored));
        invoiceIds.push(id);
        const late = currencyRows.filter((r) => !(r.status === 'completed' && r.invoice === id)).length;
        if (late) problems.push(errorReport({ customer: code, code: 'invoice_approved', message: `${late} purchase(s) are not on invoice ${id}, approved before they arrived or changed` }));
        continue;
      }
      let invoice: Invoice;
      try {
        const lines = buildLines({ customerCode: code, currency, rows: currencyRows.map(toRatedRow), rules: ctx.rules, productClusterNames: ctx.clusterNames });
        invoice = buildInvoice({
          id,
          accountId: ctx.cycle.accountId,
          customer: { code, name: customer.name, taxRate: customer.taxRate, currency: customer.currency, country: customer.country },
          seller: ctx.seller,
          periodStart: ctx.period.start,
          periodEnd: ctx.period.end,
          currency,
          lines,
        });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const details = error.details.length ? ` (${error.details.slice(0, 3).join('; ')})` : '';
        problems.push(errorReport({ customer: code, code: error.code, message: `${error.message}${details}` }));
        continue;
      }
      const written = await this.writeDraft(ctx.cycle, invoice, currencyRows, stored, ctx.rules);
      if (written !== 'draft') {
        // approved while this draft was being built: the approved one stands
        invoices.push(await loadInvoice(this.deps.files, written));
        invoiceIds.push(id);
        continue;
      }
      const changed = await this.markPurchases(ctx.cycle.accountId, id, currencyRows);
      if (changed) {
        problems.push(errorReport({ customer: code, code: 'purchases_changed', message: `${changed} purchase(s) changed while invoice ${id} was built; regenerate the cycle to invoice their current rating` }));
      }
      invoices.push(invoice);
      invoiceIds.push(id);
    }
    return { report: mergeAll([customerReport({ invoices, notInvoiced: { 'on-hold': held } }), ...problems]), invoiceIds };
  }

  /**
   * Writes a draft unless the stored one is the same invoice built from the same rows. Documents go first
   * (under this write's own keys), then the item under a condition on the revision it replaces; the
   * superseded documents are removed after. Returns 'draft', or the approved invoice that got there first.
   */
  private async writeDraft(cycle: CycleRecord, invoice: Invoice, rows: CycleRow[], stored: StoredInvoice | null, rules: Map<string, PriceRule>): Promise<'draft' | StoredInvoice> {
    const digest = rowsDigest(rows);
    const same = (s: StoredInvoice) =>
      s.record.status === 'draft' && s.rowsDigest === digest && !s.linesKey && !recordTooLarge(invoice) && JSON.stringify(s.record) === JSON.stringify(toInvoiceRecord(invoice));
    if (stored && same(stored)) return 'draft';

    const { accountId } = cycle;
    const revision = (stored?.revision ?? 0) + 1;
    const { documents, linesKey } = await writeDocuments(this.deps.files, invoice, documentVersion(revision), rows, rules);
    const next: StoredInvoice = {
      record: itemRecord(invoice, linesKey),
      revision,
      cycleId: cycle.id,
      run: cycle.run,
      rowsDigest: digest,
      documents,
      linesKey,
      completion: null,
      creditedBy: null,
      updatedAt: this.now().toISOString(),
    };
    if (await this.deps.invoices.save(accountId, next, stored?.revision ?? 0)) {
      if (stored) await this.removeQuietly(documentKeys(stored));
      return 'draft';
    }
    await this.removeQuietly(documentKeys(next));
    const current = await this.deps.invoices.get(accountId, invoice.id);
    if (current?.record.status === 'approved') return current;
    if (current && same(current)) return 'draft'; // a redelivery of this very message wrote it first
    throw new Error(`invoice ${invoice.id} changed while it was regenerated; the message will be retried`);
  }

  /** Puts the rows' purchases on the invoice; returns how many changed since they were collected. */
  private async markPurchases(accountId: string, id: string, rows: readonly CycleRow[]): Promise<number> {
    const at = this.now().toISOString();
    const todo = rows.filter((r) => !r.batch && r.status !== 'completed' && !(r.status === 'invoiced' && r.invoice === id));
    const outcomes = await mapLimit(todo, 16, (r) => this.deps.marks.markInvoiced(accountId, r.reference, id, r.version, at));
    return outcomes.filter((o) => o === 'changed').length;
  }

  // -------------------------------------------------------------------------------------- finalize

  /**
   * Merges the partial reports into the cycle and ends the run. A regeneration also removes the drafts
   * of this period that the run did not produce again (their customer has nothing left to invoice, is
   * held or failed): a draft never outlives the purchases it was built from.
   */
  private async finalize(cycle: CycleRecord): Promise<void> {
    const { accountId, id: cycleId, run } = cycle;
    const partials = await this.deps.cycles.partials(accountId, cycleId, run);
    const report = mergeAll([...partials.map((p) => fromWireReport(p.report)), ...(await this.planNotes(cycle))]);
    if (run > 1) await this.removeStaleDrafts(cycle, new Set(partials.flatMap((p) => p.invoiceIds)));
    const finished = await this.deps.cycles.finish(accountId, cycleId, run, 'completed', toWireReport(report), this.now().toISOString());
    if (!finished) return;
    logger.info('cycle completed', { accountId, cycleId, run, invoices: report.invoices, errors: report.errors.count });
    await this.removeQuietly(await this.deps.files.list(objects.cycleRunPrefix(accountId, cycleId, run)));
  }

  /** What the plan found missing (billing streams without a batch of the period), as report errors. */
  private async planNotes(cycle: CycleRecord): Promise<CycleReport[]> {
    const text = await this.deps.files.getText(objects.cyclePlan(cycle.accountId, cycle.id, cycle.run, cycle.plan!.planId));
    const notes = text ? ((JSON.parse(text) as { notes?: string[] }).notes ?? []) : [];
    return notes.map((message) => errorReport({ customer: null, code: 'stream_not_billed', message }));
  }

  private async removeStaleDrafts(cycle: CycleRecord, produced: ReadonlySet<string>): Promise<void> {
    for await (const page of this.deps.invoices.ofPeriodStart(cycle.accountId, cycle.periodStart)) {
      for (const stored of page) {
        const { record } = stored;
        if (record.periodEnd !== cycle.periodEnd || record.status !== 'draft' || record.creditOf !== null || produced.has(record.id)) continue;
        if (await this.deps.invoices.deleteDraft(cycle.accountId, record.id, stored.revision)) await this.removeQuietly(documentKeys(stored));
      }
    }
  }

  private async removeQuietly(keys: readonly string[]): Promise<void> {
    try {
      await this.deps.files.delete(keys);
    } catch (error) {
      logger.warn('could not remove superseded billing objects', { keys: keys.slice(0, 5), error: error as Error });
    }
  }

  /** The cycle if `run` is its running run; null for a message of a finished or superseded run. */
  private async current(accountId: string, cycleId: string, run: number): Promise<CycleRecord | null> {
    const cycle = await this.deps.cycles.get(accountId, cycleId);
    return cycle && cycle.run === run && cycle.status === 'running' ? cycle : null;
  }
}

function describeStep(message: RunMessage): string {
  return message.type === 'cycle-collect' ? `cycle-collect ${message.collector}` : message.type === 'cycle-invoice' ? `cycle-invoice ${message.partition}` : message.type;
}

export function periodOf(cycle: Pick<CycleRecord, 'periodStart' | 'periodEnd'>): BillingPeriod {
  return { start: cycle.periodStart, end: cycle.periodEnd };
}

