import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { S3RVER_CREDENTIALS, startS3, type S3Engine } from '../../../infra/local/engines/s3';

/** The local S3 pages listings like S3: a prefix of more than 1,000 keys is listed whole, page by page. */
describe('local S3 listings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-s3-list-'));
  let engine: S3Engine;
  let s3: S3Client;

  beforeAll(async () => {
    engine = await startS3(dir, () => undefined);
    s3 = new S3Client({ endpoint: engine.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
  });

  afterAll(async () => {
    s3.destroy();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('1,100 keys under one prefix come back in two pages, each key once', async () => {
    // Prepare
    const keys = Array.from({ length: 1100 }, (_, i) => `journal/acme/2026-10/${String(i).padStart(5, '0')}.jsonl`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: 'data', Key, Body: 'x' }))));
    // Act
    const listed: string[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'journal/acme/', ContinuationToken: token }));
      listed.push(...(out.Contents ?? []).map((o) => o.Key!));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
      pages += 1;
    } while (token);
    // Assess
    expect(pages).toBe(2);
    expect(listed).toEqual(keys);
  });
});
