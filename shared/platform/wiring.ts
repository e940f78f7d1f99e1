import { requireEnv } from '../kernel/config';
import { dynamoClient } from '../storage/aws';
import { tableName } from '../storage/env';
import { cycleReconciler } from '../billing/wiring';
import { reevaluationReconciler } from '../ingest/wiring';
import { streamReconciler } from '../streams/wiring';
import { DynamoAccountStore } from './adapters/dynamo/accounts';
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

export function platformService(): PlatformService {
  return new PlatformService(accountStore(), requireEnv('ADMIN_KEY_HASH'));
}

/**
 * The reconciler's parts (docs/architecture.md, "Work that survives a crash"): each resumes one kind of
 * open work that stopped making progress. Adding a part is one line here (and its grants in
 * infra/constructs/recovery.ts).
 */
export function reconcileService(): ReconcileService {
  return new ReconcileService([cycleReconciler(), streamReconciler(), reevaluationReconciler()]);
}
