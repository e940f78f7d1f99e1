import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../storage/keys';
import type { BillingSchedule, ScheduleStore } from '../../ports';

const isCancelled = (error: unknown) => (error as { name?: string })?.name === 'TransactionCanceledException';

/**
 * An account's billing day, and one index partition per day of the month listing the accounts billed
 * that day (what the daily scheduler reads: a query, never a Scan). Both change in one transaction.
 */
export class DynamoScheduleStore implements ScheduleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(accountId: string): Promise<BillingSchedule | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.billingSchedule(accountId), ConsistentRead: true }));
    if (!out.Item) return null;
    const day = out.Item.dayOfMonth;
    return { dayOfMonth: day === 'customers' ? 'customers' : Number(day), updatedAt: out.Item.updatedAt as string };
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

  async *accountsOnDay(dayOfMonth: number | 'customers'): AsyncIterable<string[]> {
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
