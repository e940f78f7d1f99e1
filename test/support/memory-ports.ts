/**
 * Small in-memory implementations of the ports, for the use-case tests (test/unit). Each one keeps the
 * semantics of its DynamoDB or S3 adapter that the use cases rely on: conditional writes hold or fail as
 * the adapter's conditions do (a create that exists answers what the adapter answers, versions,
 * revisions, runs and attempts are checked), reads return copies (what is stored changes only through
 * the port), and lists come back in the adapter's order. What the adapters do for cost or size (pages
 * of 100, multipart uploads, index items) is left out unless a use case can see it.
 */
import Decimal from 'decimal.js';
import type { Account } from '../../shared/platform/domain/access';
import type { AccountStore, ApiKeyRecord } from '../../shared/platform/ports';
import type { CatalogStore, CustomerClusterRecord, CustomerRecord, ProductClusterRecord } from '../../shared/catalog/ports';
import type { RoutingRule, WirePriceRule } from '../../shared/pricing/domain/rules';
import type { RuleStore } from '../../shared/pricing/ports';
import type { PurchaseInput, PurchaseRecord } from '../../shared/ingest/domain/purchase';
import type { RatingDecision } from '../../shared/ingest/domain/rating';
import type { ChunkStore, IngestChunk, InsertOutcome, JournalLine, PurchaseReplacement, PurchaseStore, ReevaluationCount } from '../../shared/ingest/ports';
import type {
  BillingBus,
  BillingFiles,
  BillingMessage,
  CyclePlan,
  CycleRecord,
  CycleStore,
  InvoiceFilter,
  InvoiceStore,
  MarkOutcome,
  OpenCycle,
  PartialReport,
  PurchaseInvoicing,
  StoredInvoice,
  UploadStream,
} from '../../shared/billing/ports';
import type { BatchRecord, BatchStatus, InboundRecord } from '../../shared/streams/domain/batch';
import type { WireStream } from '../../shared/streams/domain/stream';
import type { LookupTable } from '../../shared/streams/domain/tables';
import type {
  ExchangeRateRecord,
  LookupTableSummary,
  OpenBatchWork,
  StoredStream,
  StreamBus,
  StreamFiles,
  StreamMessage,
  StreamStore,
  StreamTablesStore,
} from '../../shared/streams/ports';
import type { Page, PageRequest } from '../../shared/kernel/page';
import { keys, objects } from '../../shared/storage/keys';

const copy = <T>(value: T): T => structuredClone(value);

/** What a DynamoDB write whose condition is not caught throws (the adapters let it through). */
function conditionFailed(what: string): Error {
  const error = new Error(`The conditional request failed (${what})`);
  error.name = 'ConditionalCheckFailedException';
  return error;
}

/** One page of items already in the adapter's order; the cursor is the next item's index. */
function pageOf<T>(items: readonly T[], page: PageRequest): Page<T> {
  const start = page.cursor ? Number(page.cursor) : 0;
  const slice = items.slice(start, start + page.limit);
  return { items: slice.map(copy), next: start + page.limit < items.length ? String(start + page.limit) : null };
}

const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

// ------------------------------------------------------------------------------------------- ingest

/**
 * Purchases, one record per account and reference (DynamoPurchaseStore): `insert` is the conditional
 * claim (`attribute_not_exists`, the holder's hash and chunk returned on failure), `replaceAll` a put per
 * record under `version = expected`.
 */
export class MemoryPurchases implements PurchaseStore {
  private readonly accounts = new Map<string, Map<string, PurchaseRecord>>();

  /** The records of one account by reference (for assertions). */
  of(accountId: string): Map<string, PurchaseRecord> {
    let records = this.accounts.get(accountId);
    if (!records) this.accounts.set(accountId, (records = new Map()));
    return records;
  }

  /** Every stored record by reference (tests of one account). */
  get items(): Map<string, PurchaseRecord> {
    return new Map([...this.accounts.values()].flatMap((records) => [...records]));
  }

