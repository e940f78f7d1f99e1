import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DropResult } from '../../domain/drop';
import { keys } from '../../keys';
import type { DropLedger } from '../../services/drop';

/** Remembers finished drops by object key and ETag, so a redelivered S3 event does not ingest a file twice. */
export class DynamoDropLedger implements DropLedger {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly table: string) {}

  async isDone(accountId: string, key: string, etag: string): Promise<boolean> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: keys.dropMarker(accountId), sk: `${key}#${etag}` }, ConsistentRead: true }));
    return Boolean(out.Item);
  }

  async markDone(accountId: string, key: string, etag: string, result: DropResult): Promise<void> {
    const { rejected: _listed, ...summary } = result;
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { pk: keys.dropMarker(accountId), sk: `${key}#${etag}`, ...summary, doneAt: new Date().toISOString() } }),
    );
  }
}
