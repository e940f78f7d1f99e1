import { DeleteCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../../kernel/concurrency';
import { keys } from '../../../storage/keys';
import type {
  AccountProfileRecord,
  CatalogStore,
  CustomerClusterRecord,
  CustomerRecord,
  CustomerWrite,
  ProductClusterRecord,
  VersionCheck,
} from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { allOfPartition, batchGet, conditionFailureItem, getOne, isConditionFailure, listPartition, strip } from '../../../storage/table';

/** DynamoDB's limit on the items of one transaction. */
const TRANSACTION_ITEMS = 100;
/** BatchGetItem calls of one getCustomers in flight at once. */
const GETS_IN_FLIGHT = 8;

/** A write or check that holds only at `expectedVersion` (null: only if there is no item; 0 also matches an item without a version). */
function versionCondition(expectedVersion: number | null) {
  if (expectedVersion === null) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return {
    ConditionExpression:
      expectedVersion === 0 ? 'attribute_exists(pk) AND (attribute_not_exists(#version) OR #version = :expected)' : '#version = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expected': expectedVersion },
  };
}

/** A transaction refused as a whole: a condition failed, or another transaction held one of its items. */
function isCancelled(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'TransactionCanceledException' || name === 'TransactionConflictException';
}

/**
 * Catalogue entities live in one partition per account and entity type, sorted by id. Customers are written
 * through `saveCustomer`, conditional on the version read (their billing-day history must not lose a change).
 */
export class DynamoCatalogStore implements CatalogStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  putCustomerCluster(accountId: string, cluster: CustomerClusterRecord) {
    return this.put(keys.customerClusters(accountId), cluster.id, cluster);
  }
  getCustomerCluster(accountId: string, id: string) {
    return this.get<CustomerClusterRecord>(keys.customerClusters(accountId), id);
  }
  listCustomerClusters(accountId: string, page: PageRequest) {
    return this.list<CustomerClusterRecord>(keys.customerClusters(accountId), page);
  }
  allCustomerClusters(accountId: string) {
    return allOfPartition<CustomerClusterRecord>(this.client, this.table, keys.customerClusters(accountId));
  }

  putCustomer(accountId: string, customer: CustomerRecord) {
    return this.put(keys.customers(accountId), customer.code, customer);
  }
  async saveCustomer(accountId: string, customer: CustomerRecord, expectedVersion: number | null): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...customer, pk: keys.customers(accountId), sk: customer.code },
          ...versionCondition(expectedVersion),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
  /** One TransactWriteItems: each put on its version, each check a ConditionCheck on its version (2 write units per item on AWS). */
  async saveCustomers(accountId: string, writes: readonly CustomerWrite[], checks: readonly VersionCheck[]): Promise<boolean> {
    if (writes.length + checks.length > TRANSACTION_ITEMS)
      throw new Error(`at most ${TRANSACTION_ITEMS} customer writes and checks in one transaction`);
    const pk = keys.customers(accountId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            ...writes.map((w) => ({
              Put: { TableName: this.table, Item: { ...w.customer, pk, sk: w.customer.code }, ...versionCondition(w.expectedVersion) },
            })),
            ...checks.map((c) => ({ ConditionCheck: { TableName: this.table, Key: { pk, sk: c.code }, ...versionCondition(c.version) } })),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isCancelled(error)) return false;
      throw error;
    }
  }
  getCustomer(accountId: string, code: string) {
    return this.get<CustomerRecord>(keys.customers(accountId), code);
  }
  /** Consistent BatchGetItems of 100 keys, GETS_IN_FLIGHT at once. */
  async getCustomers(accountId: string, codes: readonly string[]) {
    const pk = keys.customers(accountId);
    const unique = [...new Set(codes)];
    const groups: string[][] = [];
    for (let i = 0; i < unique.length; i += 100) groups.push(unique.slice(i, i + 100));
    const read = await mapLimit(groups, GETS_IN_FLIGHT, (group) =>
      batchGet(
        this.client,
        this.table,
        group.map((sk) => ({ pk, sk })),
        { consistent: true },
      ),
    );
    return new Map(read.flat().map((i) => [i.sk as string, strip<CustomerRecord>(i)]));
  }
  listCustomers(accountId: string, page: PageRequest) {
    return this.list<CustomerRecord>(keys.customers(accountId), page);
  }

  putProductCluster(accountId: string, cluster: ProductClusterRecord) {
    return this.put(keys.productClusters(accountId), cluster.id, cluster);
  }
  getProductCluster(accountId: string, id: string) {
    return this.get<ProductClusterRecord>(keys.productClusters(accountId), id);
  }
  listProductClusters(accountId: string, page: PageRequest) {
    return this.list<ProductClusterRecord>(keys.productClusters(accountId), page);
  }
  allProductClusters(accountId: string) {
    return allOfPartition<ProductClusterRecord>(this.client, this.table, keys.productClusters(accountId));
  }

  getAccountProfile(accountId: string): Promise<AccountProfileRecord | null> {
    const { pk, sk } = keys.accountProfile(accountId);
    return getOne<AccountProfileRecord>(this.client, this.table, pk, sk);
  }
  async putAccountProfile(accountId: string, profile: AccountProfileRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...profile, ...keys.accountProfile(accountId) } }));
  }

  async claimAlias(accountId: string, label: string, clusterId: string): Promise<string | null> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: keys.aliases(accountId), sk: label, cluster: clusterId },
          ConditionExpression: 'attribute_not_exists(pk) OR #cluster = :cluster',
          ExpressionAttributeNames: { '#cluster': 'cluster' },
          ExpressionAttributeValues: { ':cluster': clusterId },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return null;
    } catch (error) {
      if (isConditionFailure(error)) return (conditionFailureItem(error)?.cluster as string | undefined) ?? 'another cluster';
      throw error;
    }
  }

  async releaseAlias(accountId: string, label: string, clusterId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: keys.aliases(accountId), sk: label },
          ConditionExpression: '#cluster = :cluster',
          ExpressionAttributeNames: { '#cluster': 'cluster' },
          ExpressionAttributeValues: { ':cluster': clusterId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // already taken over by another cluster: nothing to release
    }
  }

  async resolveAliases(accountId: string, labels: readonly string[]): Promise<Map<string, string>> {
    const pk = keys.aliases(accountId);
    const items = await batchGet(
      this.client,
      this.table,
      labels.map((sk) => ({ pk, sk })),
      { consistent: true },
    );
    return new Map(items.map((i) => [i.sk as string, i.cluster as string]));
  }

  private async put(pk: string, sk: string, record: object): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...record, pk, sk } }));
  }

  private get<T>(pk: string, sk: string): Promise<T | null> {
    return getOne<T>(this.client, this.table, pk, sk);
  }

  private list<T>(pk: string, page: PageRequest): Promise<Page<T>> {
    return listPartition<T>(this.client, this.table, pk, page);
  }
}
