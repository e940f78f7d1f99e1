import { GetQueueAttributesCommand, ListQueuesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startStackProcess, type StackProcess } from './stack-process';

type Purchase = { reference: string; status: string; amount: string | null };

/**
 * Its own `npm start` process and data dir: SIGKILL with messages queued (some in flight), then a start on
 * the same data dir. Every message sent and not deleted comes back from the queue log.
 */
describe('local queues survive SIGKILL', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-queues-'));
  const logFile = path.join(dir, 'stack.log');
  const adminKey = `bs_admin_${randomBytes(24).toString('base64url')}`;
  let stack: StackProcess | null = null;

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Alive and still DynamoDB Local (a reaped or zombie process no longer shows its command line). */
  const running = (pid: number) => {
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 && ps.stdout.includes('DynamoDBLocal');
  };
  const call = async (base: string, method: string, url: string, key: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const sqsOf = (s: StackProcess) => {
    const endpoint = /local SQS on (http:\/\/127\.0\.0\.1:\d+)/.exec(s.output())?.[1];
    if (!endpoint) throw new Error(`no SQS endpoint in the stack output:\n${s.output()}`);
    const client = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const dlq = async () => (await client.send(new ListQueuesCommand({ QueueNamePrefix: 'StateRemapDlq' }))).QueueUrls![0]!;
    return { client, dlq };
  };
  const listAll = async (base: string, accountId: string, key: string): Promise<Purchase[]> => {
    const out: Purchase[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        base,
        'GET',
        `/v1/accounts/${accountId}/purchases?customer=END-1&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        key,
      );
      out.push(...(page.body.items as Purchase[]));
      cursor = page.body.next as string | null;
    } while (cursor);
    return out;
  };
  const until = async <T>(what: string, timeoutMs: number, check: () => Promise<T | null>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  test('messages in a DLQ and a re-evaluation in flight are all there after the restart', async () => {
    stack = await startStackProcess({ dataDir: dir, adminKey, logFile });
    const base = stack.url;
    const first = sqsOf(stack);
    const dlq = await first.dlq();

    // 100 messages in a dead-letter queue nothing consumes.
    for (let i = 0; i < 100; i += 10) {
      const out = await first.client.send(
        new SendMessageBatchCommand({
          QueueUrl: dlq,
          Entries: Array.from({ length: 10 }, (_, n) => ({ Id: String(n), MessageBody: `{"dead":${i + n}}` })),
        }),
      );
      expect(out.Successful).toHaveLength(10);
    }

    // 1,000 purchases at 0.05 a unit, then a price change whose re-evaluation is killed half-way.
    const id = `qd-${randomBytes(4).toString('hex')}`;
    expect((await call(base, 'POST', '/v1/accounts', adminKey, { id, name: 'Queues', roles: ['vendor'], currency: 'EUR' })).status).toBe(201);
    const key = (await call(base, 'POST', `/v1/accounts/${id}/keys`, adminKey, { role: 'admin' })).body.key as string;
    const a = (p: string) => `/v1/accounts/${id}${p}`;
    expect((await call(base, 'PUT', a('/customer-clusters/all'), key, { name: 'All' })).status).toBe(201);
    expect((await call(base, 'PUT', a('/customers/END-1'), key, { name: 'End 1', cluster: 'all', currency: 'EUR' })).status).toBe(201);
    expect((await call(base, 'PUT', a('/product-clusters/voice'), key, { name: 'Voice', aliases: ['voice-min'] })).status).toBe(201);
    const rule = (unitPrice: string) => ({
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice },
    });
    expect((await call(base, 'PUT', a('/price-rules/voice'), key, rule('0.05'))).status).toBe(201);
    const purchases = Array.from({ length: 1000 }, (_, i) => ({
      reference: `q-${i}`,
      productLabel: 'voice-min',
      customerCode: 'END-1',
      quantity: '100',
      purchaseDate: '2026-10-10',
    }));
    expect((await call(base, 'POST', a('/purchases'), key, { purchases })).body.accepted).toHaveLength(1000);
    await until('all 1,000 rated at 5', 60_000, async () =>
      (await listAll(base, id, key)).filter((p) => p.amount === '5').length === 1000 ? true : null,
    );

    expect((await call(base, 'PUT', a('/price-rules/voice'), key, rule('0.07'))).status).toBe(200);
    // Only the stack process: its DynamoDB Local JVM is orphaned, as after a crash of `npm start` alone.
    const jvm = (JSON.parse(fs.readFileSync(path.join(dir, 'dynamodb.pid'), 'utf8')) as { jvm: number }).jvm;
    stack.child.kill('SIGKILL');
    await new Promise((r) => stack!.child.once('exit', r));
    first.client.destroy();
    expect(running(jvm)).toBe(true);

    stack = await startStackProcess({ dataDir: dir, adminKey, logFile });
    // The next start on the data dir stops the orphan before its own JVM opens the database.
    expect(stack.output()).toContain(`stopped DynamoDB Local (pid ${jvm}) left running on this data dir`);
    expect(running(jvm)).toBe(false);
    const restarted = Date.now();
    const restored = Number(/sqs: (\d+) message\(s\) from the queue log queued again/.exec(stack.output())?.[1] ?? 0);
    expect(restored).toBeGreaterThan(100); // the DLQ's 100 and at least one message of the re-evaluation

    const second = sqsOf(stack);
    const attrs = await second.client.send(
      new GetQueueAttributesCommand({ QueueUrl: await second.dlq(), AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('100');
    second.client.destroy();

    // Well before the reconciler would re-run a stalled re-evaluation (45 s without progress): the queued
    // messages themselves finish it.
    await until('all 1,000 re-priced at 7', 40_000, async () =>
      (await listAll(stack!.url, id, key)).filter((p) => p.amount === '7').length === 1000 ? true : null,
    );
    expect(Date.now() - restarted).toBeLessThan(40_000);
    expect(await stack.stop()).toBe(0);
    stack = null;
    expect(fs.existsSync(path.join(dir, 'dynamodb.pid'))).toBe(false);
  });
});
