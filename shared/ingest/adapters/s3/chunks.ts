import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { idOfKeySegment, objects } from '../../../storage/keys';
import type { ChunkStore, IngestChunk, JournalLine } from '../../ports';

/** In-flight chunks (the claim checks of the ingest queue) and the purchase journal, in the data bucket. */
export class S3ChunkStore implements ChunkStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putInflight(chunk: IngestChunk): Promise<string> {
    const key = objects.inflight(chunk.accountId, chunk.chunkId);
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(chunk), ContentType: 'application/json' }));
    return key;
  }

  async getInflight(key: string): Promise<IngestChunk | null> {
    const text = await this.getText(key);
    return text === null ? null : (JSON.parse(text) as IngestChunk);
  }

  async deleteInflight(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async *listInflight(accountId: string | null): AsyncIterable<{ key: string; writtenAt: Date }> {
    for await (const object of this.list(objects.inflightPrefix(accountId ?? undefined))) {
      yield { key: object.Key, writtenAt: object.LastModified ?? new Date(0) };
    }
  }

  async putJournal(accountId: string, month: string, chunkId: string, lines: readonly JournalLine[]): Promise<void> {
    const body = lines.map((l) => JSON.stringify([l.reference, l.customerCode, l.productLabel, l.purchaseDate, l.endDate])).join('\n');
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: objects.journal(accountId, month, chunkId), Body: body, ContentType: 'application/x-ndjson' }),
    );
  }

  async journalMonths(accountId: string): Promise<string[]> {
    const prefix = objects.journalPrefix(accountId);
    const months: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      for (const p of out.CommonPrefixes ?? []) if (p.Prefix) months.push(idOfKeySegment(p.Prefix.slice(prefix.length, -1)));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return months.sort();
  }

  async *journalKeys(accountId: string, month: string, startAfter?: string): AsyncIterable<string> {
    for await (const object of this.list(objects.journalPrefix(accountId, month), startAfter)) yield object.Key;
  }

  async readJournal(key: string): Promise<JournalLine[]> {
    const text = (await this.getText(key)) ?? '';
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const [reference, customerCode, productLabel, purchaseDate, endDate] = JSON.parse(line) as [string, string, string, string, string | null];
        return { reference, customerCode, productLabel, purchaseDate, endDate: endDate ?? null };
      });
  }

  private async getText(key: string): Promise<string | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  private async *list(prefix: string, startAfter?: string): AsyncIterable<{ Key: string; LastModified?: Date }> {
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, StartAfter: token ? undefined : startAfter }),
      );
      for (const object of out.Contents ?? []) if (object.Key) yield { Key: object.Key, LastModified: object.LastModified };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }
}
