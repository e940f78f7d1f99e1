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
