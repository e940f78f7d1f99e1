import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDb, type DynamoEngine } from '../../infra/local/engines/dynamodb';
import { DynamoPurchaseStore } from '../../shared/ingest/adapters/dynamo/purchases';
import type { PurchaseRecord } from '../../shared/ingest/domain/purchase';

/**
 * The purchase store's transactional re-pricing writes against a DynamoDB Local of its own: a stale
 * version drops only its own purchase, never its transaction's neighbours.
 */
describe('DynamoPurchaseStore.replaceAll on DynamoDB Local', () => {
  let dir: string;
  let engine: DynamoEngine;
  let store: DynamoPurchaseStore;

  const record = (reference: string, version: number, amount: string): PurchaseRecord => ({
    accountId: 'acct-1', reference, productLabel: 'voice-min', customerCode: 'C1', quantity: '10',
    purchaseDate: '2026-03-01', endDate: null, metadata: {}, status: 'rated', reason: null, customer: 'C1',
    billedTo: 'C1', productCluster: 'voice', routingRule: null, priceRule: 'base', amount, currency: 'EUR',
    pricing: 'purchase', ratingError: null, contentHash: `h-${reference}`, invoice: null, chunkId: 'chunk-1',
    receivedAt: '2026-03-01T00:00:00.000Z', updatedAt: '2026-03-01T00:00:00.000Z', version,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'billstream-store-'));
    engine = await startDynamoDb(dir, () => undefined);
    const raw = new DynamoDBClient({ endpoint: engine.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await raw.send(
      new CreateTableCommand({
        TableName: 'purchases-test',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      }),
    );
    store = new DynamoPurchaseStore(DynamoDBDocumentClient.from(raw), 'purchases-test');
  });

  afterAll(async () => {
    await engine?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes 250 replacements across three transactions and skips exactly the stale ones', async () => {
    const refs = Array.from({ length: 250 }, (_, i) => `P${String(i).padStart(3, '0')}`);
    for (const ref of refs) await store.insert(record(ref, 1, '1.00'));
    // Someone else re-priced P007 and P180 first: they are at version 2 now.
    const stale = new Set(['P007', 'P180']);
    expect(await store.replaceAll([...stale].map((ref) => ({ record: record(ref, 2, '9.99'), expectedVersion: 1 })))).toEqual(stale);

    const written = await store.replaceAll(refs.map((ref) => ({ record: record(ref, 2, '2.50'), expectedVersion: 1 })));

    expect(written.size).toBe(248);
    for (const ref of stale) expect(written.has(ref)).toBe(false);
    const stored = await store.getMany('acct-1', refs);
    for (const ref of refs) expect(stored.get(ref)?.amount).toBe(stale.has(ref) ? '9.99' : '2.50');
  });

  test('a single replacement and an empty list need no transaction', async () => {
    await store.insert(record('S1', 1, '1.00'));
    expect(await store.replaceAll([])).toEqual(new Set());
    expect(await store.replaceAll([{ record: record('S1', 2, '3.00'), expectedVersion: 1 }])).toEqual(new Set(['S1']));
    expect(await store.replaceAll([{ record: record('S1', 2, '4.00'), expectedVersion: 1 }])).toEqual(new Set());
    expect((await store.get('acct-1', 'S1'))?.amount).toBe('3.00');
  });
});
