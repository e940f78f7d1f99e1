/**
 * Issue 4: a billing cycle on the embedded local stack, end to end over HTTP. Seeds an account
 * (customers, five products with a price rule each, purchases of October 2026), waits until every
 * purchase is rated, then times `POST /billing-cycles` until the cycle is `completed`.
 *
 * `benchBillingCycle` runs against a stack that is already up (npm run bench passes its own); run this
 * file directly (`npx tsx bench/billing.ts [customers] [purchasesPerCustomer]`) to start one, count the
 * AWS requests of the cycle and print them priced per 1,000 invoices.
 */
import { client, must, postPurchases, seedAccount } from './seed';

export interface BillingBenchOptions {
  /** The running stack: its URL and platform admin key. */
  readonly url: string;
  readonly adminKey: string;
  readonly customers: number;
  readonly purchasesPerCustomer: number;
  /** Default `bench-billing`. */
  readonly accountId?: string;
  /** Resolves when the stack's queues are empty (LocalStack.idle); without it the purchases are polled. */
  readonly idle?: (timeoutMs: number) => Promise<void>;
  /** Called right before the cycle starts (e.g. to reset the AWS request meter). */
  readonly beforeCycle?: () => void | Promise<void>;
  /** Told the cycle's progress each time it moves, with the seconds since its start. */
  readonly trace?: (line: string) => void;
  /** Each customer also subscribes to a monthly in-advance plan (24.95) from 1 October: its invoice carries the fees. */
  readonly subscriptions?: boolean;
}

export interface BillingBenchResult {
  readonly customers: number;
  readonly purchases: number;
  readonly invoices: number;
  /** POST /billing-cycles → status completed. */
  readonly seconds: number;
  readonly invoicesPerSec: number;
  readonly purchasesPerSec: number;
  readonly cycle: { id: string; collectors: number; partitions: number };
  /** False when messages were still in flight two minutes after the cycle completed. */
  readonly settled: boolean;
}

const PRODUCTS = 5;
const UNIT_PRICES = ['0.0437', '0.05', '1.25', '0.0004', '12'];
const PERIOD = { periodStart: '2026-10-01', periodEnd: '2026-11-01' };

export async function benchBillingCycle(options: BillingBenchOptions): Promise<BillingBenchResult> {
  const { customers, purchasesPerCustomer } = options;
  const accountId = options.accountId ?? 'bench-billing';
  const api = client(options.url);
  const key = await seedAccount(api, options.adminKey, accountId, customers, PRODUCTS);
  const base = `/v1/accounts/${accountId}`;
  for (let i = 0; i < PRODUCTS; i++) {
    const rule = { productCluster: `p${i}`, currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: UNIT_PRICES[i] } };
    await must(api.call('PUT', `${base}/price-rules/p${i}`, rule, key), 'price rule');
  }
  if (options.subscriptions) await subscribeAll(api, base, key, customers);
  const total = customers * purchasesPerCustomer;
  await postPurchases(api, accountId, key, total, customers);
  if (options.idle) await options.idle(1_800_000);
  await until(async () => {
    const last = (await must(api.call('GET', `${base}/purchases/bench-${total - 1}`, undefined, key), 'purchase')) as { status: string };
    return last.status === 'rated';
  }, 1_800_000);

  await options.beforeCycle?.();
  const start = performance.now();
  const started = (await must(api.call('POST', `${base}/billing-cycles`, PERIOD, key), 'cycle')) as { id: string };
  let lastProgress = '';
  let cycle:
    | {
        status: string;
        progress: { collectors: number; collected?: number; partitions: number; invoiced?: number } | null;
        report: { invoices: number; errors: { count: number; items: unknown[] } };
      }
    | undefined;
  await until(async () => {
    cycle = (await must(api.call('GET', `${base}/billing-cycles/${started.id}`, undefined, key), 'cycle')) as typeof cycle;
    if (cycle!.status === 'failed') throw new Error(`cycle failed: ${JSON.stringify(cycle!.report.errors)}`);
    const progress = JSON.stringify(cycle!.progress);
    if (options.trace && progress !== lastProgress) options.trace(`${((performance.now() - start) / 1000).toFixed(1)} s: ${progress}`);
    lastProgress = progress;
    return cycle!.status === 'completed';
  }, 3_600_000);
  const seconds = (performance.now() - start) / 1000;
  // Trailing work (a redelivered or retried message) still counts towards the cycle's requests; wait a little for it.
  let settled = true;
  if (options.idle) await options.idle(120_000).catch(() => (settled = false));
  const invoices = cycle!.report.invoices;
  if (invoices !== customers)
    throw new Error(`expected ${customers} invoices, the cycle made ${invoices} (${JSON.stringify(cycle!.report.errors.items.slice(0, 3))})`);
  return {
    customers,
    purchases: total,
    invoices,
    seconds,
    invoicesPerSec: invoices / seconds,
    purchasesPerSec: total / seconds,
    cycle: { id: started.id, collectors: cycle!.progress?.collectors ?? 0, partitions: cycle!.progress?.partitions ?? 0 },
    settled,
  };
}

