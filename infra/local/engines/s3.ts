import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

/** One S3 event record as s3rver emits it (and as AWS sends it to Lambda, give or take the fixes we apply). */
export interface S3rverRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
  [key: string]: unknown;
}

export interface S3Engine {
  readonly endpoint: string;
  onEvent(listener: (record: S3rverRecord) => void): void;
  stop(): Promise<void>;
}

/** s3rver only accepts this access key pair; every local client uses it. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: { Records: S3rverRecord[] }) => void): void;
}

/** s3rver on a free 127.0.0.1 port, persisting to `<dataDir>/s3`. */
export async function startS3(dataDir: string, log: (line: string) => void): Promise<S3Engine> {
  const directory = path.join(dataDir, 's3');
  fs.mkdirSync(directory, { recursive: true });
  const S3rver = loadS3rver();
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, vhostBuckets: false });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  log(`s3rver on ${endpoint} (data in ${directory})`);
  return {
    endpoint,
    onEvent(listener) {
      server.on('event', (event) => {
        for (const record of event.Records) listener(record);
      });
    },
    stop: () => server.close(),
  };
}

/**
 * Under tsx, `require('generator-function')` (used by koa, s3rver's web framework) resolves to an ES module
 * and yields its namespace instead of the function plain Node gives, which breaks `new S3rver()`. Put the
 * function in the require cache before koa loads.
 */
function loadS3rver(): new (options: Record<string, unknown>) => S3rverInstance {
  try {
    const koaPath = require.resolve('koa');
    const fromKoa = require.resolve('generator-function', { paths: [path.dirname(require.resolve('is-generator-function', { paths: [koaPath] }))] });
    const loaded = require(fromKoa) as unknown;
    const cached = require.cache[fromKoa];
    if (typeof loaded !== 'function' && cached && loaded && typeof (loaded as Record<string, unknown>)['module.exports'] === 'function') {
      cached.exports = (loaded as Record<string, unknown>)['module.exports'];
    }
  } catch {
    // dependency layout changed: let s3rver load (or fail) on its own
  }
  patchDeleteObject();
  patchContinuationTokenCipher();
  return require('s3rver') as new (
    options: Record<string, unknown>,
  ) => S3rverInstance;
}

/**
 * s3rver seals the continuation tokens of ListObjectsV2 with single DES, which the OpenSSL 3 of Node 18+
 * no longer offers: any listing of more than 1,000 keys failed with a 500 on its second page. Its two
 * cipher calls (key 'S3RVER', 8-byte IV) get triple DES instead, which keeps the 8-byte block and IV the
 * token format relies on; every other use of crypto is untouched.
 */
function patchContinuationTokenCipher(): void {
  const crypto = require('node:crypto') as typeof import('node:crypto') & { __billstreamPatched?: boolean };
  if (crypto.__billstreamPatched) return;
  const tripled = (key: unknown) => Buffer.concat([key as Buffer, key as Buffer, key as Buffer]);
  const { createCipheriv, createDecipheriv } = crypto;
  const patched = crypto as unknown as Record<'createCipheriv' | 'createDecipheriv', (algorithm: string, key: unknown, iv: unknown) => unknown>;
  patched.createCipheriv = (algorithm, key, iv) =>
    algorithm === 'des' ? createCipheriv('des-ede3-cbc', tripled(key), iv as Buffer) : createCipheriv(algorithm, key as Buffer, iv as Buffer);
  patched.createDecipheriv = (algorithm, key, iv) =>
    algorithm === 'des' ? createDecipheriv('des-ede3-cbc', tripled(key), iv as Buffer) : createDecipheriv(algorithm, key as Buffer, iv as Buffer);
  crypto.__billstreamPatched = true;
}

/**
 * s3rver's filesystem store removes a key's parent directories when they become empty after a delete. A
 * PUT into the same "folder" at that moment (the chunk consumer deleting one in-flight chunk while the API
 * writes the next) then fails to open its file, and s3rver lets that error escape on a stream, which kills
 * the process. Deletes here leave empty directories in place: listings only see object files, so nothing
 * else changes.
 */
function patchDeleteObject(): void {
  type Store = { getResourcePath(bucket: string, key: string, resource: string): string };
  const { prototype } = require('s3rver/lib/stores/filesystem') as { prototype: Store & { deleteObject: unknown; __billstreamPatched?: boolean } };
  if (prototype.__billstreamPatched) return;
  prototype.deleteObject = async function deleteObject(this: Store, bucket: string, key: string): Promise<void> {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((resource) =>
        fs.promises.unlink(this.getResourcePath(bucket, key, resource)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
  };
  prototype.__billstreamPatched = true;
}
