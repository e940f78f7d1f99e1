import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionBatcher, type TransactItem } from '../../shared/storage/transactions';
import { startDynamoTable, type DynamoTable } from './dynamo-table';

/**
 * TransactionBatcher on DynamoDB Local: concurrent groups share TransactWriteItems calls, and each group
 * still gets the answer a transaction of its own would have given.
 */
describe('TransactionBatcher (DynamoDB Local)', () => {
  let db: DynamoTable;
  let calls = 0;
  beforeAll(async () => {
    db = await startDynamoTable('txbatch');
    db.doc.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') calls++;
        return next(args);
      },
      { step: 'initialize', name: 'countTransactions' },
    );
  }, 120_000);
  afterAll(() => db.stop());

  const put = (pk: string, value = 'v'): TransactItem => ({
    Put: { TableName: db.table, Item: { pk, sk: 'X', value }, ConditionExpression: 'attribute_not_exists(pk)' },
  });
  const read = async (pk: string) => (await db.doc.send(new GetCommand({ TableName: db.table, Key: { pk, sk: 'X' }, ConsistentRead: true }))).Item;

  test('80 groups at once, 8 of them meeting a taken item: those 8 answer false and write nothing, the 72 others are written, in far fewer calls', async () => {
    // Prepare: the items the failing groups collide with
    for (let i = 0; i < 8; i++) await db.doc.send(new PutCommand({ TableName: db.table, Item: { pk: `taken-${i}`, sk: 'X', value: 'first' } }));
    const batcher = new TransactionBatcher(db.doc);
    calls = 0;
    // Act: each group writes two items; every tenth one also claims a taken item
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        batcher.write(i % 10 === 3 ? [put(`a-${i}`), put(`taken-${(i - 3) / 10}`, 'second')] : [put(`a-${i}`), put(`b-${i}`)]),
      ),
    );
    // Assess
    const failed = answers.flatMap((ok, i) => (ok ? [] : [i]));
    expect(failed).toEqual([3, 13, 23, 33, 43, 53, 63, 73]);
    for (const i of failed) expect(await read(`a-${i}`)).toBeUndefined();
    for (let i = 0; i < 8; i++) expect((await read(`taken-${i}`))?.value).toBe('first');
    const written = answers.flatMap((ok, i) => (ok ? [i] : []));
    expect(written).toHaveLength(72);
    for (const i of written) {
      expect(await read(`a-${i}`)).toBeDefined();
      expect(await read(`b-${i}`)).toBeDefined();
    }
    expect(calls).toBeLessThan(40);
  }, 60_000);

  test('two groups claiming the same item at once never share a call: exactly one is written', async () => {
    const batcher = new TransactionBatcher(db.doc, { inFlight: 1 });
    // Act: a first call in flight makes the rest wait together, the two rivals among them
    const answers = await Promise.all([
      batcher.write([put('lead')]),
      batcher.write([put('rival', 'one'), put('rival-one')]),
      batcher.write([put('other')]),
      batcher.write([put('rival', 'two'), put('rival-two')]),
    ]);
    // Assess
    expect(answers[0]).toBe(true);
    expect(answers[2]).toBe(true);
    expect([answers[1], answers[3]].filter(Boolean)).toHaveLength(1);
    const winner = answers[1] ? 'one' : 'two';
    expect((await read('rival'))?.value).toBe(winner);
    expect(await read(`rival-${winner}`)).toBeDefined();
    expect(await read(`rival-${winner === 'one' ? 'two' : 'one'}`)).toBeUndefined();
  }, 60_000);

  test('a group DynamoDB refuses as malformed fails alone with its error; the groups it was sent with are written', async () => {
    const batcher = new TransactionBatcher(db.doc, { inFlight: 1 });
    const malformed: TransactItem = { Put: { TableName: db.table, Item: { pk: 'bad', sk: 'X' }, ConditionExpression: 'attribute_not_exists(' } };
    const answers = await Promise.allSettled([
      batcher.write([put('before')]),
      batcher.write([put('good-1')]),
      batcher.write([malformed]),
      batcher.write([put('good-2')]),
    ]);
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((answers[2] as PromiseRejectedResult).reason)).toMatch(/ValidationException|Invalid ConditionExpression|syntax/i);
    expect(await read('good-1')).toBeDefined();
    expect(await read('good-2')).toBeDefined();
    expect(await read('bad')).toBeUndefined();
  }, 60_000);
});
