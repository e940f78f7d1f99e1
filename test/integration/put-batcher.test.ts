import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PutBatcher } from '../../shared/storage/put-batcher';
import { type DynamoTable, startDynamoTable } from './dynamo-table';

/**
 * PutBatcher on a DynamoDB Local of its own: conditional puts issued together share transactions, and each
 * still gets exactly the answer a single conditional PutItem would give.
 */
describe('PutBatcher against DynamoDB Local', () => {
  let db: DynamoTable;
  const item = (sk: string, revision: number) => ({ pk: 'INVOICES', sk, revision, body: 'x'.repeat(2000) });
  const fresh = (sk: string, revision = 1) => ({
    TableName: db.table,
    Item: item(sk, revision),
    ConditionExpression: 'attribute_not_exists(pk)',
  });
  const read = async (sk: string) =>
    (await db.doc.send(new GetCommand({ TableName: db.table, Key: { pk: 'INVOICES', sk }, ConsistentRead: true }))).Item;

  beforeAll(async () => {
    db = await startDynamoTable('put-batcher');
  }, 120_000);
  afterAll(async () => {
    await db?.stop();
  });

  test('60 puts issued together are all written', async () => {
    const batcher = new PutBatcher(db.doc);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => batcher.put(fresh(`a${i}`))));
    expect(results).toEqual(Array(60).fill(true));
    for (const i of [0, 31, 59]) expect(await read(`a${i}`)).toMatchObject({ revision: 1 });
  });

  test('a failed condition answers false for that put alone; its neighbours are written', async () => {
    await db.doc.send(new PutCommand({ TableName: db.table, Item: item('taken', 7) }));
    const batcher = new PutBatcher(db.doc);
    const results = await Promise.all([batcher.put(fresh('b1')), batcher.put(fresh('taken')), batcher.put(fresh('b2'))]);
    expect(results).toEqual([true, false, true]);
    expect(await read('taken')).toMatchObject({ revision: 7 });
    expect(await read('b1')).toMatchObject({ revision: 1 });
    expect(await read('b2')).toMatchObject({ revision: 1 });
  });

  test('conditions on the stored revision, as a draft replaces its predecessor', async () => {
    const batcher = new PutBatcher(db.doc);
    await Promise.all([batcher.put(fresh('c1')), batcher.put(fresh('c2'))]);
    const replace = (sk: string, expected: number) => ({
      TableName: db.table,
      Item: item(sk, expected + 1),
      ConditionExpression: 'revision = :expected',
      ExpressionAttributeValues: { ':expected': expected },
    });
    expect(await Promise.all([batcher.put(replace('c1', 1)), batcher.put(replace('c2', 5))])).toEqual([true, false]);
    expect(await read('c1')).toMatchObject({ revision: 2 });
    expect(await read('c2')).toMatchObject({ revision: 1 });
  });

  test('two puts of one item never share a transaction (DynamoDB would refuse it): exactly one wins', async () => {
    const batcher = new PutBatcher(db.doc);
    const [one, two, other] = await Promise.all([batcher.put(fresh('d1', 1)), batcher.put(fresh('d1', 2)), batcher.put(fresh('d2'))]);
    expect([one, two].filter(Boolean)).toHaveLength(1);
    expect(other).toBe(true);
    expect(await read('d1')).toMatchObject({ revision: one ? 1 : 2 });
  });

  test('two batchers (two containers) racing for the same 40 items: each item has exactly one winner', async () => {
    const left = new PutBatcher(db.doc);
    const right = new PutBatcher(db.doc);
    const keys = Array.from({ length: 40 }, (_, i) => `race${i}`);
    const [a, b] = await Promise.all([
      Promise.all(keys.map((k) => left.put(fresh(k, 1)))),
      Promise.all([...keys].reverse().map((k) => right.put(fresh(k, 2)))),
    ]);
    const rightByKey = new Map([...keys].reverse().map((k, i) => [k, b[i]]));
    for (const [i, k] of keys.entries()) {
      expect({ k, winners: [a[i], rightByKey.get(k)].filter(Boolean).length }).toEqual({ k, winners: 1 });
      expect(await read(k)).toMatchObject({ revision: a[i] ? 1 : 2 });
    }
  });

  test('an invalid put is rejected with its error, not answered false', async () => {
    const batcher = new PutBatcher(db.doc);
    const bad = { TableName: db.table, Item: { pk: 'INVOICES' }, ConditionExpression: 'attribute_not_exists(pk)' };
    const [good, refused] = await Promise.allSettled([batcher.put(fresh('e1')), batcher.put(bad)]);
    expect(good).toEqual({ status: 'fulfilled', value: true });
    expect(refused.status).toBe('rejected');
    expect(String((refused as PromiseRejectedResult).reason)).toMatch(/key|sk/i);
  });
});