  /** Insert calls yield before they decide, so concurrent acceptances really interleave. */
  async insert(record: PurchaseRecord): Promise<InsertOutcome> {
    await new Promise((r) => setImmediate(r));
    const existing = this.of(record.accountId).get(record.reference);
    if (existing) return { kind: 'exists', contentHash: existing.contentHash, chunkId: existing.chunkId };
    this.of(record.accountId).set(record.reference, copy(record));
    return { kind: 'created' };
  }

  async replaceAll(replacements: readonly PurchaseReplacement[]): Promise<Set<string>> {
    const written = new Set<string>();
    for (const { record, expectedVersion } of replacements) {
      const records = this.of(record.accountId);
      if (records.get(record.reference)?.version !== expectedVersion) continue;
      records.set(record.reference, copy(record));
      written.add(record.reference);
    }
    return written;
  }

  async get(accountId: string, reference: string) {
    const record = this.of(accountId).get(reference);
    return record ? copy(record) : null;
  }

  async getMany(accountId: string, references: readonly string[]) {
    const records = this.of(accountId);
    return new Map(references.flatMap((r) => (records.has(r) ? [[r, copy(records.get(r)!)] as const] : [])));
  }

  /** The sparse unmapped index: waiting for the customer code (unknown customer) or else the label, by reference. */
  async unmapped(accountId: string, waitingFor: { customer: string } | { label: string } | null, page: PageRequest): Promise<Page<PurchaseRecord>> {
    const sortOf = (r: PurchaseRecord) => keys.unmappedSort(r.reason === 'unknown-customer' ? { customer: r.customerCode } : { label: r.productLabel }, r.reference);
    const prefix = waitingFor ? keys.unmappedSort(waitingFor) : '';
    const open = [...this.of(accountId).values()].filter((r) => r.status === 'unmapped' && sortOf(r).startsWith(prefix)).sort(byKey(sortOf));
    return pageOf(open, page);
  }

  /** Stores a record as it stands (test data that no acceptance wrote). */
  seed(record: PurchaseRecord): void {
    this.of(record.accountId).set(record.reference, copy(record));
  }
}

/** The invoicing writes on the same purchase records (DynamoPurchaseInvoicing): single-attribute updates under conditions. */
export class MemoryPurchaseInvoicing implements PurchaseInvoicing {
  constructor(private readonly purchases: MemoryPurchases) {}

  async markInvoiced(accountId: string, reference: string, invoiceId: string, expectedVersion: number, at: string): Promise<MarkOutcome> {
    const records = this.purchases.of(accountId);
    const current = records.get(reference);
    if (!current || current.version !== expectedVersion || current.status === 'completed') {
      return current?.status === 'invoiced' && current.invoice === invoiceId ? 'already' : 'changed';
    }
    records.set(reference, { ...current, status: 'invoiced', invoice: invoiceId, version: current.version + 1, updatedAt: at });
    return 'marked';
  }

  async complete(accountId: string, reference: string, invoiceId: string, at: string): Promise<boolean> {
    const records = this.purchases.of(accountId);
    const current = records.get(reference);
    if (!current || current.invoice !== invoiceId || !(current.status === 'invoiced' || current.status === 'rated')) {
      return current?.status === 'completed' && current.invoice === invoiceId;
    }
    records.set(reference, { ...current, status: 'completed', version: current.version + 1, updatedAt: at });
    return true;
  }
}

/** In-flight chunks and the purchase journal under the keys S3ChunkStore writes (`objects.inflight`, `objects.journal`). */
export class MemoryChunks implements ChunkStore {
  readonly inflight = new Map<string, { chunk: IngestChunk; writtenAt: Date }>();
  readonly journal = new Map<string, JournalLine[]>();
  /** Set to make the next journal write fail, as a crash after the claims would. */
  failJournal = false;
  /** How many journal objects were written (a rewrite of the same key counts again). */
  journalWrites = 0;

