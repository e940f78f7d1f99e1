import { ReceiveMessageCommand, SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalQueue } from './provision';

interface SavedMessage {
  body: string;
  messageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

/**
 * Local SQS keeps its queues in memory. At a clean stop the visible messages of every queue are written to
 * `<dataDir>/sqs/<queue>.json` and sent again at the next start (the sweeper covers a crash).
 */
export async function saveQueues(sqs: SQSClient, queues: Iterable<LocalQueue>, dir: string): Promise<number> {
  fs.mkdirSync(dir, { recursive: true });
  let total = 0;
  for (const queue of queues) {
    const saved: SavedMessage[] = [];
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 43_200,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      if (!out.Messages?.length) break;
      for (const m of out.Messages) {
        saved.push({
          body: m.Body ?? '',
          messageAttributes: m.MessageAttributes ? encodeAttributes(m.MessageAttributes) : undefined,
          messageGroupId: m.Attributes?.MessageGroupId,
          messageDeduplicationId: m.Attributes?.MessageDeduplicationId,
        });
      }
    }
    const file = path.join(dir, `${queue.name}.json`);
    if (saved.length) fs.writeFileSync(file, JSON.stringify(saved));
    else fs.rmSync(file, { force: true });
    total += saved.length;
  }
  return total;
}

/** Sends the saved messages again; returns how many. Files of queues no longer in the template stay. */
export async function restoreQueues(sqs: SQSClient, queues: Iterable<LocalQueue>, dir: string, log: (line: string) => void): Promise<number> {
  if (!fs.existsSync(dir)) return 0;
  const byName = new Map([...queues].map((q) => [q.name, q]));
  let total = 0;
  for (const entry of fs.readdirSync(dir)) {
    if (!entry.endsWith('.json')) continue;
    const queue = byName.get(entry.slice(0, -5));
    if (!queue) {
      log(`sqs: ${entry} belongs to a queue that is not in the template any more; left in place`);
      continue;
    }
    const file = path.join(dir, entry);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as SavedMessage[];
    for (let i = 0; i < saved.length; i += 10) {
      const entries = saved.slice(i, i + 10).map((m, n) => ({
        Id: String(n),
        MessageBody: m.body,
        MessageAttributes: m.messageAttributes ? decodeAttributes(m.messageAttributes) : undefined,
        MessageGroupId: m.messageGroupId,
        MessageDeduplicationId: m.messageDeduplicationId,
      }));
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }));
      if (out.Failed?.length) throw new Error(`sqs: could not restore ${out.Failed.length} message(s) of ${queue.name}: ${out.Failed[0]?.Message}`);
    }
    fs.rmSync(file);
    total += saved.length;
  }
  return total;
}

function encodeAttributes(attributes: Record<string, MessageAttributeValue>): SavedMessage['messageAttributes'] {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, v]) => [
      name,
      { DataType: v.DataType ?? 'String', StringValue: v.StringValue, BinaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : undefined },
    ]),
  );
}

function decodeAttributes(attributes: NonNullable<SavedMessage['messageAttributes']>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, v]) => [
      name,
      { DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue, 'base64') : undefined },
    ]),
  );
}
