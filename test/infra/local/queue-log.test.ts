import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSqs, type SqsEngine } from '../../../infra/local/engines/sqs';
import { QueueLog, type QueueLogEntry } from '../../../infra/local/queue-log';
import { importSavedQueues } from '../../../infra/local/queue-store';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-queue-log-'));
const lines = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as QueueLogEntry);
const send = (queue: string, id: string, body: string, extra: Partial<QueueLogEntry> = {}): QueueLogEntry =>
  ({ op: 'send', queue, id, at: Date.now(), delay: 0, message: { MessageBody: body }, ...extra }) as QueueLogEntry;

describe('the queue log', () => {
  test('replays sends, deletes, moves to a dead-letter queue and purges in order', async () => {
    const dir = tempDir();
    const log = QueueLog.open(dir);
    log.append(send('A', '1', 'one'));
    log.append(send('A', '2', 'two'));
    log.append(send('A', '3', 'three'));
    log.append(send('B', '4', 'four'));
    log.append({ op: 'delete', queue: 'A', id: '2' });
    log.append({ op: 'delete', queue: 'B', id: '1' }); // not in B: nothing
    log.append(send('A-dlq', '3', 'three', { from: 'A' } as Partial<QueueLogEntry>));
    log.append({ op: 'purge', queue: 'B' });
    await log.durable();

    // A second open reads the file as a restart after a crash would (the first log is never closed).
    const replayed = QueueLog.open(dir);
    expect(replayed.messages().map((m) => [m.queue, m.id, m.message.MessageBody])).toEqual([
      ['A', '1', 'one'],
      ['A-dlq', '3', 'three'],
    ]);
    // Opening compacted the file to the live messages.
    expect(lines(replayed.file).map((e) => `${e.op}:${e.queue}:${'id' in e ? e.id : ''}`)).toEqual(['send:A:1', 'send:A-dlq:3']);
    await replayed.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('durable() resolves once the entries are in the file; one write for entries appended together', async () => {
    const dir = tempDir();
    const log = QueueLog.open(dir);
    for (let i = 0; i < 10; i++) log.append(send('A', `m${i}`, `body ${i}`));
    expect(log.position).toBe(10);
    await log.durable();
    expect(lines(log.file)).toHaveLength(10);
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a torn last line (a crash in the middle of a write) is dropped; the rest is replayed', async () => {
    const dir = tempDir();
    const log = QueueLog.open(dir);
    log.append(send('A', '1', 'one'));
    await log.durable();
    fs.appendFileSync(log.file, '{"op":"send","queue":"A","id":"2","at":1,"de');
    const messages: string[] = [];
    const replayed = QueueLog.open(dir, { log: (l) => messages.push(l) });
    expect(replayed.messages().map((m) => m.id)).toEqual(['1']);
    expect(messages).toEqual([]); // expected after a crash: nothing to report
    await replayed.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('compacts while running once the file outgrows the live messages', async () => {
    const dir = tempDir();
    const told: string[] = [];
    const log = QueueLog.open(dir, { compactAtBytes: 20_000, log: (l) => told.push(l) });
    for (let i = 0; i < 300; i++) {
      log.append(send('A', `m${i}`, 'x'.repeat(100)));
      if (i >= 5) log.append({ op: 'delete', queue: 'A', id: `m${i - 5}` });
      await log.durable();
    }
    expect(told.some((l) => /compacted/.test(l))).toBe(true);
    expect(fs.statSync(log.file).size).toBeLessThan(20_000);
    const replayed = QueueLog.open(dir);
    expect(replayed.messages().map((m) => m.id)).toEqual(['m295', 'm296', 'm297', 'm298', 'm299']);
    await replayed.close();
    await log.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('local SQS with its queue log', () => {
  const client = (engine: SqsEngine) =>
    new SQSClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const attrs = async (sqs: SQSClient, QueueUrl: string) => {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return {
      visible: Number(out.Attributes!.ApproximateNumberOfMessages),
      inFlight: Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible),
      delayed: Number(out.Attributes!.ApproximateNumberOfMessagesDelayed),
    };
  };
  const createQueues = async (sqs: SQSClient) => {
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'WorkDlq' }))).QueueUrl!;
    const work = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'Work',
          Attributes: {
            VisibilityTimeout: '1',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:WorkDlq', maxReceiveCount: 1 }),
          },
        }),
      )
    ).QueueUrl!;
    const other = (await sqs.send(new CreateQueueCommand({ QueueName: 'Other', Attributes: { VisibilityTimeout: '600' } }))).QueueUrl!;
    return { dlq, work, other };
  };

  test('after a crash every message sent and not deleted comes back: visible, in flight, delayed, in the DLQ', async () => {
    const dir = tempDir();
    const first = await startSqs({ dir, log: () => undefined });
    const sqs1 = client(first);
    const q1 = await createQueues(sqs1);

    // Other: 12 sent (one batch of 10 and two single sends), 5 received and deleted, 3 received and held.
    const sent = await sqs1.send(
      new SendMessageBatchCommand({
        QueueUrl: q1.other,
        Entries: Array.from({ length: 10 }, (_, i) => ({
          Id: String(i),
          MessageBody: `m${i}`,
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'chunk' } },
        })),
      }),
    );
    expect(sent.Successful).toHaveLength(10);
    await sqs1.send(new SendMessageCommand({ QueueUrl: q1.other, MessageBody: 'later', DelaySeconds: 600 }));
    await sqs1.send(new SendMessageCommand({ QueueUrl: q1.other, MessageBody: 'm10' }));
    const received: Message[] = [];
    while (received.length < 8) {
      const out = await sqs1.send(
        new ReceiveMessageCommand({ QueueUrl: q1.other, MaxNumberOfMessages: Math.min(10, 8 - received.length), WaitTimeSeconds: 0 }),
      );
      received.push(...(out.Messages ?? []));
    }
    const deleted = received.slice(0, 5);
    const deletedOut = await sqs1.send(
      new DeleteMessageBatchCommand({ QueueUrl: q1.other, Entries: deleted.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
    );
    expect(deletedOut.Successful).toHaveLength(5);
    expect(await attrs(sqs1, q1.other)).toEqual({ visible: 6, inFlight: 3, delayed: 1 });

    // Work: one message received once and not deleted: after its visibility timeout it moves to WorkDlq.
    const poison = await sqs1.send(new SendMessageCommand({ QueueUrl: q1.work, MessageBody: 'poison' }));
    expect((await sqs1.send(new ReceiveMessageCommand({ QueueUrl: q1.work, WaitTimeSeconds: 1 }))).Messages).toHaveLength(1);
    const deadline = Date.now() + 10_000;
    while ((await attrs(sqs1, q1.dlq)).visible === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await attrs(sqs1, q1.dlq)).toMatchObject({ visible: 1 });
    await new Promise((r) => setTimeout(r, 50)); // the move is logged from a timer; give its write a moment

    // "Crash": a second engine reads the same directory while the first one was never stopped.
    const second = await startSqs({ dir, log: () => undefined });
    const sqs2 = client(second);
    const q2 = await createQueues(sqs2);
    expect(second.restore()).toBe(8);
    expect(await attrs(sqs2, q2.other)).toEqual({ visible: 6, inFlight: 0, delayed: 1 });
    expect(await attrs(sqs2, q2.work)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const out = await sqs2.send(new ReceiveMessageCommand({ QueueUrl: q2.other, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    const back = out.Messages ?? [];
    const gone = new Set(deleted.map((m) => m.MessageId));
    expect(back.map((m) => m.Body).sort()).toEqual(
      ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10'].filter((b) => !deleted.some((d) => d.Body === b)).sort(),
    );
    expect(back.some((m) => gone.has(m.MessageId))).toBe(false);
    for (const m of back.filter((b) => b.Body !== 'm10')) expect(m.MessageAttributes?.kind?.StringValue).toBe('chunk');
    const dead = await sqs2.send(new ReceiveMessageCommand({ QueueUrl: q2.dlq, AttributeNames: ['All'] }));
    expect(dead.Messages?.map((m) => [m.MessageId, m.Body])).toEqual([[poison.MessageId, 'poison']]);
    expect(dead.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:us-east-1:123456789012:Work');

    sqs1.destroy();
    sqs2.destroy();
    await second.stop();
    await first.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a clean stop keeps the queues too', async () => {
    const dir = tempDir();
    const first = await startSqs({ dir, log: () => undefined });
    const sqs1 = client(first);
    const q1 = await createQueues(sqs1);
    await sqs1.send(new SendMessageCommand({ QueueUrl: q1.other, MessageBody: 'kept' }));
    sqs1.destroy();
    await first.stop();

    const second = await startSqs({ dir, log: () => undefined });
    const sqs2 = client(second);
    const q2 = await createQueues(sqs2);
    expect(second.restore()).toBe(1);
    expect((await sqs2.send(new ReceiveMessageCommand({ QueueUrl: q2.other }))).Messages?.map((m) => m.Body)).toEqual(['kept']);
    sqs2.destroy();
    await second.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('queue files saved by an older version are sent once more, through the log', async () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'Other.json'),
      JSON.stringify([{ body: '{"n":1}', messageAttributes: { kind: { DataType: 'String', StringValue: 'chunk' } } }, { body: '{"n":2}' }]),
    );
    const engine = await startSqs({ dir, log: () => undefined });
    const sqs = client(engine);
    const q = await createQueues(sqs);
    const queue = { logicalId: 'Other', name: 'Other', url: q.other, arn: 'arn:aws:sqs:us-east-1:123456789012:Other' };
    expect(await importSavedQueues(sqs, [queue], dir, () => undefined)).toBe(2);
    expect(fs.existsSync(path.join(dir, 'Other.json'))).toBe(false);
    expect(lines(path.join(dir, 'queue-log.jsonl')).map((e) => (e.op === 'send' ? e.message.MessageBody : e.op))).toEqual(['{"n":1}', '{"n":2}']);
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: q.other, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect(out.Messages?.find((m) => m.Body === '{"n":1}')?.MessageAttributes?.kind?.StringValue).toBe('chunk');
    sqs.destroy();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
