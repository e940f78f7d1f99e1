import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { countDynamo, countS3, countSqs, countTime, meterEnabled } from './meter';

/**
 * SDK clients, created once per container. Endpoints come from the standard AWS_ENDPOINT_URL_* variables,
 * so the same code talks to AWS or to the local engines without a branch.
 */

let dynamo: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let sqs: SQSClient | undefined;

type Middleware = unknown;

/**
 * The SDK's logger middleware builds a redacted copy of every input and output for its logger, even the
 * default no-op one: with no SDK logger configured that is CPU spent on every call (3 % of a local
 * cycle's), so it is taken off the stack. Our own logs say what a call did.
 */
function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

function metering(kind: 'dynamodb' | 's3' | 'sqs'): Middleware {
  return ((next: (args: unknown) => Promise<{ output: unknown }>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      const command = context.commandName ?? 'unknown';
      if (kind === 'dynamodb' && args.input.ReturnConsumedCapacity === undefined) args.input.ReturnConsumedCapacity = 'TOTAL';
      const started = performance.now();
      const result = await next(args);
      countTime(kind, command, performance.now() - started);
      const output = result.output as Record<string, unknown>;
      if (kind === 'dynamodb')
        countDynamo(command, transactionCapacity(command, args.input, output.ConsumedCapacity) ?? estimatedCapacity(command, args.input));
      else if (kind === 's3') countS3(command);
      else countSqs(Buffer.byteLength(JSON.stringify(args.input)));
      return result;
    }) as unknown as Middleware;
}

export function dynamoClient(): DynamoDBDocumentClient {
  if (!dynamo) {
    const base = withoutSdkLogging(new DynamoDBClient({ maxAttempts: 8 }));
    if (meterEnabled()) base.middlewareStack.add(metering('dynamodb') as never, { step: 'initialize', name: 'billstreamMeter' });
    dynamo = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  }
  return dynamo;
}

export function s3Client(): S3Client {
  if (!s3) {
    s3 = withoutSdkLogging(new S3Client({ forcePathStyle: process.env.BILLSTREAM_S3_FORCE_PATH_STYLE === '1' }));
    if (meterEnabled()) s3.middlewareStack.add(metering('s3') as never, { step: 'initialize', name: 'billstreamMeter' });
  }
  return s3;
}

export function sqsClient(): SQSClient {
  if (!sqs) {
    sqs = withoutSdkLogging(new SQSClient({}));
    if (meterEnabled()) sqs.middlewareStack.add(metering('sqs') as never, { step: 'initialize', name: 'billstreamMeter' });
  }
  return sqs;
}

/** Write units of a value by its JSON size in whole kilobytes: a little more than DynamoDB weighs it, so cost figures err high. */
const jsonUnits = (value: unknown): number => Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(value)) / 1024));

/**
 * DynamoDB Local reports 2 units for any TransactWriteItems, however many items it writes; AWS bills
 * each item of a transaction twice its write units. Each item is then counted as twice the units of its
 * JSON size (a Put's item, an Update's key and values), unless the engine reported more.
 */
function transactionCapacity(command: string, input: Record<string, unknown>, reported: unknown): unknown {
  if (command !== 'TransactWriteItemsCommand') return reported;
  const items = (input.TransactItems ?? []) as Record<string, { Item?: unknown; Key?: unknown; ExpressionAttributeValues?: unknown }>[];
  const units = items.reduce((sum, entry) => {
    const write = Object.values(entry)[0] ?? {};
    // a put's index copy is written too (a plain write on the index): counted when the item carries gsi1 keys
    const indexed = (write.Item as Record<string, unknown> | undefined)?.gsi1pk !== undefined ? jsonUnits(write.Item) : 0;
    return sum + 2 * jsonUnits(write.Item ?? [write.Key, write.ExpressionAttributeValues]) + indexed;
  }, 0);
  const list = reported === undefined ? [] : Array.isArray(reported) ? reported : [reported];
  const engine = (list as { CapacityUnits?: number }[]).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  return engine >= units ? reported : { CapacityUnits: units };
}

/** DynamoDB Local reports no capacity for a PartiQL batch (AWS does): each statement counts as the units of its parameters. */
function estimatedCapacity(command: string, input: Record<string, unknown>): { CapacityUnits: number } | undefined {
  if (command !== 'BatchExecuteStatementCommand') return undefined;
  const statements = (input.Statements ?? []) as { Parameters?: unknown[] }[];
  const units = statements.reduce((sum, s) => sum + jsonUnits(s.Parameters ?? []), 0);
  return { CapacityUnits: units };
}
