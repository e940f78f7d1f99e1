import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RoutingRule, WirePriceRule } from '../../domain/rules';
import { keys } from '../../../storage/keys';
import type { Page, PageRequest } from '../../../kernel/page';
import type { RuleStore } from '../../ports';
import { allOfPartition, getOne, listPartition } from '../../../storage/table';

/**
 * Price and routing rules, one partition per account and kind. Saves are transactions that also bump the
 * account's rule-set version under a condition: two concurrent saves cannot both pass the save-time
 * checks (ambiguity, overlap) against a rule set the other is changing.
 */
export class DynamoRuleStore implements RuleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  priceRules(accountId: string): Promise<WirePriceRule[]> {
    return allOfPartition<WirePriceRule>(this.client, this.table, keys.priceRules(accountId));
  }
  getPriceRule(accountId: string, id: string) {
    return this.get<WirePriceRule>(keys.priceRules(accountId), id);
  }
  listPriceRules(accountId: string, page: PageRequest) {
    return this.list<WirePriceRule>(keys.priceRules(accountId), page);
  }
  routingRules(accountId: string): Promise<RoutingRule[]> {
    return allOfPartition<RoutingRule>(this.client, this.table, keys.routingRules(accountId));
  }
  getRoutingRule(accountId: string, id: string) {
    return this.get<RoutingRule>(keys.routingRules(accountId), id);
  }
  listRoutingRules(accountId: string, page: PageRequest) {
    return this.list<RoutingRule>(keys.routingRules(accountId), page);
  }

  async version(accountId: string): Promise<number> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.ruleset(accountId), ConsistentRead: true }));
    return (out.Item?.version as number | undefined) ?? 0;
  }

  savePriceRule(accountId: string, rule: WirePriceRule, expectedVersion: number) {
    return this.save(accountId, keys.priceRules(accountId), rule, expectedVersion);
  }
  saveRoutingRule(accountId: string, rule: RoutingRule, expectedVersion: number) {
    return this.save(accountId, keys.routingRules(accountId), rule, expectedVersion);
  }

  private async save(accountId: string, pk: string, rule: { id: string }, expectedVersion: number): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.ruleset(accountId),
                UpdateExpression: 'SET version = :next',
                ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(version)' : 'version = :expected',
                ExpressionAttributeValues: expectedVersion === 0 ? { ':next': 1 } : { ':next': expectedVersion + 1, ':expected': expectedVersion },
              },
            },
            { Put: { TableName: this.table, Item: { ...rule, pk, sk: rule.id } } },
          ],
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'TransactionCanceledException') return false;
      throw error;
    }
  }

  private get<T>(pk: string, sk: string): Promise<T | null> {
    return getOne<T>(this.client, this.table, pk, sk);
  }

  private list<T>(pk: string, page: PageRequest): Promise<Page<T>> {
    return listPartition<T>(this.client, this.table, pk, page);
  }
}
