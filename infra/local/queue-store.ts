import { SendMessageBatchCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
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
 * Versions before the queue log (queue-log.ts) saved the visible messages of each queue at a clean stop to
 * `<dataDir>/sqs/<queue>.json`. Such files are sent once more (now through the log) and removed; files of
 * queues no longer in the template stay. Returns how many messages were sent.
 */
export async function importSavedQueues(sqs: SQSClient, queues: Iterable<LocalQueue>, dir: string, log: (line: string) => void): Promise<number> {
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

function decodeAttributes(attributes: NonNullable<SavedMessage['messageAttributes']>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, v]) => [
      name,
      { DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue ? Buffer.from(v.BinaryValue, 'base64') : undefined },
    ]),
  );
}
