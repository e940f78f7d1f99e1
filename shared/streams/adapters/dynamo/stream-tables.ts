import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LookupTable } from '../../domain/tables';
import { keys, objects } from '../../../storage/keys';
import type { ExchangeRateRecord, LookupTableSummary, StreamFiles, StreamTablesStore } from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { allOfPartition, getOne, listPartition, queryAll, strip } from '../../../storage/table';

/** A lookup table's index entry as stored: the summary and where its rows are. */
interface LookupTableItem extends LookupTableSummary {
  objectKey: string;
}

/** The object holding a lookup table: the whole table, so a read never mixes two saves. */
interface LookupTableObject extends LookupTable {
  updatedAt: string;
}

/**
 * Exchange rates and lookup tables. Rates are small items, one partition per account sorted by pair and
 * validFrom. A lookup table (up to 100,000 rows) lives as one JSON object in the data bucket, written
 * first, and a small index item that lists and reads go through; reads take the table from the object.
 */
export class DynamoStreamTablesStore implements StreamTablesStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly files: Pick<StreamFiles, 'put' | 'getText'>,
  ) {}

  async putExchangeRate(accountId: string, rate: ExchangeRateRecord): Promise<{ created: boolean }> {
    const item = { ...rate, pk: keys.exchangeRates(accountId), sk: keys.exchangeRateSort(rate.pair, rate.validFrom) };
    return { created: await this.replace(item) };
  }

  exchangeRates(accountId: string): Promise<ExchangeRateRecord[]> {
    return allOfPartition<ExchangeRateRecord>(this.client, this.table, keys.exchangeRates(accountId));
  }

  async exchangeRatesOf(accountId: string, pair: string): Promise<ExchangeRateRecord[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :pair)',
      ExpressionAttributeValues: { ':pk': keys.exchangeRates(accountId), ':pair': keys.exchangeRateSort(pair) },
      ConsistentRead: true,
    });
    return items.map((item) => strip<ExchangeRateRecord>(item));
  }

  listExchangeRates(accountId: string, page: PageRequest): Promise<Page<ExchangeRateRecord>> {
    return listPartition<ExchangeRateRecord>(this.client, this.table, keys.exchangeRates(accountId), page);
  }

  async putLookupTable(accountId: string, id: string, table: LookupTable, updatedAt: string): Promise<{ created: boolean }> {
    const objectKey = objects.lookupTable(accountId, id);
    const content: LookupTableObject = { key: table.key, rows: table.rows, updatedAt };
    // Rows first: an index entry never points at rows that are not there.
    await this.files.put(objectKey, JSON.stringify(content), 'application/json');
    const item: LookupTableItem = { id, key: table.key, rowCount: table.rows.length, updatedAt, objectKey };
    return { created: await this.replace({ ...item, pk: keys.lookupTables(accountId), sk: id }) };
  }

  async lookupTable(accountId: string, id: string): Promise<{ table: LookupTable; updatedAt: string } | null> {
    const item = await getOne<LookupTableItem>(this.client, this.table, keys.lookupTables(accountId), id);
    if (item === null) return null;
    const text = await this.files.getText(item.objectKey);
    if (text === null) return null;
    const { key, rows, updatedAt } = JSON.parse(text) as LookupTableObject;
    return { table: { key, rows }, updatedAt };
  }

  async listLookupTables(accountId: string, page: PageRequest): Promise<Page<LookupTableSummary>> {
    const result = await listPartition<LookupTableItem>(this.client, this.table, keys.lookupTables(accountId), page);
    return { items: result.items.map(({ objectKey: _objectKey, ...summary }) => summary), next: result.next };
  }

  /** Puts an item (PUT of a named resource replaces it); true when there was none before. */
  private async replace(item: Record<string, unknown>): Promise<boolean> {
    const out = await this.client.send(new PutCommand({ TableName: this.table, Item: item, ReturnValues: 'ALL_OLD' }));
    return out.Attributes === undefined;
  }
}
