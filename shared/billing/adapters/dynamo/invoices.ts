import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../../kernel/errors';
import type { InvoiceRecord } from '../../domain/invoice-wire';
import type { SpecRule } from '../../domain/lines';
import { GSI1, keys } from '../../../storage/keys';
import type { InvoiceFilter, InvoiceSequence, InvoiceStore, LedgerGuard, NumberedSave, StoredInvoice, SubscriberLedger } from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { batchGet, conditionHeld, decodeCursor, encodeCursor, queryAll, type Item } from '../../../storage/table';
import { TransactionBatcher } from '../../../storage/transactions';
import { json } from './items';

const INVOICE_ID = /^(?:inv|cn)_(\d{4})(\d{2})(\d{2})_[A-Za-z0-9_-]+$/;

/** The period start an invoice or credit note id carries (`inv_20261001_…`), which names its partition. */
export function periodStartOfInvoiceId(id: string): string | null {
  const m = INVOICE_ID.exec(id);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/**
 * Invoices and credit notes, one partition per account and period start (the id says which), with the
 * paying customer's partition on gsi1. The record is kept as JSON text: read back byte for byte, so an
 * unchanged regenerated draft is recognised and not written again.
 */
export class DynamoInvoiceStore implements InvoiceStore {
  private readonly transactions: TransactionBatcher;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.transactions = new TransactionBatcher(client);
  }

  async get(accountId: string, id: string): Promise<StoredInvoice | null> {
    const key = this.key(accountId, id);
    if (!key) return null;
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    return out.Item ? this.fromItem(out.Item) : null;
  }

  async getMany(accountId: string, ids: readonly string[]): Promise<Map<string, StoredInvoice>> {
    const keyList = ids.map((id) => this.key(accountId, id)).filter((k): k is { pk: string; sk: string } => k !== null);
    const items = await batchGet(this.client, this.table, keyList, { consistent: true });
    return new Map(items.map((i) => [i.sk as string, this.fromItem(i)]));
  }

  async save(accountId: string, invoice: StoredInvoice, expectedRevision: number): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(accountId, invoice),
          ConditionExpression: expectedRevision === 0 ? 'attribute_not_exists(pk)' : '#status = :draft AND revision = :expected',
          ...(expectedRevision === 0
            ? {}
            : { ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':draft': 'draft', ':expected': expectedRevision } }),
        }),
      ),
    );
  }

  async subscriberLedger(accountId: string, customer: string): Promise<SubscriberLedger> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: keys.subscriberLedger(accountId, customer), ConsistentRead: true }),
    );
    return out.Item ? ledgerOf(out.Item) : NO_LEDGER;
  }

  async subscriberLedgers(accountId: string, customers: readonly string[]): Promise<Map<string, SubscriberLedger>> {
    const unique = [...new Set(customers)];
    const items = unique.length
      ? await batchGet(
          this.client,
          this.table,
          unique.map((c) => keys.subscriberLedger(accountId, c)),
          { consistent: true },
        )
      : [];
    const byKey = new Map(items.map((item) => [`${item.pk}`, item]));
    return new Map(
      unique.map((c) => {
        const item = byKey.get(keys.subscriberLedger(accountId, c).pk);
        return [c, item ? ledgerOf(item) : NO_LEDGER];
      }),
    );
  }

  /**
   * One transaction group: the invoice Put under the draft's revision (as `save`) and the ledger Update
   * from `ledger.version` to the next (created at 1), its `invoiceIds` string set growing by this id.
   * Groups of concurrent calls share TransactWriteItems calls (TransactionBatcher), each all or nothing:
   * false when a condition failed or a concurrent transaction touched either item, i.e. another writer got there first.
   */
  saveGuarded(accountId: string, invoice: StoredInvoice, expectedRevision: number, ledger: LedgerGuard): Promise<boolean> {
    const first = ledger.version === 0;
    return this.transactions.write([
      {
        Put: {
          TableName: this.table,
          Item: this.toItem(accountId, invoice),
          ConditionExpression: expectedRevision === 0 ? 'attribute_not_exists(pk)' : '#status = :draft AND revision = :expected',
          ...(expectedRevision === 0
            ? {}
            : {
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':draft': 'draft', ':expected': expectedRevision },
              }),
        },
      },
      {
        Update: {
          TableName: this.table,
          Key: keys.subscriberLedger(accountId, ledger.customer),
          UpdateExpression: 'SET #version = :next, updatedAt = :at, complete = :complete ADD invoiceIds :ids',
          ConditionExpression: first ? 'attribute_not_exists(pk)' : '#version = :previous',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ':next': ledger.version + 1,
            ':at': invoice.updatedAt,
            ':ids': new Set([invoice.record.id, ...ledger.billedIds]),
            ':complete': true,
            ...(first ? {} : { ':previous': ledger.version }),
          },
        },
      },
    ]);
  }

  async deleteDraft(accountId: string, id: string, expectedRevision: number): Promise<boolean> {
    const key = this.key(accountId, id);
    if (!key) return false;
    return conditionHeld(
      this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: key,
          ConditionExpression: '#status = :draft AND revision = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':draft': 'draft', ':expected': expectedRevision },
        }),
      ),
    );
  }

  async markCredited(accountId: string, id: string, creditNoteId: string): Promise<boolean> {
    const key = this.key(accountId, id);
    if (!key) return false;
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'SET creditedBy = :cn',
          ConditionExpression: '#status IN (:approved, :voided) AND (attribute_not_exists(creditedBy) OR attribute_type(creditedBy, :null))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':cn': creditNoteId, ':approved': 'approved', ':voided': 'voided', ':null': 'NULL' },
        }),
      ),
    );
  }

  async lastNumber(accountId: string, year: number): Promise<number> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.invoiceNumbers(accountId, year), ConsistentRead: true }));
    return out.Item ? Number(out.Item.sequence) : 0;
  }

  /**
   * One TransactWriteItems: the counter item from `sequence - 1` to `sequence` (created at 1) and the invoice
   * Put under the draft's revision. A cancelled transaction writes nothing; its reasons say which side failed
   * (a TransactionConflict with a concurrent approval counts as the number being taken: read it again).
   */
  async saveNumbered(accountId: string, invoice: StoredInvoice, expectedRevision: number, number: InvoiceSequence): Promise<NumberedSave> {
    const first = number.sequence === 1;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.invoiceNumbers(accountId, number.year),
                UpdateExpression: 'SET #sequence = :next, #year = :year, updatedAt = :at',
                ConditionExpression: first ? 'attribute_not_exists(pk)' : '#sequence = :previous',
                ExpressionAttributeNames: { '#sequence': 'sequence', '#year': 'year' },
                ExpressionAttributeValues: {
                  ':next': number.sequence,
                  ':year': number.year,
                  ':at': invoice.updatedAt,
                  ...(first ? {} : { ':previous': number.sequence - 1 }),
                },
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: this.toItem(accountId, invoice),
                ConditionExpression: '#status = :draft AND revision = :expected',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':draft': 'draft', ':expected': expectedRevision },
              },
            },
          ],
        }),
      );
      return 'saved';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons) throw error;
      const [counter, item] = error.CancellationReasons;
      if (item?.Code === 'ConditionalCheckFailed') return 'invoice_changed';
      if (counter?.Code === 'ConditionalCheckFailed' || counter?.Code === 'TransactionConflict' || item?.Code === 'TransactionConflict') {
        return 'number_taken';
      }
      throw error;
    }
  }

  async replaceApproved(accountId: string, invoice: StoredInvoice, expectedRevision: number): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(accountId, invoice),
          ConditionExpression: '#status = :approved AND revision = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':approved': 'approved', ':expected': expectedRevision },
        }),
      ),
    );
  }

  async setCompletion(accountId: string, id: string, completion: 'pending' | 'done'): Promise<void> {
    const key = this.key(accountId, id);
    if (!key) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key,
        UpdateExpression: 'SET completion = :c',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':c': completion },
      }),
    );
  }

  async list(accountId: string, filter: InvoiceFilter, page: PageRequest): Promise<Page<StoredInvoice>> {
    const narrowing = statusAndKind(filter);
    if (filter.customer) {
      const query: QueryCommandInput = {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: filter.periodStart ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
        ExpressionAttributeValues: {
          ':pk': keys.customerInvoices(accountId, filter.customer),
          ...(filter.periodStart ? { ':prefix': keys.customerInvoiceSort(filter.periodStart) } : {}),
        },
        ScanIndexForward: false,
      };
      const result = await this.readPartition(narrowed(query, narrowing), page.cursor, page.limit, readBudget(page, narrowing));
      return { items: result.items.map((i) => this.fromItem(i)), next: result.next };
    }
    if (filter.periodStart) {
      const query = narrowed(this.periodQuery(accountId, filter.periodStart), narrowing);
      const result = await this.readPartition(query, page.cursor, page.limit, readBudget(page, narrowing));
      return { items: result.items.map((i) => this.fromItem(i)), next: result.next };
    }
    return this.listAll(accountId, page, narrowing);
  }

  async openInvoicesOf(accountId: string, customer: string): Promise<StoredInvoice[]> {
    const query: QueryCommandInput = {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.customerInvoices(accountId, customer) },
      ScanIndexForward: false,
    };
    const open = {
      expression: '#status = :draft OR completion = :pending',
      names: { '#status': 'status' },
      values: { ':draft': 'draft', ':pending': 'pending' },
    };
    const items = await queryAll(this.client, narrowed(query, open));
    return items.map((i) => this.fromItem(i));
  }

  async *ofPeriodStart(accountId: string, periodStart: string): AsyncIterable<StoredInvoice[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(new QueryCommand({ ...this.periodQuery(accountId, periodStart), ExclusiveStartKey: start }));
      const items = (out.Items ?? []) as Item[];
      if (items.length) yield items.map((i) => this.fromItem(i));
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /** Every invoice of the account, newest period first: the period partitions named by its cycles, one after another. */
  private async listAll(accountId: string, page: PageRequest, narrowing: Narrowing | null): Promise<Page<StoredInvoice>> {
    const cycles = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.cycles(accountId) },
      ProjectionExpression: 'periodStart',
      ScanIndexForward: false,
    });
    const starts = [...new Set(cycles.map((c) => c.periodStart as string))];
    let position = decodeListCursor(page.cursor);
    const items: Item[] = [];
    const budget = readBudget(page, narrowing);
    let read = 0;
    while (position.start < starts.length && items.length < page.limit && read < budget) {
      const query = narrowed(this.periodQuery(accountId, starts[position.start]!), narrowing);
      const result = await this.readPartition(query, position.key, page.limit - items.length, budget - read);
      items.push(...result.items);
      read += result.read;
      position = result.next ? { start: position.start, key: result.next } : { start: position.start + 1 };
    }
    const more = position.start < starts.length;
    return { items: items.map((i) => this.fromItem(i)), next: more ? encodeCursor(position as unknown as Record<string, unknown>) : null };
  }

  /**
   * Up to `want` items of one partition from `cursor`, reading at most `budget` of them (a filter drops
   * some after they are read). `next` continues right after the last item answered, or after the last one
   * read when the budget ran out first; null when the partition is done.
   */
  private async readPartition(
    query: QueryCommandInput,
    cursor: string | undefined,
    want: number,
    budget: number,
  ): Promise<{ items: Item[]; next: string | null; read: number }> {
    const items: Item[] = [];
    let start = decodeCursor(cursor);
    let read = 0;
    do {
      const limit = query.FilterExpression ? Math.min(budget - read, Math.max(want, FILTERED_CHUNK)) : want - items.length;
      const out = await this.client.send(new QueryCommand({ ...query, Limit: limit, ExclusiveStartKey: start }));
      const found = (out.Items ?? []) as Item[];
      read += out.ScannedCount ?? found.length;
      const taken = found.slice(0, want - items.length);
      items.push(...taken);
      start = taken.length < found.length ? itemKey(taken[taken.length - 1]!, query.IndexName) : out.LastEvaluatedKey;
    } while (start && items.length < want && read < budget);
    return { items, next: start ? encodeCursor(start) : null, read };
  }

  private periodQuery(accountId: string, periodStart: string): QueryCommandInput {
    return {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.invoices(accountId, periodStart) },
      ConsistentRead: true,
    };
  }

  private key(accountId: string, id: string): { pk: string; sk: string } | null {
    const periodStart = periodStartOfInvoiceId(id);
    return periodStart ? { pk: keys.invoices(accountId, periodStart), sk: id } : null;
  }

  private toItem(accountId: string, invoice: StoredInvoice): Item {
    const { record } = invoice;
    return {
      pk: keys.invoices(accountId, record.periodStart),
      sk: record.id,
      gsi1pk: keys.customerInvoices(accountId, record.customer.code),
      gsi1sk: keys.customerInvoiceSort(record.periodStart, record.id),
      id: record.id,
      accountId,
      customer: record.customer.code,
      currency: record.currency,
      periodStart: record.periodStart,
      periodEnd: record.periodEnd,
      status: record.status,
      creditOf: record.creditOf,
      revision: invoice.revision,
      cycleId: invoice.cycleId,
      run: invoice.run,
      rowsDigest: invoice.rowsDigest,
      documents: invoice.documents,
      linesKey: invoice.linesKey,
      completion: invoice.completion,
      creditedBy: invoice.creditedBy,
      updatedAt: invoice.updatedAt,
      recordJson: JSON.stringify(record),
      ...(invoice.specRules ? { specRulesJson: JSON.stringify(invoice.specRules) } : {}),
    };
  }

  private fromItem(item: Item): StoredInvoice {
    return {
      record: json<InvoiceRecord>(item.recordJson)!,
      revision: Number(item.revision),
      cycleId: (item.cycleId as string | null | undefined) ?? null,
      run: item.run === null || item.run === undefined ? null : Number(item.run),
      rowsDigest: (item.rowsDigest as string | null | undefined) ?? null,
      documents: item.documents as StoredInvoice['documents'],
      linesKey: (item.linesKey as string | null | undefined) ?? null,
      completion: (item.completion as StoredInvoice['completion'] | undefined) ?? null,
      creditedBy: (item.creditedBy as string | null | undefined) ?? null,
      updatedAt: item.updatedAt as string,
      ...(typeof item.specRulesJson === 'string' ? { specRules: json<Record<string, SpecRule>>(item.specRulesJson)! } : {}),
    };
  }
}

