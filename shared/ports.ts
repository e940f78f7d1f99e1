import type { Account, Role } from './domain/access';
import type { ClusterNode } from './domain/catalog';
import type { AcceptedPurchase } from './domain/ingest';
import type { PurchaseRecord } from './domain/purchase';
import type { WirePriceRule } from './domain/pricing/rules';
import type { RoutingRule } from './domain/pricing/rules';

/**
 * The ports the services ask for. Adapters in shared/adapters implement them on DynamoDB, S3 and SQS;
 * nothing here knows about the AWS SDK.
 */

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface ApiKeyRecord {
  accountId: string | null;
  role: Role;
  createdAt: string;
}

export interface AccountStore {
  /** Creates the account; false when the id is taken. */
  create(account: Account): Promise<boolean>;
  get(id: string): Promise<Account | null>;
  putKey(hash: string, key: ApiKeyRecord): Promise<void>;
  getKey(hash: string): Promise<ApiKeyRecord | null>;
}

export interface CustomerRecord {
  code: string;
  name: string;
  cluster: string;
  currency: string;
  partnerAccount: string | null;
  billingDay: number;
  onHold: boolean;
  taxRate: string | null;
  country: string | null;
  updatedAt: string;
}

export interface ProductClusterRecord extends ClusterNode {
  aliases: string[];
  updatedAt: string;
}

export interface CustomerClusterRecord extends ClusterNode {
  updatedAt: string;
}

export interface CatalogStore {
  putCustomerCluster(accountId: string, cluster: CustomerClusterRecord): Promise<void>;
  getCustomerCluster(accountId: string, id: string): Promise<CustomerClusterRecord | null>;
  listCustomerClusters(accountId: string, page: PageRequest): Promise<Page<CustomerClusterRecord>>;
  allCustomerClusters(accountId: string): Promise<CustomerClusterRecord[]>;

  putCustomer(accountId: string, customer: CustomerRecord): Promise<void>;
  getCustomer(accountId: string, code: string): Promise<CustomerRecord | null>;
  getCustomers(accountId: string, codes: readonly string[]): Promise<Map<string, CustomerRecord>>;
  listCustomers(accountId: string, page: PageRequest): Promise<Page<CustomerRecord>>;

  putProductCluster(accountId: string, cluster: ProductClusterRecord): Promise<void>;
  getProductCluster(accountId: string, id: string): Promise<ProductClusterRecord | null>;
  listProductClusters(accountId: string, page: PageRequest): Promise<Page<ProductClusterRecord>>;
  allProductClusters(accountId: string): Promise<ProductClusterRecord[]>;

  /** Claims `label` for `clusterId`; returns the cluster that already holds it, or null when claimed. */
  claimAlias(accountId: string, label: string, clusterId: string): Promise<string | null>;
  /** Releases `label` if `clusterId` still holds it. */
  releaseAlias(accountId: string, label: string, clusterId: string): Promise<void>;
  /** label → product cluster id, for the labels that are aliases. */
  resolveAliases(accountId: string, labels: readonly string[]): Promise<Map<string, string>>;
}

export type InsertOutcome = { kind: 'created' } | { kind: 'exists'; contentHash: string; chunkId: string };

export interface PurchaseStore {
  /** reference → content hash of the stored purchases among `references`. */
  fingerprints(accountId: string, references: readonly string[]): Promise<Map<string, string>>;
  /** Writes a new purchase only if its reference is not stored yet. */
  insert(record: PurchaseRecord): Promise<InsertOutcome>;
  /** Replaces a purchase if it still has `expectedVersion`; false when someone else changed it first. */
  replace(record: PurchaseRecord, expectedVersion: number): Promise<boolean>;
  get(accountId: string, reference: string): Promise<PurchaseRecord | null>;
  getMany(accountId: string, references: readonly string[]): Promise<Map<string, PurchaseRecord>>;
  /** Open unmapped purchases, optionally only those waiting for one customer code or product label. */
  unmapped(accountId: string, waitingFor: { customer: string } | { label: string } | null, page: PageRequest): Promise<Page<PurchaseRecord>>;
  /** Records a conflicting resend that raced past the synchronous duplicate check. */
  recordConflict(accountId: string, reference: string, chunkId: string, contentHash: string): Promise<void>;
}

/** A chunk of accepted purchases on its way through the pipeline (the claim check). */
export interface IngestChunk {
  accountId: string;
  chunkId: string;
  source: string;
  receivedAt: string;
  purchases: AcceptedPurchase[];
}

/** One line of the purchase journal: enough to find and filter purchases without reading them. */
export interface JournalLine {
  reference: string;
  customerCode: string;
  productLabel: string;
  purchaseDate: string;
  endDate: string | null;
}

export interface JournalPosition {
  month: string;
  key: string;
  line: number;
}

export interface ChunkStore {
  putInflight(chunk: IngestChunk): Promise<string>;
  getInflight(key: string): Promise<IngestChunk | null>;
  deleteInflight(key: string): Promise<void>;
  /** Keys of in-flight chunks (of one account, or all), with when they were written. */
  listInflight(accountId: string | null): AsyncIterable<{ key: string; writtenAt: Date }>;
  putJournal(accountId: string, month: string, chunkId: string, lines: readonly JournalLine[]): Promise<void>;
  journalMonths(accountId: string): Promise<string[]>;
  /** The journal objects of a month in arrival order, after `startAfter`. */
  journalKeys(accountId: string, month: string, startAfter?: string): AsyncIterable<string>;
  readJournal(key: string): Promise<JournalLine[]>;
}

/**
 * Which open purchases a catalogue change can affect. Product clusters stand for the labels aliased to
 * them or their descendants, customer clusters for the customers in them or below; with `followRouting`
 * the customers whose purchases are routed to those customers count too. A purchase is in scope when its
 * label is (if labels are named) and its customer is (if customers are named). Empty scope: all of them.
 */
export interface ReevaluationScope {
  productClusters?: string[];
  labels?: string[];
  customerClusters?: string[];
  customers?: string[];
  followRouting?: boolean;
}

export type PipelineMessage =
  | { type: 'chunk'; accountId: string; key: string }
  | { type: 'remap'; accountId: string; waitingFor: { customer: string } | { label: string } }
  | { type: 'reevaluate'; accountId: string; scope: ReevaluationScope }
  | { type: 'reevaluate-purchases'; accountId: string; references: string[] };

export interface MessageBus {
  send(queue: 'ingest' | 'remap', messages: readonly PipelineMessage[]): Promise<void>;
}

/** Price rules are stored in their wire form and compiled when loaded. */
export interface RuleStore {
  priceRules(accountId: string): Promise<WirePriceRule[]>;
  getPriceRule(accountId: string, id: string): Promise<WirePriceRule | null>;
  listPriceRules(accountId: string, page: PageRequest): Promise<Page<WirePriceRule>>;
  routingRules(accountId: string): Promise<RoutingRule[]>;
  getRoutingRule(accountId: string, id: string): Promise<RoutingRule | null>;
  listRoutingRules(accountId: string, page: PageRequest): Promise<Page<RoutingRule>>;
  /** The rule set's version, read before the checks a save makes. */
  version(accountId: string): Promise<number>;
  /** Saves a rule if the rule set is still at `expectedVersion`; false when another save came first. */
  savePriceRule(accountId: string, rule: WirePriceRule, expectedVersion: number): Promise<boolean>;
  saveRoutingRule(accountId: string, rule: RoutingRule, expectedVersion: number): Promise<boolean>;
}
