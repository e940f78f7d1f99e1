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
import type { AccountStore, ApiKeyInfo, ApiKeyRecord } from '../../shared/platform/ports';
import type {
  AccountProfileRecord,
  CatalogStore,
  CustomerClusterRecord,
  CustomerRecord,
  CustomerWrite,
  ProductClusterRecord,
  VersionCheck,
} from '../../shared/catalog/ports';
import type { RoutingRule, WirePriceRule } from '../../shared/pricing/domain/rules';
import type { RuleStore } from '../../shared/pricing/ports';
import type { PurchaseInput, PurchaseRecord } from '../../shared/ingest/domain/purchase';
import type { RatingDecision } from '../../shared/ingest/domain/rating';
import type {
  ChunkStore,
  IngestChunk,
  InsertOutcome,
  JournalLine,
  PurchaseReplacement,
  PurchaseStore,
  ReevaluationCount,
} from '../../shared/ingest/ports';
import type { PurchaseInvoicing } from '../../shared/billing/ports';
import type { Page, PageRequest } from '../../shared/kernel/page';
import { keys, objects } from '../../shared/storage/keys';
import { byKey, conditionFailed, copy, copyOrNull, ofAccount, pageOf } from './memory-common';

export { MemoryFiles, MemoryQueue } from './memory-common';
export * from './memory-billing';
export * from './memory-streams';

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
    if (!records) {
      records = new Map();
      this.accounts.set(accountId, records);
    }
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

  async insertMany(records: readonly PurchaseRecord[]): Promise<InsertOutcome[]> {
    return Promise.all(records.map((record) => this.insert(record)));
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
    const sortOf = (r: PurchaseRecord) =>
      keys.unmappedSort(r.reason === 'unknown-customer' ? { customer: r.customerCode } : { label: r.productLabel }, r.reference);
    const prefix = waitingFor ? keys.unmappedSort(waitingFor) : '';
    const open = [...this.of(accountId).values()].filter((r) => r.status === 'unmapped' && sortOf(r).startsWith(prefix)).sort(byKey(sortOf));
    return pageOf(open, page);
  }

  /** Stores a record as it stands (test data that no acceptance wrote). */
  seed(record: PurchaseRecord): void {
    this.of(record.accountId).set(record.reference, copy(record));
  }
}

/** The invoicing writes on the same purchase records (DynamoPurchaseInvoicing): updates under the same conditions. */
export class MemoryPurchaseInvoicing implements PurchaseInvoicing {
  constructor(private readonly purchases: MemoryPurchases) {}

  async complete(accountId: string, reference: string, invoiceId: string, expectedVersion: number, at: string): Promise<boolean> {
    const records = this.purchases.of(accountId);
    const current = records.get(reference);
    const asCollected = current?.version === expectedVersion && current.status === 'rated';
    const marked = current?.invoice === invoiceId && (current.status === 'invoiced' || current.status === 'rated');
    if (!current || !(asCollected || marked)) return current?.status === 'completed' && current.invoice === invoiceId;
    records.set(reference, { ...current, status: 'completed', invoice: invoiceId, version: current.version + 1, updatedAt: at });
    return true;
  }

  async reopen(accountId: string, reference: string, invoiceId: string, at: string): Promise<boolean> {
    const records = this.purchases.of(accountId);
    const current = records.get(reference);
    if (!current || current.invoice !== invoiceId || !['completed', 'invoiced', 'rated'].includes(current.status)) return false;
    records.set(reference, { ...current, status: 'rated', invoice: null, version: current.version + 1, updatedAt: at });
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

/** Catalogue entities by account and id (DynamoCatalogStore): puts replace, customer saves and alias claims are conditional. */
export class MemoryCatalog implements CatalogStore {
  private readonly customerClusters = new Map<string, CustomerClusterRecord>();
  private readonly customers = new Map<string, CustomerRecord>();
  private readonly productClusters = new Map<string, ProductClusterRecord>();
  private readonly aliases = new Map<string, string>();
  private readonly profiles = new Map<string, AccountProfileRecord>();

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
  async saveCustomer(accountId: string, customer: CustomerRecord, expectedVersion: number | null) {
    const held = this.customers.get(`${accountId}/${customer.code}`);
    if (expectedVersion === null ? held !== undefined : held === undefined || (held.version ?? 0) !== expectedVersion) return false;
    this.customers.set(`${accountId}/${customer.code}`, copy(customer));
    return true;
  }
  /** All or nothing, as the adapter's transaction: every write on its version, every check at its version. */
  async saveCustomers(accountId: string, writes: readonly CustomerWrite[], checks: readonly VersionCheck[]) {
    const at = (code: string, version: number | null) => {
      const held = this.customers.get(`${accountId}/${code}`);
      return version === null ? held === undefined : held !== undefined && (held.version ?? 0) === version;
    };
    if (!writes.every((w) => at(w.customer.code, w.expectedVersion)) || !checks.every((c) => at(c.code, c.version))) return false;
    for (const w of writes) this.customers.set(`${accountId}/${w.customer.code}`, copy(w.customer));
    this.transactions += 1;
    return true;
  }
  /** How many saveCustomers committed (an import that changes nothing commits none). */
  transactions = 0;
  async getCustomer(accountId: string, code: string) {
    return copyOrNull(this.customers.get(`${accountId}/${code}`));
  }
  async getAccountProfile(accountId: string) {
    return copyOrNull(this.profiles.get(accountId));
  }
  async putAccountProfile(accountId: string, profile: AccountProfileRecord) {
    this.profiles.set(accountId, copy(profile));
  }
  async getCustomers(accountId: string, codes: readonly string[]) {
    return new Map(
      codes.flatMap((code) =>
        this.customers.has(`${accountId}/${code}`) ? [[code, copy(this.customers.get(`${accountId}/${code}`)!)] as const] : [],
      ),
    );
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
    return new Map(
      labels.flatMap((label) => (this.aliases.has(`${accountId}/${label}`) ? [[label, this.aliases.get(`${accountId}/${label}`)!] as const] : [])),
    );
  }
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
  async listKeys(accountId: string): Promise<ApiKeyInfo[]> {
    return [...this.apiKeys.values()]
      .filter((k) => k.accountId === accountId && k.id)
      .map((k) => ({ id: k.id!, role: k.role, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt ?? null, revokedAt: k.revokedAt ?? null }));
  }
  async revokeKey(accountId: string, id: string, at: string) {
    for (const [hash, k] of this.apiKeys) {
      if (k.accountId !== accountId || k.id !== id) continue;
      k.revokedAt ??= at;
      return hash;
    }
    return null;
  }
  async touchKey(hash: string, key: { accountId: string; id: string }, at: string, staleBefore: string) {
    const k = this.apiKeys.get(hash);
    if (!k || k.accountId !== key.accountId || k.revokedAt || (k.lastUsedAt && k.lastUsedAt >= staleBefore)) return;
    k.lastUsedAt = at;
    k.id ??= key.id;
    this.touches = (this.touches ?? 0) + 1;
  }
  /** How many times `lastUsedAt` was written (tests of its once-a-minute bound). */
  touches?: number;
}
