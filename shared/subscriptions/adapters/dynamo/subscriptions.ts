import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../../kernel/concurrency';
import { GSI1, keys } from '../../../storage/keys';
import {
  batchGet,
  conditionFailureItem,
  decodeCursor,
  encodeCursor,
  getOne,
  isConditionFailure,
  listPartition,
  partitionQuery,
  strip,
  type Item,
} from '../../../storage/table';
import { ValidationError } from '../../../kernel/errors';
import type { Page, PageRequest } from '../../../kernel/page';
import type { CatalogueRecord, OfferRecord, SubscriptionRecord, SubscriptionStore } from '../../ports';

/**
 * Catalogues, offers and subscriptions: one partition per account and entity type, sorted by id. Offers
 * carry gsi1 `catalogueOffers` and subscriptions gsi1 `customerSubscriptions` (both sorted by id), so the
 * lists by catalogue and by customer are one query each. A subscription is created with
 * `attribute_not_exists` and changed only on the version it was read at.
 */
export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  putCatalogue(accountId: string, catalogue: CatalogueRecord) {
    return this.put({ ...catalogue, pk: keys.catalogues(accountId), sk: catalogue.id });
  }
  getCatalogue(accountId: string, id: string) {
    return getOne<CatalogueRecord>(this.client, this.table, keys.catalogues(accountId), id);
  }
  listCatalogues(accountId: string, page: PageRequest) {
    return listPartition<CatalogueRecord>(this.client, this.table, keys.catalogues(accountId), page);
  }

  putOffer(accountId: string, offer: OfferRecord) {
    return this.put({
      ...offer,
      pk: keys.offers(accountId),
      sk: offer.id,
      gsi1pk: keys.catalogueOffers(accountId, offer.catalogue),
      gsi1sk: offer.id,
    });
  }
  getOffer(accountId: string, id: string) {
    return getOne<OfferRecord>(this.client, this.table, keys.offers(accountId), id);
  }
  async getOffers(accountId: string, ids: readonly string[]) {
    const pk = keys.offers(accountId);
    const items = await batchGet(
      this.client,
      this.table,
      [...new Set(ids)].map((sk) => ({ pk, sk })),
      { consistent: true },
    );
    return new Map(items.map((i) => [i.sk as string, strip<OfferRecord>(i)]));
  }
  async listOffers(accountId: string, filter: { catalogue?: string }, page: PageRequest) {
    if (filter.catalogue === undefined) return listPartition<OfferRecord>(this.client, this.table, keys.offers(accountId), page);
    const gsi1pk = keys.catalogueOffers(accountId, filter.catalogue);
    const out = await this.client.send(
      new QueryCommand({ ...this.byGsi(gsi1pk), Limit: page.limit, ExclusiveStartKey: startOf(page.cursor, { gsi1pk }) }),
    );
    return { items: (out.Items ?? []).map((i) => strip<OfferRecord>(i)), next: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : null };
  }

  async createSubscription(accountId: string, subscription: SubscriptionRecord): Promise<SubscriptionRecord | null> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.subscriptionItem(accountId, subscription),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return null;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const held = conditionFailureItem(error);
      // DynamoDB Local may omit the old item: read it
      return held ? strip<SubscriptionRecord>(held) : await this.getSubscription(accountId, subscription.id);
    }
  }
  getSubscription(accountId: string, id: string) {
    return getOne<SubscriptionRecord>(this.client, this.table, keys.subscriptions(accountId), id);
  }
  /**
   * Every attribute but `chargedThrough`, which billing owns (setChargedThrough): an operation written from
   * a record read before a cycle charged the subscription does not take its charged-through date back.
   */
  async updateSubscription(accountId: string, subscription: SubscriptionRecord, expectedVersion: number): Promise<boolean> {
    const { pk, sk, chargedThrough: _billing, ...rest } = this.subscriptionItem(accountId, subscription);
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':expected': expectedVersion };
    const sets = Object.entries(rest).map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      return `#a${i} = :a${i}`;
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk, sk },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async setChargedThrough(accountId: string, id: string, chargedThrough: string | null): Promise<void> {
    try {
      await this.client.send(new UpdateCommand(this.chargedThroughUpdate(accountId, id, chargedThrough)));
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // a subscription that is gone has nothing to charge
    }
  }

  /** The one-attribute update of `chargedThrough`, on a subscription that still exists. */
  private chargedThroughUpdate(accountId: string, id: string, chargedThrough: string | null) {
    return {
      TableName: this.table,
      Key: { pk: keys.subscriptions(accountId), sk: id },
      UpdateExpression: 'SET chargedThrough = :c',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':c': chargedThrough },
    };
  }

  /**
   * Transactions of up to 100 updates (TransactWriteItems): one request per hundred subscriptions. On AWS
   * a transactional write costs two units instead of one; DynamoDB Local commits a transaction several
   * times faster than single updates. A transaction cancelled (a subscription gone, a concurrent write)
   * is done again one update at a time.
   */
  async setChargedThroughMany(accountId: string, updates: readonly { id: string; chargedThrough: string | null }[]): Promise<void> {
    const chunks: (typeof updates)[] = [];
    for (let i = 0; i < updates.length; i += 100) chunks.push(updates.slice(i, i + 100));
    await mapLimit(chunks, 2, async (chunk) => {
      if (chunk.length === 1) return this.setChargedThrough(accountId, chunk[0]!.id, chunk[0]!.chargedThrough);
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: chunk.map(({ id, chargedThrough }) => ({ Update: this.chargedThroughUpdate(accountId, id, chargedThrough) })),
          }),
        );
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        for (const { id, chargedThrough } of chunk) await this.setChargedThrough(accountId, id, chargedThrough);
      }
    });
  }

  async listSubscriptions(
    accountId: string,
    filter: { customer?: string },
    page: PageRequest,
    keep?: (subscriptions: SubscriptionRecord[]) => Promise<boolean[]>,
  ): Promise<Page<SubscriptionRecord>> {
    const query: QueryCommandInput =
      filter.customer === undefined
        ? partitionQuery(this.table, keys.subscriptions(accountId))
        : this.byGsi(keys.customerSubscriptions(accountId, filter.customer));
    const kept: { item: Item; record: SubscriptionRecord }[] = [];
    let start = startOf(
      page.cursor,
      filter.customer === undefined ? { pk: keys.subscriptions(accountId) } : { gsi1pk: keys.customerSubscriptions(accountId, filter.customer) },
    );
    // Read pages of the list until the page is full of kept items or the list ends.
    for (;;) {
      const out = await this.client.send(new QueryCommand({ ...query, Limit: page.limit, ExclusiveStartKey: start }));
      const items = (out.Items ?? []) as Item[];
      const records = items.map((i) => strip<SubscriptionRecord>(i));
      const verdicts = keep ? await keep(records) : records.map(() => true);
      for (const [i, item] of items.entries()) if (verdicts[i]) kept.push({ item, record: records[i]! });
      start = out.LastEvaluatedKey;
      if (kept.length >= page.limit || !start) break;
    }
    if (kept.length > page.limit) {
      const last = kept[page.limit - 1]!.item;
      const key: Record<string, unknown> = { pk: last.pk, sk: last.sk };
      if (filter.customer !== undefined) Object.assign(key, { gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk });
      return { items: kept.slice(0, page.limit).map((k) => k.record), next: encodeCursor(key) };
    }
    return { items: kept.map((k) => k.record), next: start ? encodeCursor(start) : null };
  }

  private subscriptionItem(accountId: string, subscription: SubscriptionRecord): Item {
    return {
      ...subscription,
      pk: keys.subscriptions(accountId),
      sk: subscription.id,
      gsi1pk: keys.customerSubscriptions(accountId, subscription.customer),
      gsi1sk: subscription.id,
    };
  }

  private byGsi(gsi1pk: string): QueryCommandInput {
    return { TableName: this.table, IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': gsi1pk } };
  }

  /** A put that tells whether it created the item (no item was there before it). */
  private async put(item: Item): Promise<boolean> {
    const out = await this.client.send(new PutCommand({ TableName: this.table, Item: item, ReturnValues: 'ALL_OLD' }));
    return out.Attributes === undefined;
  }
}

/**
 * The start key of a cursor, which must be one of this very list: the edge seals cursors to the route and
 * its path, not to the query, so a cursor of `?customer=A` sent with `?customer=B` is refused here (a 400
 * naming `cursor`) instead of reaching DynamoDB as a key of another partition.
 */
function startOf(cursor: string | undefined, partition: { pk: string } | { gsi1pk: string }): Record<string, unknown> | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const [name, value] = Object.entries(partition)[0]!;
  const expected = name === 'pk' ? ['pk', 'sk'] : ['gsi1pk', 'gsi1sk', 'pk', 'sk'];
  const fits = key[name] === value && Object.keys(key).length === expected.length && expected.every((k) => typeof key[k] === 'string');
  if (!fits)
    throw new ValidationError('invalid cursor', ['cursor: not a cursor of this list (use the "next" of the previous page of the same list)']);
  return key;
}
