import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Account } from '../../domain/access';
import { GSI1, keys } from '../../../storage/keys';
import type { AccountStore, ApiKeyInfo, ApiKeyRecord } from '../../ports';
import { conditionHeld, isConditionFailure, queryAll, strip, type Item } from '../../../storage/table';

/**
 * Accounts (`ACCOUNT#<a>` / `ACCOUNT`) and API keys (`APIKEY#<sha256>` / `APIKEY`). A key of an account is
 * also on gsi1 under `ACCOUNT#<a>#APIKEYS` / `<key id>`, which lists and revokes keys by id without a Scan.
 */
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

  async putKey(hash: string, key: ApiKeyRecord & { id: string }): Promise<void> {
    const index = key.accountId ? { gsi1pk: keys.accountKeys(key.accountId), gsi1sk: key.id } : {};
    // A 256-bit random secret never collides; the condition still guarantees no key is ever replaced.
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { ...keys.apiKey(hash), ...index, ...key }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async getKey(hash: string): Promise<ApiKeyRecord | null> {
    // Strongly consistent: a revocation must be seen by the next read of any container.
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: keys.apiKey(hash), ConsistentRead: true }));
    if (!out.Item) return null;
    return {
      accountId: (out.Item.accountId as string | null) ?? null,
      role: out.Item.role as ApiKeyRecord['role'],
      createdAt: out.Item.createdAt as string,
      id: out.Item.id as string | undefined,
      lastUsedAt: (out.Item.lastUsedAt as string | undefined) ?? null,
      revokedAt: (out.Item.revokedAt as string | undefined) ?? null,
    };
  }

  async listKeys(accountId: string): Promise<ApiKeyInfo[]> {
    const items = await queryAll(this.client, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :keys',
      ExpressionAttributeValues: { ':keys': keys.accountKeys(accountId) },
    });
    return items.map(info);
  }

  async revokeKey(accountId: string, id: string, at: string): Promise<string | null> {
    const found = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :keys AND gsi1sk = :id',
        ExpressionAttributeValues: { ':keys': keys.accountKeys(accountId), ':id': id },
      }),
    );
    const item = found.Items?.[0];
    if (!item) return null;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'accountId = :a',
          ExpressionAttributeValues: { ':at': at, ':a': accountId },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
    return String(item.pk).slice('APIKEY#'.length);
  }

  async touchKey(hash: string, key: { accountId: string; id: string }, at: string, staleBefore: string): Promise<void> {
    await conditionHeld(
      this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.apiKey(hash),
          UpdateExpression:
            'SET lastUsedAt = :at, #id = if_not_exists(#id, :id), gsi1pk = if_not_exists(gsi1pk, :keys), gsi1sk = if_not_exists(gsi1sk, :id)',
          ConditionExpression:
            'attribute_exists(pk) AND accountId = :a AND attribute_not_exists(revokedAt) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :stale)',
          ExpressionAttributeNames: { '#id': 'id' },
          ExpressionAttributeValues: {
            ':at': at,
            ':id': key.id,
            ':keys': keys.accountKeys(key.accountId),
            ':a': key.accountId,
            ':stale': staleBefore,
          },
        }),
      ),
    );
  }
}

function info(item: Item): ApiKeyInfo {
  return {
    id: item.id as string,
    role: item.role as ApiKeyInfo['role'],
    createdAt: item.createdAt as string,
    lastUsedAt: (item.lastUsedAt as string | undefined) ?? null,
    revokedAt: (item.revokedAt as string | undefined) ?? null,
  };
}
