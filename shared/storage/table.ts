import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ValidationError } from '../kernel/errors';
import { GSI1, keys } from './keys';
import type { Page, PageRequest } from '../kernel/page';

export type Item = Record<string, unknown>;
export type Key = { pk: string; sk: string };

/** Reads many items by key, 100 per call, retrying what DynamoDB leaves unprocessed. */
export async function batchGet(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
  opts: { consistent?: boolean; projection?: string; names?: Record<string, string> } = {},
): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let request:
      | Record<string, { Keys: Key[]; ConsistentRead?: boolean; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }>
      | undefined = {
      [table]: {
        Keys: keys.slice(i, i + 100),
        ConsistentRead: opts.consistent,
        ProjectionExpression: opts.projection,
        ExpressionAttributeNames: opts.names,
      },
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
      const out = await client.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...((out.Responses?.[table] ?? []) as Item[]));
      request = out.UnprocessedKeys as typeof request;
      if (attempt > 10 && request && Object.keys(request).length > 0) throw new Error('BatchGetItem kept leaving keys unprocessed');
    }
  }
  return items;
}

/** One page of a query, with an opaque cursor for the next. */
export async function queryPage(client: DynamoDBDocumentClient, input: QueryCommandInput, page: PageRequest): Promise<Page<Item>> {
  const out = await client.send(new QueryCommand({ ...input, Limit: page.limit, ExclusiveStartKey: decodeCursor(page.cursor) }));
  return { items: (out.Items ?? []) as Item[], next: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : null };
}

/**
 * The open work of one kind whose last progress is before `before`, page by page: a range of its sparse
 * gsi1 partition (`keys.openWork`), sorted by heartbeat, so stale work is found without a Scan.
 */
export async function* staleOpenWork(
  client: DynamoDBDocumentClient,
  table: string,
  kind: string,
  before: string,
  projection?: string,
): AsyncIterable<Item[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :open AND gsi1sk < :before',
        ExpressionAttributeValues: { ':open': keys.openWork(kind), ':before': keys.openWorkSort(before) },
        ProjectionExpression: projection,
        ExclusiveStartKey: start,
      }),
    );
    const items = (out.Items ?? []) as Item[];
    if (items.length) yield items;
    start = out.LastEvaluatedKey;
  } while (start);
}

/** Every item of a query (for small partitions such as an account's cluster tree). */
export async function queryAll(client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((out.Items ?? []) as Item[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The key condition of one whole partition, read strongly consistent. */
export function partitionQuery(table: string, pk: string) {
  return { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true };
}

/** One item by key, without its storage attributes. */
export async function getOne<T>(client: DynamoDBDocumentClient, table: string, pk: string, sk: string): Promise<T | null> {
  const out = await client.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: true }));
  return out.Item ? strip<T>(out.Item) : null;
}

/** One page of a partition, without storage attributes. */
export async function listPartition<T>(client: DynamoDBDocumentClient, table: string, pk: string, page: PageRequest): Promise<Page<T>> {
  const result = await queryPage(client, partitionQuery(table, pk), page);
  return { items: result.items.map((i) => strip<T>(i)), next: result.next };
}

/** A whole (small) partition, without storage attributes. */
export async function allOfPartition<T>(client: DynamoDBDocumentClient, table: string, pk: string): Promise<T[]> {
  return (await queryAll(client, partitionQuery(table, pk))).map((i) => strip<T>(i));
}

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (key && typeof key === 'object' && !Array.isArray(key)) return key;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('invalid cursor', ['cursor: not a cursor this API returned']);
}

/** Drops the storage attributes from an item before it becomes a domain record. */
export function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, accountId: _a, ...rest } = item;
  return rest as T;
}

/** Awaits a conditional write: true when it was written, false when its condition failed. */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/** The item a failed condition found (ReturnValuesOnConditionCheckFailure: ALL_OLD), unmarshalled. */
export function conditionFailureItem(error: unknown): Item | null {
  const raw = (error as { Item?: Record<string, never> }).Item;
  return raw ? (unmarshall(raw) as Item) : null;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
