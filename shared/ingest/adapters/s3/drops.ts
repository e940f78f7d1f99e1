import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { DropResult } from '../../domain/drop';
import { objects } from '../../../storage/keys';
import type { DropFiles } from '../../ports';

/** Dropped files are streamed, never read whole; results land beside them under results/. */
export class S3DropFiles implements DropFiles {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async open(key: string): Promise<Readable | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as Readable;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  async writeResult(accountId: string, name: string, result: DropResult): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: objects.dropResult(accountId, name),
        Body: JSON.stringify(result),
        ContentType: 'application/json',
      }),
    );
  }
}
