import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { Resolver } from './intrinsics';
import { sleep } from './ports';
import type { LocalQueue } from './provision';
import { LOCAL_REGION, props, resourcesOfType, type CfnTemplate } from './template';

export interface EventSourceMapping {
  readonly logicalId: string;
  readonly functionId: string;
  readonly queue: LocalQueue;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly reportBatchItemFailures: boolean;
}

/** SQS event source mappings of the template (other event sources are not read from the template). */
export function readSqsMappings(
  template: CfnTemplate,
  resolver: Resolver,
  queues: ReadonlyMap<string, LocalQueue>,
  functionIds: ReadonlySet<string>,
): EventSourceMapping[] {
  const byArn = new Map([...queues.values()].map((q) => [q.arn, q]));
  const mappings: EventSourceMapping[] = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const p = props(resource);
    if (p.Enabled === false) continue;
    const sourceArn = resolver.resolveString(p.EventSourceArn, `${id}.EventSourceArn`);
    const queue = byArn.get(sourceArn);
    if (!queue) throw new Error(`${id}: event source ${sourceArn} is not an SQS queue of the template (only SQS sources run locally)`);
    const functionName = resolver.resolveString(p.FunctionName, `${id}.FunctionName`);
    const functionId = [...functionIds].find(
      (f) => resolver.resolveString({ Ref: f }, f) === functionName || resolver.resolveString({ 'Fn::GetAtt': [f, 'Arn'] }, f) === functionName,
    );
    if (!functionId) throw new Error(`${id}: target ${functionName} is not a function of the template`);
    mappings.push({
      logicalId: id,
      functionId,
      queue,
      batchSize: Number(p.BatchSize ?? 10),
      batchingWindowMs: Number(p.MaximumBatchingWindowInSeconds ?? 0) * 1000,
      reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
    });
  }
  return mappings;
}

/** Concurrent pollers per mapping (Lambda starts with more; two keep a laptop responsive). */
const POLLERS_PER_MAPPING = 2;

/**
 * Lambda's SQS poller, locally: receive a batch (long polling, up to the batching window), invoke the
 * function with a real SQS event, then delete what succeeded: everything but the `batchItemFailures`
 * (ReportBatchItemFailures), or nothing when the function throws. Undeleted messages come back after the
 * visibility timeout and move to the DLQ after the template's maxReceiveCount (MAX_RECEIVE_COUNT of shared/edge/sqs.ts,
 * which the consumers' isLastDelivery reads too); local SQS does that part.
 */
export class SqsPoller {
  private stopped = false;
  private loops: Promise<void>[] = [];
  private busyCount = 0;
  /** pause() calls not yet resumed; receive calls in flight. */
  private pauses = 0;
  private receiving = 0;

  constructor(
    private readonly mapping: EventSourceMapping,
    private readonly sqs: SQSClient,
    private readonly invoke: (functionId: string, event: unknown) => Promise<unknown>,
    private readonly log: (line: string) => void,
  ) {}

  get busy(): number {
    return this.busyCount;
  }

  /** The queue this poller consumes. */
  get queue(): LocalQueue {
    return this.mapping.queue;
  }

  start(): void {
    for (let i = 0; i < POLLERS_PER_MAPPING; i++) this.loops.push(this.loop());
  }

  /** Stops receiving and waits (up to `graceMs`) for running batches. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled(this.loops), sleep(graceMs)]);
  }

  /**
   * Stops receiving until `resume()`. Resolves once no receive is in flight, so that a message sent after
   * that stays queued; a batch already received still runs to its end. Calls nest.
   */
  async pause(): Promise<void> {
    this.pauses += 1;
    while (this.receiving > 0) await sleep(20);
  }

  resume(): void {
    if (this.pauses > 0) this.pauses -= 1;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.pauses > 0) {
        await sleep(100);
        continue;
      }
      let messages: Message[];
      try {
        messages = await this.receiveBatch();
      } catch (error) {
        if (this.stopped) return;
        this.log(`${this.mapping.logicalId}: receive failed: ${(error as Error).message}`);
        await sleep(1000);
        continue;
      }
      if (!messages.length) continue;
      this.busyCount += 1;
      try {
        await this.process(messages);
      } finally {
        this.busyCount -= 1;
      }
    }
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    this.receiving += 1; // before the first await: pause() must see every receive that can still take a message
    try {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.mapping.queue.url,
          MaxNumberOfMessages: Math.min(10, max),
          WaitTimeSeconds: waitSeconds,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      return out.Messages ?? [];
    } finally {
      this.receiving -= 1;
    }
  }

  private async receiveBatch(): Promise<Message[]> {
    const { batchSize, batchingWindowMs } = this.mapping;
    const messages = await this.receive(batchSize, 1);
    if (!messages.length || batchingWindowMs <= 0) return messages;
    const deadline = Date.now() + batchingWindowMs;
    while (messages.length < batchSize && Date.now() < deadline && !this.stopped && this.pauses === 0) {
      const more = await this.receive(batchSize - messages.length, 0);
      if (more.length) messages.push(...more);
      else await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
    }
    return messages;
  }

  private async process(messages: Message[]): Promise<void> {
    const { mapping } = this;
    const event = { Records: messages.map((m) => toRecord(m, mapping.queue.arn)) };
    let failed: Set<string>;
    try {
      const result = (await this.invoke(mapping.functionId, event)) as { batchItemFailures?: Array<{ itemIdentifier?: string }> } | undefined;
      failed = mapping.reportBatchItemFailures ? failures(result, messages) : new Set();
    } catch (error) {
      this.log(
        `${mapping.functionId} failed on a batch of ${messages.length} from ${mapping.queue.name}: ${(error as Error).stack ?? String(error)}`,
      );
      return; // nothing deleted: the whole batch comes back after the visibility timeout
    }
    if (failed.size) this.log(`${mapping.functionId}: ${failed.size} of ${messages.length} message(s) reported as failed; they will be retried`);
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    for (let i = 0; i < done.length; i += 10) {
      const slice = done.slice(i, i + 10);
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: mapping.queue.url,
          Entries: slice.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
}

/** ReportBatchItemFailures: an identifier that is missing or not in the batch fails the whole batch. */
function failures(result: { batchItemFailures?: Array<{ itemIdentifier?: string }> } | undefined, messages: Message[]): Set<string> {
  const list = result && typeof result === 'object' ? result.batchItemFailures : undefined;
  if (!Array.isArray(list)) return new Set();
  const ids = new Set(messages.map((m) => m.MessageId!));
  const failed = new Set<string>();
  for (const item of list) {
    if (!item?.itemIdentifier || !ids.has(item.itemIdentifier)) return ids;
    failed.add(item.itemIdentifier);
  }
  return failed;
}

function toRecord(m: Message, queueArn: string): Record<string, unknown> {
  return {
    messageId: m.MessageId,
    receiptHandle: m.ReceiptHandle,
    body: m.Body ?? '',
    attributes: { ...m.Attributes },
    messageAttributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([name, value]) => [name, toLambdaAttribute(value)])),
    md5OfBody: m.MD5OfBody,
    ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/** The Lambda event spells message attributes in camelCase, binary values base64. */
function toLambdaAttribute(value: MessageAttributeValue): Record<string, unknown> {
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
    dataType: value.DataType,
  };
}
