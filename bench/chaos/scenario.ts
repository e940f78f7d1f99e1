import type { Client } from './http';
import { check, emptyTally, type Check, type ScenarioResult, type Tally } from './result';

/** What a scenario runs against. */
export interface ChaosContext {
  readonly client: Client;
  readonly adminKey: string;
  readonly log: (line: string) => void;
  /** The stack process, for the scenarios that kill it; absent when the stack is not ours (jest's shared one). */
  readonly stack?: StackControl;
}

export interface StackControl {
  /** SIGKILL of the stack and every process it started (a machine that dies). */
  kill(): Promise<void>;
  /** Starts it again on the same data dir and port; resolves with the seconds until it listens. */
  restart(): Promise<number>;
}

/** Collects a scenario's figures and checks while it runs. */
export class Recorder {
  readonly figures: [string, string | number][] = [];
  readonly checks: Check[] = [];
  readonly tally: Tally = emptyTally();

  figure(name: string, value: string | number): void {
    this.figures.push([name, value]);
  }

  expect(promise: string, ok: boolean, measured: string | number): boolean {
    this.checks.push(check(promise, ok, measured));
    return ok;
  }
}

/**
 * Runs one scenario: requests, 5xx and unanswered requests are counted from the client; an exception ends
 * the scenario but keeps what it measured so far (and breaks the run).
 */
export async function runScenario(
  ctx: ChaosContext,
  id: string,
  title: string,
  does: string,
  body: (rec: Recorder) => Promise<void>,
): Promise<ScenarioResult> {
  const rec = new Recorder();
  const before = { ...ctx.client.counters, samples: ctx.client.counters.serverErrorSamples.length };
  const start = Date.now();
  let error: string | undefined;
  ctx.log(`\n▶ ${title}`);
  try {
    await body(rec);
  } catch (e) {
    error = (e as Error).stack ?? String(e);
    ctx.log(`  ✗ stopped: ${(e as Error).message}`);
  }
  const c = ctx.client.counters;
  rec.tally.requests += c.requests - before.requests;
  rec.tally.serverErrors += c.serverErrors - before.serverErrors;
  rec.tally.unanswered += c.unanswered - before.unanswered;
  rec.expect('never a 5xx', rec.tally.serverErrors === 0, `${rec.tally.serverErrors} of ${rec.tally.requests} responses`);
  const result: ScenarioResult = {
    id,
    title,
    does,
    figures: rec.figures,
    checks: rec.checks,
    tally: rec.tally,
    seconds: (Date.now() - start) / 1000,
    error,
    serverErrorSamples: c.serverErrorSamples.slice(before.samples),
  };
  for (const [name, value] of result.figures) ctx.log(`  ${name}: ${value}`);
  for (const k of result.checks) ctx.log(`  ${k.ok ? '✓' : '✗'} ${k.promise} — ${k.measured}`);
  ctx.log(`  (${result.tally.requests} requests, ${result.tally.serverErrors} 5xx, ${result.seconds.toFixed(1)} s)`);
  return result;
}
