/**
 * `npm run chaos`: the fault suite. Starts `npm start` as a child process on a fresh data dir, runs the
 * scenarios against its HTTP API as a client would (replay, concurrency, hostile ids and cursors, SIGKILL
 * during ingest, SIGKILL during a cycle), prints the figures and writes them to docs/reliability.md.
 * Exits 1 if a promise is broken; the report is written in any case.
 *
 * CHAOS_ONLY=replay,concurrency,hostile,kill-ingest,kill-cycle picks scenarios (default: all);
 * CHAOS_KEEP=1 keeps the data dir (its stack.log has the stack's output); CHAOS_COMMIT names the code measured
 * when it is not this git checkout.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CONCURRENCY_FULL, concurrencyScenario } from './concurrency';
import { hostileScenario } from './hostile';
import { Client } from './http';
import { KILL_CYCLE_FULL, killCycleScenario } from './kill-cycle';
import { KILL_INGEST_FULL, killIngestScenario } from './kill-ingest';
import { renderReport } from './report';
import { REPLAY_FULL, replayScenario } from './replay';
import { broken, sum, type ScenarioResult } from './result';
import type { ChaosContext } from './scenario';
import { ChaosStack } from './stack';

const ALL = ['replay', 'concurrency', 'hostile', 'kill-ingest', 'kill-cycle'] as const;
const only = new Set((process.env.CHAOS_ONLY ?? ALL.join(',')).split(',').map((s) => s.trim()));
const target = join(__dirname, '..', '..', 'docs', 'reliability.md');
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const started = new Date();
  const dataDir = mkdtempSync(join(tmpdir(), 'billstream-chaos-'));
  const adminKey = `bs_admin_${randomBytes(24).toString('base64url')}`;
  const results: ScenarioResult[] = [];
  let fatal: string | undefined;
  let stack: ChaosStack | null = null;
  let client: Client | null = null;
  log(`fault suite: data dir ${dataDir}`);
  try {
    stack = await ChaosStack.start(dataDir, adminKey, join(dataDir, 'stack.log'));
    log(`stack listening on ${stack.url}`);
    client = new Client(stack.url);
    const s = stack;
    const c = client;
    const ctx: ChaosContext = {
      client: c,
      adminKey,
      log,
      stack: {
        kill: () => s.kill(),
        async restart() {
          const seconds = await s.restart();
          c.retarget(s.url);
          return seconds;
        },
      },
    };
    if (only.has('replay')) results.push(await replayScenario(ctx, REPLAY_FULL));
    if (only.has('concurrency')) results.push(await concurrencyScenario(ctx, CONCURRENCY_FULL));
    if (only.has('hostile')) results.push(await hostileScenario(ctx));
    if (only.has('kill-ingest')) results.push(await killIngestScenario(ctx, KILL_INGEST_FULL));
    if (only.has('kill-cycle')) results.push(await killCycleScenario(ctx, KILL_CYCLE_FULL));
  } catch (error) {
    fatal = (error as Error).stack ?? String(error);
    log(`fault suite stopped: ${(error as Error).message}`);
  } finally {
    client?.close();
    await stack?.stop().catch(() => undefined);
    if (process.env.CHAOS_KEEP !== '1') rmSync(dataDir, { recursive: true, force: true });
  }

  const total = sum(results);
  log('\n== fault suite ==');
  log(`requests sent ${total.requests}, replays ${total.replays}, faults injected ${total.faults}`);
  log(`purchases lost ${total.lost}, duplicated ${total.duplicated}, overwritten ${total.overwritten}`);
  log(`invoices missing ${total.invoicesMissing}, duplicated ${total.invoicesDuplicated}`);
  log(`5xx ${total.serverErrors}, unanswered ${total.unanswered}`);
  const failed = results.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `${r.id}: ${c.promise} — ${c.measured}`));
  log(failed.length ? `broken promises (${failed.length}):\n  ${failed.join('\n  ')}` : 'every promise held');

  writeFileSync(
    target,
    renderReport({
      results,
      started,
      finished: new Date(),
      machine: machine(),
      commit: commit(),
      only: only.size < ALL.length ? [...only] : null,
      fatal,
    }),
  );
  log(`written to docs/reliability.md`);
  return fatal || broken(results) ? 1 : 0;
}

function machine(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model ?? 'cpu'}, Node ${process.version}`;
}

function commit(): string {
  if (process.env.CHAOS_COMMIT) return process.env.CHAOS_COMMIT;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim()
      ? ' plus uncommitted changes'
      : '';
    return `${head}${dirty}`;
  } catch {
    return 'unknown';
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
