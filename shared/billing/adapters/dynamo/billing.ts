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
import type { InvoiceRecord } from '../../domain/invoice';
import type { WireCycleReport } from '../../domain/report';
import { GSI1, keys } from '../../../storage/keys';
import type { BillingSchedule, CyclePlan, CycleRecord, CycleStore, ExportRecord, ExportStore, InvoiceFilter, InvoiceStore, MarkOutcome, OpenCycle, PartialReport, PurchaseInvoicing, ScheduleStore, StoredInvoice } from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { batchGet, conditionFailureItem, conditionHeld, decodeCursor, encodeCursor, isConditionFailure, queryAll, queryPage, staleOpenWork, type Item } from '../../../storage/table';

/** Partial reports outlive their run by this long (for troubleshooting a failed run), then expire. */
const PARTIAL_REPORT_TTL_SECONDS = 30 * 24 * 3600;

const isCancelled = (error: unknown) => (error as { name?: string })?.name === 'TransactionCanceledException';

/** The open-work kind of running cycles (keys.openWork): their own item carries the index keys. */
const OPEN_CYCLES = 'CYCLE';

/** What every progress write of a running cycle sets: heartbeat now, resumes back to 0 (':at', ':sort', ':zero'). */
const PROGRESS = 'heartbeatAt = :at, gsi1sk = :sort, resumes = :zero';
function progress(accountId: string, cycleId: string) {
  const at = new Date().toISOString();
  return { ':at': at, ':sort': keys.openWorkSort(at, accountId, cycleId), ':zero': 0 };
}

/** String sets come back as Set<string>; an empty set is never stored (DynamoDB has none). */
function numbers(set: unknown): number[] {
  if (!(set instanceof Set) && !Array.isArray(set)) return [];
  return [...(set as Iterable<string>)].map(Number).sort((a, b) => a - b);
}

const json = <T>(text: unknown): T | null => (typeof text === 'string' ? (JSON.parse(text) as T) : null);

// -------------------------------------------------------------------------------------------- cycles

/**
 * Billing cycles, one partition per account (a handful of writes per cycle step), and the partial reports
 * of each run in a partition per cycle. The done sets are string sets grown with `ADD`, so a redelivered
 * step never counts twice and exactly one writer sees a set become complete.
 */
