import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoPurchaseStore } from '../../shared/ingest/adapters/dynamo/purchases';
import type { PurchaseRecord } from '../../shared/ingest/domain/purchase';
import { keys } from '../../shared/storage/keys';
import { startDynamoTable, type DynamoTable } from './dynamo-table';

/**
 * The purchase store against a DynamoDB Local of its own: batched claims answer per purchase (created, or
 * taken with the holder's hash and chunk) and never overwrite; a stale version in a re-pricing transaction
 * drops only its own purchase, never its transaction's neighbours.
 */
describe('DynamoPurchaseStore claims and re-pricing writes on DynamoDB Local', () => {
  let engine: DynamoTable;
  let store: DynamoPurchaseStore;
  let doc: DynamoDBDocumentClient;

  const record = (reference: string, version: number, amount: string): PurchaseRecord => ({
    accountId: 'acct-1',
    reference,
    productLabel: 'voice-min',
    customerCode: 'C1',
    quantity: '10',
    purchaseDate: '2026-03-01',
    endDate: null,
    metadata: {},
    status: 'rated',
    reason: null,
    customer: 'C1',
    billedTo: 'C1',
    productCluster: 'voice',
    routingRule: null,
    priceRule: 'base',
    amount,
    currency: 'EUR',
    pricing: 'purchase',
    ratingError: null,
    contentHash: `h-${reference}`,
    invoice: null,
    chunkId: 'chunk-1',
    receivedAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
    version,
  });

  beforeAll(async () => {
    engine = await startDynamoTable('purchases-test');
    doc = engine.doc;
    store = new DynamoPurchaseStore(doc, engine.table);
  });

  afterAll(async () => {
    await engine?.stop();
  });

  test('insertMany claims 60 purchases in batches: new ones created, taken ones answered with the holder, none overwritten', async () => {
    const claim = (reference: string, chunkId: string, hash: string): PurchaseRecord => ({
      ...record(reference, 1, '1.00'),
      chunkId,
      contentHash: hash,
    });
    // Another chunk holds three of the references already; one of them with the same content.
    for (const ref of ['M005', 'M030', 'M059']) await store.insert(claim(ref, 'chunk-a', ref === 'M030' ? 'h-M030' : 'other'));
    const refs = Array.from({ length: 60 }, (_, i) => `M${String(i).padStart(3, '0')}`);
    const unmapped = { status: 'unmapped' as const, reason: 'unknown-customer' as const, customer: null, billedTo: null, amount: null };
    const waiting = { status: 'not-invoiced' as const, reason: 'no-price-rule' as const, amount: null, priceRule: null };
    const records = refs.map((ref) =>
      ref === 'M010'
        ? { ...claim(ref, 'chunk-b', `h-${ref}`), ...unmapped }
        : ref === 'M012'
          ? { ...claim(ref, 'chunk-b', `h-${ref}`), ...waiting }
          : claim(ref, 'chunk-b', `h-${ref}`),
    );

    const outcomes = await store.insertMany(records);

    expect(outcomes).toHaveLength(60);
    refs.forEach((ref, i) => {
      if (ref === 'M005' || ref === 'M059') expect(outcomes[i]).toEqual({ kind: 'exists', contentHash: 'other', chunkId: 'chunk-a' });
      else if (ref === 'M030') expect(outcomes[i]).toEqual({ kind: 'exists', contentHash: 'h-M030', chunkId: 'chunk-a' });
      else expect(outcomes[i]).toEqual({ kind: 'created' });
    });
    const stored = await store.getMany('acct-1', refs);
    expect(stored.size).toBe(60);
    expect(stored.get('M005')?.chunkId).toBe('chunk-a');
    expect(stored.get('M059')?.contentHash).toBe('other');
    expect(stored.get('M011')).toEqual(records[11]);
    // The unmapped one went in on the remap consumer's index, the not-invoiced one on a shard of the waiting
    // index (the counts'), the rated ones on no index at all.
    const item = async (reference: string) =>
      (await doc.send(new GetCommand({ TableName: 'purchases-test', Key: keys.purchase('acct-1', reference) }))).Item;
    expect((await item('M010'))?.gsi1pk).toBe(keys.unmappedIndex('acct-1'));
    expect(await item('M012')).toMatchObject({
      gsi1pk: keys.purchaseIndex('acct-1', keys.purchaseIndexShard('M012')),
      gsi1sk: keys.purchaseIndexSort(records[12]!.purchaseDate, 'M012'),
    });
    const rated = await item('M011');
    expect(rated).toMatchObject({ status: 'rated' });
    expect(rated).not.toHaveProperty('gsi1pk');
    expect(rated).not.toHaveProperty('gsi1sk');
    // Re-priced (rated now), the waiting one leaves its index.
    expect(await store.replaceAll([{ record: { ...claim('M012', 'chunk-b', 'h-M012'), version: 2 }, expectedVersion: 1 }])).toEqual(
      new Set(['M012']),
    );
    expect(await item('M012')).toMatchObject({ status: 'rated', version: 2 });
    expect(await item('M012')).not.toHaveProperty('gsi1pk');

    // The same batch again: every claim is taken now, by chunk-b except the three chunk-a holds.
    const again = await store.insertMany(records);
    expect(again.filter((o) => o.kind === 'exists' && o.chunkId === 'chunk-b')).toHaveLength(57);
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
