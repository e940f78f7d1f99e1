import type { Page, PageRequest } from '../kernel/page';
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
