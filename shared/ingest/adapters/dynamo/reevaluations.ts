import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../storage/keys';
import type { ReevaluationRecord, ReevaluationStore } from '../../ports';
import { conditionHeld, isConditionFailure, staleOpenWork, type Item } from '../../../storage/table';

/** The open-work kind of re-evaluations: open records carry gsi1 `OPENWORK#REEVALUATION` on their own item. */
const OPEN = 'REEVALUATION';
/** Finished records stay readable for this long, then the table's TTL removes them. */
const FINISHED_TTL_SECONDS = 90 * 24 * 3600;
const OPEN_NOW = '#status IN (:planned, :running)';

/**
 * Re-evaluation records, `ACCOUNT#<a>#REEVALUATION` / `<id>`: one small item per re-evaluation, written before
 * its first message. Finished parts are a number set (`ADD finished :part`, so a redelivered part counts
 * once); while the record is open its heartbeat is its gsi1 sort key, so "no progress since T" is one
 * range query of the open-work partition.
 */
export class DynamoReevaluationStore implements ReevaluationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  create(record: ReevaluationRecord): Promise<boolean> {
    return conditionHeld(
      this.client.send(new PutCommand({ TableName: this.table, Item: this.toItem(record), ConditionExpression: 'attribute_not_exists(pk)' })),
    );
  }

  async countStarted(accountId: string, n: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.reevaluationCount(accountId),
        UpdateExpression: 'ADD started :n',
        ExpressionAttributeValues: { ':n': n },
      }),
    );
  }

  async started(accountId: string): Promise<number> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.reevaluationCount(accountId), ConsistentRead: true }));
    return Number(out.Item?.started ?? 0);
  }

  async get(accountId: string, id: string): Promise<ReevaluationRecord | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(accountId, id), ConsistentRead: true }));
    return out.Item ? this.fromItem(out.Item) : null;
  }

  beat(accountId: string, id: string, attempt: number, at: string): Promise<boolean> {
    return conditionHeld(this.client.send(new UpdateCommand(this.progress(accountId, id, attempt, at, 'SET heartbeatAt = :at, gsi1sk = :sort'))));
  }

  planned(accountId: string, id: string, attempt: number, parts: number, at: string): Promise<ReevaluationRecord | null> {
    const update = this.progress(accountId, id, attempt, at, 'SET heartbeatAt = :at, gsi1sk = :sort, parts = :parts, #status = :running');
    update.ConditionExpression = 'attempt = :attempt AND #status = :planned';
    update.ExpressionAttributeValues = { ...update.ExpressionAttributeValues, ':parts': parts };
    return this.updated(update);
  }

  partDone(accountId: string, id: string, attempt: number, part: number, at: string): Promise<ReevaluationRecord | null> {
    const update = this.progress(accountId, id, attempt, at, 'SET heartbeatAt = :at, gsi1sk = :sort ADD finished :part');
    update.ExpressionAttributeValues = { ...update.ExpressionAttributeValues, ':part': new Set([part]) };
    return this.updated(update);
  }

  complete(accountId: string, id: string, attempt: number, at: string): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId, id),
          UpdateExpression: 'SET #status = :done, completedAt = :at, heartbeatAt = :at, expiresAt = :expires REMOVE gsi1pk, gsi1sk',
          ConditionExpression: `attempt = :attempt AND ${OPEN_NOW}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':attempt': attempt,
            ':planned': 'planned',
            ':running': 'running',
            ':done': 'done',
            ':at': at,
            ':expires': expiry(at),
          },
        }),
      ),
    );
  }

  async *openWork(before: string): AsyncIterable<ReevaluationRecord[]> {
    for await (const items of staleOpenWork(this.client, this.table, OPEN, before)) yield items.map((i) => this.fromItem(i));
  }

  redrive(record: ReevaluationRecord, at: string): Promise<ReevaluationRecord | null> {
    return this.updated({
      TableName: this.table,
      Key: this.key(record.accountId, record.id),
      UpdateExpression: 'SET attempt = :next, #status = :planned, heartbeatAt = :at, gsi1sk = :sort, resumes = resumes + :one REMOVE parts, finished',
      ConditionExpression: `attempt = :attempt AND heartbeatAt = :seen AND ${OPEN_NOW}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':attempt': record.attempt,
        ':next': record.attempt + 1,
        ':seen': record.heartbeatAt,
        ':planned': 'planned',
        ':running': 'running',
        ':at': at,
        ':one': 1,
        ':sort': keys.openWorkSort(at, record.accountId, record.id),
      },
    });
  }

  fail(record: ReevaluationRecord, reason: string, at: string): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(record.accountId, record.id),
          UpdateExpression: 'SET #status = :failed, reason = :reason, completedAt = :at, expiresAt = :expires REMOVE gsi1pk, gsi1sk',
          ConditionExpression: `attempt = :attempt AND heartbeatAt = :seen AND ${OPEN_NOW}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':attempt': record.attempt,
            ':seen': record.heartbeatAt,
            ':planned': 'planned',
            ':running': 'running',
            ':failed': 'failed',
            ':reason': reason,
            ':at': at,
            ':expires': expiry(at),
          },
        }),
      ),
    );
  }

  async noteError(accountId: string, id: string, error: string): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId, id),
          UpdateExpression: 'SET lastError = :error',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':error': error },
        }),
      ),
    );
  }

  private key(accountId: string, id: string) {
    return { pk: keys.reevaluations(accountId), sk: id };
  }

  /** An update of an open attempt that also moves its heartbeat (and its place in the open-work index). */
  private progress(accountId: string, id: string, attempt: number, at: string, expression: string): UpdateCommandInput {
    return {
      TableName: this.table,
      Key: this.key(accountId, id),
      UpdateExpression: expression,
      ConditionExpression: `attempt = :attempt AND ${OPEN_NOW}`,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':attempt': attempt,
        ':planned': 'planned',
        ':running': 'running',
        ':at': at,
        ':sort': keys.openWorkSort(at, accountId, id),
      },
    };
  }

  private async updated(input: UpdateCommandInput): Promise<ReevaluationRecord | null> {
    try {
      const out = await this.client.send(new UpdateCommand({ ...input, ReturnValues: 'ALL_NEW' }));
      return this.fromItem(out.Attributes as Item);
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  private toItem(record: ReevaluationRecord): Item {
    const open = record.status === 'planned' || record.status === 'running';
    const { finished, ...rest } = record;
    return {
      ...this.key(record.accountId, record.id),
      ...rest,
      // an empty set cannot be stored: a record without finished parts has no attribute
      ...(finished.length ? { finished: new Set(finished) } : {}),
      ...(open
        ? { gsi1pk: keys.openWork(OPEN), gsi1sk: keys.openWorkSort(record.heartbeatAt, record.accountId, record.id) }
        : { expiresAt: expiry(record.completedAt ?? record.heartbeatAt) }),
    };
  }

  private fromItem(item: Item): ReevaluationRecord {
    const finished = item.finished as Set<number> | undefined;
    return {
      accountId: item.accountId as string,
      id: item.id as string,
      work: item.work as ReevaluationRecord['work'],
      status: item.status as ReevaluationRecord['status'],
      attempt: Number(item.attempt),
      parts: item.parts === undefined || item.parts === null ? null : Number(item.parts),
      finished: finished ? [...finished].map(Number).sort((a, b) => a - b) : [],
      createdAt: item.createdAt as string,
      heartbeatAt: item.heartbeatAt as string,
      completedAt: (item.completedAt as string | undefined) ?? null,
      resumes: Number(item.resumes ?? 0),
      reason: (item.reason as string | undefined) ?? null,
      lastError: (item.lastError as string | undefined) ?? null,
    };
  }
}

function expiry(at: string): number {
  return Math.floor(Date.parse(at) / 1000) + FINISHED_TTL_SECONDS;
}
