import * as fs from 'node:fs';
import { sleep } from './ports';

/** Lambda retries a failed asynchronous invocation twice (after about 1 and 2 minutes; seconds here). */
const RETRY_DELAYS_MS = [1_000, 2_000];

interface PendingInvocation {
  readonly functionId: string;
  readonly event: unknown;
  readonly what: string;
}

/**
 * Asynchronous ("Event") invocations, as S3 notifications and schedules make them: the caller does not
 * wait; errors are logged and retried twice; `pending` counts what is not settled yet. Like Lambda's
 * internal event queue, an accepted invocation is durable: with a `journal` file, every invocation not yet
 * settled is written there before `submit` returns (and removed once it settles), so a stop, clean or not
 * (SIGKILL, power cut), loses none: the next start on the data dir submits them again (`resume`).
 */
export class AsyncInvoker {
  private stopped = false;
  private readonly unsettled = new Map<Promise<void>, PendingInvocation>();
  /** What the journal held at construction: the unsettled invocations of the previous run, for `resume`. */
  private carried: PendingInvocation[];

  constructor(
    private readonly invoke: (functionId: string, event: unknown) => Promise<unknown>,
    private readonly log: (line: string) => void,
    private readonly journal?: string,
  ) {
    this.carried = journal ? readJournal(journal, log) : [];
  }

  get pending(): number {
    return this.unsettled.size;
  }

  submit(functionId: string, event: unknown, what: string): void {
    const invocation = { functionId, event, what };
    const run = this.run(invocation);
    this.unsettled.set(run, invocation);
    this.persist();
    void run.finally(() => {
      this.unsettled.delete(run);
      if (!this.stopped) this.persist();
    });
  }

  /**
   * Waits up to `graceMs` for invocations in progress; those still unsettled (running, or waiting for a
   * retry) stay in the journal. Handlers are idempotent, so running one again after a stop is safe.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled([...this.unsettled.keys()]), sleep(graceMs)]);
    this.persist();
    const left = this.unsettled.size + this.carried.length;
    if (left) this.log(`${left} unfinished asynchronous invocation(s) kept; they run again at the next start`);
  }

  /** Submits the invocations the journal held at the start (the previous run's unsettled ones); returns how many. */
  resume(): number {
    const carried = this.carried;
    this.carried = [];
    for (const s of carried) this.submit(s.functionId, s.event, `${s.what} (unfinished at the last stop)`);
    return carried.length;
  }

  /** The journal: every unsettled invocation, and those carried over not resumed yet (atomically replaced). */
  private persist(): void {
    if (!this.journal) return;
    const all = [...this.carried, ...this.unsettled.values()];
    if (!all.length) {
      fs.rmSync(this.journal, { force: true });
      return;
    }
    const tmp = `${this.journal}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all));
    fs.renameSync(tmp, this.journal);
  }

  private async run(invocation: PendingInvocation): Promise<void> {
    const { functionId, event, what } = invocation;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.invoke(functionId, event);
        return;
      } catch (error) {
        const last = attempt >= RETRY_DELAYS_MS.length;
        this.log(
          `${functionId} failed on ${what} (attempt ${attempt + 1}${last ? ', giving up' : ', will retry'}): ${(error as Error).stack ?? String(error)}`,
        );
        if (last) return;
        await sleep(RETRY_DELAYS_MS[attempt]!);
        // Left unsettled: saved by stop() and retried at the next start.
        if (this.stopped) return new Promise<void>(() => undefined);
      }
    }
  }
}

/** The invocations a journal holds; a damaged journal is set aside (renamed) and reported, never half-read. */
function readJournal(file: string, log: (line: string) => void): PendingInvocation[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  try {
    const saved = JSON.parse(text) as unknown;
    if (!Array.isArray(saved)) throw new Error('not a list');
    return saved as PendingInvocation[];
  } catch (error) {
    const aside = `${file}.damaged-${Date.now()}`;
    fs.renameSync(file, aside);
    log(`asynchronous invocations journal unreadable (${(error as Error).message}): set aside as ${aside}`);
    return [];
  }
}
