/**
 * `npm run bench`: the benchmarks of the issues, on this machine, written to docs/benchmarks.md.
 * Everything runs on the embedded local stack (DynamoDB Local, s3rver, local SQS) with the handler
 * bundles synthesized from the CDK app; AWS requests are counted by the SDK middleware of
 * shared/storage/meter.ts and priced with the us-east-1 list prices of bench/prices.ts.
 *
 * Sizes can be lowered for a quick run: BENCH_PURCHASES (default 50000), BENCH_DROP_ROWS (1000000),
 * BENCH_REPRICE (100000), BENCH_CYCLE_CUSTOMERS (10000, × 20 purchases), BENCH_STREAM_ROWS (1000000);
 * BENCH_ONLY=engine,stages,ingest,reprice,cycle,subcycle,streams,drop picks sections.
 */
process.env.BILLSTREAM_METER = '1';

import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLocalStack, type LocalStack } from '../infra/local/stack';
import { meter, resetMeter, type MeterCounts } from '../shared/storage/meter';
import { benchBillingCycle } from './billing';
import { benchPricingEngine } from './pricing-engine';
import { costOf, scaled } from './prices';
import { client, must, postPurchases, seedAccount } from './seed';
import { benchStagePipeline } from './stage-pipeline';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const only = new Set((process.env.BENCH_ONLY ?? 'engine,stages,ingest,reprice,cycle,subcycle,streams,drop').split(','));
const report: string[] = [];
const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'billstream-bench-'));
  const adminKey = 'bench-admin-key';
  const stackLog = createWriteStream(join(tmpdir(), 'billstream-bench-stack.log'));
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    adminKey,
    log: (line) => stackLog.write(`${line}\n`),
    environmentOverrides: { LOG_LEVEL: 'WARN' },
  });
  const started = new Date();
  try {
    report.push('# Benchmarks', '', `Measured by \`npm run bench\` on ${started.toISOString().slice(0, 16)}Z, ${machine()}.`, '');
    if (only.has('engine')) await engine();
    if (only.has('stages')) await stages();
    if (only.has('ingest')) await ingest(stack);
    if (only.has('reprice')) await reprice(stack);
    if (only.has('cycle')) await cycle(stack);
    if (only.has('subcycle')) await subscriptionCycle(stack);
    if (only.has('streams')) await streams(stack);
    // Last: mapping a million rows on DynamoDB Local takes far longer than the drop itself, so it is not awaited.
    if (only.has('drop')) await drop(stack);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  writeFileSync(target, merge(existsSync(target) ? readFileSync(target, 'utf8') : '', `${report.join('\n')}\n`));
  log('written to docs/benchmarks.md');
}

const target = join(__dirname, '..', 'docs', 'benchmarks.md');

