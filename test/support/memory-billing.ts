/** In-memory billing ports (see memory-ports.ts). */
import type {
  BillingBus,
  BillingMessage,
  CyclePlan,
  CycleRecord,
  CycleStore,
  InvoiceFilter,
  InvoiceSequence,
  InvoiceStore,
  LedgerGuard,
  NumberedSave,
  OpenCycle,
  PartialReport,
  StoredInvoice,
  SubscriberLedger,
} from '../../shared/billing/ports';
import type { PageRequest } from '../../shared/kernel/page';
import { keys } from '../../shared/storage/keys';
import { byKey, conditionFailed, copy, copyOrNull, MemoryQueue, pageOf } from './memory-common';

export class MemoryBillingBus extends MemoryQueue<BillingMessage> implements BillingBus {}

/**
 * Billing cycles and their partial reports (DynamoCycleStore). Every step's write is conditional on the
 * run being the running one; the done sets only grow, so a redelivered step never counts twice.
 */
export class MemoryCycles implements CycleStore {
  private readonly cycles = new Map<string, CycleRecord>();
  private readonly parts = new Map<string, PartialReport>();

  async create(cycle: CycleRecord) {
    const existing = this.cycles.get(cycleKey(cycle.accountId, cycle.id));
    if (existing) return { created: false, cycle: copy(existing) };
    this.cycles.set(cycleKey(cycle.accountId, cycle.id), copy(cycle));
    return { created: true, cycle };
  }

  async get(accountId: string, cycleId: string) {
    return copyOrNull(this.cycles.get(cycleKey(accountId, cycleId)));
  }

  /** Newest first (the partition read backwards by cycle id). */
  async list(accountId: string, page: PageRequest) {
    return pageOf(this.ofAccount(accountId).reverse(), page);
  }

  async startingBetween(accountId: string, from: string, to: string) {
    const low = `cyc_${from.replaceAll('-', '')}_`;
    const high = `cyc_${to.replaceAll('-', '')}`;
    return this.ofAccount(accountId)
      .filter((c) => c.id >= low && c.id <= high)
      .map(copy);
  }

  async restart(accountId: string, cycleId: string, at: string) {
    const current = this.cycles.get(cycleKey(accountId, cycleId));
    if (!current || current.status === 'running') return null;
    const next: CycleRecord = {
      ...current,
      run: current.run + 1,
      status: 'running',
      startedAt: at,
      heartbeatAt: at,
      resumes: 0,
      plan: null,
      collected: [],
      invoiced: [],
      report: null,
      completedAt: null,
      lastError: null,
    };
    this.cycles.set(cycleKey(accountId, cycleId), next);
    return copy(next);
  }

  async setPlan(accountId: string, cycleId: string, run: number, plan: CyclePlan) {
    const current = this.running(accountId, cycleId, run);
    if (!current) return null;
    if (current.plan) return copy(current);
    return this.progress(current, { plan: copy(plan) });
  }

  async putPartial(accountId: string, cycleId: string, run: number, partial: PartialReport) {
    const key = `${cycleKey(accountId, cycleId)}#${keys.cyclePartSort(run, partial.kind, partial.index)}`;
    if (!this.parts.has(key)) this.parts.set(key, copy(partial)); // a redelivery: the first report stands
  }

