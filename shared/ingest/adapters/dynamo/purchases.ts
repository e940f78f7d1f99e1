import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PurchaseRecord } from '../../domain/purchase';
import { GSI1, keys } from '../../../storage/keys';
import type { InsertOutcome, PurchaseReplacement, PurchaseStore } from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { batchGet, conditionFailureItem, conditionHeld, isConditionFailure, queryPage, strip, type Item } from '../../../storage/table';

/** DynamoDB's limit on the items of one transaction. */
const TRANSACTION_ITEMS = 100;
/** Transactions cancelled by concurrent writers are retried this many times before single puts take over. */
const TRANSACTION_ROUNDS = 3;

/**
 * One item per purchase, keyed by reference so that writes spread over partitions. The item is written
 * once, already mapped; only unmapped purchases carry the sparse gsi1 keys that the remap consumer reads.
 */
export class DynamoPurchaseStore implements PurchaseStore {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly table: string) {}

  async insert(record: PurchaseRecord): Promise<InsertOutcome> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'created' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = conditionFailureItem(error);
      return { kind: 'exists', contentHash: String(existing?.contentHash ?? ''), chunkId: String(existing?.chunkId ?? '') };
    }
  }

  /**
   * Writes the replacements in transactions of up to TRANSACTION_ITEMS, each put conditional on the
   * version it was read at: one request (and one round trip) per hundred purchases instead of a hundred,
   * at twice the write units of single puts. A cancelled transaction drops the items whose condition
   * failed (someone else changed them first) and retries the rest; items still conflicting after
   * TRANSACTION_ROUNDS go one by one.
   */
  async replaceAll(replacements: readonly PurchaseReplacement[]): Promise<Set<string>> {
    const written = new Set<string>();
    for (let start = 0; start < replacements.length; start += TRANSACTION_ITEMS) {
      let pending = replacements.slice(start, start + TRANSACTION_ITEMS);
      for (let round = 0; pending.length && round < TRANSACTION_ROUNDS; round++) {
        pending = await this.transact(pending, written);
      }
      for (const { record, expectedVersion } of pending) {
        if (await this.replace(record, expectedVersion)) written.add(record.reference);
      }
    }
    return written;
  }

  /** One transaction; returns the replacements worth another try (cancelled for reasons other than their own condition). */
  private async transact(pending: readonly PurchaseReplacement[], written: Set<string>): Promise<PurchaseReplacement[]> {
    if (pending.length === 1) {
      const [{ record, expectedVersion }] = pending;
      if (await this.replace(record, expectedVersion)) written.add(record.reference);
      return [];
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: pending.map(({ record, expectedVersion }) => ({
            Put: { TableName: this.table, Item: this.toItem(record), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } },
          })),
        }),
      );
      for (const { record } of pending) written.add(record.reference);
      return [];
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons) throw error;
      const reasons = error.CancellationReasons;
      return pending.filter((_, i) => reasons[i]?.Code !== 'ConditionalCheckFailed');
    }
  }

  private async replace(record: PurchaseRecord, expectedVersion: number): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(record),
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        }),
      ),
    );
  }

  async get(accountId: string, reference: string): Promise<PurchaseRecord | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.purchase(accountId, reference), ConsistentRead: true }));
    return out.Item ? this.fromItem(out.Item) : null;
  }

  async getMany(accountId: string, references: readonly string[]): Promise<Map<string, PurchaseRecord>> {
    const items = await batchGet(this.client, this.table, references.map((r) => keys.purchase(accountId, r)));
    return new Map(items.map((i) => [i.reference as string, this.fromItem(i)]));
  }

  async unmapped(accountId: string, waitingFor: { customer: string } | { label: string } | null, page: PageRequest): Promise<Page<PurchaseRecord>> {
    const result = await queryPage(
      this.client,
      {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: waitingFor ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
        ExpressionAttributeValues: waitingFor
          ? { ':pk': keys.unmappedIndex(accountId), ':prefix': keys.unmappedSort(waitingFor) }
          : { ':pk': keys.unmappedIndex(accountId) },
      },
      page,
    );
    return { items: result.items.map((i) => this.fromItem(i)), next: result.next };
  }

  private toItem(record: PurchaseRecord): Item {
    const item: Item = { ...record, ...keys.purchase(record.accountId, record.reference) };
    if (record.status === 'unmapped') {
      item.gsi1pk = keys.unmappedIndex(record.accountId);
      item.gsi1sk = keys.unmappedSort(record.reason === 'unknown-customer' ? { customer: record.customerCode } : { label: record.productLabel }, record.reference);
    }
    return item;
  }

  private fromItem(item: Item): PurchaseRecord {
    return { ...strip<PurchaseRecord>(item), accountId: item.accountId as string };
  }
}