function decodeListCursor(cursor: string | undefined): { start: number; key?: string } {
  if (!cursor) return { start: 0 };
  const position = decodeCursor(cursor) as { start?: unknown; key?: unknown } | undefined;
  if (position && Number.isInteger(position.start) && (position.key === undefined || typeof position.key === 'string')) {
    return { start: position.start as number, key: position.key as string | undefined };
  }
  throw new ValidationError('invalid cursor', ['cursor: not a cursor this API returned']);
}

/** The status and kind filters of a list, as a FilterExpression on the partition it reads. */
interface Narrowing {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** A filtered list reads at most this many invoices per request (and per query, at least this many). */
const FILTERED_READS = 1000;
const FILTERED_CHUNK = 100;

function statusAndKind(filter: InvoiceFilter): Narrowing | null {
  const terms: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.status) {
    terms.push('#status = :status');
    names['#status'] = 'status';
    values[':status'] = filter.status;
  }
  if (filter.kind) {
    // A credit note is the invoice with a creditOf; an invoice has it null (or not at all).
    terms.push(filter.kind === 'credit-note' ? 'attribute_type(creditOf, :string)' : 'NOT attribute_type(creditOf, :string)');
    values[':string'] = 'S';
  }
  return terms.length ? { expression: terms.join(' AND '), names, values } : null;
}

