import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WireCycleReport } from '../../domain/report';
import { keys } from '../../../storage/keys';
import type { CyclePlan, CycleRecord, CycleStore, OpenCycle, PartialReport } from '../../ports';
import type { Page, PageRequest } from '../../../kernel/page';
import { conditionFailureItem, conditionHeld, isConditionFailure, queryAll, queryPage, staleOpenWork, type Item } from '../../../storage/table';
import { json } from './items';

/** Partial reports outlive their run by this long (for troubleshooting a failed run), then expire. */
const PARTIAL_REPORT_TTL_SECONDS = 30 * 24 * 3600;

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

/**
 * Billing cycles, one partition per account (a handful of writes per cycle step), and the partial reports
 * of each run in a partition per cycle. The done sets are string sets grown with `ADD`, so a redelivered
 * step never counts twice and exactly one writer sees a set become complete.
 */
export class DynamoCycleStore implements CycleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

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
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.cycles(accountId) },
        ScanIndexForward: false,
      },
      page,
    );
    return { items: result.items.map((i) => this.fromItem(i)), next: result.next };
  }

  async startingBetween(accountId: string, from: string, to: string): Promise<CycleRecord[]> {
    // ids are cyc_<yyyymmdd start>_…: `cyc_<to>` sorts before every id of a period starting on `to`
    const items = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keys.cycles(accountId),
        ':from': `cyc_${from.replaceAll('-', '')}_`,
        ':to': `cyc_${to.replaceAll('-', '')}`,
      },
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
          ExpressionAttributeValues: {
            ':one': 1,
            ':zero': 0,
            ':running': 'running',
            ':at': at,
            ':open': keys.openWork(OPEN_CYCLES),
            ':sort': keys.openWorkSort(at, accountId, cycleId),
          },
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

  async finish(
    accountId: string,
    cycleId: string,
    run: number,
    status: 'completed' | 'failed',
    report: WireCycleReport | null,
    at: string,
  ): Promise<boolean> {
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
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: keys.cycles(accountId), sk: cycleId }, ConsistentRead: true }),
    );
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
