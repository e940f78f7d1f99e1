import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { PurchaseRecord } from '../../domain/purchase';
import { GSI1, keys, PURCHASE_SHARDS } from '../../../storage/keys';
import { instant } from '../../../kernel/fields';
import type { InsertOutcome, PurchaseReplacement, PurchaseStanding, PurchaseStandings, PurchaseStore } from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { mapLimit } from '../../../kernel/concurrency';
import { batchGet, conditionFailureItem, conditionHeld, isConditionFailure, queryPage, sleep, strip, type Item } from '../../../storage/table';

/** DynamoDB's limit on the items of one transaction. */
const TRANSACTION_ITEMS = 100;
/** Transactions cancelled by concurrent writers are retried this many times before single puts take over. */
const TRANSACTION_ROUNDS = 3;
/** DynamoDB's limit on the statements of one BatchExecuteStatement. */
const BATCH_STATEMENTS = 25;
/** Batches of one insertMany in flight at once. */
const BATCHES_IN_FLIGHT = 8;
/** Statements refused for a passing reason (throttling, an internal error) are sent again this many times, then one by one. */
const BATCH_ROUNDS = 3;
/** Per-statement error codes that mean the key is taken (INSERT refuses an existing key). */
const TAKEN = new Set(['DuplicateItem', 'ConditionalCheckFailed']);

/**
 * One item per purchase, keyed by reference so that writes spread over partitions. The item is written
 * once, already mapped. Only purchases that wait carry gsi1 keys (sparse indexes, so a purchase that is
 * rated on arrival writes no index copy): unmapped purchases go on the account's unmapped partition (sorted
 * by what they wait for, read by the remap consumer), `not-invoiced` ones on one of the account's
 * PURCHASE_SHARDS waiting partitions (sorted by date, read by the counts). A purchase leaves its index when
 * it is rewritten rated (every such write goes through `toItem`); billing's updates (invoiced, completed,
 * reopened) only move a rated purchase on, so they never touch an index.
 */
