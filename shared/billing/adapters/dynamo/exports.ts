import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../storage/keys';
import type { ExportRecord, ExportStore } from '../../ports';
import { conditionHeld } from '../../../storage/table';

/** Export records, one partition per account. */
export class DynamoExportStore implements ExportStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(record: ExportRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...record, pk: keys.exports(record.accountId), sk: record.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(accountId: string, id: string): Promise<ExportRecord | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: keys.exports(accountId), sk: id }, ConsistentRead: true }));
    if (!out.Item) return null;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    return record as ExportRecord;
  }

  async finish(accountId: string, id: string, outcome: Pick<ExportRecord, 'status' | 'rows' | 'error' | 'completedAt'>): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.exports(accountId), sk: id },
          UpdateExpression: 'SET #status = :status, #rows = :rows, #error = :error, completedAt = :at',
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
}