  async putInflight(chunk: IngestChunk) {
    const key = objects.inflight(chunk.accountId, chunk.chunkId);
    this.inflight.set(key, { chunk: copy(chunk), writtenAt: new Date() });
    return key;
  }
  async getInflight(key: string) {
    const held = this.inflight.get(key);
    return held ? copy(held.chunk) : null;
  }
  async deleteInflight(key: string) {
    this.inflight.delete(key);
  }
  async *listInflight(accountId: string | null) {
    const prefix = objects.inflightPrefix(accountId ?? undefined);
    for (const [key, { writtenAt }] of [...this.inflight].sort(([a], [b]) => (a < b ? -1 : 1))) if (key.startsWith(prefix)) yield { key, writtenAt };
  }
  async putJournal(accountId: string, month: string, chunkId: string, lines: readonly JournalLine[]) {
    if (this.failJournal) {
      this.failJournal = false;
      throw new Error('the machine died');
    }
    this.journalWrites += 1;
    this.journal.set(objects.journal(accountId, month, chunkId), copy([...lines]));
  }
  /** The months with journal objects, sorted (S3's common prefixes). */
  async journalMonths(accountId: string) {
    const prefix = objects.journalPrefix(accountId);
    const months = new Set([...this.journal.keys()].filter((k) => k.startsWith(prefix)).map((k) => objects.journalMonth(k)));
    return [...months].sort();
  }
  /** Keys in S3's listing order (lexicographic), after `startAfter`. */
  async *journalKeys(accountId: string, month: string, startAfter?: string) {
    const prefix = objects.journalPrefix(accountId, month);
    const listed = [...this.journal.keys()].filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter)).sort();
    for (const key of listed) yield key;
  }
  async readJournal(key: string) {
    return copy(this.journal.get(key) ?? []);
  }
  /** Every reference the journal lists, once per line. */
  journaled(): string[] {
    return [...this.journal.values()].flat().map((l) => l.reference);
  }
}

/** The decision of a catalogue that prices every purchase at `unitPrice` a unit. */
export function ratedAt(unitPrice: string) {
  return (p: PurchaseInput): RatingDecision => ({
    status: 'rated',
    reason: null,
    customer: p.customerCode,
    billedTo: p.customerCode,
    productCluster: 'voice',
    routingRule: null,
    priceRule: 'voice',
    amount: new Decimal(p.quantity).mul(unitPrice).toFixed(),
    currency: 'EUR',
    pricing: 'purchase',
    ratingError: null,
  });
}

/** Prices every purchase at 0.05 a unit: enough to see which content was rated and stored. */
export const rater = {
  async rater() {
    return ratedAt('0.05');
  },
};

/** The account's re-evaluation count, moved by hand where a test plays a catalogue change. */
export class MemoryReevaluationCount implements ReevaluationCount {
  count = 0;
  async started() {
    return this.count;
  }
}

// ---------------------------------------------------------------------------- catalog, pricing, platform

/** Catalogue entities by account and id (DynamoCatalogStore): puts replace, alias claims are conditional. */
export class MemoryCatalog implements CatalogStore {
  private readonly customerClusters = new Map<string, CustomerClusterRecord>();
  private readonly customers = new Map<string, CustomerRecord>();
  private readonly productClusters = new Map<string, ProductClusterRecord>();
  private readonly aliases = new Map<string, string>();

