import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { DynamoReevaluationStore } from '../../shared/ingest/adapters/dynamo/reevaluations';
import { keys } from '../../shared/storage/keys';
import type { ReevaluationRecord } from '../../shared/ingest/ports';

type Purchase = { reference: string; amount: string | null };

/**
 * Its own local stack in this process, so that a queue's pollers can be paused and its messages lost on
 * purpose: a re-evaluation whose part went missing stays `running`; one reconciler run re-runs it and every
 * purchase ends re-priced, the ones already re-priced without a second write. An export whose message was
 * lost stays `running` until the reconciler sends it again.
 */
describe('work that lost a message is finished by the reconciler', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-reeval-'));
  const adminKey = `bs_admin_${randomBytes(24).toString('base64url')}`;
  let stack: LocalStack;
  let sqs: SQSClient;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, dataDir: dir, adminKey, log: () => undefined, environmentOverrides: { LOG_LEVEL: 'ERROR' } });
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    sqs = new SQSClient({ endpoint: stack.endpoints.sqs, region: 'us-east-1', credentials });
    doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb, region: 'us-east-1', credentials }));
  }, 180_000);

  afterAll(async () => {
    sqs?.destroy();
    doc?.destroy();
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, url: string, key: string, body?: unknown) => {
    const res = await fetch(`${stack.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const receiveAll = async (QueueUrl: string, expected: number): Promise<Message[]> => {
    const out: Message[] = [];
    const deadline = Date.now() + 10_000;
    while (out.length < expected && Date.now() < deadline) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 300 }));
      out.push(...(got.Messages ?? []));
    }
    return out;
  };
  /** Open work of `pk`/`id` made its last progress ten minutes ago (its heartbeat and open-work sort key moved back). */
  const stalledLongAgo = async (pk: string, accountId: string, id: string) => {
    const longAgo = new Date(Date.now() - 10 * 60_000).toISOString();
    await doc.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: { pk, sk: id },
        UpdateExpression: 'SET heartbeatAt = :at, gsi1sk = :sort',
        ExpressionAttributeValues: { ':at': longAgo, ':sort': keys.openWorkSort(longAgo, accountId, id) },
      }),
    );
  };
  /** One run of the reconciler function: its outcome per part. */
  const reconcile = async () => ((await stack.invoke('RecoveryReconciler', {})) as { parts: Record<string, unknown> }).parts;
  const sqsEvent = (m: Message, queueArn: string) => ({
    Records: [
      {
        messageId: m.MessageId,
        receiptHandle: m.ReceiptHandle,
        body: m.Body,
        attributes: { ApproximateReceiveCount: '1' },
        messageAttributes: {},
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: 'us-east-1',
      },
    ],
  });

  test('a lost part: running until the reconciler runs, then done with every purchase re-priced', async () => {
    const id = `rv-${randomBytes(4).toString('hex')}`;
    expect((await call('POST', '/v1/accounts', adminKey, { id, name: 'Re-evaluation', roles: ['vendor'], currency: 'EUR' })).status).toBe(201);
    const key = (await call('POST', `/v1/accounts/${id}/keys`, adminKey, { role: 'admin' })).body.key as string;
    const a = (p: string) => `/v1/accounts/${id}${p}`;
    await call('PUT', a('/customer-clusters/all'), key, { name: 'All' });
    await call('PUT', a('/customers/END-1'), key, { name: 'End 1', cluster: 'all', currency: 'EUR' });
    await call('PUT', a('/product-clusters/voice'), key, { name: 'Voice', aliases: ['voice-min'] });
    const rule = (unitPrice: string) => ({
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice },
    });
    expect((await call('PUT', a('/price-rules/voice'), key, rule('0.05'))).status).toBe(201);
    const references = Array.from({ length: 600 }, (_, i) => `rv-${String(i).padStart(3, '0')}`);
    const purchases = references.map((reference) => ({
      reference,
      productLabel: 'voice-min',
      customerCode: 'END-1',
      quantity: '100',
      purchaseDate: '2026-10-10',
    }));
    expect((await call('POST', a('/purchases'), key, { purchases })).body.accepted).toHaveLength(600);
    await stack.idle();

    const remapQueue = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'StateRemapQueue' }))).QueueUrls![0]!;
    const remapArn = `arn:aws:sqs:us-east-1:123456789012:${remapQueue.split('/').pop()}`;
    let reevaluationId = '';
    await stack.withoutQueue('StateRemapQueue', async () => {
      // The price change starts a tracked re-evaluation: its record, then its message.
      expect((await call('PUT', a('/price-rules/voice'), key, rule('0.07'))).status).toBe(200);
      const [start] = await receiveAll(remapQueue, 1);
      const message = JSON.parse(start!.Body!) as { type: string; reevaluationId: string; attempt: number };
      expect(message).toMatchObject({ type: 'reevaluate', attempt: 1 });
      reevaluationId = message.reevaluationId;
      // Planned by the consumer itself; its three parts of 250, 250 and 100 wait in the paused queue.
      await stack.invoke('IngestRemapConsumer', sqsEvent(start!, remapArn));
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: remapQueue, Entries: [{ Id: '0', ReceiptHandle: start!.ReceiptHandle! }] }));
      const parts = await receiveAll(remapQueue, 3);
      expect(parts.map((p) => (JSON.parse(p.Body!) as { part: number }).part).sort()).toEqual([0, 1, 2]);
      // One part is lost; the other two go back to the queue.
      const [lost, ...kept] = parts;
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: remapQueue, Entries: [{ Id: '0', ReceiptHandle: lost!.ReceiptHandle! }] }));
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: remapQueue,
          Entries: kept.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    });
    await stack.idle();

    const store = new DynamoReevaluationStore(doc, stack.tableName);
    const stalled = (await store.get(id, reevaluationId)) as ReevaluationRecord;
    expect(stalled).toMatchObject({ status: 'running', attempt: 1, parts: 3 });
    expect(stalled.finished).toHaveLength(2);
    const amounts = async () => {
      const items = [];
      for (let i = 0; i < references.length; i += 100) {
        const out = await doc.send(
          new BatchGetCommand({ RequestItems: { [stack.tableName]: { Keys: references.slice(i, i + 100).map((r) => keys.purchase(id, r)) } } }),
        );
        items.push(...((out.Responses?.[stack.tableName] ?? []) as Array<Purchase & { version: number }>));
      }
      return new Map(items.map((p) => [p.reference, p]));
    };
    const before = await amounts();
    const stale = [...before.values()].filter((p) => p.amount === '5');
    expect(stale.length).toBeGreaterThan(0); // the lost part's purchases (100 or 250) keep the old price
    expect([...before.values()].filter((p) => p.amount === '7')).toHaveLength(600 - stale.length);

    // Ten minutes without progress (the heartbeat moved back), then one run of the reconciler function.
    await stalledLongAgo(keys.reevaluations(id), id, reevaluationId);
    expect((await reconcile())['re-evaluations']).toEqual({ resumed: 1, failed: 0 });
    await stack.idle();

    expect(await store.get(id, reevaluationId)).toMatchObject({ status: 'done', attempt: 2, resumes: 1, parts: 3, finished: [0, 1, 2] });
    const after = await amounts();
    expect([...after.values()].filter((p) => p.amount === '7')).toHaveLength(600);
    // Re-running it whole wrote only the purchases that were still stale.
    for (const [reference, p] of before) expect(after.get(reference)!.version).toBe(p.amount === '7' ? p.version : p.version + 1);
  });

  test('a lost export message: running until the reconciler sends it again, then the file', async () => {
    const id = `ex-${randomBytes(4).toString('hex')}`;
    expect((await call('POST', '/v1/accounts', adminKey, { id, name: 'Export', roles: ['vendor'], currency: 'EUR' })).status).toBe(201);
    const key = (await call('POST', `/v1/accounts/${id}/keys`, adminKey, { role: 'admin' })).body.key as string;
    const billingQueue = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'StateBillingQueue' }))).QueueUrls![0]!;
    let exportId = '';
    await stack.withoutQueue('StateBillingQueue', async () => {
      const created = await call('POST', `/v1/accounts/${id}/exports`, key, {
        kind: 'invoices',
        format: 'csv',
        periodStart: '2026-10-01',
        periodEnd: '2026-11-01',
      });
      expect(created).toMatchObject({ status: 201, body: { status: 'running' } });
      exportId = created.body.id as string;
      // the message is lost
      const [message] = await receiveAll(billingQueue, 1);
      expect(JSON.parse(message!.Body!)).toEqual({ type: 'export', accountId: id, exportId });
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: billingQueue, Entries: [{ Id: '0', ReceiptHandle: message!.ReceiptHandle! }] }));
    });
    await stack.idle();
    expect(await call('GET', `/v1/accounts/${id}/exports/${exportId}`, key)).toMatchObject({ status: 202, body: { status: 'running' } });

    // a reconciler run while it is recent leaves it alone
    expect((await reconcile()).exports).toEqual({ resumed: 0, failed: 0 });
    // ten minutes without progress, then one run of the reconciler
    await stalledLongAgo(keys.exports(id), id, exportId);
    expect((await reconcile()).exports).toEqual({ resumed: 1, failed: 0 });
    await stack.idle();
    const res = await fetch(`${stack.url}/v1/accounts/${id}/exports/${exportId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect((await res.text()).split('\n')[0]).toMatch(/^id,/);
  });
});
