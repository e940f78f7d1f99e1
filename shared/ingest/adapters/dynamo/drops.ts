import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DropResult } from '../../domain/drop';
import { GSI1, keys } from '../../../storage/keys';
import type { DropLedger, OpenDrop } from '../../ports';
import { isConditionFailure, queryAll } from '../../../storage/table';

/**
 * One marker per dropped object (key and ETag). Begun before the first row is read, it holds when the drop
 * started (its chunk ids derive from it) and, while open, sits in the sparse gsi1 partition of open drops
 * that the recovery reads; finished, it holds the summary, so a redelivered S3 event does not ingest a file twice.
 */
export class DynamoDropLedger implements DropLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async begin(accountId: string, key: string, etag: string, at: string): Promise<{ startedAt: string } | null> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId, key, etag),
          UpdateExpression:
            'SET startedAt = if_not_exists(startedAt, :at), progressAt = :at, accountId = :a, objectKey = :k, etag = :e, gsi1pk = :open, gsi1sk = :sort',
          ConditionExpression: 'attribute_not_exists(doneAt)',
          ExpressionAttributeValues: { ':at': at, ':a': accountId, ':k': key, ':e': etag, ':open': keys.openDrops, ':sort': `${at}#${accountId}` },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { startedAt: String(out.Attributes?.startedAt) };
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  async progress(accountId: string, key: string, etag: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId, key, etag),
          UpdateExpression: 'SET progressAt = :at',
          ConditionExpression: 'attribute_exists(startedAt) AND attribute_not_exists(doneAt)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // finished meanwhile by another run of the same drop
    }
  }

  async markDone(accountId: string, key: string, etag: string, result: DropResult): Promise<void> {
    const { rejected: _listed, error, ...summary } = result;
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(accountId, key, etag),
        UpdateExpression:
          'SET #rows = :rows, accepted = :accepted, duplicates = :duplicates, rejectedCount = :rejected, #error = :error, doneAt = :at REMOVE gsi1pk, gsi1sk',
        ExpressionAttributeNames: { '#rows': 'rows', '#error': 'error' },
        ExpressionAttributeValues: {
          ':rows': summary.rows,
          ':accepted': summary.accepted,
          ':duplicates': summary.duplicates,
          ':rejected': summary.rejectedCount,
          ':error': error ?? null,
          ':at': new Date().toISOString(),
        },
      }),
    );
  }

  async open(): Promise<OpenDrop[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :open',
      ExpressionAttributeValues: { ':open': keys.openDrops },
    });
    return items.map((i) => ({ accountId: String(i.accountId), key: String(i.objectKey), etag: String(i.etag), progressAt: String(i.progressAt) }));
  }

  private key(accountId: string, key: string, etag: string) {
    return { pk: keys.dropMarker(accountId), sk: keys.dropMarkerSort(key, etag) };
  }
}
