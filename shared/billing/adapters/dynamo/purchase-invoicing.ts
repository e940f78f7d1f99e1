import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../storage/keys';
import type { PurchaseInvoicing } from '../../ports';
import { conditionFailureItem, isConditionFailure, type Item } from '../../../storage/table';

/** The invoicing writes on purchase items: single-attribute updates under conditions, never a full replace. */
export class DynamoPurchaseInvoicing implements PurchaseInvoicing {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async complete(accountId: string, reference: string, invoiceId: string, expectedVersion: number, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.purchase(accountId, reference),
          UpdateExpression: 'SET #status = :completed, invoice = :invoice, #version = #version + :one, updatedAt = :at',
          // as collected for the draft; or put on it by a cycle that still marked purchases (`rated`: re-rated since)
          ConditionExpression: '(#version = :expected AND #status = :rated) OR (invoice = :invoice AND #status IN (:invoiced, :rated))',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':one': 1,
            ':at': at,
            ':invoice': invoiceId,
            ':expected': expectedVersion,
            ':invoiced': 'invoiced',
            ':rated': 'rated',
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = conditionFailureItem(error) ?? (await this.read(accountId, reference));
      return current?.status === 'completed' && current.invoice === invoiceId;
    }
  }

  /** The stored item, read consistently: DynamoDB Local does not return it with a failed condition. */
  private async read(accountId: string, reference: string): Promise<Item | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.purchase(accountId, reference), ConsistentRead: true }));
    return (out.Item as Item | undefined) ?? null;
  }

  async reopen(accountId: string, reference: string, invoiceId: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.purchase(accountId, reference),
          UpdateExpression: 'SET #status = :rated, invoice = :none, #version = #version + :one, updatedAt = :at',
          ConditionExpression: 'invoice = :invoice AND #status IN (:completed, :invoiced, :rated)',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':rated': 'rated',
            ':none': null,
            ':one': 1,
            ':at': at,
            ':invoice': invoiceId,
            ':completed': 'completed',
            ':invoiced': 'invoiced',
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }
}
