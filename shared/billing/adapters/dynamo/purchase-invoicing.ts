import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../storage/keys';
import type { MarkOutcome, PurchaseInvoicing } from '../../ports';
import { conditionFailureItem, isConditionFailure } from '../../../storage/table';

/** The invoicing writes on purchase items: single-attribute updates under conditions, never a full replace. */
export class DynamoPurchaseInvoicing implements PurchaseInvoicing {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async markInvoiced(accountId: string, reference: string, invoiceId: string, expectedVersion: number, at: string): Promise<MarkOutcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.purchase(accountId, reference),
          UpdateExpression: 'SET #status = :invoiced, invoice = :invoice, #version = #version + :one, updatedAt = :at',
          ConditionExpression: '#version = :expected AND #status <> :completed',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: {
            ':invoiced': 'invoiced',
            ':invoice': invoiceId,
            ':one': 1,
            ':at': at,
            ':expected': expectedVersion,
            ':completed': 'completed',
          },
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
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':one': 1,
            ':at': at,
            ':invoice': invoiceId,
            ':invoiced': 'invoiced',
            ':rated': 'rated',
          },
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
