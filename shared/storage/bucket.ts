import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** A streamed upload (multipart above a few MB); `close` returns the bytes written. */
export interface Upload {
  write(text: string): Promise<void>;
  close(): Promise<number>;
  abort(): Promise<void>;
}

/** Parts of a streamed upload (S3 wants at least 5 MiB for every part but the last). */
const PART_BYTES = 8 * 1024 * 1024;

/**
 * Objects of one bucket, whole or streamed: what the contexts' file adapters (billing's S3BillingFiles,
 * streams' S3StreamFiles) are made of. Keys are built by keys.ts `objects`; this only moves bytes.
 */
export class S3Files {
  constructor(
    protected readonly client: S3Client,
    protected readonly bucket: string,
  ) {}

  async put(key: string, body: string | Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }

  async getText(key: string): Promise<string | null> {
    const bytes = await this.get(key);
    return bytes === null ? null : bytes.toString('utf8');
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    // DELETE requests are free; one at a time keeps the grant to s3:DeleteObject on exact key patterns
    for (let i = 0; i < keys.length; i += 8) {
      await Promise.all(keys.slice(i, i + 8).map((key) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))));
    }
  }

  upload(key: string, contentType: string): Upload {
    return new MultipartUpload(this.client, this.bucket, key, contentType);
  }

  /** The object's size in bytes, or null when there is none (nothing is downloaded). */
  async size(key: string): Promise<number | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.ContentLength ?? 0;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NotFound' || name === 'NoSuchKey') return null;
      throw error;
    }
  }

  /** The object's bytes as a stream, or null when there is none. */
  async open(key: string): Promise<AsyncIterable<Buffer> | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as AsyncIterable<Buffer>;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return null;
      throw error;
    }
  }
}

/** Buffers text and sends it as one PUT, or as a multipart upload once it outgrows one part. */
class MultipartUpload implements Upload {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private total = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly contentType: string,
  ) {}

  async write(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    this.buffered.push(bytes);
    this.bufferedBytes += bytes.length;
    this.total += bytes.length;
    if (this.bufferedBytes >= PART_BYTES) await this.flushPart();
  }

  async close(): Promise<number> {
    if (!this.uploadId) {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: Buffer.concat(this.buffered), ContentType: this.contentType }),
      );
      return this.total;
    }
    if (this.bufferedBytes > 0) await this.flushPart();
    await this.client.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
    return this.total;
  }

  async abort(): Promise<void> {
    if (!this.uploadId) return;
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId })).catch(() => undefined);
  }

  private async flushPart(): Promise<void> {
    if (!this.uploadId) {
      const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: this.contentType }));
      this.uploadId = out.UploadId;
    }
    const body = Buffer.concat(this.buffered);
    this.buffered = [];
    this.bufferedBytes = 0;
    const PartNumber = this.parts.length + 1;
    const out = await this.client.send(
      new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: body }),
    );
    this.parts.push({ ETag: out.ETag!, PartNumber });
  }
}
