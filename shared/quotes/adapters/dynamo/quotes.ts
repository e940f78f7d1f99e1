import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { GSI1, keys } from '../../../storage/keys';
import { conditionHeld, decodeCursor, encodeCursor, getOne, partitionQuery, queryPage, strip, type Item } from '../../../storage/table';
import { ValidationError } from '../../../kernel/errors';
import type { Page, PageRequest } from '../../../kernel/page';
import type { StoredStatus } from '../../domain/quote';
import type { QuoteRecord, QuoteStore, StoredVersion } from '../../ports';

/**
 * Quotes: the quote item (`ACCOUNT#<a>#QUOTE` / `<id>`: latest version, status, acceptance, `revision`;
 * gsi1 `customerQuotes` sorted by id) and one item per version (`ACCOUNT#<a>#QUOTE#<id>#VERSION` /
 * `<version, 10 digits>`). A new version is one transaction: the quote item conditional on the revision read
 * (or on not existing), the version item conditional on not existing, and the previous version's status.
 * Status changes are puts of the quote item conditional on the revision read.
 */
export class DynamoQuoteStore implements QuoteStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  getQuote(accountId: string, id: string) {
    return getOne<QuoteRecord>(this.client, this.table, keys.quotes(accountId), id);
  }

  async saveVersion(accountId: string, quote: QuoteRecord, expectedRevision: number | null, previousStatus: StoredStatus | null): Promise<boolean> {
    const versions = keys.quoteVersions(accountId, quote.id);
    const version: StoredVersion = { ...quote.latest, status: 'draft' };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: this.quoteItem(accountId, quote), ...this.revisionCondition(expectedRevision) } },
            {
              Put: {
                TableName: this.table,
                Item: { ...version, pk: versions, sk: versionSort(version.version) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...(previousStatus === null || quote.latest.version < 2
              ? []
              : [
                  {
                    Update: {
                      TableName: this.table,
                      Key: { pk: versions, sk: versionSort(quote.latest.version - 1) },
                      UpdateExpression: 'SET #status = :s',
                      ConditionExpression: 'attribute_exists(pk)',
                      ExpressionAttributeNames: { '#status': 'status' },
                      ExpressionAttributeValues: { ':s': previousStatus },
                    },
                  },
                ]),
          ],
        }),
      );
      return true;
    } catch (error) {
      const lost = (error as TransactionCanceledException).CancellationReasons?.some(
        (r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict',
      );
      if (error instanceof TransactionCanceledException && lost) return false;
      throw error;
    }
  }

  updateQuote(accountId: string, quote: QuoteRecord, expectedRevision: number): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({ TableName: this.table, Item: this.quoteItem(accountId, quote), ...this.revisionCondition(expectedRevision) }),
      ),
    );
  }

  async listVersions(accountId: string, id: string, page: PageRequest): Promise<Page<StoredVersion>> {
    const pk = keys.quoteVersions(accountId, id);
    const result = await queryPage(this.client, partitionQuery(this.table, pk), { ...page, cursor: startOf(page.cursor, { pk }) });
    return { items: result.items.map((i) => strip<StoredVersion>(i)), next: result.next };
  }

  async listQuotes(
    accountId: string,
    filter: { customer?: string },
    page: PageRequest,
    keep?: (quote: QuoteRecord) => boolean,
  ): Promise<Page<QuoteRecord>> {
    const partition: { pk: string } | { gsi1pk: string } =
      filter.customer === undefined ? { pk: keys.quotes(accountId) } : { gsi1pk: keys.customerQuotes(accountId, filter.customer) };
    const query: QueryCommandInput =
      'pk' in partition
        ? partitionQuery(this.table, partition.pk)
        : { TableName: this.table, IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': partition.gsi1pk } };
    const kept: { item: Item; record: QuoteRecord }[] = [];
    let start = decodeStart(page.cursor, partition);
    // read pages of the list until the page is full of kept quotes or the list ends
    for (;;) {
      const out = await this.client.send(new QueryCommand({ ...query, Limit: page.limit, ExclusiveStartKey: start }));
      for (const item of (out.Items ?? []) as Item[]) {
        const record = strip<QuoteRecord>(item);
        if (!keep || keep(record)) kept.push({ item, record });
      }
      start = out.LastEvaluatedKey;
      if (kept.length >= page.limit || !start) break;
    }
    if (kept.length > page.limit) {
      const last = kept[page.limit - 1]!.item;
      const key: Record<string, unknown> = { pk: last.pk, sk: last.sk };
      if ('gsi1pk' in partition) Object.assign(key, { gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk });
      return { items: kept.slice(0, page.limit).map((k) => k.record), next: encodeCursor(key) };
    }
    return { items: kept.map((k) => k.record), next: start ? encodeCursor(start) : null };
  }

  private quoteItem(accountId: string, quote: QuoteRecord): Item {
    return {
      ...quote,
      pk: keys.quotes(accountId),
      sk: quote.id,
      gsi1pk: keys.customerQuotes(accountId, quote.latest.terms.customer),
      gsi1sk: quote.id,
    };
  }

  private revisionCondition(expected: number | null) {
    return expected === null
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'revision = :r', ExpressionAttributeValues: { ':r': expected } };
  }
}

const versionSort = (version: number) => String(version).padStart(10, '0');

/** The start key of a cursor, which must be one of this very list (a cursor of another customer's list is a 400). */
function decodeStart(cursor: string | undefined, partition: { pk: string } | { gsi1pk: string }): Record<string, unknown> | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const [name, value] = Object.entries(partition)[0]!;
  const expected = name === 'pk' ? ['pk', 'sk'] : ['gsi1pk', 'gsi1sk', 'pk', 'sk'];
  const fits = key[name] === value && Object.keys(key).length === expected.length && expected.every((k) => typeof key[k] === 'string');
  if (!fits)
    throw new ValidationError('invalid cursor', ['cursor: not a cursor of this list (use the "next" of the previous page of the same list)']);
  return key;
}

/** A versions cursor as the store's own cursor string, checked to belong to the quote's versions. */
function startOf(cursor: string | undefined, partition: { pk: string }): string | undefined {
  if (cursor === undefined) return undefined;
  decodeStart(cursor, partition);
  return cursor;
}
