import { DEFAULT_RATE_LIMIT, type RateLimit, rateLimitSetting } from '../../shared/kernel/config';
/**
 * Per-account throttling of the local HTTP API: a token bucket per account id, taken from the path
 * (`/v1/accounts/{a}/…`), refilled at `rate` requests per second up to `burst`. A request that finds its
 * bucket empty is answered 429 `throttled` with `Retry-After` before any function runs, so one tenant's
 * flood costs the others nothing. Configured by `BILLSTREAM_THROTTLE` (`<rate>/<burst>`, or `off`); the
 * default is the stage throttling the stack deploys on AWS (infra/constructs/api.ts), which
 * test/unit/local-throttle.test.ts keeps equal.
 */

/** Requests per second, steady state, and requests at once after a quiet period. */
export type ThrottleLimits = RateLimit;

export const DEFAULT_THROTTLE: ThrottleLimits = DEFAULT_RATE_LIMIT;

/** `BILLSTREAM_THROTTLE`: unset → the default, `off` → none, `<rate>/<burst>` (positive numbers) → those. */
export const throttleFromEnv = (value: string | undefined): ThrottleLimits | null => rateLimitSetting('BILLSTREAM_THROTTLE', value);

/** The account a request is throttled under, from its raw path; null for routes outside an account. */
export function accountOfPath(rawPath: string): string | null {
  const match = /^\/v1\/accounts\/([^/]+)(?:\/|$)/.exec(rawPath);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

/** Buckets beyond this many are swept of full ones (an account quiet for burst/rate seconds needs none). */
const SWEEP_ABOVE = 10_000;

export class AccountThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(readonly limits: ThrottleLimits) {}

  /** Takes one token from the account's bucket: 0 when the request may go, else the seconds until it could (Retry-After). */
  take(account: string, now = Date.now()): number {
    const { rate, burst } = this.limits;
    const bucket = this.buckets.get(account) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * rate) / 1000);
    bucket.at = now;
    if (!this.buckets.has(account)) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
      this.buckets.set(account, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  }

  private sweep(now: number): void {
    const { rate, burst } = this.limits;
    for (const [account, b] of this.buckets) if (b.tokens + ((now - b.at) * rate) / 1000 >= burst) this.buckets.delete(account);
  }
}