/** A catalogue, one offer with a monthly in-advance fee, and one subscription per customer (20 PUTs at a time). */
async function subscribeAll(api: ReturnType<typeof client>, base: string, key: string, customers: number): Promise<void> {
  await must(api.call('PUT', `${base}/product-clusters/plans`, { name: 'Plans', aliases: [] }, key), 'plans cluster');
  await must(api.call('PUT', `${base}/catalogues/bench`, { name: 'Bench' }, key), 'catalogue');
  const offer = {
    catalogue: 'bench',
    name: 'Bench plan',
    currency: 'EUR',
    charges: [{ id: 'base', type: 'recurring', productCluster: 'plans', price: '24.95', period: 'month', timing: 'in-advance' }],
  };
  await must(api.call('PUT', `${base}/offers/plan`, offer, key), 'offer');
  for (let i = 0; i < customers; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, customers - i) }, (_, j) =>
        must(
          api.call('PUT', `${base}/subscriptions/s${i + j}`, { customer: `C${i + j}`, offer: 'plan', startDate: '2026-10-01' }, key),
          'subscription',
        ),
      ),
    );
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main() {
  process.env.BILLSTREAM_METER = '1';
  const [{ startLocalStack }, { meter, resetMeter, timings }, { costOf, scaled }, fs, os, path] = await Promise.all([
    import('../infra/local/stack'),
    import('../shared/storage/meter'),
    import('./prices'),
    import('node:fs'),
    import('node:os'),
    import('node:path'),
  ]);
  const customers = Number(process.argv[2] ?? 1000);
  const purchasesPerCustomer = Number(process.argv[3] ?? 10);
  // BENCH_CPU_PROFILE=<file>: a V8 CPU profile of this process (API, handlers, s3rver) from the cycle's start to its end
  const profile = process.env.BENCH_CPU_PROFILE ? await cpuProfiler(process.env.BENCH_CPU_PROFILE) : null;
  const dataDir = fs.mkdtempSync(path.join(process.env.BENCH_DATA_ROOT ?? os.tmpdir(), 'billstream-bench-billing-'));
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    adminKey: 'bench-admin-key',
    log: () => undefined,
    environmentOverrides: { LOG_LEVEL: 'ERROR' },
  });
  try {
    const result = await benchBillingCycle({
      url: stack.url,
      adminKey: stack.adminKey,
      customers,
      purchasesPerCustomer,
      subscriptions: process.env.BENCH_SUBSCRIPTIONS === '1',
      idle: (ms) => stack.idle(ms),
      trace: (line) => process.stderr.write(`${line}\n`),
      beforeCycle: async () => {
        if (profile) await profile.start();
        resetMeter();
        process.stderr.write(`cycle starts at ${new Date().toISOString()}\n`);
      },
    });
    if (profile) await profile.stop();
    const counts = { ...meter() };
    const perThousand = costOf(scaled(counts, 1000 / result.invoices));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.stdout.write(`per 1,000 invoices (${purchasesPerCustomer} purchases each):\n`);
    for (const line of perThousand.lines)
      process.stdout.write(`  ${line.kind.padEnd(28)} ${line.count.toFixed(2).padStart(12)}  $${line.dollars.toFixed(5)}\n`);
    process.stdout.write(`  total                                      $${perThousand.total.toFixed(4)} (target ≤ $0.10)\n`);
    process.stdout.write('time in AWS calls during the cycle (summed over calls in flight together):\n');
    for (const [call, t] of [...timings()].sort((x, y) => y[1].ms - x[1].ms))
      process.stdout.write(
        `  ${call.padEnd(40)} ${String(t.calls).padStart(8)} calls ${(t.ms / 1000).toFixed(1).padStart(9)} s  ${(t.ms / t.calls).toFixed(1).padStart(7)} ms each\n`,
      );
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The inspector's CPU profiler, writing a .cpuprofile (open it in Chrome DevTools) when stopped. */
async function cpuProfiler(file: string) {
  const [{ Session }, fs] = await Promise.all([import('node:inspector/promises'), import('node:fs')]);
  const session = new Session();
  session.connect();
  return {
    async start() {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    },
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
