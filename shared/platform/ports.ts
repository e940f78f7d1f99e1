import type { Account, Role } from './domain/access';

/**
 * The platform ports: what the platform use cases ask of storage and queues. Adapters beside them implement them on
 * DynamoDB, S3 and SQS; nothing here knows about the AWS SDK.
 */

export interface ApiKeyRecord {
  accountId: string | null;
  role: Role;
  createdAt: string;
}

export interface AccountStore {
  /** Creates the account; false when the id is taken. */
  create(account: Account): Promise<boolean>;
  get(id: string): Promise<Account | null>;
  putKey(hash: string, key: ApiKeyRecord): Promise<void>;
  getKey(hash: string): Promise<ApiKeyRecord | null>;
}