function narrowed(query: QueryCommandInput, narrowing: Narrowing | null): QueryCommandInput {
  if (!narrowing) return query;
  const names = { ...query.ExpressionAttributeNames, ...narrowing.names };
  return {
    ...query,
    FilterExpression: narrowing.expression,
    // DynamoDB refuses an empty ExpressionAttributeNames
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ...narrowing.values },
  };
}

function readBudget(page: PageRequest, narrowing: Narrowing | null): number {
  return narrowing ? Math.max(page.limit, FILTERED_READS) : page.limit;
}

/** The key a query goes on from after `item`: the table's key, plus gsi1's when it reads gsi1. */
function itemKey(item: Item, indexName: string | undefined): Record<string, unknown> {
  const key: Record<string, unknown> = { pk: item.pk, sk: item.sk };
  if (indexName === GSI1) Object.assign(key, { gsi1pk: item.gsi1pk, gsi1sk: item.gsi1sk });
  return key;
}

/** A customer none of whose drafts was written under a ledger: it has none with subscription lines (SubscriberLedger.complete). */
const NO_LEDGER: SubscriberLedger = { version: 0, invoiceIds: [], complete: true };

function ledgerOf(item: Item): SubscriberLedger {
  return {
    version: Number(item.version),
    invoiceIds: [...((item.invoiceIds as Set<string> | undefined) ?? [])].sort(),
    complete: item.complete === true,
  };
}
