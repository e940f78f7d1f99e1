import type { AccountResolver, RouteSpec } from '../../shared/http/api';

/** Exchange rates and lookup tables of an account. */
export function tableRoutes(_account: AccountResolver): Record<string, RouteSpec> {
  return {};
}