  async partials(accountId: string, cycleId: string, run: number) {
    const prefix = `${cycleKey(accountId, cycleId)}#${keys.cyclePartSort(run)}`;
    return [...this.parts]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, p]) => copy(p));
  }

  async markDone(accountId: string, cycleId: string, run: number, kind: 'collected' | 'invoiced', index: number) {
    const current = this.running(accountId, cycleId, run);
    if (!current) return null;
    const done = [...new Set([...current[kind], index])].sort((a, b) => a - b);
    return this.progress(current, { [kind]: done });
  }

  async finish(accountId: string, cycleId: string, run: number, status: 'completed' | 'failed', report: CycleRecord['report'], at: string) {
    const current = this.running(accountId, cycleId, run);
    if (!current) return false;
    this.cycles.set(cycleKey(accountId, cycleId), { ...current, status, report: copy(report), completedAt: at });
    return true;
  }

  async beat(accountId: string, cycleId: string, run: number, at: string) {
    const current = this.running(accountId, cycleId, run);
    if (!current) return false;
    this.cycles.set(cycleKey(accountId, cycleId), { ...current, heartbeatAt: at });
    return true;
  }

  async noteError(accountId: string, cycleId: string, run: number, error: string) {
    const current = this.running(accountId, cycleId, run);
    if (current) this.cycles.set(cycleKey(accountId, cycleId), { ...current, lastError: error });
  }

  async resumed(accountId: string, cycleId: string, run: number, seenHeartbeatAt: string | null, at: string) {
    const current = this.running(accountId, cycleId, run);
    if (!current || current.heartbeatAt !== seenHeartbeatAt) return false;
    this.cycles.set(cycleKey(accountId, cycleId), { ...current, heartbeatAt: at, resumes: current.resumes + 1 });
    return true;
  }

  async *stale(before: string): AsyncIterable<OpenCycle[]> {
    const sortOf = (c: CycleRecord) => keys.openWorkSort(c.heartbeatAt ?? c.startedAt, c.accountId, c.id);
    const open = [...this.cycles.values()].filter((c) => c.status === 'running' && sortOf(c) < keys.openWorkSort(before)).sort(byKey(sortOf));
    if (open.length) yield open.map((c) => ({ accountId: c.accountId, cycleId: c.id, heartbeatAt: c.heartbeatAt ?? c.startedAt }));
  }

  private ofAccount(accountId: string): CycleRecord[] {
    return [...this.cycles.values()].filter((c) => c.accountId === accountId).sort(byKey((c) => c.id));
  }

  private running(accountId: string, cycleId: string, run: number): CycleRecord | null {
    const current = this.cycles.get(cycleKey(accountId, cycleId));
    return current && current.run === run && current.status === 'running' ? current : null;
  }

  /** A progress write: heartbeat now (the adapter's own clock, as DynamoCycleStore's), resumes back to 0. */
  private progress(current: CycleRecord, change: Partial<CycleRecord>): CycleRecord {
    const next = { ...current, ...change, heartbeatAt: new Date().toISOString(), resumes: 0 };
    this.cycles.set(cycleKey(current.accountId, current.id), next);
    return copy(next);
  }
}

const cycleKey = (accountId: string, cycleId: string) => `${accountId}/${cycleId}`;

/** Ids of invoices and credit notes name their period start (`inv_20261001_…`): others have no partition. */
const INVOICE_ID = /^(?:inv|cn)_(\d{4})(\d{2})(\d{2})_[A-Za-z0-9_-]+$/;

/**
 * Invoices and credit notes (DynamoInvoiceStore). The record goes through JSON on the way in and out,
 * as the adapter keeps it as JSON text, so an unchanged regenerated draft reads back byte for byte.
 * `save` holds for a new id at revision 0, or for a draft still at the expected revision.
 */
export class MemoryInvoices implements InvoiceStore {
  private readonly invoices = new Map<string, string>();
  /** How many saves held (each is one written revision). */
  saves = 0;

  async get(accountId: string, id: string) {
    if (!INVOICE_ID.test(id)) return null;
    return this.read(accountId, id);
  }

  async getMany(accountId: string, ids: readonly string[]) {
    return new Map(
      ids.flatMap((id) => {
        const stored = INVOICE_ID.test(id) ? this.read(accountId, id) : null;
        return stored ? [[id, stored] as const] : [];
      }),
    );
  }

  async save(accountId: string, invoice: StoredInvoice, expectedRevision: number) {
    const id = invoice.record.id;
    const current = this.read(accountId, id);
    const holds = expectedRevision === 0 ? current === null : current?.record.status === 'draft' && current.revision === expectedRevision;
    if (!holds) return false;
    this.invoices.set(`${accountId}/${id}`, JSON.stringify(invoice));
    this.saves += 1;
    return true;
  }

  /** Subscriber ledgers (the adapter's LEDGER items), by account and customer. */
  private readonly ledgers = new Map<string, SubscriberLedger>();

  async subscriberLedger(accountId: string, customer: string): Promise<SubscriberLedger> {
    return this.ledgers.get(`${accountId}/${customer}`) ?? { version: 0, invoiceIds: [], complete: true };
  }

  async subscriberLedgers(accountId: string, customers: readonly string[]) {
    return new Map(await Promise.all(customers.map(async (c) => [c, await this.subscriberLedger(accountId, c)] as const)));
  }

  async saveGuarded(accountId: string, invoice: StoredInvoice, expectedRevision: number, ledger: LedgerGuard) {
    const key = `${accountId}/${ledger.customer}`;
    const current = await this.subscriberLedger(accountId, ledger.customer);
    if (current.version !== ledger.version) return false;
    if (!(await this.save(accountId, invoice, expectedRevision))) return false;
    const invoiceIds = [...new Set([...current.invoiceIds, invoice.record.id, ...ledger.billedIds])].sort();
    this.ledgers.set(key, { version: current.version + 1, invoiceIds, complete: true });
    return true;
  }

