import type { Page, PageRequest } from '../kernel/page';
import type { BillingDayChange } from '../kernel/proration';
import type { Address, ClusterNode, Invoicing } from './domain/catalog';
import type { ImportResult } from './domain/customer-import';
import type { AccountProfile } from './domain/profile';

/**
 * The catalog ports: what the catalog use cases ask of storage and queues. Adapters beside them implement them on
 * DynamoDB, S3 and SQS; nothing here knows about the AWS SDK.
 */

export interface CustomerRecord {
  code: string;
  name: string;
  cluster: string;
  currency: string;
  partnerAccount: string | null;
  /**
   * The billing day in force when the record was last written. Readers that need it on another date use
   * `billingDays` (the catalog's GET answers with the day in force today).
   */
  billingDay: number;
  /** The billing-day history, oldest first, the first `from: null`; absent on records written before histories. */
  billingDays?: BillingDayChange[];
  /** Bumped on every write through `saveCustomer`; absent (0) on records written before versions. */
  version?: number;
  onHold: boolean;
  taxRate: string | null;
  country: string | null;
  /** The customer above this one (same account); absent (null) on records written before links. */
  parent?: string | null;
  /** `parent`: this customer's charges go on its parent's invoice; absent means `self`. */
  invoicing?: Invoicing;
  legalName?: string | null;
  address?: Address | null;
  vatId?: string | null;
  email?: string | null;
  /** Days from issue to due date; absent means 30. */
  paymentTermsDays?: number;
  updatedAt: string;
}

/** A customer to write on the version read (null: only if there is none; 0 also matches a record without a version). */
export interface CustomerWrite {
  customer: CustomerRecord;
  expectedVersion: number | null;
}

/** A customer that must still be at `version` when writes commit (a customer on a parent chain). */
export interface VersionCheck {
  code: string;
  version: number;
}

export interface AccountProfileRecord extends AccountProfile {
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

  /** Unconditional write (fixtures and imports of whole records). */
  putCustomer(accountId: string, customer: CustomerRecord): Promise<void>;
  /**
   * Writes `customer` only if the stored one still has `expectedVersion` (null: only if there is none; 0 also
   * matches a record without a version); false when another write came first.
   */
  saveCustomer(accountId: string, customer: CustomerRecord, expectedVersion: number | null): Promise<boolean>;
  /**
   * Writes all of `writes` and none if any fails: each on its expected version, and only while every customer in
   * `checks` is still at its version (one transaction; at most 100 writes and checks together). false when a
   * condition failed or a concurrent transaction got in the way; nothing is written then.
   */
  saveCustomers(accountId: string, writes: readonly CustomerWrite[], checks: readonly VersionCheck[]): Promise<boolean>;
  getCustomer(accountId: string, code: string): Promise<CustomerRecord | null>;
  getCustomers(accountId: string, codes: readonly string[]): Promise<Map<string, CustomerRecord>>;
  listCustomers(accountId: string, page: PageRequest): Promise<Page<CustomerRecord>>;

  putProductCluster(accountId: string, cluster: ProductClusterRecord): Promise<void>;
  getProductCluster(accountId: string, id: string): Promise<ProductClusterRecord | null>;
  listProductClusters(accountId: string, page: PageRequest): Promise<Page<ProductClusterRecord>>;
  allProductClusters(accountId: string): Promise<ProductClusterRecord[]>;

  getAccountProfile(accountId: string): Promise<AccountProfileRecord | null>;
  putAccountProfile(accountId: string, profile: AccountProfileRecord): Promise<void>;

  /** Claims `label` for `clusterId`; returns the cluster that already holds it, or null when claimed. */
  claimAlias(accountId: string, label: string, clusterId: string): Promise<string | null>;
  /** Releases `label` if `clusterId` still holds it. */
  releaseAlias(accountId: string, label: string, clusterId: string): Promise<void>;
  /** label → product cluster id, for the labels that are aliases. */
  resolveAliases(accountId: string, labels: readonly string[]): Promise<Map<string, string>>;
}

/** The files of customer drops (`drops/<account>/customers/<name>.csv|.jsonl`) and their results. */
export interface CustomerDropFiles {
  /** The dropped file's text, or null when it is gone. */
  read(key: string): Promise<string | null>;
  /** The result written for a drop, or null. */
  readResult(accountId: string, name: string): Promise<(ImportResult & { etag?: string }) | null>;
  writeResult(accountId: string, name: string, result: ImportResult & { etag: string }): Promise<void>;
}

/** Which new customer codes have purchases waiting for them (unmapped, unknown customer): only those need a remap. */
export interface WaitingPurchases {
  customersWaiting(accountId: string, codes: readonly string[]): Promise<Set<string>>;
}

/** A customer whose payer link (`parent`, `invoicing`) changed, with its links before the change. */
export interface PayerMove {
  code: string;
  previous: { parent: string | null; invoicing: Invoicing };
}

/** Told of customers whose payer link changed: billing rebuilds the drafts that billed them to the former payer. */
export interface PayerMoveListener {
  notice(accountId: string, moves: readonly PayerMove[]): Promise<void>;
}
