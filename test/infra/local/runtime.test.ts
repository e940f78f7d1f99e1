import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FunctionHost, type LocalFunction } from '../../../infra/local/functions';
import { Resolver } from '../../../infra/local/intrinsics';
import { encodeEventKey, matchingNotifications, type S3Notification } from '../../../infra/local/s3-notifications';
import { awsCronToCroner } from '../../../infra/local/schedules';
import { Cron } from 'croner';

describe('intrinsics', () => {
  const r = new Resolver();
  r.define('Table', 'TableName', { Arn: 'arn:aws:dynamodb:us-east-1:123456789012:table/TableName' });
  r.define('AdminKeyHash', 'abc');

  test('Ref, GetAtt, Join, Select, Split, Sub and pseudo parameters', () => {
    expect(r.resolve({ Ref: 'Table' }, 'x')).toBe('TableName');
    expect(r.resolve({ Ref: 'AdminKeyHash' }, 'x')).toBe('abc');
    expect(r.resolve({ 'Fn::GetAtt': ['Table', 'Arn'] }, 'x')).toMatch(/table\/TableName$/);
    expect(r.resolve({ 'Fn::Join': ['-', ['a', { Ref: 'Table' }]] }, 'x')).toBe('a-TableName');
    expect(r.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['Table', 'Arn'] }] }] }, 'x')).toBe('TableName');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: `${...}` is CloudFormation's Fn::Sub syntax, the input under test
    expect(r.resolve({ 'Fn::Sub': 'cdk-${AWS::AccountId}-${AWS::Region}-${Table}' }, 'x')).toBe('cdk-123456789012-us-east-1-TableName');
  });

  test('anything unknown fails, naming where', () => {
    expect(() => r.resolve({ Ref: 'Nope' }, 'Fn.Environment.X')).toThrow(/Fn.Environment.X: Ref to 'Nope'/);
    expect(() => r.resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] }, 'y')).toThrow(/not known locally/);
    expect(() => r.resolve({ 'Fn::ImportValue': 'z' }, 'y')).toThrow(/does not support Fn::ImportValue/);
  });
});

describe('S3 notifications', () => {
  const n: S3Notification = { id: 'n1', bucket: 'data', functionId: 'Drop', events: ['s3:ObjectCreated:*'], prefix: 'drops/', suffix: '.csv' };
  const record = (key: string, eventName = 'ObjectCreated:Put') => ({ eventName, eventTime: '', s3: { bucket: { name: 'data' }, object: { key } } });

  test('prefix, suffix and event type filter like S3', () => {
    expect(matchingNotifications([n], record('drops/acme/a.csv'))).toEqual([n]);
    expect(matchingNotifications([n], record('drops/acme/results/a.json'))).toEqual([]);
    expect(matchingNotifications([n], record('other/a.csv'))).toEqual([]);
    expect(matchingNotifications([n], record('drops/acme/a.csv', 'ObjectRemoved:Delete'))).toEqual([]);
  });

  test('keys are URL-encoded in records as S3 does (space as +, slash kept)', () => {
    expect(encodeEventKey('drops/acme/my file (1).csv')).toBe('drops/acme/my+file+%281%29.csv');
    expect(decodeURIComponent(encodeEventKey('drops/a/b+c é.csv').replace(/\+/g, ' '))).toBe('drops/a/b+c é.csv');
  });
});

describe('schedules: AWS cron to croner', () => {
  const next = (expr: string, from: string) =>
    new Cron(awsCronToCroner(expr).pattern, { timezone: 'UTC', paused: true }).nextRun(new Date(from))?.toISOString();

  test('six AWS fields, ? as any, day-of-week 1-7 = SUN-SAT', () => {
    expect(awsCronToCroner('0/15 * * * ? *').pattern).toBe('0 0/15 * * * *');
    expect(next('0 10 ? * 2 *', '2026-11-22T00:00:00Z')).toBe('2026-11-23T10:00:00.000Z'); // Monday
    expect(next('30 6 ? * MON-FRI *', '2026-11-21T07:00:00Z')).toBe('2026-11-23T06:30:00.000Z');
    expect(next('0 0 1 * ? *', '2026-11-22T00:00:00Z')).toBe('2026-12-01T00:00:00.000Z');
    expect(next('0 9 ? * 3#2 *', '2026-11-01T00:00:00Z')).toBe('2026-11-10T09:00:00.000Z'); // 2nd Tuesday
  });

  test('the year field filters firings; W is refused', () => {
    expect(awsCronToCroner('0 0 1 1 ? 2027').years?.(2026)).toBe(false);
    expect(awsCronToCroner('0 0 1 1 ? 2027').years?.(2027)).toBe(true);
    expect(() => awsCronToCroner('0 0 15W * ? *')).toThrow(/not supported/);
  });
});

