import { createRequestHandler } from 'local-aws-sqs';
import type { Queue } from 'local-aws-sqs/dist/lib/queue';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueLog, type SentMessage } from '../queue-log';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template';

export interface SqsEngine {
  readonly endpoint: string;
  /**
   * Puts the messages the log holds back into their queues (which must exist by now: call it after
   * provisioning), each with its id, what is left of its delay, and in its dead-letter queue if it was moved
   * there. Messages whose retention period ran out are dropped; those of a queue that does not exist are
   * kept in the log. Returns how many were queued again.
   */
  restore(): number;
  stop(): Promise<void>;
}

export interface SqsEngineOptions {
  /** Where the queue log lives (`<dataDir>/sqs`). */
  readonly dir: string;
  readonly log: (line: string) => void;
  /** See QueueLogOptions.compactAtBytes. */
  readonly compactAtBytes?: number;
}

type Receipts = Map<string, string>;

/**
 * local-aws-sqs, in-process, on a free 127.0.0.1 port, made durable by a write-ahead log (queue-log.ts).
 * Its queues live in memory; each queue object is wrapped at the four points where its content changes:
 * `setRecord` (a send, and a move to the dead-letter queue, which keeps the message id), `receive` (to learn
 * which message a receipt handle names), `delete` and `clearRecords` (a purge). Every request's response
 * waits until what it appended is synced to disk, so a message acknowledged to its sender survives a
 * SIGKILL. After a restart every message sent and not deleted is queued again, in flight ones visible.
 */
export async function startSqs(opts: SqsEngineOptions): Promise<SqsEngine> {
  const { log } = opts;
  const queueLog = QueueLog.open(opts.dir, { log, compactAtBytes: opts.compactAtBytes });
  const { service, requestHandler } = createRequestHandler({ port: 0, hostname: '127.0.0.1', region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
  const wrapped = new WeakSet<Queue>();
  const plainSend = new WeakMap<Queue, Queue['setRecord']>();
  // receipt handle → message id, per queue; and the handles of each message, to forget them with it
  const receipts = new Map<string, Receipts>();
  const handlesOf = new Map<string, string[]>();

  const forget = (id: string, queueName: string) => {
    const handles = handlesOf.get(id);
    if (!handles) return;
    handlesOf.delete(id);
    const byHandle = receipts.get(queueName);
    for (const h of handles) byHandle?.delete(h);
  };

  const journal = (queue: Queue) => {
    if (wrapped.has(queue)) return;
    wrapped.add(queue);
    const name = queue.QueueName;
    const byHandle: Receipts = new Map();
    receipts.set(name, byHandle);
    const setRecord = queue.setRecord;
    const receive = queue.receive.bind(queue);
    const remove = queue.delete.bind(queue);
    const clear = queue.clearRecords.bind(queue);
    plainSend.set(queue, setRecord);

    queue.setRecord = (input: SentMessage & { DelaySeconds?: unknown }, messageId?: string) => {
      const result = setRecord(input, messageId) as { record: { MessageId: string } };
      const id = result.record.MessageId;
      const before = queueLog.has(id);
      if (!messageId && before?.queue === name) return result; // a FIFO duplicate: the first one stands
      const delay = Number(input.DelaySeconds);
      if (before) forget(id, before.queue);
      queueLog.append({
        op: 'send',
        queue: name,
        id,
        at: Date.now(),
        delay: Number.isNaN(delay) ? queue.DelaySeconds : delay,
        message: messageOf(input),
        ...(before && before.queue !== name ? { from: before.queue } : {}),
      });
      return result;
    };
    queue.receive = async (args: unknown) => {
      const records = (await receive(args)) as Array<{ MessageId: string; ReceiptHandle: string }>;
      for (const r of records) {
        byHandle.set(r.ReceiptHandle, r.MessageId);
        const handles = handlesOf.get(r.MessageId);
        if (handles) handles.push(r.ReceiptHandle);
        else handlesOf.set(r.MessageId, [r.ReceiptHandle]);
      }
      return records;
    };
    queue.delete = (receiptHandle: string) => {
      const deleted = remove(receiptHandle);
      const id = byHandle.get(receiptHandle);
      if (deleted && id !== undefined) {
        forget(id, name);
        queueLog.append({ op: 'delete', queue: name, id });
      }
      return deleted;
    };
    queue.clearRecords = () => {
      clear();
      for (const m of queueLog.messages()) if (m.queue === name) forget(m.id, name);
      queueLog.append({ op: 'purge', queue: name });
    };
  };

  const server = createServer((req, res) => {
    // Queues are created by CreateQueue requests: any new one is wrapped before it can hold a message.
    for (const queue of service.Queues) journal(queue);
    const position = queueLog.position;
    deferEnd(res, () => (queueLog.position === position ? Promise.resolve() : queueLog.durable()));
    void requestHandler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  service.PORT = port;
  const endpoint = `http://127.0.0.1:${port}`;
  log(`local SQS on ${endpoint} (queue log ${queueLog.file}, ${queueLog.size} message(s))`);

  return {
    endpoint,
    restore() {
      for (const queue of service.Queues) journal(queue);
      const now = Date.now();
      let restored = 0;
      const missing = new Set<string>();
      for (const m of queueLog.messages()) {
        const queue = service.Queues.find((q) => q.QueueName === m.queue);
        const send = queue && plainSend.get(queue);
        if (!queue || !send) {
          missing.add(m.queue);
          continue;
        }
        if (m.at + queue.MessageRetentionPeriod * 1000 <= now) {
          queueLog.append({ op: 'delete', queue: m.queue, id: m.id });
          continue;
        }
        const left = Math.max(0, Math.ceil((m.at + m.delay * 1000 - now) / 1000));
        send({ ...m.message, DelaySeconds: left }, m.id);
        restored += 1;
      }
      if (missing.size) log(`sqs: the queue log holds messages of queues that are not in the template (${[...missing].join(', ')}); kept`);
      return restored;
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
      await queueLog.close();
    },
  };
}

function messageOf(input: SentMessage): SentMessage {
  const { MessageBody, MessageAttributes, MessageSystemAttributes, MessageGroupId, MessageDeduplicationId } = input;
  return {
    MessageBody,
    ...(MessageAttributes ? { MessageAttributes } : {}),
    ...(MessageSystemAttributes ? { MessageSystemAttributes } : {}),
    ...(MessageGroupId ? { MessageGroupId } : {}),
    ...(MessageDeduplicationId ? { MessageDeduplicationId } : {}),
  };
}

/** Holds `res.end` back until `ready()` resolves: the answer leaves only once its changes are on disk. */
function deferEnd(res: ServerResponse, ready: () => Promise<void>): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    ready().then(
      () => end(...args),
      (error: Error) => {
        res.statusCode = 500;
        res.setHeader('x-amzn-query-error', 'InternalFailure');
        end(JSON.stringify({ __type: 'com.amazonaws.sqs#InternalFailure', message: error.message }));
      },
    );
    return res;
  }) as ServerResponse['end'];
}
