import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { BatchRecord, BatchStatus, InboundRecord } from '../../domain/batch';
import type { WireStream } from '../../domain/stream';
import { GSI1, keys } from '../../../storage/keys';
import type { OpenBatchWork, StoredStream, StreamStore } from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { allOfPartition, conditionHeld, getOne, listPartition, queryPage, staleOpenWork, strip } from '../../../storage/table';

/** The open-work kind of batches (keys.openWork): a small index item per open run or share. */
const OPEN_BATCHES = 'BATCH';

function workOf(item: Record<string, unknown>): OpenBatchWork {
  return {
    accountId: item.accountId as string,
    batchId: item.batchId as string,
    phase: item.phase as OpenBatchWork['phase'],
    attempt: Number(item.attempt ?? 1),
    heartbeatAt: item.heartbeatAt as string,
    resumes: Number(item.resumes ?? 0),
    lastError: (item.lastError as string | undefined) ?? null,
  };
}

/**
 * Streams, batches and inbound batches. A stream is one item in the account's stream partition; a batch
 * one item in the batch partition (by id), indexed on gsi1 by stream and creation time for "newest
 * first"; an inbound batch one item in the receiving account's inbound partition. Status changes of a
 * batch are conditional puts on the status they leave.
 */
export class DynamoStreamStore implements StreamStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

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
    if (record.status !== 'running') return this.putIf(this.batchItem(record), 'attribute_not_exists(pk)');
    // a running batch is open work from its first write: record and index item together
    const running = { ...record, attempt: record.attempt ?? 1 };
    return this.transact([
      { Put: { TableName: this.table, Item: this.batchItem(running), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.table, Item: this.workItem(running, 'run', record.updatedAt) } },
    ]);
  }

  async getBatch(accountId: string, id: string): Promise<BatchRecord | null> {
    const item = await getOne<Omit<BatchRecord, 'accountId'>>(this.client, this.table, keys.batches(accountId), id);
    return item ? { ...item, accountId } : null;
  }

  updateBatch(record: BatchRecord, from: BatchStatus): Promise<boolean> {
    if (from === 'running') {
      // only the attempt the stored record names may end the run (a re-driven run is a new attempt)
      const attempt = record.attempt === undefined ? 'attribute_not_exists(attempt)' : 'attempt = :attempt';
      const put = {
        TableName: this.table,
        Item: this.batchItem(record),
        ConditionExpression: `#status = :from AND ${attempt}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':from': from, ...(record.attempt === undefined ? {} : { ':attempt': record.attempt }) },
      };
      if (record.status === 'running') return conditionHeld(this.client.send(new PutCommand(put)));
      return this.transact([{ Put: put }, { Delete: { TableName: this.table, Key: keys.openWorkItem(OPEN_BATCHES, record.accountId, record.id) } }]);
    }
    const put = {
      TableName: this.table,
      Item: this.batchItem(record),
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':from': from },
    };
    // published: its share to partners is open work until it is done
    if (from === 'draft' && record.status === 'published')
      return this.transact([{ Put: put }, { Put: { TableName: this.table, Item: this.workItem(record, 'share', record.updatedAt) } }]);
    return conditionHeld(this.client.send(new PutCommand(put)));
  }

  async *openWork(before: string): AsyncIterable<OpenBatchWork[]> {
    for await (const items of staleOpenWork(this.client, this.table, OPEN_BATCHES, before)) yield items.map(workOf);
  }

  async getWork(accountId: string, batchId: string): Promise<OpenBatchWork | null> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: keys.openWorkItem(OPEN_BATCHES, accountId, batchId), ConsistentRead: true }),
    );
    return out.Item ? workOf(out.Item) : null;
  }

  beat(accountId: string, batchId: string, phase: OpenBatchWork['phase'], attempt: number, at: string): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.openWorkItem(OPEN_BATCHES, accountId, batchId),
          UpdateExpression: 'SET heartbeatAt = :at, gsi1sk = :sort',
          ConditionExpression: 'phase = :phase AND attempt = :attempt',
          ExpressionAttributeValues: { ':at': at, ':sort': keys.openWorkSort(at, accountId, batchId), ':phase': phase, ':attempt': attempt },
        }),
      ),
    );
  }

  async noteError(accountId: string, batchId: string, error: string): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.openWorkItem(OPEN_BATCHES, accountId, batchId),
          UpdateExpression: 'SET lastError = :error',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':error': error },
        }),
      ),
    );
  }

  async redrive(work: OpenBatchWork, at: string): Promise<BatchRecord | null> {
    const { accountId, batchId } = work;
    const seen = { ':seen': work.heartbeatAt, ':phase': work.phase, ':attempt': work.attempt };
    const next = work.phase === 'run' ? work.attempt + 1 : work.attempt;
    const index = {
      TableName: this.table,
      Key: keys.openWorkItem(OPEN_BATCHES, accountId, batchId),
      UpdateExpression: 'SET heartbeatAt = :at, gsi1sk = :sort, attempt = :next, resumes = resumes + :one',
      ConditionExpression: 'heartbeatAt = :seen AND phase = :phase AND attempt = :attempt',
      ExpressionAttributeValues: { ...seen, ':at': at, ':sort': keys.openWorkSort(at, accountId, batchId), ':next': next, ':one': 1 },
    };
    const held =
      work.phase === 'share'
        ? await conditionHeld(this.client.send(new UpdateCommand(index)))
        : await this.transact([
            { Update: index },
            {
              Update: {
                TableName: this.table,
                Key: { pk: keys.batches(accountId), sk: batchId },
                UpdateExpression: 'SET attempt = :next, updatedAt = :at',
                ConditionExpression: '#status = :running AND attempt = :attempt',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':next': next, ':at': at, ':running': 'running', ':attempt': work.attempt },
              },
            },
          ]);
    return held ? this.getBatch(accountId, batchId) : null;
  }

  async closeWork(accountId: string, batchId: string, phase: OpenBatchWork['phase']): Promise<void> {
    await conditionHeld(
      this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.openWorkItem(OPEN_BATCHES, accountId, batchId),
          ConditionExpression: 'phase = :phase',
          ExpressionAttributeValues: { ':phase': phase },
        }),
      ),
    );
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

  /** The small index item of an open batch (keys.openWorkItem), on gsi1 by heartbeat. */
  private workItem(record: BatchRecord, phase: OpenBatchWork['phase'], at: string) {
    return {
      ...keys.openWorkItem(OPEN_BATCHES, record.accountId, record.id),
      gsi1pk: keys.openWork(OPEN_BATCHES),
      gsi1sk: keys.openWorkSort(at, record.accountId, record.id),
      accountId: record.accountId,
      batchId: record.id,
      phase,
      attempt: record.attempt ?? 1,
      heartbeatAt: at,
      resumes: 0,
    };
  }

  /** A transaction of conditional writes: false when a condition failed. */
  private async transact(items: NonNullable<TransactWriteCommandInput['TransactItems']>): Promise<boolean> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if ((error as { name?: string }).name === 'TransactionCanceledException' && reasons?.some((r) => r.Code === 'ConditionalCheckFailed'))
        return false;
      throw error;
    }
  }

  private async putIf(
    item: Record<string, unknown>,
    condition: string,
    names?: Record<string, string>,
    values?: Record<string, unknown>,
  ): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}