describe('function environments', () => {
  const fn = (logicalId: string, environment: Record<string, string>): LocalFunction => ({
    logicalId,
    name: logicalId,
    arn: `arn:${logicalId}`,
    codeDir: '/nowhere',
    handler: 'index.handler',
    timeoutMs: 1000,
    memoryMb: 128,
    environment,
  });

  test('one name with two values across functions is refused', () => {
    expect(() => new FunctionHost([fn('A', { LOG_LEVEL: 'INFO' }), fn('B', { LOG_LEVEL: 'DEBUG' })], () => undefined)).toThrow(
      /LOG_LEVEL is 'INFO' for A but 'DEBUG' for B/,
    );
  });

  test('a bundle sees only its own variables while it loads, and handlers time out like Lambda', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-fn-'));
    fs.writeFileSync(
      path.join(dir, 'index.js'),
      'const seen = { own: process.env.OWN, other: process.env.OTHER };\n' +
        'exports.handler = async (event, context) => event.sleep ? new Promise((r) => setTimeout(r, event.sleep)) : ({ seen, remaining: context.getRemainingTimeInMillis(), name: context.functionName });\n',
    );
    const host = new FunctionHost([{ ...fn('Mine', { OWN: 'a' }), codeDir: dir, timeoutMs: 300 }, fn('Theirs', { OTHER: 'b' })], () => undefined);
    host.applyEnvironment();
    try {
      expect(process.env.OTHER).toBe('b');
      const result = (await host.invoke('Mi', {})) as { seen: Record<string, string | undefined>; remaining: number; name: string };
      expect(result.seen).toEqual({ own: 'a', other: undefined });
      expect(result.remaining).toBeGreaterThan(0);
      expect(result.remaining).toBeLessThanOrEqual(300);
      expect(result.name).toBe('Mine');
      await expect(host.invoke('Mine', { sleep: 1000 })).rejects.toThrow(/Task timed out after 0.30 seconds/);
      expect(host.busy).toBe(0);
    } finally {
      host.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(process.env.OTHER).toBeUndefined();
  });
});

describe('asynchronous invocations', () => {
  test('failures are retried twice, then given up', async () => {
    const { AsyncInvoker } = await import('../../../infra/local/async-invoke');
    let calls = 0;
    const lines: string[] = [];
    const invoker = new AsyncInvoker(
      async () => {
        calls += 1;
        throw new Error('boom');
      },
      (l) => lines.push(l),
    );
    invoker.submit('Fn', {}, 'an S3 event');
    expect(invoker.pending).toBe(1);
    const deadline = Date.now() + 10_000;
    while (invoker.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(3);
    expect(lines.at(-1)).toMatch(/attempt 3, giving up/);
  });

  test('an invocation is in the journal from its submit until it settles: a SIGKILL loses none, the next start runs it', async () => {
    const { AsyncInvoker } = await import('../../../infra/local/async-invoke');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-async-'));
    const file = path.join(dir, 'async.json');
    const event = { Records: [{ s3: { object: { key: 'drops/a/x.csv' } } }] };
    // a run that never ends and is never stopped: the process is killed with it
    const killed = new AsyncInvoker(
      () => new Promise(() => undefined),
      () => undefined,
      file,
    );
    killed.submit('Drop', event, 's3://data/drops/a/x.csv');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual([{ functionId: 'Drop', event, what: 's3://data/drops/a/x.csv' }]);

    const seen: unknown[] = [];
    let release: () => void = () => undefined;
    const next = new AsyncInvoker(
      async (_fn, e) => {
        seen.push(e);
        await new Promise<void>((r) => (release = r));
      },
      () => undefined,
      file,
    );
    // a schedule fired before the carried invocations are resumed keeps them in the journal
    next.submit('Tick', { tick: 1 }, 'schedule');
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as Array<{ functionId: string }>).map((i) => i.functionId)).toEqual(['Drop', 'Tick']);
    release();
    expect(next.resume()).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    release();
    await next.stop(1000);
    expect(seen).toEqual([{ tick: 1 }, event]);
    expect(fs.existsSync(file)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('what is unfinished at a clean stop stays in the journal; a damaged journal is set aside, not half-read', async () => {
    const { AsyncInvoker } = await import('../../../infra/local/async-invoke');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-async-'));
    const file = path.join(dir, 'async.json');
    const first = new AsyncInvoker(
      () => new Promise(() => undefined),
      () => undefined,
      file,
    );
    first.submit('Drop', { n: 1 }, 'one');
    await first.stop(50);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toHaveLength(1);

    fs.writeFileSync(file, '[{"functionId":"Dr');
    const lines: string[] = [];
    const second = new AsyncInvoker(
      async () => undefined,
      (line) => lines.push(line),
      file,
    );
    expect(second.resume()).toBe(0);
    expect(lines.join('\n')).toMatch(/journal unreadable .*set aside as .*async\.json\.damaged-/);
    expect(fs.readdirSync(dir).filter((f) => f.includes('damaged'))).toHaveLength(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('s3rver', () => {
  test('a delete and a put in the same folder at the same time do not race (s3rver removed empty folders)', async () => {
    const { startS3, S3RVER_CREDENTIALS } = await import('../../../infra/local/engines/s3');
    const { S3Client, CreateBucketCommand, PutObjectCommand, DeleteObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-s3-'));
    const engine = await startS3(dir, () => undefined);
    const s3 = new S3Client({ endpoint: engine.endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS, forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'race' }));
      for (let i = 0; i < 100; i++) {
        await s3.send(new PutObjectCommand({ Bucket: 'race', Key: `inflight/a/${i}.json`, Body: '{}' }));
        await Promise.all([
          s3.send(new DeleteObjectCommand({ Bucket: 'race', Key: `inflight/a/${i}.json` })),
          s3.send(new PutObjectCommand({ Bucket: 'race', Key: `inflight/a/${i}-next.json`, Body: '{}' })),
        ]);
        await s3.send(new DeleteObjectCommand({ Bucket: 'race', Key: `inflight/a/${i}-next.json` }));
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'race', Prefix: 'inflight/', Delimiter: '/' }));
      expect(listed.Contents ?? []).toEqual([]);
      expect(listed.CommonPrefixes ?? []).toEqual([]);
    } finally {
      s3.destroy();
      await engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