export class DynamoCycleStore implements CycleStore {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly table: string) {}

  async create(cycle: CycleRecord): Promise<{ created: boolean; cycle: CycleRecord }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(cycle),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, cycle };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = conditionFailureItem(error) ?? (await this.getItem(cycle.accountId, cycle.id));
      if (!existing) throw error;
      return { created: false, cycle: this.fromItem(existing) };
    }
  }

  async get(accountId: string, cycleId: string): Promise<CycleRecord | null> {
    const item = await this.getItem(accountId, cycleId);
    return item ? this.fromItem(item) : null;
  }

  async list(accountId: string, page: PageRequest): Promise<Page<CycleRecord>> {
    const result = await queryPage(
      this.client,
      { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.cycles(accountId) }, ScanIndexForward: false },
      page,
    );
    return { items: result.items.map((i) => this.fromItem(i)), next: result.next };
  }

  async startingBetween(accountId: string, from: string, to: string): Promise<CycleRecord[]> {
    // ids are cyc_<yyyymmdd start>_…: `cyc_<to>` sorts before every id of a period starting on `to`
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': keys.cycles(accountId), ':from': `cyc_${from.replaceAll('-', '')}_`, ':to': `cyc_${to.replaceAll('-', '')}` },
      ConsistentRead: true,
    });
    return items.map((i) => this.fromItem(i));
  }

  async restart(accountId: string, cycleId: string, at: string): Promise<CycleRecord | null> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.cycles(accountId), sk: cycleId },
          UpdateExpression:
            'SET #run = #run + :one, #status = :running, startedAt = :at, heartbeatAt = :at, resumes = :zero, gsi1pk = :open, gsi1sk = :sort ' +
            'REMOVE #plan, #collected, #invoiced, reportJson, completedAt, lastError',
          ConditionExpression: 'attribute_exists(pk) AND #status <> :running',
          ExpressionAttributeNames: { '#run': 'run', '#status': 'status', '#plan': 'plan', '#collected': 'collected', '#invoiced': 'invoiced' },
          ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':running': 'running', ':at': at, ':open': keys.openWork(OPEN_CYCLES), ':sort': keys.openWorkSort(at, accountId, cycleId) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.fromItem(out.Attributes as Item);
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  async setPlan(accountId: string, cycleId: string, run: number, plan: CyclePlan): Promise<CycleRecord | null> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.cycles(accountId), sk: cycleId },
          UpdateExpression: `SET #plan = :plan, ${PROGRESS}`,
          ConditionExpression: '#run = :run AND #status = :running AND attribute_not_exists(#plan)',
          ExpressionAttributeNames: { '#run': 'run', '#status': 'status', '#plan': 'plan' },
          ExpressionAttributeValues: { ':run': run, ':running': 'running', ':plan': plan, ...progress(accountId, cycleId) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.fromItem(out.Attributes as Item);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.get(accountId, cycleId);
      return current && current.run === run && current.status === 'running' ? current : null;
    }
  }

  async putPartial(accountId: string, cycleId: string, run: number, partial: PartialReport): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: keys.cycleParts(accountId, cycleId),
            sk: keys.cyclePartSort(run, partial.kind, partial.index),
            kind: partial.kind,
            index: partial.index,
            reportJson: JSON.stringify(partial.report),
            invoiceIdsJson: JSON.stringify(partial.invoiceIds),
            // needed until the run is merged; the table's TTL removes them (and those of earlier runs) later
            expiresAt: Math.floor(Date.now() / 1000) + PARTIAL_REPORT_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // a redelivery: the first report stands
    }
  }

  async partials(accountId: string, cycleId: string, run: number): Promise<PartialReport[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
      ExpressionAttributeValues: { ':pk': keys.cycleParts(accountId, cycleId), ':run': keys.cyclePartSort(run) },
      ConsistentRead: true,
    });
    return items.map((i) => ({
      kind: i.kind as PartialReport['kind'],
      index: Number(i.index),
      report: json<WireCycleReport>(i.reportJson)!,
      invoiceIds: json<string[]>(i.invoiceIdsJson) ?? [],
    }));
  }

  async markDone(accountId: string, cycleId: string, run: number, kind: 'collected' | 'invoiced', index: number): Promise<CycleRecord | null> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.cycles(accountId), sk: cycleId },
          UpdateExpression: `ADD #done :member SET ${PROGRESS}`,
          ConditionExpression: '#run = :run AND #status = :running',
          ExpressionAttributeNames: { '#done': kind, '#run': 'run', '#status': 'status' },
          ExpressionAttributeValues: { ':member': new Set([String(index)]), ':run': run, ':running': 'running', ...progress(accountId, cycleId) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.fromItem(out.Attributes as Item);
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  async finish(accountId: string, cycleId: string, run: number, status: 'completed' | 'failed', report: WireCycleReport | null, at: string): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.cycles(accountId), sk: cycleId },
          // the run leaves the open-work index with its last write
          UpdateExpression: 'SET #status = :status, reportJson = :report, completedAt = :at REMOVE gsi1pk, gsi1sk',
          ConditionExpression: '#run = :run AND #status = :running',
          ExpressionAttributeNames: { '#run': 'run', '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':report': JSON.stringify(report), ':at': at, ':run': run, ':running': 'running' },
        }),
      ),
    );
  }

  beat(accountId: string, cycleId: string, run: number, at: string): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.cycles(accountId), sk: cycleId },
          UpdateExpression: 'SET heartbeatAt = :at, gsi1sk = :sort',
          ConditionExpression: '#run = :run AND #status = :running',
          ExpressionAttributeNames: { '#run': 'run', '#status': 'status' },
          ExpressionAttributeValues: { ':at': at, ':sort': keys.openWorkSort(at, accountId, cycleId), ':run': run, ':running': 'running' },
        }),
      ),
    );
  }

  async noteError(accountId: string, cycleId: string, run: number, error: string): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.cycles(accountId), sk: cycleId },
          UpdateExpression: 'SET lastError = :error',
          ConditionExpression: '#run = :run AND #status = :running',
          ExpressionAttributeNames: { '#run': 'run', '#status': 'status' },
          ExpressionAttributeValues: { ':error': error, ':run': run, ':running': 'running' },
        }),
      ),
    );
  }

  resumed(accountId: string, cycleId: string, run: number, seenHeartbeatAt: string | null, at: string): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.cycles(accountId), sk: cycleId },
          // the resume's time is the new heartbeat: the next resume waits out the (longer) patience again
          UpdateExpression: 'SET heartbeatAt = :at, gsi1sk = :sort, resumes = if_not_exists(resumes, :zero) + :one',
          ConditionExpression: `#run = :run AND #status = :running AND ${seenHeartbeatAt === null ? 'attribute_not_exists(heartbeatAt)' : 'heartbeatAt = :seen'}`,
          ExpressionAttributeNames: { '#run': 'run', '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': at,
            ':sort': keys.openWorkSort(at, accountId, cycleId),
            ':zero': 0,
            ':one': 1,
            ':run': run,
            ':running': 'running',
            ...(seenHeartbeatAt === null ? {} : { ':seen': seenHeartbeatAt }),
          },
        }),
      ),
    );
  }

  async *stale(before: string): AsyncIterable<OpenCycle[]> {
    for await (const items of staleOpenWork(this.client, this.table, OPEN_CYCLES, before, 'accountId, id, heartbeatAt')) {
      yield items.map((i) => ({ accountId: i.accountId as string, cycleId: i.id as string, heartbeatAt: i.heartbeatAt as string }));
    }
  }

  private async getItem(accountId: string, cycleId: string): Promise<Item | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: keys.cycles(accountId), sk: cycleId }, ConsistentRead: true }));
    return (out.Item as Item | undefined) ?? null;
  }

  private toItem(cycle: CycleRecord): Item {
    const { collected, invoiced, report, lastError, ...rest } = cycle;
    const item: Item = { ...rest, pk: keys.cycles(cycle.accountId), sk: cycle.id };
    if (collected.length) item.collected = new Set(collected.map(String));
    if (invoiced.length) item.invoiced = new Set(invoiced.map(String));
    if (report) item.reportJson = JSON.stringify(report);
    if (lastError) item.lastError = lastError;
    if (item.plan === null) delete item.plan;
    if (item.heartbeatAt === null) delete item.heartbeatAt;
    if (cycle.status === 'running') {
      item.gsi1pk = keys.openWork(OPEN_CYCLES);
      item.gsi1sk = keys.openWorkSort(cycle.heartbeatAt ?? cycle.startedAt, cycle.accountId, cycle.id);
    }
    return item;
  }

  private fromItem(item: Item): CycleRecord {
    return {
      id: item.id as string,
      accountId: item.accountId as string,
      periodStart: item.periodStart as string,
      periodEnd: item.periodEnd as string,
      status: item.status as CycleRecord['status'],
      run: Number(item.run),
      startedAt: item.startedAt as string,
      completedAt: (item.completedAt as string | undefined) ?? null,
      plan: (item.plan as CyclePlan | undefined) ?? null,
      collected: numbers(item.collected),
      invoiced: numbers(item.invoiced),
      report: json<WireCycleReport>(item.reportJson),
      heartbeatAt: (item.heartbeatAt as string | undefined) ?? null,
      resumes: Number(item.resumes ?? 0),
      lastError: (item.lastError as string | undefined) ?? null,
    };
  }
}

