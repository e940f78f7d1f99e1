import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mapLimit } from '../../../kernel/concurrency';
import { keys } from '../../../storage/keys';
import type { MarkOutcome, PurchaseInvoicing, PurchaseMark } from '../../ports';
import { batchGet, conditionFailureItem, isConditionFailure, sleep, type Item } from '../../../storage/table';

/** Marks per TransactWriteItems call (DynamoDB's limit). */
const TRANSACTION_ITEMS = 100;
/** Transactions of one markInvoicedMany in flight at once. */
const TRANSACTIONS_IN_FLIGHT = 4;
/** A transaction cancelled for its neighbours' sake (or a conflict) is sent again this often, then its marks go one by one. */
const TRANSACTION_ROUNDS = 4;
/** Cancellation reasons that say nothing about the item itself: the transaction is simply sent again. */
const NEIGHBOUR = 'None';

/** The invoicing writes on purchase items: single-attribute updates under conditions, never a full replace. */
export class DynamoPurchaseInvoicing implements PurchaseInvoicing {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async markInvoiced(accountId: string, reference: string, invoiceId: string, expectedVersion: number, at: string): Promise<MarkOutcome> {
    try {
      await this.client.send(new UpdateCommand(this.markUpdate(accountId, { reference, invoiceId, expectedVersion }, at)));
      return 'marked';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return refusal(invoiceId, conditionFailureItem(error));
    }
  }

  /**
   * The marks in transactions of 100 updates (TransactWriteItems), each under the same condition as
   * `markInvoiced`: one request per hundred purchases. DynamoDB Local commits a transaction at once, so
   * locally this is several times the rate of single updates; on AWS a transactional write costs twice
   * the units of a single one. A refused condition cancels its transaction and names the purchase
   * (with the stored item, `ALL_OLD`); the others are sent again without it. A purchase refused without
   * its item (gone, or an engine that omits it) is read once, consistently. Transactions cancelled
   * for a passing reason (a conflict with another writer, throttling) are sent again, at last one by one.
   */
  async markInvoicedMany(accountId: string, marks: readonly PurchaseMark[], at: string): Promise<MarkOutcome[]> {
    const outcomes = new Array<MarkOutcome | undefined>(marks.length);
    const firstOf = new Map<string, number>();
    const unique: number[] = [];
    for (let i = 0; i < marks.length; i++) {
      if (firstOf.has(marks[i].reference)) continue;
      firstOf.set(marks[i].reference, i);
      unique.push(i);
    }
    const groups: number[][] = [];
    for (let i = 0; i < unique.length; i += TRANSACTION_ITEMS) groups.push(unique.slice(i, i + TRANSACTION_ITEMS));
    const unread: number[] = [];
    await mapLimit(groups, TRANSACTIONS_IN_FLIGHT, async (group) => {
      let pending = group;
      for (let round = 0; pending.length > 1 && round < TRANSACTION_ROUNDS; round++) {
        const { again, passing } = await this.transact(accountId, marks, pending, at, outcomes, unread);
        pending = again;
        if (passing && pending.length) await sleep(25 * 2 ** round);
      }
      for (const i of pending) {
        const { reference, invoiceId, expectedVersion } = marks[i];
        outcomes[i] = await this.markInvoiced(accountId, reference, invoiceId, expectedVersion, at);
      }
    });
    if (unread.length) {
      const items = await batchGet(
        this.client,
        this.table,
        unread.map((i) => keys.purchase(accountId, marks[i].reference)),
        { consistent: true },
      );
      const byReference = new Map(items.map((item) => [String(item.reference), item]));
      for (const i of unread) outcomes[i] = refusal(marks[i].invoiceId, byReference.get(marks[i].reference) ?? null);
    }
    // a reference named again answers as its first mark did when it names the same invoice; it cannot be on another
    return marks.map((mark, i) => {
      const first = firstOf.get(mark.reference)!;
      if (first === i) return outcomes[i]!;
      return mark.invoiceId === marks[first].invoiceId ? outcomes[first]! : 'changed';
    });
  }

  /** One transaction of marks; returns the marks to send again, and whether a passing reason (not a neighbour) cancelled it. */
  private async transact(
    accountId: string,
    marks: readonly PurchaseMark[],
    pending: readonly number[],
    at: string,
    outcomes: (MarkOutcome | undefined)[],
    unread: number[],
  ): Promise<{ again: number[]; passing: boolean }> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: pending.map((i) => ({ Update: this.markUpdate(accountId, marks[i], at) })) }));
      for (const i of pending) outcomes[i] = 'marked';
      return { again: [], passing: false };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons) throw error;
      const reasons = error.CancellationReasons;
      const again: number[] = [];
      let passing = false;
      for (let k = 0; k < pending.length; k++) {
        const i = pending[k];
        const reason = reasons[k];
        if (reason?.Code === 'ConditionalCheckFailed') {
          if (reason.Item) outcomes[i] = refusal(marks[i].invoiceId, unmarshall(reason.Item) as Item);
          else unread.push(i);
        } else {
          if (reason?.Code !== NEIGHBOUR) passing = true;
          again.push(i);
        }
      }
      return { again, passing };
    }
  }

  /** The update that puts one purchase on a draft: still at the version collected, never once completed. */
  private markUpdate(accountId: string, mark: PurchaseMark, at: string) {
    return {
      TableName: this.table,
      Key: keys.purchase(accountId, mark.reference),
      UpdateExpression: 'SET #status = :invoiced, invoice = :invoice, #version = #version + :one, updatedAt = :at',
      ConditionExpression: '#version = :expected AND #status <> :completed',
      ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
      ExpressionAttributeValues: {
        ':invoiced': 'invoiced',
        ':invoice': mark.invoiceId,
        ':one': 1,
        ':at': at,
        ':expected': mark.expectedVersion,
        ':completed': 'completed',
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
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

/** A refused mark: the purchase is on this invoice already, or it changed (another version, completed, gone). */
function refusal(invoiceId: string, current: Item | null): MarkOutcome {
  return current?.status === 'invoiced' && current.invoice === invoiceId ? 'already' : 'changed';
}
