import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../../../kernel/concurrency';
import { GSI1, keys } from '../../../storage/keys';
import type { WaitingPurchases } from '../../ports';

/** Up to this many codes are asked one query each; more read the index's customer range once. */
const ONE_BY_ONE = 50;
/** Index entries read at most before every code is taken as waiting (a backlog this large is remapped code by code). */
const MAX_ENTRIES = 100_000;

/**
 * Reads ingest's index of unmapped purchases (`keys.unmappedIndex`, gsi1, sorted by what they wait for) to
 * tell which new customer codes have purchases waiting, keys only.
 */
export class DynamoWaitingPurchases implements WaitingPurchases {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async customersWaiting(accountId: string, codes: readonly string[]): Promise<Set<string>> {
    const pk = keys.unmappedIndex(accountId);
    if (codes.length <= ONE_BY_ONE) {
      const found = await mapLimit(codes, 8, async (code) =>
        (await this.entries(pk, keys.unmappedSort({ customer: code }), 1)).length ? code : null,
      );
      return new Set(found.filter((c) => c !== null));
    }
    const wanted = new Map(codes.map((code) => [keys.unmappedSort({ customer: code }), code]));
    const prefixes = await this.entries(pk, keys.unmappedSort({ customer: '' }).replace(/#$/, ''), MAX_ENTRIES + 1);
    if (prefixes.length > MAX_ENTRIES) return new Set(codes);
    const waiting = new Set<string>();
    for (const sk of prefixes) {
      const code = wanted.get(sk.slice(0, sk.indexOf('#', sk.indexOf('#') + 1) + 1));
      if (code !== undefined) waiting.add(code);
    }
    return waiting;
  }

  /** The gsi1 sort keys of the partition that begin with `prefix`, at most `max`. */
  private async entries(pk: string, prefix: string, max: number): Promise<string[]> {
    const out: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ProjectionExpression: 'gsi1sk',
          Limit: Math.min(1000, max - out.length),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) out.push(String(item.gsi1sk));
      start = page.LastEvaluatedKey;
    } while (start && out.length < max);
    return out;
  }
}