/** Keeps the sections of an earlier run that this run did not measure (BENCH_ONLY), each with its own date. */
function merge(previous: string, current: string): string {
  const sections = (text: string) =>
    new Map(
      text
        .split(/\n(?=## )/)
        .slice(1)
        .map((part) => [part.split('\n', 1)[0]!, part.trimEnd()]),
    );
  const date = (text: string) => /Measured by `npm run bench` on ([^,]+),/.exec(text)?.[1] ?? 'an earlier run';
  // every section says when it was measured: the sections of this run now, the others keep their own line
  const stamped = (body: string, when: string) => (/^_Measured /m.test(body) ? body : body.replace(/^(## .*)$/m, `$1\n\n_Measured ${when}._`));
  const now = sections(current);
  const before = sections(previous);
  const header = current.split(/\n(?=## )/)[0]!.trimEnd();
  const fresh = [...now.values()].map((body) => stamped(body, date(current)));
  const kept = [...before].filter(([title]) => !now.has(title)).map(([, body]) => stamped(body, date(previous)));
  return `${header}\n\n${[...fresh, ...kept].join('\n\n')}\n`;
}

function machine(): string {
  const cpus = require('node:os').cpus() as { model: string }[];
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}`;
}

/** Issue 3: the rating engine against a bare decimal.js loop doing the same arithmetic, one core. */
async function engine() {
  const r = await benchPricingEngine();
  log(`pricing engine: ${fmt(r.engineRatesPerSec)}/s vs bare decimal.js ${fmt(r.bareDecimalPerSec)}/s (ratio ${r.ratio.toFixed(2)})`);
  report.push(
    '## Rating engine (issue 3)',
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| 3-tier graduated rating, one core | ${fmt(r.engineRatesPerSec)} purchases/s | |`,
    `| bare decimal.js loop, same arithmetic, same run | ${fmt(r.bareDecimalPerSec)} /s | |`,
    `| ratio | ${r.ratio.toFixed(2)} | ≥ 0.8 |`,
    '',
  );
}

/** Issue 5: the pure stage pipeline rate + formula + convert-currency + copy, one core. */
async function stages() {
  const r = await benchStagePipeline();
  log(`stage pipeline: ${fmt(r.rowsPerSec)} rows/s`);
  report.push(
    '## Stage pipeline (issue 5)',
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| rate + formula + convert-currency + copy, one core | ${fmt(r.rowsPerSec)} rows/s | ≥ 100,000 |`,
    '',
  );
}

/** The local DynamoDB's raw conditional-put rate, the yardstick of the ingest pipeline. */
let rawRuns = 0;

async function rawPutRate(stack: LocalStack, count: number, parallel: number): Promise<number> {
  const db = new DynamoDBClient({});
  const run = rawRuns++;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        const item = {
          pk: { S: `BENCH#RAW#${run}#${i}` },
          sk: { S: 'PURCHASE' },
          reference: { S: `raw-${i}` },
          quantity: { S: '12' },
          purchaseDate: { S: '2026-10-01' },
          status: { S: 'not-invoiced' },
        };
        await db.send(new PutItemCommand({ TableName: stack.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      }
    }),
  );
  db.destroy();
  return count / ((performance.now() - start) / 1000);
}

/** Issue 9: ingest with the claim at acceptance; throughput against the raw rate, cost, and POST latency. */
async function ingest(stack: LocalStack) {
  const total = env('BENCH_PURCHASES', 50_000);
  const api = client(stack.url);
  const key = await seedAccount(api, stack.adminKey, 'bench-ingest', 200);
  // Priced like a live account: every purchase is rated on arrival (a purchase left waiting, e.g. without a
  // price rule, also writes its entry on the waiting index: one more write unit).
  for (let i = 0; i < 5; i++) {
    const rule = { productCluster: `p${i}`, currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '0.05' } };
    await must(api.call('PUT', `/v1/accounts/bench-ingest/price-rules/p${i}`, rule, key), 'price rule');
  }
  await stack.idle();
  const raw = Math.max(await rawPutRate(stack, 10_000, 16), await rawPutRate(stack, 10_000, 64));
  log(`raw conditional puts: ${fmt(raw)}/s`);

  resetMeter();
  const start = performance.now();
  const resentBulk = await postPurchases(api, 'bench-ingest', key, total, 200);
  const posted = performance.now();
  await stack.idle(600_000);
  const seconds = (performance.now() - start) / 1000;
  const counts: MeterCounts = { ...meter() };
  const rate = total / seconds;
  const sample = (await must(api.call('GET', `/v1/accounts/bench-ingest/purchases/bench-${total - 1}`, undefined, key), 'sample')) as {
    status: string;
  };
  if (sample.status !== 'rated') throw new Error(`last purchase is ${sample.status}, expected rated`);
  log(`ingest: ${fmt(total)} purchases POST→stored in ${seconds.toFixed(1)} s = ${fmt(rate)}/s (${((rate / raw) * 100).toFixed(0)} % of raw)`);
  const perMillionLog = costOf(scaled(counts, 1_000_000 / total));
  log(
    `ingest cost: $${perMillionLog.total.toFixed(3)} per million purchases (${perMillionLog.lines.map((l) => `${l.kind} $${l.dollars.toFixed(3)}`).join(', ')})`,
  );

  // Latency of one 1,000-purchase POST as a client sees it, one request at a time (the claims are made before the answer).
  const latencies: number[] = [];
  const requests = env('BENCH_LATENCY_REQUESTS', 30);
  let resentLatency = 0;
  for (let r = 0; r < requests; r++) {
    const t0 = performance.now();
    resentLatency += await postPurchases(api, 'bench-ingest', key, 1000, 200, total + r * 1000, 1);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]! / 1000;
  log(`ingest POST of 1,000: p50 ${pct(0.5).toFixed(3)} s, p99 ${pct(0.99).toFixed(3)} s over ${requests} requests`);

  const perThousand = costOf(scaled(counts, 1000 / total));
  report.push(
    '## Ingest with the claim at acceptance (issues 2 and 9)',
    '',
    `${fmt(total)} purchases posted in requests of 1,000 (4 in parallel) for 200 customers, each rated on arrival by one of 5 price rules; timed from the first POST until the last answer and every queue idle. Each purchase is claimed before its request is answered: one conditional PartiQL \`INSERT\` of the purchase already mapped and rated (refused when the reference exists), 25 to a \`BatchExecuteStatement\`, so an answer's \`accepted\` is the truth. The raw rate is single conditional PutItem calls straight to the same DynamoDB Local, best of 16 and 64 in flight.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| raw DynamoDB Local conditional puts, same run | ${fmt(raw)} /s | |`,
    `| POST → stored, mapped and journaled | ${fmt(rate)} purchases/s (${seconds.toFixed(1)} s; POSTs done after ${((posted - start) / 1000).toFixed(1)} s) | |`,
    `| ingest / raw | ${((rate / raw) * 100).toFixed(0)} % | ≥ 85 % |`,
    `| one 1,000-purchase POST, one at a time (${requests} requests) | p50 ${pct(0.5).toFixed(3)} s, p99 ${pct(0.99).toFixed(3)} s | p99 ≤ 2 s |`,
    `| rows answered \`not_processed\` (claimed too late for the request) and sent again, bulk / one at a time | ${fmt(resentBulk)} / ${fmt(resentLatency)} | |`,
    '',
    `One request's 1,000 claims at the raw rate alone take ${(1000 / raw).toFixed(2)} s: the POST's latency follows DynamoDB Local's commit rate on this disk, which moves from run to run (385–610 conditional puts/s measured on this machine). The p99 target holds while the raw rate is above about 550/s: on 2026-12-03, at 385/s, the same code measured p50 2.44 s and p99 2.86 s.`,
    '',
    'AWS requests per 1,000 purchases, counted by the SDK middleware (DynamoDB units as DynamoDB Local reports them with ReturnConsumedCapacity), and their list price per million purchases:',
    '',
    '| kind | per 1,000 purchases | $ per million purchases |',
    '|---|---|---|',
    ...perThousand.lines.map((l) => `| ${l.kind} | ${fmt(l.count, 2)} | ${(l.dollars * 1000).toFixed(4)} |`),
    `| **total** | | **${(perThousand.total * 1000).toFixed(3)}** (target ≤ 0.75) |`,
    '',
    "The claim costs nothing beyond the one write unit the purchase always cost (a PartiQL INSERT is billed like a PutItem; DynamoDB Local reports no capacity for PartiQL batches, so each statement is counted as its parameters' JSON size in whole kilobytes, a little above the item's real size). A losing claim returns the stored item where DynamoDB does (`ReturnValuesOnConditionCheckFailure`; DynamoDB Local does not, so there one consistent read of the taken keys follows), and the duplicate check of the old design (a `BatchGetItem` per 100 references) is gone. Per request: the intent object (one PUT), the journal (one PUT per month touched), its removal (a free DELETE), the catalogue read once for the rating, and the account's re-evaluation count read before and after (a second catalogue read and re-rating only when a change was counted in between). The design before issue 9 (duplicate check by `BatchGetItem`, chunk in S3, mapping by a queue consumer after the answer) measured 66 % of raw and $0.714 per million, but its `accepted` was not the truth under concurrent copies. Lambda GB-seconds are the local wall time of each invocation times its configured memory: on one shared machine that overstates what Lambda would bill.",
    '',
  );
}

async function drop(stack: LocalStack) {
  const rows = env('BENCH_DROP_ROWS', 200_000);
  const api = client(stack.url);
  await seedAccount(api, stack.adminKey, 'bench-drop', 200);
  const dir = mkdtempSync(join(tmpdir(), 'billstream-drop-'));
  const file = join(dir, 'bench.csv');
  await writeCsv(file, rows);
  const s3 = new S3Client({ forcePathStyle: true });
  const objectKey = 'drops/bench-drop/bench.csv';
  // Uploaded with S3 events paused, so that the drop handler runs once, in its own process below.
  await stack.withoutS3Events(() =>
    s3.send(new PutObjectCommand({ Bucket: stack.bucketName, Key: objectKey, Body: createReadStream(file), ContentLength: statSync(file).size })),
  );
  const bundle = stack.bundleOf('IngestDrop');
  resetMeter();
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'drop-worker.js'), bundle, stack.bucketName, objectKey], {
    env: process.env,
    maxBuffer: 1 << 20,
  });
  const worker = JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; maxRssMb: number };
  const results = (await s3
    .send(new GetObjectCommand({ Bucket: stack.bucketName, Key: 'drops/bench-drop/results/bench.json' }))
    .then((o) => o.Body!.transformToString())) as string;
  const summary = JSON.parse(results) as { rows: number; accepted: number; rejectedCount: number };
  if (summary.accepted !== rows) throw new Error(`the drop accepted ${summary.accepted} of ${rows} rows: ${results.slice(0, 300)}`);
  log(
    `drop: ${fmt(rows)} rows claimed in ${(worker.ms / 1000).toFixed(1)} s (${fmt(rows / (worker.ms / 1000))} rows/s), handler peak RSS ${fmt(worker.maxRssMb)} MB`,
  );
  report.push(
    '## S3 drop of a large file (issue 2)',
    '',
    `A ${fmt(statSync(file).size / 1e6, 1)} MB CSV of ${fmt(rows)} purchases, uploaded to the local bucket; the drop handler bundle runs in a process of its own (as in a Lambda container) and streams it through the same acceptance as the API: every row is claimed (stored, mapped and rated) and journaled before the result is written, so the drop now runs at the claim rate of DynamoDB Local (before issue 9 it only staged chunks, 6,658 rows/s, and mapping followed at about 330/s).`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| drop handler: rows claimed and journaled | ${fmt(rows / (worker.ms / 1000))} rows/s (${(worker.ms / 1000).toFixed(1)} s) | |`,
    `| drop handler peak RSS | ${fmt(worker.maxRssMb)} MB | < 512 MB |`,
    '',
  );
  rmSync(dir, { recursive: true, force: true });
}

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  await write('reference,productLabel,customerCode,quantity,purchaseDate,endDate,meta.msisdn\n');
  for (let i = 0; i < rows; i++)
    await write(
      `bench-${i},label-${i % 5},C${i % 200},${(i % 97) + 1},2026-10-${String((i % 28) + 1).padStart(2, '0')},,3161${String(i % 1000).padStart(7, '0')}\n`,
    );
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/**
 * Issue 5: one run of an upload stream over a million rows. The CSV goes straight to the bucket (the API
 * takes uploads up to 6 MB); the run is started through the API with the StreamsQueue's consumer paused,
 * and the run consumer bundle handles that message once, in a process of its own, like drop().
 */
async function streams(stack: LocalStack) {
  const rows = env('BENCH_STREAM_ROWS', 1_000_000);
  const account = 'bench-streams';
  const stream = 'usage';
  const api = client(stack.url);
  const key = await seedAccount(api, stack.adminKey, account, 0, 0);
  const base = `/v1/accounts/${account}`;
  await must(api.call('PUT', `${base}/exchange-rates/EUR-USD`, { rate: '1.08', validFrom: '2026-01-01' }, key), 'exchange rate');
  const definition = {
    kind: 'billing',
    type: 'simple',
    source: { upload: true },
    currency: 'EUR',
    stages: [
      { type: 'formula', column: 'amount', expression: 'round(quantity * 0.05, 4)' },
      { type: 'convert-currency', columns: ['amount'], to: 'USD' },
      { type: 'copy', columns: { reseller: 'customerCode' } },
      { type: 'filter', keep: 'quantity > 0' },
    ],
  };
  await must(api.call('PUT', `${base}/streams/${stream}`, definition, key), 'stream');

  const dir = mkdtempSync(join(tmpdir(), 'billstream-stream-'));
  const file = join(dir, 'upload.csv');
  await writeStreamCsv(file, rows);
  const inputBytes = statSync(file).size;
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(
    new PutObjectCommand({
      Bucket: stack.bucketName,
      Key: `streams/${account}/${stream}/upload.csv`,
      Body: createReadStream(file),
      ContentLength: inputBytes,
    }),
  );
  rmSync(dir, { recursive: true, force: true });

  const bundle = stack.bundleOf('StreamsRunConsumer');
  // The API queues the run; with the queue's pollers paused, only the worker below runs it. The queued
  // message is consumed afterwards and finds the batch no longer `running`.
  const { batch, worker } = await stack.withoutQueue('StateStreamsQueue', async () => {
    const { batch } = (await must(
      api.call('POST', `${base}/streams/${stream}/runs`, { periodStart: '2026-10-01', periodEnd: '2026-11-01' }, key),
      'run',
    )) as { batch: string };
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'stream-worker.js'), bundle, account, batch], {
      env: process.env,
      maxBuffer: 1 << 20,
    });
    return { batch, worker: JSON.parse(stdout.trim().split('\n').pop()!) as { ms: number; maxRssMb: number } };
  });
  const view = (await must(api.call('GET', `${base}/batches/${batch}`, undefined, key), 'batch')) as {
    status: string;
    rows: number;
    errors: number;
    failure: string | null;
    totals: Record<string, string>;
  };
  if (view.status !== 'draft' || view.rows !== rows || view.errors !== 0) {
    throw new Error(
      `the stream run ended ${view.status} with ${view.rows} rows and ${view.errors} errors, expected draft with ${rows} rows: ${view.failure ?? JSON.stringify(view.totals)}`,
    );
  }
  const head = await s3.send(new HeadObjectCommand({ Bucket: stack.bucketName, Key: `batches/${account}/${batch}/rows.csv` }));
  const batchBytes = head.ContentLength ?? 0;
  s3.destroy();
  const seconds = worker.ms / 1000;
  log(
    `streams: ${fmt(rows)} rows in ${seconds.toFixed(1)} s (${fmt(rows / seconds)} rows/s), handler peak RSS ${fmt(worker.maxRssMb)} MB, batch file ${fmt(batchBytes / 1e6, 1)} MB`,
  );
  report.push(
    '## Stream batch run (issue 5)',
    '',
    `An upload stream over a ${fmt(inputBytes / 1e6, 1)} MB CSV of ${fmt(rows)} rows (written straight to the local bucket: the API takes uploads up to 6 MB), stages formula \`round(quantity * 0.05, 4)\` → convert-currency EUR→USD → copy → filter. The run is started with \`POST /streams/{id}/runs\` while the StreamsQueue's pollers are paused; the run consumer bundle handles that message once, in a process of its own (as in a Lambda container), streaming S3 → stages → S3 until the batch is \`draft\`.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| run consumer: rows into the batch | ${fmt(rows / seconds)} rows/s (${seconds.toFixed(1)} s) | |`,
    `| run consumer peak RSS | ${fmt(worker.maxRssMb)} MB | < 512 MB |`,
    `| batch rows file | ${fmt(batchBytes / 1e6, 1)} MB | |`,
    '',
  );
}

