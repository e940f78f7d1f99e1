/**
 * `npx tsx bench/queue-log.ts [messages]`: what the local queue log costs. Sends `messages` (default 20,000)
 * in SendMessageBatch requests of 10 from 16 concurrent senders, then receives and deletes them all in
 * batches of 10, once against plain local-aws-sqs (in memory) and once against the durable engine the local
 * stack runs (every answer waits for its fdatasync). Prints messages/s of both and the ratio.
 */
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSqs } from '../infra/local/engines/sqs';

const TOTAL = Number(process.argv[2] ?? 20_000);
const SENDERS = 16;
const BODY = JSON.stringify({ type: 'chunk', accountId: 'bench', key: `ingest/inflight/bench/${'x'.repeat(36)}.json` });

async function run(endpoint: string): Promise<{ sendPerS: number; consumePerS: number }> {
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'Bench', Attributes: { VisibilityTimeout: '600' } }))).QueueUrl!;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < TOTAL) {
        const n = Math.min(10, TOTAL - next);
        next += n;
        await sqs.send(
          new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: n }, (_, i) => ({ Id: String(i), MessageBody: BODY })) }),
        );
      }
    }),
  );
  const sent = performance.now() - t0;
  let consumed = 0;
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (consumed < TOTAL) {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        const messages = out.Messages ?? [];
        if (!messages.length) continue;
        consumed += messages.length;
        await sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
        );
      }
    }),
  );
  const consumedMs = performance.now() - t1;
  sqs.destroy();
  return { sendPerS: (TOTAL / sent) * 1000, consumePerS: (TOTAL / consumedMs) * 1000 };
}

async function main(): Promise<void> {
  const plain = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
  const before = await run(`http://127.0.0.1:${(plain.address() as AddressInfo).port}`);
  plain.closeAllConnections();
  plain.close();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-queue-log-bench-'));
  const durable = await startSqs({ dir, log: () => undefined });
  const after = await run(durable.endpoint);
  const logBytes = fs.statSync(path.join(dir, 'queue-log.jsonl')).size;
  await durable.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`${f(TOTAL)} messages, ${SENDERS} concurrent clients, batches of 10`);
  console.log(
    `send:            in memory ${f(before.sendPerS)}/s, with the queue log ${f(after.sendPerS)}/s (${((after.sendPerS / before.sendPerS) * 100).toFixed(0)} %)`,
  );
  console.log(
    `receive+delete:  in memory ${f(before.consumePerS)}/s, with the queue log ${f(after.consumePerS)}/s (${((after.consumePerS / before.consumePerS) * 100).toFixed(0)} %)`,
  );
  console.log(`log file before the final compaction: ${f(logBytes)} bytes`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