  async putCustomerCluster(accountId: string, cluster: CustomerClusterRecord) {
    this.customerClusters.set(`${accountId}/${cluster.id}`, copy(cluster));
  }
  async getCustomerCluster(accountId: string, id: string) {
    return copyOrNull(this.customerClusters.get(`${accountId}/${id}`));
  }
  async listCustomerClusters(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.customerClusters, accountId), page);
  }
  async allCustomerClusters(accountId: string) {
    return ofAccount(this.customerClusters, accountId).map(copy);
  }

  async putCustomer(accountId: string, customer: CustomerRecord) {
    this.customers.set(`${accountId}/${customer.code}`, copy(customer));
  }
  async getCustomer(accountId: string, code: string) {
    return copyOrNull(this.customers.get(`${accountId}/${code}`));
  }
  async getCustomers(accountId: string, codes: readonly string[]) {
    return new Map(codes.flatMap((code) => (this.customers.has(`${accountId}/${code}`) ? [[code, copy(this.customers.get(`${accountId}/${code}`)!)] as const] : [])));
  }
  async listCustomers(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.customers, accountId), page);
  }

  async putProductCluster(accountId: string, cluster: ProductClusterRecord) {
    this.productClusters.set(`${accountId}/${cluster.id}`, copy(cluster));
  }
  async getProductCluster(accountId: string, id: string) {
    return copyOrNull(this.productClusters.get(`${accountId}/${id}`));
  }
  async listProductClusters(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.productClusters, accountId), page);
  }
  async allProductClusters(accountId: string) {
    return ofAccount(this.productClusters, accountId).map(copy);
  }

  async claimAlias(accountId: string, label: string, clusterId: string): Promise<string | null> {
    const holder = this.aliases.get(`${accountId}/${label}`);
    if (holder !== undefined && holder !== clusterId) return holder;
    this.aliases.set(`${accountId}/${label}`, clusterId);
    return null;
  }
  async releaseAlias(accountId: string, label: string, clusterId: string) {
    if (this.aliases.get(`${accountId}/${label}`) === clusterId) this.aliases.delete(`${accountId}/${label}`);
  }
  async resolveAliases(accountId: string, labels: readonly string[]) {
    return new Map(labels.flatMap((label) => (this.aliases.has(`${accountId}/${label}`) ? [[label, this.aliases.get(`${accountId}/${label}`)!] as const] : [])));
  }
}

/** The entries of one account in a map keyed `<account>/<id>`, in id order (a partition's sort order). */
function ofAccount<T>(map: ReadonlyMap<string, T>, accountId: string): T[] {
  const prefix = `${accountId}/`;
  return [...map].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}

function copyOrNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : copy(value);
}

/** Price and routing rules (DynamoRuleStore): a save holds only at the rule set's expected version, and bumps it. */
export class MemoryRules implements RuleStore {
  private readonly prices = new Map<string, WirePriceRule>();
  private readonly routings = new Map<string, RoutingRule>();
  private readonly versions = new Map<string, number>();

  async priceRules(accountId: string) {
    return ofAccount(this.prices, accountId).map(copy);
  }
  async getPriceRule(accountId: string, id: string) {
    return copyOrNull(this.prices.get(`${accountId}/${id}`));
  }
  async listPriceRules(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.prices, accountId), page);
  }
  async routingRules(accountId: string) {
    return ofAccount(this.routings, accountId).map(copy);
  }
  async getRoutingRule(accountId: string, id: string) {
    return copyOrNull(this.routings.get(`${accountId}/${id}`));
  }
  async listRoutingRules(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.routings, accountId), page);
  }
  async version(accountId: string) {
    return this.versions.get(accountId) ?? 0;
  }
  async savePriceRule(accountId: string, rule: WirePriceRule, expectedVersion: number) {
    return this.save(accountId, expectedVersion, () => this.prices.set(`${accountId}/${rule.id}`, copy(rule)));
  }
  async saveRoutingRule(accountId: string, rule: RoutingRule, expectedVersion: number) {
    return this.save(accountId, expectedVersion, () => this.routings.set(`${accountId}/${rule.id}`, copy(rule)));
  }
  private save(accountId: string, expectedVersion: number, write: () => void): boolean {
    if ((this.versions.get(accountId) ?? 0) !== expectedVersion) return false;
    this.versions.set(accountId, expectedVersion + 1);
    write();
    return true;
  }
}

/** Accounts and API keys (DynamoAccountStore): both created once; a second key with the same hash throws as the adapter's put does. */
export class MemoryAccounts implements AccountStore {
  private readonly accounts = new Map<string, Account>();
  private readonly apiKeys = new Map<string, ApiKeyRecord>();

  async create(account: Account) {
    if (this.accounts.has(account.id)) return false;
    this.accounts.set(account.id, copy(account));
    return true;
  }
  async get(id: string) {
    return copyOrNull(this.accounts.get(id));
  }
  async putKey(hash: string, key: ApiKeyRecord) {
    if (this.apiKeys.has(hash)) throw conditionFailed(`api key ${hash}`);
    this.apiKeys.set(hash, copy(key));
  }
  async getKey(hash: string) {
    return copyOrNull(this.apiKeys.get(hash));
  }
}

