import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../storage/keys';
import type { ExportRecord, ExportStore } from '../../ports';
import { conditionHeld, isConditionFailure, staleOpenWork, type Item } from '../../../storage/table';

/** Kind of the sparse open-work index (gsi1) a running export is on. */
const OPEN = 'EXPORT';

/** Export records, one partition per account; a running one also on the open-work index, by heartbeat. */
export class DynamoExportStore implements ExportStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(record: ExportRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...record,
          pk: keys.exports(record.accountId),
          sk: record.id,
          gsi1pk: keys.openWork(OPEN),
          gsi1sk: keys.openWorkSort(record.heartbeatAt, record.accountId, record.id),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(accountId: string, id: string): Promise<ExportRecord | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: keys.exports(accountId), sk: id }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : null;
  }

  async finish(accountId: string, id: string, outcome: Pick<ExportRecord, 'status' | 'rows' | 'error' | 'completedAt'>): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.exports(accountId), sk: id },
          UpdateExpression: 'SET #status = :status, #rows = :rows, #error = :error, completedAt = :at REMOVE gsi1pk, gsi1sk',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#rows': 'rows', '#error': 'error' },
          ExpressionAttributeValues: {
            ':status': outcome.status,
            ':rows': outcome.rows,
            ':error': outcome.error,
            ':at': outcome.completedAt,
            ':running': 'running',
          },
        }),
      ),
    );
  }

  heartbeat(accountId: string, id: string, at: string): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.exports(accountId), sk: id },
          UpdateExpression: 'SET heartbeatAt = :at, gsi1pk = :open, gsi1sk = :sort',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': at,
            ':open': keys.openWork(OPEN),
            ':sort': keys.openWorkSort(at, accountId, id),
            ':running': 'running',
          },
        }),
      ),
    );
  }

  async *stale(before: string): AsyncIterable<ExportRecord[]> {
    for await (const items of staleOpenWork(this.client, this.table, OPEN, before)) yield items.map(fromItem);
  }

  async redrive(seen: ExportRecord, at: string): Promise<ExportRecord | null> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.exports(seen.accountId), sk: seen.id },
          UpdateExpression: 'SET heartbeatAt = :at, gsi1pk = :open, gsi1sk = :sort, resumes = :resumes',
          ConditionExpression: '#status = :running AND heartbeatAt = :seen',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': at,
            ':open': keys.openWork(OPEN),
            ':sort': keys.openWorkSort(at, seen.accountId, seen.id),
            ':resumes': seen.resumes + 1,
            ':running': 'running',
            ':seen': seen.heartbeatAt,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(out.Attributes as Item);
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }
}

/** The record of an item; one written before exports had heartbeats counts its creation as its last progress. */
function fromItem(item: Item): ExportRecord {
  const { pk: _pk, sk: _sk, gsi1pk: _gpk, gsi1sk: _gsk, ...rest } = item;
  const record = rest as unknown as ExportRecord;
  return { ...record, heartbeatAt: record.heartbeatAt ?? record.createdAt, resumes: Number(record.resumes ?? 0) };
}