// ------------------------------------------------------------------------------------------ invoices

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
  constructor(private readonly client: DynamoDBDocumentClient, private readonly table: string) {}

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
          ConditionExpression: '#status = :approved AND (attribute_not_exists(creditedBy) OR attribute_type(creditedBy, :null))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':cn': creditNoteId, ':approved': 'approved', ':null': 'NULL' },
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
    return { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.invoices(accountId, periodStart) }, ConsistentRead: true };
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

// ----------------------------------------------------------------------------------------- purchases

/** The invoicing writes on purchase items: single-attribute updates under conditions, never a full replace. */
export class DynamoPurchaseInvoicing implements PurchaseInvoicing {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly table: string) {}

  async markInvoiced(accountId: string, reference: string, invoiceId: string, expectedVersion: number, at: string): Promise<MarkOutcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.purchase(accountId, reference),
          UpdateExpression: 'SET #status = :invoiced, invoice = :invoice, #version = #version + :one, updatedAt = :at',
          ConditionExpression: '#version = :expected AND #status <> :completed',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: { ':invoiced': 'invoiced', ':invoice': invoiceId, ':one': 1, ':at': at, ':expected': expectedVersion, ':completed': 'completed' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'marked';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = conditionFailureItem(error);
      return current?.status === 'invoiced' && current.invoice === invoiceId ? 'already' : 'changed';
    }
  }

  async complete(accountId: string, reference: string, invoiceId: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.purchase(accountId, reference),
          UpdateExpression: 'SET #status = :completed, #version = #version + :one, updatedAt = :at',
          // `rated` with this invoice: re-rated after the draft was built, still on it until regenerated
          ConditionExpression: 'invoice = :invoice AND #status IN (:invoiced, :rated)',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: { ':completed': 'completed', ':one': 1, ':at': at, ':invoice': invoiceId, ':invoiced': 'invoiced', ':rated': 'rated' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = conditionFailureItem(error);
      return current?.status === 'completed' && current.invoice === invoiceId;
    }
  }
}