// ------------------------------------------------------------------------------------------ billing

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
    return this.ofAccount(accountId).filter((c) => c.id >= low && c.id <= high).map(copy);
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
    return [...this.parts].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => copy(p));
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
    return new Map(ids.flatMap((id) => {
      const stored = INVOICE_ID.test(id) ? this.read(accountId, id) : null;
      return stored ? [[id, stored] as const] : [];
    }));
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

  async deleteDraft(accountId: string, id: string, expectedRevision: number) {
    const current = this.read(accountId, id);
    if (current?.record.status !== 'draft' || current.revision !== expectedRevision) return false;
    this.invoices.delete(`${accountId}/${id}`);
    return true;
  }

  async markCredited(accountId: string, id: string, creditNoteId: string) {
    const current = this.read(accountId, id);
    if (current?.record.status !== 'approved' || current.creditedBy) return false;
    this.invoices.set(`${accountId}/${id}`, JSON.stringify({ ...current, creditedBy: creditNoteId }));
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
      all = all.filter((s) => s.record.customer.code === filter.customer && (!filter.periodStart || s.record.periodStart === filter.periodStart)).sort(byKey(sortOf)).reverse();
    } else if (filter.periodStart) {
      all = all.filter((s) => s.record.periodStart === filter.periodStart);
    } else {
      all = all.sort((a, b) => (a.record.periodStart === b.record.periodStart ? (a.record.id < b.record.id ? -1 : 1) : a.record.periodStart > b.record.periodStart ? -1 : 1));
    }
    return pageOf(all, page);
  }

  async *ofPeriodStart(accountId: string, periodStart: string) {
    const page = this.all(accountId).filter((s) => s.record.periodStart === periodStart);
    if (page.length) yield page;
  }

  private all(accountId: string): StoredInvoice[] {
    return [...this.invoices.keys()].filter((k) => k.startsWith(`${accountId}/`)).sort().map((k) => JSON.parse(this.invoices.get(k)!) as StoredInvoice);
  }

  private read(accountId: string, id: string): StoredInvoice | null {
    const text = this.invoices.get(`${accountId}/${id}`);
    return text === undefined ? null : (JSON.parse(text) as StoredInvoice);
  }
}

/**
 * Objects of the data bucket (S3BillingFiles, S3StreamFiles): whole objects, listed in key order. A
 * streamed upload appears only when it is closed; an aborted one never does. `open` hands the bytes out
 * in small pieces, so readers meet lines and records split across chunks as they do over the network.
 */
export class MemoryFiles implements StreamFiles {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();

  async put(key: string, body: string | Buffer, contentType: string) {
    this.objects.set(key, { body: Buffer.from(body), contentType });
  }
  async get(key: string) {
    const object = this.objects.get(key);
    return object ? Buffer.from(object.body) : null;
  }
  async getText(key: string) {
    return this.objects.get(key)?.body.toString('utf8') ?? null;
  }
  async list(prefix: string) {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async delete(keys: readonly string[]) {
    for (const key of keys) this.objects.delete(key);
  }
  upload(key: string, contentType: string): UploadStream {
    const parts: Buffer[] = [];
    let done = false;
    return {
      write: async (text) => {
        if (done) throw new Error(`upload of ${key} is closed`);
        parts.push(Buffer.from(text, 'utf8'));
      },
      close: async () => {
        done = true;
        const body = Buffer.concat(parts);
        this.objects.set(key, { body, contentType });
        return body.length;
      },
      abort: async () => {
        done = true;
      },
    };
  }
  async open(key: string): Promise<AsyncIterable<Buffer> | null> {
    const object = this.objects.get(key);
    if (!object) return null;
    const body = Buffer.from(object.body);
    return (async function* () {
      for (let i = 0; i < body.length; i += 7) yield body.subarray(i, i + 7);
    })();
  }
  async size(key: string) {
    return this.objects.get(key)?.body.length ?? null;
  }
  text(key: string): string | null {
    return this.objects.get(key)?.body.toString('utf8') ?? null;
  }
}

/**
 * A queue: what was sent waits in `pending` (with its delay) until a test delivers it; `sent` keeps
 * everything ever sent. `take()` empties the queue, as consumers receive it.
 */
export class MemoryQueue<M> {
  readonly sent: { message: M; delaySeconds: number }[] = [];
  pending: { message: M; delaySeconds: number }[] = [];