  async deleteDraft(accountId: string, id: string, expectedRevision: number) {
    const current = this.read(accountId, id);
    if (current?.record.status !== 'draft' || current.revision !== expectedRevision) return false;
    this.invoices.delete(`${accountId}/${id}`);
    return true;
  }

  async markCredited(accountId: string, id: string, creditNoteId: string) {
    const current = this.read(accountId, id);
    if (!(current?.record.status === 'approved' || current?.record.status === 'voided') || current.creditedBy) return false;
    this.invoices.set(`${accountId}/${id}`, JSON.stringify({ ...current, creditedBy: creditNoteId }));
    return true;
  }

  /** The per-account, per-year invoice-number counters (the adapter's INVOICE-NUMBER#<year> items). */
  private readonly numbers = new Map<string, number>();

  async lastNumber(accountId: string, year: number) {
    return this.numbers.get(`${accountId}/${year}`) ?? 0;
  }

  async saveNumbered(accountId: string, invoice: StoredInvoice, expectedRevision: number, number: InvoiceSequence): Promise<NumberedSave> {
    const current = this.read(accountId, invoice.record.id);
    if (current?.record.status !== 'draft' || current.revision !== expectedRevision) return 'invoice_changed';
    const counter = `${accountId}/${number.year}`;
    if ((this.numbers.get(counter) ?? 0) !== number.sequence - 1) return 'number_taken';
    this.numbers.set(counter, number.sequence);
    this.invoices.set(`${accountId}/${invoice.record.id}`, JSON.stringify(invoice));
    this.saves += 1;
    return 'saved';
  }

  async replaceApproved(accountId: string, invoice: StoredInvoice, expectedRevision: number) {
    const current = this.read(accountId, invoice.record.id);
    if (current?.record.status !== 'approved' || current.revision !== expectedRevision) return false;
    this.invoices.set(`${accountId}/${invoice.record.id}`, JSON.stringify(invoice));
    return true;
  }

  async setCompletion(accountId: string, id: string, completion: 'pending' | 'done') {
    if (!INVOICE_ID.test(id)) return;
    const current = this.read(accountId, id);
    if (!current) throw conditionFailed(`invoice ${id}`);
    this.invoices.set(`${accountId}/${id}`, JSON.stringify({ ...current, completion }));
  }

  /**
   * By customer (newest period first), by period start (in id order), or all of them (newest period
   * first). The adapter finds the periods of "all" through the account's cycles; every invoice comes from
   * a cycle, so the periods of the stored invoices are the same set.
   */
  async list(accountId: string, filter: InvoiceFilter, page: PageRequest) {
    let all = this.all(accountId);
    if (filter.customer) {
      const sortOf = (s: StoredInvoice) => keys.customerInvoiceSort(s.record.periodStart, s.record.id);
      all = all
        .filter((s) => s.record.customer.code === filter.customer && (!filter.periodStart || s.record.periodStart === filter.periodStart))
        .sort(byKey(sortOf))
        .reverse();
    } else if (filter.periodStart) {
      all = all.filter((s) => s.record.periodStart === filter.periodStart);
    } else {
      all = all.sort((a, b) =>
        a.record.periodStart === b.record.periodStart ? (a.record.id < b.record.id ? -1 : 1) : a.record.periodStart > b.record.periodStart ? -1 : 1,
      );
    }
    return pageOf(all, page);
  }

  async openInvoicesOf(accountId: string, customer: string) {
    const sortOf = (s: StoredInvoice) => keys.customerInvoiceSort(s.record.periodStart, s.record.id);
    return this.all(accountId)
      .filter((s) => s.record.customer.code === customer && (s.record.status === 'draft' || s.completion === 'pending'))
      .sort(byKey(sortOf))
      .reverse();
  }

  async *ofPeriodStart(accountId: string, periodStart: string) {
    const page = this.all(accountId).filter((s) => s.record.periodStart === periodStart);
    if (page.length) yield page;
  }

  private all(accountId: string): StoredInvoice[] {
    return [...this.invoices.keys()]
      .filter((k) => k.startsWith(`${accountId}/`))
      .sort()
      .map((k) => JSON.parse(this.invoices.get(k)!) as StoredInvoice);
  }

  private read(accountId: string, id: string): StoredInvoice | null {
    const text = this.invoices.get(`${accountId}/${id}`);
    return text === undefined ? null : (JSON.parse(text) as StoredInvoice);
  }
}