// ----------------------------------------------------------------------------------------- schedules

/**
 * An account's billing day, and one index partition per day of the month listing the accounts billed
 * that day (what the daily scheduler reads: a query, never a Scan). Both change in one transaction.
 */
export class DynamoScheduleStore implements ScheduleStore {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly table: string) {}

  async get(accountId: string): Promise<BillingSchedule | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.billingSchedule(accountId), ConsistentRead: true }));
    return out.Item ? { dayOfMonth: Number(out.Item.dayOfMonth), updatedAt: out.Item.updatedAt as string } : null;
  }

  async put(accountId: string, schedule: BillingSchedule, previous: BillingSchedule | null): Promise<boolean> {
    const moved = previous !== null && previous.dayOfMonth !== schedule.dayOfMonth;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.billingSchedule(accountId), accountId, ...schedule },
                ...(previous
                  ? { ConditionExpression: 'updatedAt = :previous', ExpressionAttributeValues: { ':previous': previous.updatedAt } }
                  : { ConditionExpression: 'attribute_not_exists(pk)' }),
              },
            },
            { Put: { TableName: this.table, Item: { pk: keys.billingScheduleDay(schedule.dayOfMonth), sk: accountId, accountId } } },
            ...(moved ? [{ Delete: { TableName: this.table, Key: { pk: keys.billingScheduleDay(previous.dayOfMonth), sk: accountId } } }] : []),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isCancelled(error)) return false;
      throw error;
    }
  }

  async delete(accountId: string, previous: BillingSchedule): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: keys.billingSchedule(accountId),
                ConditionExpression: 'updatedAt = :previous',
                ExpressionAttributeValues: { ':previous': previous.updatedAt },
              },
            },
            { Delete: { TableName: this.table, Key: { pk: keys.billingScheduleDay(previous.dayOfMonth), sk: accountId } } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isCancelled(error)) return false;
      throw error;
    }
  }

  async *accountsOnDay(dayOfMonth: number): AsyncIterable<string[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.billingScheduleDay(dayOfMonth) },
          ProjectionExpression: 'sk',
          ExclusiveStartKey: start,
        }),
      );
      const accounts = (out.Items ?? []).map((i) => i.sk as string);
      if (accounts.length) yield accounts;
      start = out.LastEvaluatedKey;
    } while (start);
  }
}

// ------------------------------------------------------------------------------------------- exports

/** Export records, one partition per account. */
export class DynamoExportStore implements ExportStore {
  constructor(private readonly client: DynamoDBDocumentClient, private readonly table: string) {}

  async create(record: ExportRecord): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { ...record, pk: keys.exports(record.accountId), sk: record.id }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async get(accountId: string, id: string): Promise<ExportRecord | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: keys.exports(accountId), sk: id }, ConsistentRead: true }));
    if (!out.Item) return null;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    return record as ExportRecord;
  }

  async finish(accountId: string, id: string, outcome: Pick<ExportRecord, 'status' | 'rows' | 'error' | 'completedAt'>): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: keys.exports(accountId), sk: id },
          UpdateExpression: 'SET #status = :status, #rows = :rows, #error = :error, completedAt = :at',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#rows': 'rows', '#error': 'error' },
          ExpressionAttributeValues: { ':status': outcome.status, ':rows': outcome.rows, ':error': outcome.error, ':at': outcome.completedAt, ':running': 'running' },
        }),
      ),
    );
  }
}