  async send(messages: readonly M[], options?: { delaySeconds?: number }): Promise<void> {
    for (const message of messages) {
      const entry = { message: copy(message), delaySeconds: options?.delaySeconds ?? 0 };
      this.sent.push(entry);
      this.pending.push(entry);
    }
  }

  take(): M[] {
    const out = this.pending.map((e) => e.message);
    this.pending = [];
    return out;
  }
}

export class MemoryBillingBus extends MemoryQueue<BillingMessage> implements BillingBus {}
export class MemoryStreamBus extends MemoryQueue<StreamMessage> implements StreamBus {}

// ------------------------------------------------------------------------------------------ streams

/**
 * Streams, batches, inbound batches and the open-work items of batches (DynamoStreamStore). A batch is
 * created once; its status moves only from the status a write names, and a running batch only by the
 * attempt the stored record names. A running batch has its `run` work item from its first write; a
 * published one gets a `share` item; ending a run removes the item.
 */
export class MemoryStreams implements StreamStore {
  private readonly streams = new Map<string, StoredStream>();
  private readonly batches = new Map<string, BatchRecord>();
  private readonly work = new Map<string, OpenBatchWork>();
  private readonly inbounds = new Map<string, InboundRecord>();

  async putStream(accountId: string, id: string, definition: WireStream, updatedAt: string) {
    const created = !this.streams.has(`${accountId}/${id}`);
    this.streams.set(`${accountId}/${id}`, { id, definition: copy(definition), updatedAt });
    return { created };
  }
  async getStream(accountId: string, id: string) {
    return copyOrNull(this.streams.get(`${accountId}/${id}`));
  }
  async listStreams(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.streams, accountId), page);
  }
  async allStreams(accountId: string) {
    return ofAccount(this.streams, accountId).map(copy);
  }

  async createBatch(record: BatchRecord) {
    const key = `${record.accountId}/${record.id}`;
    if (this.batches.has(key)) return false;
    if (record.status !== 'running') {
      this.batches.set(key, copy(record));
      return true;
    }
    const running = { ...copy(record), attempt: record.attempt ?? 1 };
    this.batches.set(key, running);
    this.work.set(key, { accountId: record.accountId, batchId: record.id, phase: 'run', attempt: running.attempt, heartbeatAt: record.updatedAt, resumes: 0, lastError: null });
    return true;
  }

  async getBatch(accountId: string, id: string) {
    return copyOrNull(this.batches.get(`${accountId}/${id}`));
  }

  async updateBatch(record: BatchRecord, from: BatchStatus) {
    const key = `${record.accountId}/${record.id}`;
    const current = this.batches.get(key);
    if (!current || current.status !== from) return false;
    if (from === 'running' && current.attempt !== record.attempt) return false;
    this.batches.set(key, copy(record));
    if (from === 'running' && record.status !== 'running') this.work.delete(key);
    if (from === 'draft' && record.status === 'published') {
      this.work.set(key, { accountId: record.accountId, batchId: record.id, phase: 'share', attempt: record.attempt ?? 1, heartbeatAt: record.updatedAt, resumes: 0, lastError: null });
    }
    return true;
  }

  async streamBatches(accountId: string, stream: string, page: PageRequest) {
    const sortOf = (b: BatchRecord) => `${b.createdAt}#${b.id}`;
    return pageOf(ofAccount(this.batches, accountId).filter((b) => b.stream === stream).sort(byKey(sortOf)).reverse(), page);
  }

  async *openWork(before: string) {
    const sortOf = (w: OpenBatchWork) => keys.openWorkSort(w.heartbeatAt, w.accountId, w.batchId);
    const stale = [...this.work.values()].filter((w) => sortOf(w) < keys.openWorkSort(before)).sort(byKey(sortOf));
    if (stale.length) yield stale.map(copy);
  }
  async getWork(accountId: string, batchId: string) {
    return copyOrNull(this.work.get(`${accountId}/${batchId}`));
  }
  async beat(accountId: string, batchId: string, phase: OpenBatchWork['phase'], attempt: number, at: string) {
    const current = this.work.get(`${accountId}/${batchId}`);
    if (!current || current.phase !== phase || current.attempt !== attempt) return false;
    current.heartbeatAt = at;
    return true;
  }
  async noteError(accountId: string, batchId: string, error: string) {
    const current = this.work.get(`${accountId}/${batchId}`);
    if (current) current.lastError = error;
  }
  async redrive(work: OpenBatchWork, at: string) {
    const key = `${work.accountId}/${work.batchId}`;
    const current = this.work.get(key);
    if (!current || current.heartbeatAt !== work.heartbeatAt || current.phase !== work.phase || current.attempt !== work.attempt) return null;
    const next = work.phase === 'run' ? work.attempt + 1 : work.attempt;
    if (work.phase === 'run') {
      const batch = this.batches.get(key);
      if (batch?.status !== 'running' || batch.attempt !== work.attempt) return null;
      this.batches.set(key, { ...batch, attempt: next, updatedAt: at });
    }
    this.work.set(key, { ...current, heartbeatAt: at, attempt: next, resumes: current.resumes + 1 });
    return this.getBatch(work.accountId, work.batchId);
  }
  async closeWork(accountId: string, batchId: string, phase: OpenBatchWork['phase']) {
    if (this.work.get(`${accountId}/${batchId}`)?.phase === phase) this.work.delete(`${accountId}/${batchId}`);
  }

  async createInbound(record: InboundRecord) {
    const key = `${record.accountId}/${record.id}`;
    if (this.inbounds.has(key)) return false;
    this.inbounds.set(key, copy(record));
    return true;
  }
  async getInbound(accountId: string, id: string) {
    return copyOrNull(this.inbounds.get(`${accountId}/${id}`));
  }
  async listInbound(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.inbounds, accountId), page);
  }
}

