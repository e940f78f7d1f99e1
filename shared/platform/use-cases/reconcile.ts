import { logger } from '../../kernel/logger';

/**
 * The reconciler (docs/architecture.md, "Work that survives a crash"): one scheduled function that finds
 * work which stopped making progress and resumes it. Each kind of long-running work (billing cycles,
 * stream runs, …) is one `Reconciler` part; a part finds its own open work through a sparse index of
 * progress timestamps (never a table Scan), decides per item with a pure function, and resumes it with
 * idempotent steps. Registering a part is one line in `shared/platform/wiring.ts` (`reconcileService`).
 */
export interface Reconciler {
  /** Names the part in logs and in the outcome (e.g. `billing-cycles`). */
  readonly name: string;
  /** Resumes what stopped making progress before `now`; `failed` counts work it gave up on or could not resume. */
  reconcile(now: Date): Promise<{ resumed: number; failed: number }>;
}

export interface ReconcileOutcome {
  parts: Record<string, { resumed: number; failed: number } | { error: string }>;
}

/** Runs every part; a part that throws is reported and does not stop the others. */
export class ReconcileService {
  constructor(private readonly parts: readonly Reconciler[]) {}

  async run(now: Date): Promise<ReconcileOutcome> {
    const parts: ReconcileOutcome['parts'] = {};
    for (const part of this.parts) {
      try {
        parts[part.name] = await part.reconcile(now);
      } catch (error) {
        logger.error('reconciler part failed', { part: part.name, error: error as Error });
        parts[part.name] = { error: (error as Error)?.message ?? String(error) };
      }
    }
    return { parts };
  }
}

/**
 * When open work counts as stopped, and how often it is resumed before it is given up. The n-th resume
 * waits `staleAfterMs × (n + 1)` without progress, so a slow queue is not mistaken for a lost message
 * again and again; after `maxResumes` fruitless resumes the work is marked failed with a reason.
 */
export interface RecoveryPolicy {
  staleAfterMs: number;
  maxResumes: number;
}

/** Default threshold: well above the longest gap between two heartbeats of a live step (HEARTBEAT_EVERY). */
export const DEFAULT_STALE_AFTER_SECONDS = 45;
export const DEFAULT_MAX_RESUMES = 5;

/**
 * The policy from the environment: `BILLSTREAM_STALE_AFTER_SECONDS` (tests set a few seconds; the
 * template leaves it unset) and `BILLSTREAM_MAX_RESUMES`. Workers read the same variable to space their
 * heartbeats, so both sides agree.
 */
export function recoveryPolicy(env: NodeJS.ProcessEnv = process.env): RecoveryPolicy {
  const stale = Number(env.BILLSTREAM_STALE_AFTER_SECONDS ?? DEFAULT_STALE_AFTER_SECONDS);
  const resumes = Number(env.BILLSTREAM_MAX_RESUMES ?? DEFAULT_MAX_RESUMES);
  return {
    staleAfterMs: (Number.isFinite(stale) && stale > 0 ? stale : DEFAULT_STALE_AFTER_SECONDS) * 1000,
    maxResumes: Number.isInteger(resumes) && resumes >= 0 ? resumes : DEFAULT_MAX_RESUMES,
  };
}

/** A live step writes a heartbeat this often: three chances before the threshold. */
export function heartbeatEveryMs(policy: RecoveryPolicy): number {
  return Math.max(250, Math.floor(policy.staleAfterMs / 3));
}

/** How long open work that was resumed `resumes` times may go without progress. */
export function patienceMs(policy: RecoveryPolicy, resumes: number): number {
  return policy.staleAfterMs * (resumes + 1);
}

/** What a part did with one piece of open work. */
export type ReconcileAction = 'resumed' | 'failed' | 'none';

/**
 * The loop every part runs: each piece of open work that stopped making progress before `now` minus the
 * threshold (`stale(before)`, page by page) goes through `one`; the actions are counted, and a piece that
 * throws is counted failed and logged with `describe(item)`, without stopping the others.
 */
export async function reconcileStale<T>(
  now: Date,
  policy: RecoveryPolicy,
  stale: (before: string) => AsyncIterable<readonly T[]>,
  one: (item: T) => Promise<ReconcileAction>,
  failure: { message: string; describe: (item: T) => Record<string, unknown> },
): Promise<{ resumed: number; failed: number }> {
  const before = new Date(now.getTime() - policy.staleAfterMs).toISOString();
  let resumed = 0;
  let failed = 0;
  for await (const page of stale(before)) {
    for (const item of page) {
      try {
        const action = await one(item);
        if (action === 'resumed') resumed += 1;
        else if (action === 'failed') failed += 1;
      } catch (error) {
        failed += 1;
        logger.error(failure.message, { ...failure.describe(item), error: error as Error });
      }
    }
  }
  return { resumed, failed };
}

export type StallVerdict = 'alive' | 'resume' | 'give-up';

/** Pure: whether open work last seen progressing at `heartbeatAt`, resumed `resumes` times, is stuck at `now`. */
export function stallVerdict(heartbeatAt: string | null, resumes: number, now: Date, policy: RecoveryPolicy): StallVerdict {
  const last = heartbeatAt ? Date.parse(heartbeatAt) : NaN;
  if (Number.isFinite(last) && now.getTime() - last < patienceMs(policy, resumes)) return 'alive';
  return resumes >= policy.maxResumes ? 'give-up' : 'resume';
}

/** The reason work is failed with when the reconciler gives up on it. */
export function giveUpReason(resumes: number, lastError: string | null): string {
  return `stopped making progress after ${resumes} resume${resumes === 1 ? '' : 's'}${lastError ? `; last error: ${lastError}` : ''}`;
}

/** Error text kept on records (a failure reason, a last error): bounded, so the write holding it cannot fail for its size. */
export function errorText(error: unknown, max = 1000): string {
  const text = (error as Error)?.message ?? String(error);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/**
 * Runs `work` while `beat` is called every `everyMs`: a long step tells the reconciler it is alive. A
 * heartbeat that fails is logged and does not fail the step; `beat` answering false (the work was taken
 * over, e.g. a stream run re-driven as a new attempt) is reported through `superseded()`.
 */
export async function withHeartbeat<T>(
  everyMs: number,
  beat: () => Promise<boolean> | Promise<void>,
  work: (superseded: () => boolean) => Promise<T>,
): Promise<T> {
  let taken = false;
  let beating: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (beating) return;
    beating = beat()
      .then((held) => {
        if (held === false) taken = true;
      })
      .catch((error: unknown) => logger.warn('heartbeat failed', { error: error as Error }))
      .finally(() => {
        beating = null;
      });
  }, everyMs);
  timer.unref?.();
  try {
    return await work(() => taken);
  } finally {
    clearInterval(timer);
    if (beating) await beating;
  }
}
