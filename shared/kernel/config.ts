/**
 * Configuration is read once, at cold start, and a missing variable fails the container at once
 * rather than at the first request that needs it.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is required`);
  return value;
}

/** An optional variable: unset and empty both read as absent. */
export function optionalEnv(name: string): string | undefined {
  return process.env[name] || undefined;
}

/** A request rate limit: `rate` per second steady, `burst` at once (a token bucket's). */
export interface RateLimit {
  readonly rate: number;
  readonly burst: number;
}

/** The throttling deployed on AWS (the API stage) and applied per account locally and in every API function. */
export const DEFAULT_RATE_LIMIT: RateLimit = { rate: 200, burst: 400 };

/** A rate-limit setting (`<rate>/<burst>`, positive numbers, or `off`); unset: the default. `name` is the setting's, for the error. */
export function rateLimitSetting(name: string, value: string | undefined): RateLimit | null {
  if (value === undefined || value.trim() === '') return DEFAULT_RATE_LIMIT;
  if (value.trim() === 'off') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(\d+)\s*$/.exec(value);
  const rate = Number(match?.[1]);
  const burst = Number(match?.[2]);
  if (!match || !(rate > 0) || !(burst >= 1)) throw new Error(`${name} must be <rate>/<burst> (e.g. 200/400) or off, not '${value}'`);
  return { rate, burst };
}