/** Exchange rates (one entry per pair and validFrom) and lookup tables (DynamoStreamTablesStore): a PUT replaces. */
export class MemoryStreamTables implements StreamTablesStore {
  private readonly rates = new Map<string, ExchangeRateRecord>();
  private readonly tables = new Map<string, { table: LookupTable; updatedAt: string }>();

  async putExchangeRate(accountId: string, rate: ExchangeRateRecord) {
    const key = `${accountId}/${keys.exchangeRateSort(rate.pair, rate.validFrom)}`;
    const created = !this.rates.has(key);
    this.rates.set(key, copy(rate));
    return { created };
  }
  async exchangeRates(accountId: string) {
    return ofAccount(this.rates, accountId).map(copy);
  }
  async exchangeRatesOf(accountId: string, pair: string) {
    return [...this.rates].filter(([k]) => k.startsWith(`${accountId}/${keys.exchangeRateSort(pair)}`)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => copy(r));
  }
  async listExchangeRates(accountId: string, page: PageRequest) {
    return pageOf(ofAccount(this.rates, accountId), page);
  }
  async putLookupTable(accountId: string, id: string, table: LookupTable, updatedAt: string) {
    const created = !this.tables.has(`${accountId}/${id}`);
    this.tables.set(`${accountId}/${id}`, { table: copy(table), updatedAt });
    return { created };
  }
  async lookupTable(accountId: string, id: string) {
    return copyOrNull(this.tables.get(`${accountId}/${id}`));
  }
  async listLookupTables(accountId: string, page: PageRequest): Promise<Page<LookupTableSummary>> {
    const summaries = [...this.tables].filter(([k]) => k.startsWith(`${accountId}/`)).sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, { table, updatedAt }]) => ({ id: k.slice(accountId.length + 1), key: table.key, rowCount: table.rows.length, updatedAt }));
    return pageOf(summaries, page);
  }
}
