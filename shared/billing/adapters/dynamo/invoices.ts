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
import { GSI1, keys } from '../../../storage/keys';
import type { InvoiceFilter, InvoiceSequence, InvoiceStore, NumberedSave, StoredInvoice } from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { batchGet, conditionHeld, decodeCursor, encodeCursor, queryAll, queryPage, type Item } from '../../../storage/table';
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
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

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
    if (filter.customer) {
      const result = await queryPage(
        this.client,
        {
          TableName: this.table,
          IndexName: GSI1,
          KeyConditionExpression: filter.periodStart ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
          ExpressionAttributeValues: {
            ':pk': keys.customerInvoices(accountId, filter.customer),
            ...(filter.periodStart ? { ':prefix': keys.customerInvoiceSort(filter.periodStart) } : {}),
          },
          ScanIndexForward: false,
        },
        page,
      );
      return { items: result.items.map((i) => this.fromItem(i)), next: result.next };
    }
    if (filter.periodStart) {
      const result = await queryPage(this.client, this.periodQuery(accountId, filter.periodStart), page);
      return { items: result.items.map((i) => this.fromItem(i)), next: result.next };
    }
    return this.listAll(accountId, page);
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
  private async listAll(accountId: string, page: PageRequest): Promise<Page<StoredInvoice>> {
    const cycles = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.cycles(accountId) },
      ProjectionExpression: 'periodStart',
      ScanIndexForward: false,
    });
    const starts = [...new Set(cycles.map((c) => c.periodStart as string))];
    let position = decodeListCursor(page.cursor);
    const items: StoredInvoice[] = [];
    while (position && position.start < starts.length && items.length < page.limit) {
      const result = await queryPage(this.client, this.periodQuery(accountId, starts[position.start]!), {
        limit: page.limit - items.length,
        cursor: position.key,
      });
      items.push(...result.items.map((i) => this.fromItem(i)));
      position = result.next ? { start: position.start, key: result.next } : { start: position.start + 1 };
    }
    const more = position !== null && position.start < starts.length;
    return { items, next: more ? encodeCursor(position as unknown as Record<string, unknown>) : null };
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
