import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnStart, startStackProcess, type StackProcess } from './stack-process';

/** Its own stacks and data dir: `npm start` stopped and started again keeps everything. */
describe('restarting the local stack', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-restart-'));
  const logFile = path.join(dir, 'stack.log');
  let stack: StackProcess | null = null;

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, url: string, key: string, body?: unknown) => {
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const finished = (child: ReturnType<typeof spawnStart>) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      let output = '';
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      child.once('exit', (code) => resolve({ code, output }));
    });

  test('data, the generated admin key and the port rules survive a clean stop', async () => {
    // First start: no admin key given, so one is generated, printed and kept (0600).
    stack = await startStackProcess({ dataDir: dir, logFile });
    const printed = /platform admin key \(generated[^)]*\): (bs_admin_\S+)/.exec(stack.output())?.[1];
    expect(printed).toBeDefined();
    const adminKey = printed!;
    expect(fs.readFileSync(path.join(dir, 'admin-key'), 'utf8').trim()).toBe(adminKey);
    expect(fs.statSync(path.join(dir, 'admin-key')).mode & 0o777).toBe(0o600);

    const id = `rs-${randomBytes(4).toString('hex')}`;
    expect((await call('POST', `${stack.url}/v1/accounts`, adminKey, { id, name: 'Restart', roles: ['vendor'], currency: 'EUR' })).status).toBe(201);
    const key = (await call('POST', `${stack.url}/v1/accounts/${id}/keys`, adminKey, { role: 'admin' })).body.key as string;
    expect((await call('PUT', `${stack.url}/v1/accounts/${id}/customer-clusters/all`, key, { name: 'All' })).status).toBe(201);

    // A second stack on the same port is refused with a one-line message.
    const port = new URL(stack.url).port;
    const clash = await finished(spawnStart({ dataDir: fs.mkdtempSync(path.join(dir, 'other-')), port: Number(port), adminKey: 'x' }));
    expect(clash.code).toBe(1);
    expect(clash.output.trim()).toBe(`port ${port} is in use: set PORT to a free port`);

    // A second stack on the same data dir is refused before it opens anything there; the first one is untouched.
    const pid = stack.child.pid;
    const twin = await finished(spawnStart({ dataDir: dir, adminKey: 'x' }));
    expect(twin.code).toBe(1);
    expect(twin.output.trim()).toBe(
      `another Billstream (pid ${pid}) is running on this data dir; stop it first or set BILLSTREAM_DATA_DIR to another folder`,
    );
    expect((await call('GET', `${stack.url}/v1/accounts/${id}/customer-clusters/all`, key)).status).toBe(200);

    // SIGTERM: a clean stop, exit code 0.
    expect(await stack.stop()).toBe(0);
    stack = null;

    // Second start on the same data dir: same key (not generated again), same data.
    stack = await startStackProcess({ dataDir: dir, logFile });
    expect(stack.output()).not.toMatch(/generated/);
    const read = await call('GET', `${stack.url}/v1/accounts/${id}/customer-clusters/all`, key);
    expect(read).toMatchObject({ status: 200, body: { id: 'all', name: 'All' } });
    expect(await stack.stop()).toBe(0);
    stack = null;
  });

  test('without Java the stack says what to install, in one line', async () => {
    const nodeOnly = fs.mkdtempSync(path.join(dir, 'bin-'));
    const result = await finished(spawnStart({ dataDir: fs.mkdtempSync(path.join(dir, 'nojava-')), adminKey: 'x', env: { PATH: nodeOnly } }));
    expect(result.code).toBe(1);
    expect(result.output.trim()).toBe('Java 17+ is required for DynamoDB Local: install a JDK (e.g. apt-get install openjdk-17-jre-headless)');
  });
});
