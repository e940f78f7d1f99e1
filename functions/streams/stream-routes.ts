import type { AccountResolver, RouteSpec } from '../../shared/http/api';

/** Streams and their batches. */
export function streamRoutes(_account: AccountResolver): Record<string, RouteSpec> {
  return {};
}