async function writeStreamCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  await write('reference,productLabel,customerCode,quantity,purchaseDate,currency\n');
  for (let i = 0; i < rows; i++)
    await write(`usage-${i},label-${i % 5},C${i % 200},${(i % 97) + 1},2026-10-${String((i % 28) + 1).padStart(2, '0')},EUR\n`);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Issue 4: one billing cycle over many customers, timed from POST until `completed`. */
async function cycle(stack: LocalStack) {
  const customers = env('BENCH_CYCLE_CUSTOMERS', 10_000);
  const purchasesPerCustomer = 20;
  const result = await benchBillingCycle({
    url: stack.url,
    adminKey: stack.adminKey,
    customers,
    purchasesPerCustomer,
    idle: (ms) => stack.idle(ms),
    beforeCycle: () => void resetMeter(),
  });
  const counts = { ...meter() };
  const perThousand = costOf(scaled(counts, 1000 / result.invoices));
  log(
    `cycle: ${fmt(result.invoices)} invoices from ${fmt(result.purchases)} purchases in ${result.seconds.toFixed(1)} s (${fmt(result.invoicesPerSec, 1)} invoices/s), $${perThousand.total.toFixed(4)} per 1,000 invoices`,
  );
  report.push(
    '## Billing cycle (issue 4)',
    '',
    `${fmt(customers)} customers × ${purchasesPerCustomer} rated purchases; timed from \`POST /billing-cycles\` until the cycle is \`completed\` (${result.cycle.collectors} collectors, ${result.cycle.partitions} partitions), every invoice with its rows file (a draft's itemised CSV and PDF are rendered on their first request).`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| cycle wall time | ${result.seconds.toFixed(1)} s | ≤ 180 s |`,
    `| invoices per second | ${fmt(result.invoicesPerSec, 1)} | |`,
    '',
    "A cycle writes nothing on the purchases it drafts (since 2026-12-02): a draft's rows file names them at the versions collected, a purchase reads `invoiced` while a draft holds it, and approval writes each purchase once (`completed`). Until then each purchase got an `invoiced` mark, 200,000 conditional updates, and the cycle took 320.1 s here. Per invoice the cycle now writes one item (+ its index copy) and one object, the rows file; the itemised CSV and the PDF of a draft are rendered on their first request. What is left is shared between DynamoDB Local (reading the 200,000 purchases, writing the drafts) and this one Node process (API, handlers, the local S3), about one core each.",
    '',
    result.settled
      ? 'Every queue was empty within two minutes of completion.'
      : "Some message was still in flight two minutes after the cycle completed (a retried message waits out the billing queue's 30-minute visibility timeout): its requests are not in the counts below.",
    '',
    '| kind | per 1,000 invoices | $ per 1,000 invoices |',
    '|---|---|---|',
    ...perThousand.lines.map((l) => `| ${l.kind} | ${fmt(l.count, 1)} | ${l.dollars.toFixed(5)} |`),
    `| **total** | | **${perThousand.total.toFixed(4)}** (target ≤ 0.05) |`,
    '',
  );
}

/** Issue 11: the cycle of 10,000 subscribers, each with one monthly in-advance subscription and 20 rated purchases. */
async function subscriptionCycle(stack: LocalStack) {
  const customers = env('BENCH_SUBCYCLE_CUSTOMERS', 10_000);
  const purchasesPerCustomer = 20;
  const result = await benchBillingCycle({
    url: stack.url,
    adminKey: stack.adminKey,
    accountId: 'bench-subscriptions',
    customers,
    purchasesPerCustomer,
    subscriptions: true,
    idle: (ms) => stack.idle(ms),
    beforeCycle: () => void resetMeter(),
  });
  const counts = { ...meter() };
  const perThousand = costOf(scaled(counts, 1000 / result.invoices));
  log(
    `subscription cycle: ${fmt(result.invoices)} invoices (each with its subscription's fees) from ${fmt(result.purchases)} purchases in ${result.seconds.toFixed(1)} s, $${perThousand.total.toFixed(4)} per 1,000 invoices`,
  );
  report.push(
    '## Subscription cycle (issue 11)',
    '',
    `${fmt(customers)} customers, each with one subscription (monthly, in advance, from 1 October: October's and November's fees on the October invoice) and ${purchasesPerCustomer} rated purchases; timed from \`POST /billing-cycles\` until \`completed\` (${result.cycle.collectors} collectors, ${result.cycle.partitions} partitions).`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| cycle wall time | ${result.seconds.toFixed(1)} s | ≤ 120 s |`,
    `| invoices per second | ${fmt(result.invoicesPerSec, 1)} | |`,
    `| cost per 1,000 invoices | $${perThousand.total.toFixed(4)} | |`,
    '',
    "Per subscriber beyond the purchases-only cycle: the partition's ledgers are read in consistent batches of 100, no index query of the customer's invoices (a subscriber without a ledger has none with subscription lines; a ledger lists all of them), one transaction group of the draft and the ledger (the groups of drafts written at once share `TransactWriteItems` calls: one commit on DynamoDB Local for many subscribers), and the charged-through dates in transactions of 100 per partition.",
    '',
    ...perThousand.lines.map((l) => `- ${l.kind}: ${fmt(l.count, 1)} per 1,000 invoices ($${l.dollars.toFixed(5)})`),
    '',
  );
}

/** Issue 3: one rule change re-prices every open purchase it affects. */
async function reprice(stack: LocalStack) {
  const total = env('BENCH_REPRICE', 100_000);
  const api = client(stack.url);
  const key = await seedAccount(api, stack.adminKey, 'bench-reprice', 200, 1);
  await postPurchases(api, 'bench-reprice', key, total, 200, 0, 4, 1);
  await stack.idle(1_800_000);
  const rule = { productCluster: 'p0', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '0.05' } };
  resetMeter();
  const start = performance.now();
  await must(api.call('PUT', '/v1/accounts/bench-reprice/price-rules/voice', rule, key), 'rule');
  await stack.idle(1_800_000);
  const seconds = (performance.now() - start) / 1000;
  const sample = (await must(api.call('GET', `/v1/accounts/bench-reprice/purchases/bench-${total - 1}`, undefined, key), 'sample')) as {
    status: string;
    amount: string;
  };
  if (sample.status !== 'rated') throw new Error(`re-priced purchase is ${sample.status}`);
  log(`reprice: ${fmt(total)} open purchases re-priced in ${seconds.toFixed(1)} s`);
  report.push(
    '## Re-pricing after a rule change (issue 3)',
    '',
    `${fmt(total)} open purchases (\`no-price-rule\`), then one \`PUT /price-rules\`: timed until every queue is empty and the purchases are \`rated\`.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| re-price ${fmt(total)} open purchases | ${seconds.toFixed(1)} s (${fmt(total / seconds)} purchases/s) | ≤ 120 s |`,
    '',
    'Re-priced purchases are written in conditional transactions of 100 (TransactWriteItems, each put conditional on the version read): one request per hundred purchases. DynamoDB Local does about 4,400 items/s that way against about 850 single conditional puts/s; on AWS a transactional write costs twice the write units, $1.25 instead of $0.625 per million re-priced purchases.',
    '',
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
