import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDb } from '../../infra/local/engines/dynamodb';

/** A DynamoDB Local of a test's own with one `pk`/`sk` table: for adapter tests that need no stack. */
export interface DynamoTable {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  stop(): Promise<void>;
}

export async function startDynamoTable(table: string): Promise<DynamoTable> {
  const dir = mkdtempSync(join(tmpdir(), `billstream-${table}-`));
  const engine = await startDynamoDb(dir, () => undefined);
  const raw = new DynamoDBClient({ endpoint: engine.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await raw.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  return {
    doc: DynamoDBDocumentClient.from(raw),
    table,
    async stop() {
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
