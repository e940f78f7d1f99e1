import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startStackProcess, type StackProcess } from './stack-process';

/**
 * Work that survives a crash, on the real local engines: a billing cycle and a stream run are under way
 * when the whole local stack is killed (SIGKILL, its DynamoDB Local with it) and every queued message is
 * lost (the queue log removed, as a message gone to a DLQ or an in-memory queue would be). After a restart
 * on the same data dir, nothing but the reconciler can finish them: it resumes the cycle from its state
 * and re-drives the run as a new attempt. Its own stack, with a 3 s threshold and the once-a-minute
 * schedule firing every 2 s, so that this takes seconds.
 */
describe('recovery: the reconciler finishes work whose messages were lost', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-recovery-'));
  const logFile = path.join(dir, 'stack.log');
  const adminKey = `bs_admin_${randomBytes(24).toString('base64url')}`;
  // BILLSTREAM_RECOVERY_DEFAULTS=1 measures with the production threshold (45 s) and schedule (1 minute)
  const defaults = process.env.BILLSTREAM_RECOVERY_DEFAULTS === '1';
  const env: Record<string, string> = defaults ? {} : { BILLSTREAM_STALE_AFTER_SECONDS: '3', BILLSTREAM_LOCAL_RATE_SECONDS: '2' };
  let stack: StackProcess | null = null;

  afterAll(async () => {
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const CUSTOMERS = Number(process.env.BILLSTREAM_RECOVERY_CUSTOMERS ?? 120); // 120: two partitions of invoicers
  const POSTS = 12; // twelve journal objects: two collectors
  const ROWS = 150_000; // a stream run of a few seconds
  const OCTOBER = { periodStart: '2026-10-01', periodEnd: '2026-11-01' };
  type Invoice = { id: string; customer: string; currency: string; status: string; total: string };
  type Cycle = { id: string; status: string; run: number; report: { errors: unknown; totals: Record<string, unknown> } };
  type Batch = { status: string; failure: string | null };

  let account = '';
  let key = '';
  const call = async (method: string, p: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(`${stack!.url}/v1/accounts/${account}${p}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (res.headers.get('content-type') ?? '').includes('json') && text ? (JSON.parse(text) as unknown) : text };
  };
  const until = async <T>(what: string, fn: () => Promise<T | null>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  const octoberInvoices = async () => {
    const invoices: Invoice[] = [];
    let cursor: string | null = null;
    do {
      const page = (await call('GET', `/invoices?periodStart=2026-10-01&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body as {
        items: Invoice[];
        next: string | null;
      };
      invoices.push(...page.items);
      cursor = page.next;
    } while (cursor);
    return invoices;
  };

  /** SIGKILL of the stack process and everything it started (the JVM of DynamoDB Local), like a power cut. */
  const killTree = (pid: number) => {
    const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
    const tree = [pid];
    for (let i = 0; i < tree.length; i++) for (const [child, parent] of table) if (parent === tree[i]) tree.push(child);
    for (const p of tree) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  test('a cycle and a stream run killed mid-way complete after a restart, exactly once', async () => {
    stack = await startStackProcess({ dataDir: dir, adminKey, logFile, env });
    account = `rc-${randomBytes(4).toString('hex')}`;
    const admin = (p: string, body: unknown) =>
      fetch(`${stack!.url}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));
    expect((await admin('/v1/accounts', { id: account, name: 'Recovery', roles: ['vendor'], currency: 'EUR' })).status).toBe(201);
    key = ((await admin(`/v1/accounts/${account}/keys`, { role: 'admin' })).body as { key: string }).key;

    expect((await call('PUT', '/customer-clusters/all', { name: 'All' })).status).toBe(201);
    expect((await call('PUT', '/product-clusters/voice', { name: 'Voice', aliases: ['voice-min'] })).status).toBe(201);
    expect(
      (
        await call('PUT', '/price-rules/voice', {
          productCluster: 'voice',
          currency: 'EUR',
          validFrom: '2026-01-01',
          model: { type: 'standard', unitPrice: '0.25' },
        })
      ).status,
    ).toBe(201);
    for (let i = 0; i < CUSTOMERS; i += 20) {
      const saved = await Promise.all(
        Array.from({ length: 20 }, (_, j) => call('PUT', `/customers/K${i + j}`, { name: `Customer ${i + j}`, cluster: 'all', currency: 'EUR' })),
      );
      expect(saved.map((r) => r.status)).toEqual(Array(20).fill(201));
    }
    const references: { reference: string; customer: string }[] = [];
    for (let post = 0; post < POSTS; post++) {
      const purchases = Array.from({ length: (2 * CUSTOMERS) / POSTS }, (_, i) => {
        const n = post * ((2 * CUSTOMERS) / POSTS) + i;
        const customer = `K${n % CUSTOMERS}`;
        references.push({ reference: `r-${n}`, customer });
        return { reference: `r-${n}`, customerCode: customer, productLabel: 'voice-min', quantity: '4', purchaseDate: '2026-10-07' };
      });
      const posted = await call('POST', '/purchases', { purchases });
      expect(posted).toMatchObject({ status: 202, body: { accepted: purchases.map((p) => p.reference) } });
    }
    await until(
      'all purchases rated',
      async () => (((await call('GET', `/purchases/${references.at(-1)!.reference}`)).body as { status: string }).status === 'rated' ? true : null),
      30_000,
    );

    expect(
      (await call('PUT', '/streams/usage', { kind: 'pricing', type: 'simple', source: { upload: true }, currency: 'EUR', stages: [] })).status,
    ).toBe(201);
    const csv = `sku,quantity\n${Array.from({ length: ROWS }, (_, i) => `s${i % 97},${(i % 13) + 1}`).join('\n')}\n`;
    expect((await call('PUT', '/streams/usage/upload', csv, 'text/csv')).status).toBe(200);

    // Both are started, and the stack dies at once with everything it had queued.
    const started = await call('POST', '/billing-cycles', OCTOBER);
    expect(started.status).toBe(202);
    const cycleId = (started.body as Cycle).id;
    const run = await call('POST', '/streams/usage/runs', OCTOBER);
    expect(run.status).toBe(202);
    const batchId = (run.body as { batch: string }).batch;
    killTree(stack.child.pid!);
    await new Promise((resolve) =>
      stack!.child.exitCode !== null || stack!.child.signalCode !== null ? resolve(null) : stack!.child.once('exit', resolve),
    );
    stack = null;
    fs.rmSync(path.join(dir, 'sqs'), { recursive: true, force: true });
    fs.rmSync(path.join(dir, 'async-invocations.json'), { force: true });

    const restartedAt = Date.now();
    stack = await startStackProcess({ dataDir: dir, adminKey, logFile, env });
    // Nothing is queued for them any more: the cycle and the batch are open work, stopped.
    const stuck = await call('GET', `/billing-cycles/${cycleId}`);
    expect((stuck.body as Cycle).status).toBe('running');
    // A start of the stuck cycle's period answers that cycle, still running.
    expect(await call('POST', '/billing-cycles', OCTOBER)).toMatchObject({ status: 202, body: { id: cycleId, status: 'running' } });

    const cycle = await until(
      'the cycle completed',
      async () => {
        const c = (await call('GET', `/billing-cycles/${cycleId}`)).body as Cycle;
        if (c.status === 'failed') throw new Error(`the cycle failed: ${JSON.stringify(c.report.errors)}`);
        return c.status === 'completed' ? c : null;
      },
      defaults ? 240_000 : 60_000,
    );
    const cycleSeconds = (Date.now() - restartedAt) / 1000;
    expect(cycle.report).toMatchObject({ customersInvoiced: CUSTOMERS, invoices: CUSTOMERS, errors: { count: 0 } });
    expect(cycle.report.totals.EUR).toMatchObject({ invoices: CUSTOMERS, total: (2 * CUSTOMERS * 4 * 0.25).toFixed(2) });

    // exactly one draft per customer and currency, and every purchase on its customer's draft
    const invoices = await octoberInvoices();
    expect(invoices).toHaveLength(CUSTOMERS);
    expect(new Set(invoices.map((i) => `${i.customer}/${i.currency}`)).size).toBe(CUSTOMERS);
    expect(invoices.every((i) => i.status === 'draft' && i.total === '2.00')).toBe(true);
    const invoiceOf = new Map(invoices.map((i) => [i.customer, i.id]));
    for (let i = 0; i < references.length; i += 40) {
      const read = await Promise.all(
        references
          .slice(i, i + 40)
          .map(async (r) => ({ r, p: (await call('GET', `/purchases/${r.reference}`)).body as { status: string; invoice: string | null } })),
      );
      for (const { r, p } of read)
        expect({ reference: r.reference, status: p.status, invoice: p.invoice }).toEqual({
          reference: r.reference,
          status: 'invoiced',
          invoice: invoiceOf.get(r.customer),
        });
    }

    // the run was re-driven as a new attempt and finished with every row, served from that attempt's file
    const batch = await until(
      'the batch finished',
      async () => {
        const b = (await call('GET', `/batches/${batchId}`)).body as Batch;
        if (b.status === 'failed') throw new Error(`the run failed: ${b.failure}`);
        return b.status === 'draft' ? b : null;
      },
      defaults ? 240_000 : 60_000,
    );
    expect(batch).toMatchObject({ rows: ROWS, errors: 0, failure: null });
    const rows = (await call('GET', `/batches/${batchId}/rows?format=csv`)).body as string;
    expect(rows.trimEnd().split('\n')).toHaveLength(ROWS + 1);

    const log = stack.output();
    expect(log).toMatch(/billing cycle stopped making progress; resumed/);
    expect(log).toMatch(/stream batch stopped making progress; re-driven/);

    // a completed cycle regenerates as before: run 2, still one draft per customer
    expect((await call('POST', `/billing-cycles/${cycleId}/regenerate`)).status).toBe(202);
    const second = await until(
      'run 2 completed',
      async () => {
        const c = (await call('GET', `/billing-cycles/${cycleId}`)).body as Cycle;
        return c.status === 'completed' && c.run === 2 ? c : null;
      },
      120_000,
    );
    expect(second.report).toMatchObject({ invoices: CUSTOMERS, errors: { count: 0 } });
    const regenerated = await octoberInvoices();
    expect(new Set(regenerated.map((i) => `${i.customer}/${i.currency}`)).size).toBe(regenerated.length);
    expect(regenerated).toHaveLength(CUSTOMERS);
    process.stdout.write(`recovery: cycle of ${CUSTOMERS} customers completed ${cycleSeconds.toFixed(1)} s after the restart began\n`);
  }, 600_000);
});
