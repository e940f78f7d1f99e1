import type { Page, PageRequest } from '../kernel/page';
import type { BillingDayChange } from '../kernel/proration';
import type { ClusterNode } from './domain/catalog';

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
