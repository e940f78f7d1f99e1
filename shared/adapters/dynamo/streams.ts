import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BatchRecord, BatchStatus, InboundRecord } from '../../domain/streams/batch';
import type { WireStream } from '../../domain/streams/stream';
import { GSI1, keys } from '../../keys';
import type { Page, PageRequest, StoredStream, StreamStore } from '../../ports';
import { allOfPartition, conditionHeld, getOne, listPartition, queryPage, strip } from './table';

/**
 * Streams, batches and inbound batches. A stream is one item in the account's stream partition; a batch
 * one item in the batch partition (by id), indexed on gsi1 by stream and creation time for "newest
 * first"; an inbound batch one item in the receiving account's inbound partition. Status changes of a
 * batch are conditional puts on the status they leave.
 */
export class DynamoStreamStore implements StreamStore {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly table: string) {}

  async putStream(accountId: string, id: string, definition: WireStream, updatedAt: string): Promise<{ created: boolean }> {
    const out = await this.client.send(
      new PutCommand({ TableName: this.table, Item: { pk: keys.streams(accountId), sk: id, id, definition, updatedAt }, ReturnValues: 'ALL_OLD' }),
    );
    return { created: !out.Attributes };
  }

  getStream(accountId: string, id: string): Promise<StoredStream | null> {
    return getOne<StoredStream>(this.client, this.table, keys.streams(accountId), id);
  }

  listStreams(accountId: string, page: PageRequest): Promise<Page<StoredStream>> {
    return listPartition<StoredStream>(this.client, this.table, keys.streams(accountId), page);
  }

  allStreams(accountId: string): Promise<StoredStream[]> {
    return allOfPartition<StoredStream>(this.client, this.table, keys.streams(accountId));
  }

  async createBatch(record: BatchRecord): Promise<boolean> {
    return this.putIf(this.batchItem(record), 'attribute_not_exists(pk)');
  }

  async getBatch(accountId: string, id: string): Promise<BatchRecord | null> {
    const item = await getOne<Omit<BatchRecord, 'accountId'>>(this.client, this.table, keys.batches(accountId), id);
    return item ? { ...item, accountId } : null;
  }

  updateBatch(record: BatchRecord, from: BatchStatus): Promise<boolean> {
    return this.putIf(this.batchItem(record), '#status = :from', { '#status': 'status' }, { ':from': from });
  }

  async streamBatches(accountId: string, stream: string, page: PageRequest): Promise<Page<BatchRecord>> {
    const result = await queryPage(
      this.client,
      {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.streamBatches(accountId, stream) },
        ScanIndexForward: false,
      },
      page,
    );
    return { items: result.items.map((i) => ({ ...strip<Omit<BatchRecord, 'accountId'>>(i), accountId })), next: result.next };
  }

  createInbound(record: InboundRecord): Promise<boolean> {
    return this.putIf({ pk: keys.inbound(record.accountId), sk: record.id, ...record }, 'attribute_not_exists(pk)');
  }

  async getInbound(accountId: string, id: string): Promise<InboundRecord | null> {
    const item = await getOne<Omit<InboundRecord, 'accountId'>>(this.client, this.table, keys.inbound(accountId), id);
    return item ? { ...item, accountId } : null;
  }

  async listInbound(accountId: string, page: PageRequest): Promise<Page<InboundRecord>> {
    const result = await listPartition<Omit<InboundRecord, 'accountId'>>(this.client, this.table, keys.inbound(accountId), page);
    return { items: result.items.map((i) => ({ ...i, accountId })), next: result.next };
  }

  private batchItem(record: BatchRecord) {
    return {
      pk: keys.batches(record.accountId),
      sk: record.id,
      gsi1pk: keys.streamBatches(record.accountId, record.stream),
      gsi1sk: `${record.createdAt}#${record.id}`,
      ...record,
    };
  }

  private async putIf(item: Record<string, unknown>, condition: string, names?: Record<string, string>, values?: Record<string, unknown>): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({ TableName: this.table, Item: item, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values }),
      ),
    );
  }
}
