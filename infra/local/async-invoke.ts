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
 * internal event queue, what has not finished at a stop is saved and submitted again at the next start.
 */
export class AsyncInvoker {
  private stopped = false;
  private readonly unsettled = new Map<Promise<void>, PendingInvocation>();

  constructor(
    private readonly invoke: (functionId: string, event: unknown) => Promise<unknown>,
    private readonly log: (line: string) => void,
  ) {}

  get pending(): number {
    return this.unsettled.size;
  }

  submit(functionId: string, event: unknown, what: string): void {
    const invocation = { functionId, event, what };
    const run = this.run(invocation);
    this.unsettled.set(run, invocation);
    void run.finally(() => this.unsettled.delete(run));
  }

  /**
   * Waits up to `graceMs` for invocations in progress, then writes those still unsettled (running, or
   * waiting for a retry) to `saveTo`. Handlers are idempotent, so running one again after a stop is safe.
   */
  async stop(graceMs: number, saveTo?: string): Promise<void> {
    this.stopped = true;
    await Promise.race([Promise.allSettled([...this.unsettled.keys()]), sleep(graceMs)]);
    const left = [...this.unsettled.values()];
    if (!saveTo) return;
    if (left.length) {
      fs.writeFileSync(saveTo, JSON.stringify(left));
      this.log(`${left.length} unfinished asynchronous invocation(s) saved; they run again at the next start`);
    } else {
      fs.rmSync(saveTo, { force: true });
    }
  }

  /** Submits the invocations saved by a previous `stop`; returns how many. */
  resume(savedFile: string): number {
    if (!fs.existsSync(savedFile)) return 0;
    const saved = JSON.parse(fs.readFileSync(savedFile, 'utf8')) as PendingInvocation[];
    fs.rmSync(savedFile);
    for (const s of saved) this.submit(s.functionId, s.event, `${s.what} (saved at the last stop)`);
    return saved.length;
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
