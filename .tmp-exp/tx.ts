import { CreateTableCommand, DynamoDBClient, PutItemCommand, TransactWriteItemsCommand, BatchExecuteStatementCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDb } from '../infra/local/engines/dynamodb';

const mk = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const item = (run: string, i: number) => ({ pk: { S: `R#${run}#${i}` }, sk: { S: 'P' }, q: { S: '12' }, pad: { S: 'x'.repeat(600) } });

async function pool(n: number, parallel: number, fn: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => { while (next < n) await fn(next++); }));
}

async function main() {
  const dir = process.argv[2]!;
  const engine = await startDynamoDb(dir, () => undefined);
  const db = mk(engine.endpoint);
  await db.send(new CreateTableCommand({ TableName: 'bench', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }] }));
  const N = 4000;
  for (let round = 0; round < 2; round++) {
    for (const [name, run] of [
      ['single puts x16', async (r: string) => pool(N, 16, async (i) => { await db.send(new PutItemCommand({ TableName: 'bench', Item: item(r, i), ConditionExpression: 'attribute_not_exists(pk)' })); })],
      ['tx of 2 x16', async (r: string) => pool(N / 2, 16, async (i) => { await db.send(new TransactWriteItemsCommand({ TransactItems: [0, 1].map((k) => ({ Put: { TableName: 'bench', Item: item(r, i * 2 + k), ConditionExpression: 'attribute_not_exists(pk)' } })) })); })],
      ['tx of 50 x4', async (r: string) => pool(N / 50, 4, async (i) => { await db.send(new TransactWriteItemsCommand({ TransactItems: Array.from({ length: 50 }, (_, k) => ({ Put: { TableName: 'bench', Item: item(r, i * 50 + k), ConditionExpression: 'attribute_not_exists(pk)' } })) })); })],
      ['partiql batch 25 x8', async (r: string) => pool(N / 25, 8, async (i) => { await db.send(new BatchExecuteStatementCommand({ Statements: Array.from({ length: 25 }, (_, k) => ({ Statement: `INSERT INTO "bench" VALUE {'pk': ?, 'sk': 'P', 'q': '12', 'pad': ?}`, Parameters: [{ S: `R#${r}#${i * 25 + k}` }, { S: 'x'.repeat(600) }] })) })); })],
      ['partiql batch 25 x16', async (r: string) => pool(N / 25, 16, async (i) => { await db.send(new BatchExecuteStatementCommand({ Statements: Array.from({ length: 25 }, (_, k) => ({ Statement: `INSERT INTO "bench" VALUE {'pk': ?, 'sk': 'P', 'q': '12', 'pad': ?}`, Parameters: [{ S: `R#${r}#${i * 25 + k}` }, { S: 'x'.repeat(600) }] })) })); })],
    ] as const) {
      const t0 = performance.now();
      await run(`${name}-${round}`);
      console.log(`${name}: ${(N / ((performance.now() - t0) / 1000)).toFixed(0)} items/s`);
    }
  }
  db.destroy();
  await engine.stop();
}
main();
