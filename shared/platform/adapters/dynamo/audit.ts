import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditFilter } from '../../domain/audit';
import type { Page, PageRequest } from '../../../kernel/page';
import { keys } from '../../../storage/keys';
import type { AuditStore } from '../../ports';
import { decodeCursor, encodeCursor, type Item } from '../../../storage/table';

let sequence = 0;

/** Range reads per page when a resource filter skips entries (each reads at most the page's limit). */
const MAX_READS_PER_PAGE = 10;

/**
 * The audit log: one item per entry under `ACCOUNT#<a>#AUDIT`, sort key `<at>#<random>` (ISO instants
 * sort as text; the random part keeps two entries of the same millisecond apart). Read backwards, newest
 * first; a time range is a key range, a resource a filter (an entry's `at` is when its request arrived).
 */
export class DynamoAuditStore implements AuditStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(accountId: string, entry: AuditEntry): Promise<string> {
    // within a millisecond a container's entries keep their order; the random part keeps containers apart
    const sk = `${entry.at}#${(sequence++).toString(36).padStart(8, '0')}${randomBytes(6).toString('hex')}`;
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { pk: keys.audit(accountId), sk, ...entry }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return sk;
  }

  async replace(accountId: string, id: string, entry: AuditEntry): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: { pk: keys.audit(accountId), sk: id, ...entry } }));
  }

  async list(accountId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntry>> {
    const values: Record<string, unknown> = { ':pk': keys.audit(accountId) };
    let range = '';
    if (filter.from !== undefined && filter.to !== undefined) {
      range = ' AND sk BETWEEN :from AND :to';
      Object.assign(values, { ':from': filter.from, ':to': filter.to });
    } else if (filter.from !== undefined) {
      range = ' AND sk >= :from';
      values[':from'] = filter.from;
    } else if (filter.to !== undefined) {
      range = ' AND sk < :to';
      values[':to'] = filter.to;
    }
    const input: QueryCommandInput = {
      TableName: this.table,
      KeyConditionExpression: `pk = :pk${range}`,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      ConsistentRead: true,
    };
    if (filter.resource !== undefined) {
      input.FilterExpression = '#resource = :resource OR begins_with(#resource, :below)';
      input.ExpressionAttributeNames = { '#resource': 'resource' };
      Object.assign(values, { ':resource': filter.resource, ':below': `${filter.resource}/` });
    }
    const items: AuditEntry[] = [];
    let start = decodeCursor(page.cursor);
    for (let reads = 0; reads < MAX_READS_PER_PAGE && items.length < page.limit; reads++) {
      // Limit counts the items read before the filter, so a page never holds more than it asked for.
      const out = await this.client.send(new QueryCommand({ ...input, Limit: page.limit - items.length, ExclusiveStartKey: start }));
      items.push(...((out.Items ?? []) as Item[]).map(entry));
      start = out.LastEvaluatedKey;
      if (!start) break;
    }
    return { items, next: start ? encodeCursor(start) : null };
  }
}

function entry(item: Item): AuditEntry {
  return {
    at: item.at as string,
    keyId: item.keyId as string,
    role: item.role as string,
    method: item.method as string,
    path: item.path as string,
    resource: item.resource as string,
    status: Number(item.status),
    before: item.before ?? null,
    after: item.after ?? null,
  };
}
