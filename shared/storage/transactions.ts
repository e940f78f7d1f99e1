import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { sleep } from './table';

/** One write of a transaction, as lib-dynamodb takes it (Put, Update, Delete or ConditionCheck). */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface TransactionBatcherOptions {
  /** Writes of one TransactWriteItems call: DynamoDB's limit is 100. */
  readonly maxItems?: number;
  /** Estimated bytes of one call, under DynamoDB's 4 MB. */
  readonly maxBytes?: number;
  /** Calls in flight at once; groups asked for meanwhile wait and go together in the next call. */
  readonly inFlight?: number;
}

interface Pending {
  readonly items: TransactItem[];
  readonly keys: string[];
  readonly bytes: number;
  readonly resolve: (written: boolean) => void;
  readonly reject: (error: unknown) => void;
  attempts: number;
  /** Sent alone: a call it shared was refused as a whole, so each of its groups goes by itself. */
  solo: boolean;
}

/** Cancellation codes after which the group is simply sent again: its own conditions were not the reason. */
const PASSING = new Set(['None', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
const ATTEMPTS = 8;

/**
 * Writes groups of conditional writes, each all or nothing, several groups to one TransactWriteItems call
 * (group commit): a group asked for while calls are in flight waits for the next call, which takes every
 * group waiting, up to DynamoDB's limits. On DynamoDB Local every call is one SQLite commit, so fifty
 * groups in one call are about four times the writes a second of fifty calls; on AWS the price is the
 * same (a transactional write costs twice its units either way), and a transaction of unrelated items
 * conflicts with nothing more than each of its groups would.
 *
 * `write` keeps the meaning of a single transaction per group: true when the group was written; false
 * when one of its conditions failed or a concurrent transaction touched one of its items. A call cancelled
 * for another group's sake writes nothing, and the groups that did not fail are sent again. Two groups
 * writing the same item never share a call (DynamoDB refuses that): the second waits for the next one.
 */
export class TransactionBatcher {
  private readonly queue: Pending[] = [];
  private running = 0;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly inFlight: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    options: TransactionBatcherOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 100;
    this.maxBytes = options.maxBytes ?? 3_500_000;
    this.inFlight = options.inFlight ?? 4;
  }

  write(items: readonly TransactItem[]): Promise<boolean> {
    if (!items.length) return Promise.resolve(true);
    if (items.length > this.maxItems) return Promise.reject(new Error(`a transaction group of ${items.length} writes exceeds ${this.maxItems}`));
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({
        items: [...items],
        keys: items.map(itemKey),
        bytes: Buffer.byteLength(JSON.stringify(items)),
        resolve,
        reject,
        attempts: 0,
        solo: false,
      });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.inFlight && this.queue.length) {
      const batch = this.take();
      this.running += 1;
      void this.send(batch).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  /** The waiting groups that fit one call, in order; a group touching an item already taken waits. */
  private take(): Pending[] {
    const batch: Pending[] = [];
    const taken = new Set<string>();
    let items = 0;
    let bytes = 0;
    for (let i = 0; i < this.queue.length; ) {
      const group = this.queue[i]!;
      if (group.solo) {
        if (!batch.length) batch.push(...this.queue.splice(i, 1));
        break;
      }
      const fits = items + group.items.length <= this.maxItems && (batch.length === 0 || bytes + group.bytes <= this.maxBytes);
      if (!fits) break;
      if (group.keys.some((k) => taken.has(k))) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      batch.push(group);
      for (const k of group.keys) taken.add(k);
      items += group.items.length;
      bytes += group.bytes;
    }
    return batch;
  }

  private async send(batch: Pending[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: batch.flatMap((g) => g.items) }));
      for (const g of batch) g.resolve(true);
    } catch (error) {
      this.settleFailure(batch, error);
    }
  }

  private settleFailure(batch: Pending[], error: unknown): void {
    const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
    if (!reasons || reasons.length !== batch.reduce((n, g) => n + g.items.length, 0)) {
      // not a cancellation item by item (a request refused as a whole): alone, each group meets its own fate
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const g of batch) {
        g.solo = true;
        this.retry(g, error, false);
      }
      return;
    }
    let at = 0;
    for (const g of [...batch].reverse()) {
      // walked from the end so that the groups sent again keep their order at the head of the queue
      const end = reasons.length - at;
      const codes = reasons.slice(end - g.items.length, end).map((r) => r.Code ?? 'None');
      at += g.items.length;
      if (codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) g.resolve(false);
      else if (codes.every((c) => PASSING.has(c)))
        this.retry(
          g,
          error,
          codes.some((c) => c !== 'None'),
        );
      else g.reject(error);
    }
  }

  /** Queues the group again (first, so it goes in the next call), or rejects it after ATTEMPTS tries. */
  private retry(group: Pending, error: unknown, throttled: boolean): void {
    group.attempts += 1;
    if (group.attempts >= ATTEMPTS) {
      group.reject(error);
      return;
    }
    if (!throttled) {
      this.queue.unshift(group);
      return;
    }
    void sleep(Math.min(1000, 25 * 2 ** group.attempts)).then(() => {
      this.queue.unshift(group);
      this.pump();
    });
  }
}

/** The table and key of a transaction write: two writes of one item cannot share a call. */
function itemKey(item: TransactItem): string {
  const write = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
  const key = item.Put ? { pk: item.Put.Item?.pk, sk: item.Put.Item?.sk } : (write as { Key?: Record<string, unknown> } | undefined)?.Key;
  return `${write?.TableName ?? ''}\u0000${JSON.stringify(key ?? null)}`;
}