export class DynamoPurchaseStore implements PurchaseStore, PurchaseStandings {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async insert(record: PurchaseRecord): Promise<InsertOutcome> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'created' };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = conditionFailureItem(error);
      return { kind: 'exists', contentHash: String(existing?.contentHash ?? ''), chunkId: String(existing?.chunkId ?? '') };
    }
  }

  /**
   * Inserts many purchases, each on its own condition: PartiQL `INSERT` in `BatchExecuteStatement`s of 25,
   * which refuses a statement whose key exists without touching the others. Same write units as one
   * conditional PutItem per purchase, 25 times fewer round trips. A taken key answers with the stored
   * item (`ALL_OLD`) where DynamoDB returns it, otherwise with one consistent read of those keys.
   * Statements refused for another reason are retried, and finally written one by one by `insert`.
   */
  async insertMany(records: readonly PurchaseRecord[]): Promise<InsertOutcome[]> {
    const outcomes = new Array<InsertOutcome>(records.length);
    const groups: number[][] = [];
    for (let i = 0; i < records.length; i += BATCH_STATEMENTS) groups.push(records.slice(i, i + BATCH_STATEMENTS).map((_, k) => i + k));
    await mapLimit(groups, BATCHES_IN_FLIGHT, async (group) => {
      let pending = group;
      const taken: number[] = [];
      for (let round = 0; pending.length && round < BATCH_ROUNDS; round++) {
        if (round > 0) await sleep(25 * 2 ** round);
        const out = await this.client.send(new BatchExecuteStatementCommand({ Statements: pending.map((i) => this.insertStatement(records[i])) }));
        const again: number[] = [];
        pending.forEach((index, k) => {
          const error = out.Responses?.[k]?.Error;
          if (!error) outcomes[index] = { kind: 'created' };
          else if (TAKEN.has(String(error.Code))) {
            const item = out.Responses?.[k]?.Item;
            if (item) outcomes[index] = { kind: 'exists', contentHash: String(item.contentHash ?? ''), chunkId: String(item.chunkId ?? '') };
            else taken.push(index);
          } else if (error.Code === 'ValidationError') throw new Error(`purchase ${records[index].reference} was refused: ${error.Message}`);
          else again.push(index);
        });
        pending = again;
      }
      for (const index of pending) outcomes[index] = await this.insert(records[index]);
      if (taken.length) {
        const held = await this.getMany(
          records[taken[0]].accountId,
          taken.map((i) => records[i].reference),
        );
        for (const index of taken) {
          const holder = held.get(records[index].reference);
          outcomes[index] = holder ? { kind: 'exists', contentHash: holder.contentHash, chunkId: holder.chunkId } : await this.insert(records[index]);
        }
      }
    });
    return outcomes;
  }

  /** `INSERT INTO "<table>" VALUE {'<attribute>': ?, …}` of the purchase's item; attribute names are ours, values are parameters. */
  private insertStatement(record: PurchaseRecord) {
    const item = Object.entries(this.toItem(record)).filter(([, value]) => value !== undefined);
    return {
      Statement: `INSERT INTO "${this.table}" VALUE {${item.map(([name]) => `'${name}': ?`).join(', ')}}`,
      Parameters: item.map(([, value]) => value),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
  }

  /**
   * Writes the replacements in transactions of up to TRANSACTION_ITEMS, each put conditional on the
   * version it was read at: one request (and one round trip) per hundred purchases instead of a hundred,
   * at twice the write units of single puts. A cancelled transaction drops the items whose condition
   * failed (someone else changed them first) and retries the rest; items still conflicting after
   * TRANSACTION_ROUNDS go one by one.
   */
  async replaceAll(replacements: readonly PurchaseReplacement[]): Promise<Set<string>> {
    const written = new Set<string>();
    for (let start = 0; start < replacements.length; start += TRANSACTION_ITEMS) {
      let pending = replacements.slice(start, start + TRANSACTION_ITEMS);
      for (let round = 0; pending.length && round < TRANSACTION_ROUNDS; round++) {
        pending = await this.transact(pending, written);
      }
      for (const { record, expectedVersion } of pending) {
        if (await this.replace(record, expectedVersion)) written.add(record.reference);
      }
    }
    return written;
  }

  /** One transaction; returns the replacements worth another try (cancelled for reasons other than their own condition). */
  private async transact(pending: readonly PurchaseReplacement[], written: Set<string>): Promise<PurchaseReplacement[]> {
    if (pending.length === 1) {
      const [{ record, expectedVersion }] = pending;
      if (await this.replace(record, expectedVersion)) written.add(record.reference);
      return [];
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: pending.map(({ record, expectedVersion }) => ({
            Put: {
              TableName: this.table,
              Item: this.toItem(record),
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':v': expectedVersion },
            },
          })),
        }),
      );
      for (const { record } of pending) written.add(record.reference);
      return [];
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons) throw error;
      const reasons = error.CancellationReasons;
      return pending.filter((_, i) => reasons[i]?.Code !== 'ConditionalCheckFailed');
    }
  }

  private async replace(record: PurchaseRecord, expectedVersion: number): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(record),
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': expectedVersion },
        }),
      ),
    );
  }

  async get(accountId: string, reference: string): Promise<PurchaseRecord | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.purchase(accountId, reference), ConsistentRead: true }));
    return out.Item ? this.fromItem(out.Item) : null;
  }

  async getMany(accountId: string, references: readonly string[]): Promise<Map<string, PurchaseRecord>> {
    const items = await batchGet(
      this.client,
      this.table,
      references.map((r) => keys.purchase(accountId, r)),
    );
    return new Map(items.map((i) => [i.reference as string, this.fromItem(i)]));
  }

  async unmapped(accountId: string, waitingFor: { customer: string } | { label: string } | null, page: PageRequest): Promise<Page<PurchaseRecord>> {
    const result = await queryPage(
      this.client,
      {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: waitingFor ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
        ExpressionAttributeValues: waitingFor
          ? { ':pk': keys.unmappedIndex(accountId), ':prefix': keys.unmappedSort(waitingFor) }
          : { ':pk': keys.unmappedIndex(accountId) },
      },
      page,
    );
    return { items: result.items.map((i) => this.fromItem(i)), next: result.next };
  }

  /**
   * Status, reason and date of each waiting purchase in the range: the unmapped partition (filtered on the
   * date here: it is sorted by what its purchases wait for) and every shard of the not-invoiced index (a key
   * range), all queried at once, 1 MB pages each. Rated purchases are on neither, so the reads follow what
   * waits, not the account's volume.
   */
  async *standings(accountId: string, range: { from?: string; to?: string }): AsyncIterable<readonly PurchaseStanding[]> {
    const projection = { ProjectionExpression: '#status, reason, purchaseDate', ExpressionAttributeNames: { '#status': 'status' } };
    // Sort keys start with a digit: '0' is below and '~' above every one of them.
    const lower = range.from === undefined ? '0' : keys.purchaseIndexSort(range.from);
    const upper = range.to === undefined ? '~' : keys.purchaseIndexSort(range.to);
    const from = range.from === undefined ? -Infinity : instant(range.from);
    const to = range.to === undefined ? Infinity : instant(range.to);
    const inRange = (p: PurchaseStanding) => {
      const at = instant(p.purchaseDate);
      return from <= at && at < to;
    };
    const queries: QueryCommandInput[] = [
      {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.unmappedIndex(accountId) },
        ...projection,
      },
      ...Array.from({ length: PURCHASE_SHARDS }, (_, shard) => ({
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.purchaseIndex(accountId, shard), ':from': lower, ':to': upper },
        ...projection,
      })),
    ];
    // The queries run side by side; each yields its pages as they come.
    const cursors = queries.map((input) => pages(this.client, input)[Symbol.asyncIterator]());
    const next = (i: number) => cursors[i]!.next().then((result) => ({ i, result }));
    const running = new Map(cursors.map((_, i) => [i, next(i)]));
    while (running.size) {
      const { i, result } = await Promise.race(running.values());
      if (result.done) {
        running.delete(i);
        continue;
      }
      running.set(i, next(i));
      const page = result.value as unknown as PurchaseStanding[];
      yield i === 0 ? page.filter(inRange) : page;
    }
  }

  private toItem(record: PurchaseRecord): Item {
    const item: Item = { ...record, ...keys.purchase(record.accountId, record.reference) };
    if (record.status === 'unmapped') {
      item.gsi1pk = keys.unmappedIndex(record.accountId);
      item.gsi1sk = keys.unmappedSort(
        record.reason === 'unknown-customer' ? { customer: record.customerCode } : { label: record.productLabel },
        record.reference,
      );
    } else if (record.status === 'not-invoiced') {
      item.gsi1pk = keys.purchaseIndex(record.accountId, keys.purchaseIndexShard(record.reference));
      item.gsi1sk = keys.purchaseIndexSort(record.purchaseDate, record.reference);
    }
    return item;
  }

  private fromItem(item: Item): PurchaseRecord {
    return { ...strip<PurchaseRecord>(item), accountId: item.accountId as string };
  }
}

/** The items of a query, one page (up to 1 MB read) at a time. */
async function* pages(client: DynamoDBDocumentClient, input: QueryCommandInput): AsyncIterable<Item[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield (out.Items ?? []) as Item[];
    start = out.LastEvaluatedKey;
  } while (start);
}
