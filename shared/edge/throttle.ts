import { ThrottledError } from '../kernel/errors';
import { logger } from '../kernel/logger';
import type { Principal } from '../platform/domain/access';

/**
 * Per-account throttling at the edge (docs/api.md "Throttling"). Every authenticated request of an account's
 * keys takes one request from that account's budget, shared by every function and container through the
 * table (a counter per account and window), so one tenant's flood is refused with 429 `throttled` and a
 * `Retry-After` while the others are served: on AWS, where API Gateway HTTP APIs throttle only a whole
 * stage, and locally, where the local HTTP API also throttles per account before any function runs. The
 * platform key is not throttled. A budget store that fails lets the request through (logged): throttling
 * protects the service, it must not take it down.
 */

export interface AccountBudget {
  /** Takes one request of the account's current window; false when the window is spent. */
  take(accountId: string, at: Date): Promise<boolean>;
  /** Seconds until the next window opens. */
  readonly windowSeconds: number;
}

let budget: AccountBudget | null = null;

/** Set once per container by the platform wiring, which every API function authenticates through. */
export function throttleWith(next: AccountBudget | null): void {
  budget = next;
}

export async function throttled(principal: Principal, now: () => Date = () => new Date()): Promise<void> {
  if (!budget || principal.kind !== 'account') return;
  let allowed: boolean;
  try {
    allowed = await budget.take(principal.accountId, now());
  } catch (error) {
    logger.warn('the account request budget could not be read; the request goes through', { accountId: principal.accountId, error: error as Error });
    return;
  }
  if (!allowed) {
    throw new ThrottledError(`too many requests for account '${principal.accountId}'; slow down and retry`, budget.windowSeconds);
  }
}
