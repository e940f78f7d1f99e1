import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Account } from '../../domain/access';
import { keys } from '../../../storage/keys';
import type { AccountStore, ApiKeyRecord } from '../../ports';
import { conditionHeld, strip } from '../../../storage/table';

export class DynamoAccountStore implements AccountStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(account: Account): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({ TableName: this.table, Item: { ...keys.account(account.id), ...account }, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    );
  }

  async get(id: string): Promise<Account | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.account(id) }));
    return out.Item ? strip<Account>(out.Item) : null;
  }

  async putKey(hash: string, key: ApiKeyRecord): Promise<void> {
    // A 256-bit random secret never collides; the condition still guarantees no key is ever replaced.
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { ...keys.apiKey(hash), ...key }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async getKey(hash: string): Promise<ApiKeyRecord | null> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.apiKey(hash) }));
    if (!out.Item) return null;
    return {
      accountId: (out.Item.accountId as string | null) ?? null,
      role: out.Item.role as ApiKeyRecord['role'],
      createdAt: out.Item.createdAt as string,
    };
  }
}
