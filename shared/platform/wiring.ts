import { optionalEnv, requireEnv } from '../kernel/config';
import { dynamoClient } from '../storage/aws';
import { tableName } from '../storage/env';
import { cycleReconciler, exportReconciler } from '../billing/wiring';
import { reevaluationReconciler } from '../ingest/wiring';
import { streamReconciler } from '../streams/wiring';
import { auditTo } from '../edge/audit';
import { throttleWith } from '../edge/throttle';
import { accountLimits, DynamoAccountBudget } from './adapters/dynamo/budget';
import { DynamoAccountStore } from './adapters/dynamo/accounts';
import { DynamoAuditStore } from './adapters/dynamo/audit';
import { AuditService } from './use-cases/audit';
import { PlatformService } from './use-cases/platform';
import { ReconcileService } from './use-cases/reconcile';

/**
 * Platform wiring: accounts and API keys, and the reconciler. Handlers call these at module scope, so
 * configuration is read (and a missing variable fails) at cold start. Other contexts' wiring asks for
 * `accountStore()` rather than building the adapter themselves.
 */

export function accountStore(): DynamoAccountStore {
  return new DynamoAccountStore(dynamoClient(), tableName());
}

/**
 * The platform service every API function authenticates through. Building it also points the edge's audit
 * hook at the account audit log (shared/edge/audit.ts) and its throttle at the accounts' request budgets
 * (shared/edge/throttle.ts; `ACCOUNT_THROTTLE`, default 200/400), so every API function records changes and
 * shares its account's budget without wiring of its own.
 */
export function platformService(): PlatformService {
  const service = new PlatformService(accountStore(), requireEnv('ADMIN_KEY_HASH'));
  auditTo(auditService());
  const limits = accountLimits(optionalEnv('ACCOUNT_THROTTLE'));
  throttleWith(limits ? new DynamoAccountBudget(dynamoClient(), tableName(), limits) : null);
  return service;
}

let audit: AuditService | undefined;

/** The account audit log (one per container). */
export function auditService(): AuditService {
  audit ??= new AuditService(new DynamoAuditStore(dynamoClient(), tableName()));
  return audit;
}

/**
 * The reconciler's parts (docs/architecture.md, "Work that survives a crash"): each resumes one kind of
 * open work that stopped making progress. Adding a part is one line here (and its grants in
 * infra/constructs/recovery.ts).
 */
export function reconcileService(): ReconcileService {
  return new ReconcileService([cycleReconciler(), exportReconciler(), streamReconciler(), reevaluationReconciler()]);
}
