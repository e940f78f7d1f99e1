import { dynamoClient, s3Client, sqsClient } from './storage/aws';
import { DynamoAccountStore } from './platform/adapters/dynamo/accounts';
import { DynamoCatalogStore } from './catalog/adapters/dynamo/catalog';
import { DynamoPurchaseStore } from './ingest/adapters/dynamo/purchases';
import { DynamoReevaluationStore } from './ingest/adapters/dynamo/reevaluations';
import { DynamoRuleStore } from './pricing/adapters/dynamo/rules';
import { DynamoDropLedger } from './ingest/adapters/dynamo/drops';
import { DynamoStreamTablesStore } from './streams/adapters/dynamo/stream-tables';
import { DynamoCycleStore, DynamoExportStore, DynamoInvoiceStore, DynamoPurchaseInvoicing, DynamoScheduleStore } from './billing/adapters/dynamo/billing';
import { S3ChunkStore } from './ingest/adapters/s3/chunks';
import { S3DropFiles } from './ingest/adapters/s3/drops';
import { S3BillingFiles, S3StreamFiles } from './billing/adapters/s3/documents';
import { DynamoStreamStore } from './streams/adapters/dynamo/streams';
import { SqsBillingBus, SqsStreamBus } from './billing/adapters/sqs/billing';
import { SqsMessageBus } from './ingest/adapters/sqs/bus';
import { requireEnv } from './kernel/config';
import { BillingCycleService, CycleStarter } from './billing/use-cases/cycles';
import { CycleWorker } from './billing/use-cases/cycle-worker';
import { CycleReconciler } from './billing/use-cases/cycle-recovery';
import { ReconcileService, recoveryPolicy } from './platform/use-cases/reconcile';
import { StreamReconciler } from './streams/use-cases/run-recovery';
import { ExportService } from './billing/use-cases/exports';
import { InvoiceService } from './billing/use-cases/invoices';
import { LatePurchases } from './billing/use-cases/late';
import { ScheduleService } from './billing/use-cases/schedules';
import { CatalogService } from './catalog/use-cases/catalog';
import { DropService } from './ingest/use-cases/drop';
import { IngestService } from './ingest/use-cases/ingest';
import { PlatformService } from './platform/use-cases/platform';
import { RatingContextLoader } from './pricing/use-cases/rating';
import { ReevaluationPlanner, Reevaluations, ReevaluationWorker } from './ingest/use-cases/reevaluation';
import { ReevaluationReconciler } from './ingest/use-cases/reevaluation-recovery';
import { RulesService } from './pricing/use-cases/rules';
import { StreamTablesService } from './streams/use-cases/stream-tables';
import { StreamRunner } from './streams/use-cases/runner';
import { StreamService } from './streams/use-cases/service';
import { StreamCycleBatches } from './streams/use-cases/billing-batches';
import { UsageService } from './billing/use-cases/usage';

/**
 * The composition root: builds services from the function's environment. Handlers call these at module
 * scope, so configuration is read (and a missing variable fails) at cold start.
 */

const optionalEnv = (name: string) => process.env[name] || undefined;

function bus() {
  return new SqsMessageBus(sqsClient(), { remap: optionalEnv('REMAP_QUEUE_URL') });
}

function reevaluationStore() {
  return new DynamoReevaluationStore(dynamoClient(), requireEnv('TABLE_NAME'));
}

/** Starts tracked re-evaluations (record first, then message) for catalogue and rule changes. */
function reevaluations() {
  return new Reevaluations(reevaluationStore(), bus());
}

export function platformService(): PlatformService {
  return new PlatformService(new DynamoAccountStore(dynamoClient(), requireEnv('TABLE_NAME')), requireEnv('ADMIN_KEY_HASH'));
}

export function catalogService(): CatalogService {
  const table = requireEnv('TABLE_NAME');
  return new CatalogService(new DynamoCatalogStore(dynamoClient(), table), new DynamoAccountStore(dynamoClient(), table), reevaluations());
}

export function ratingContextLoader(): RatingContextLoader {
  const table = requireEnv('TABLE_NAME');
  return new RatingContextLoader(new DynamoCatalogStore(dynamoClient(), table), new DynamoRuleStore(dynamoClient(), table));
}

export function ingestService(): IngestService {
  const table = requireEnv('TABLE_NAME');
  // Functions that may send to the billing queue tell billing about late purchases (every acceptor does).
  const billingQueue = optionalEnv('BILLING_QUEUE_URL');
  const late = billingQueue ? new LatePurchases(new DynamoCycleStore(dynamoClient(), table), new SqsBillingBus(sqsClient(), billingQueue)) : null;
  return new IngestService({
    purchases: new DynamoPurchaseStore(dynamoClient(), table),
    rating: ratingContextLoader(),
    reevaluations: reevaluationStore(),
    chunks: new S3ChunkStore(s3Client(), requireEnv('BUCKET_NAME')),
    onStored: late ? (accountId, records, storedAt) => late.notice(accountId, records, storedAt) : undefined,
  });
}

export function dropService(): DropService {
  const table = requireEnv('TABLE_NAME');
  const bucket = requireEnv('BUCKET_NAME');
  return new DropService(ingestService(), new S3DropFiles(s3Client(), bucket), new DynamoDropLedger(dynamoClient(), table), new DynamoAccountStore(dynamoClient(), table));
}

export function rulesService(): RulesService {
  const table = requireEnv('TABLE_NAME');
  return new RulesService(new DynamoRuleStore(dynamoClient(), table), new DynamoCatalogStore(dynamoClient(), table), reevaluations());
}

export function reevaluationPlanner(): ReevaluationPlanner {
  const table = requireEnv('TABLE_NAME');
  return new ReevaluationPlanner(new DynamoCatalogStore(dynamoClient(), table), new DynamoRuleStore(dynamoClient(), table), new S3ChunkStore(s3Client(), requireEnv('BUCKET_NAME')));
}

/** The re-evaluation queue's consumer: plans, re-rates, re-maps and keeps each re-evaluation's record. */
export function reevaluationWorker(): ReevaluationWorker {
  return new ReevaluationWorker({ planner: reevaluationPlanner(), reevaluator: ingestService(), store: reevaluationStore(), bus: bus(), policy: recoveryPolicy() });
}

export function usageService(): UsageService {
  const table = requireEnv('TABLE_NAME');
  return new UsageService({
    catalog: new DynamoCatalogStore(dynamoClient(), table),
    rules: new DynamoRuleStore(dynamoClient(), table),
    chunks: new S3ChunkStore(s3Client(), requireEnv('BUCKET_NAME')),
    purchases: new DynamoPurchaseStore(dynamoClient(), table),
    planner: reevaluationPlanner(),
  });
}

// ----------------------------------------------------------------------------------------- billing

function billingBus() {
  return new SqsBillingBus(sqsClient(), requireEnv('BILLING_QUEUE_URL'));
}

function billingFiles() {
  return new S3BillingFiles(s3Client(), requireEnv('BUCKET_NAME'));
}

/** Starts cycles (the API and the daily scheduler): the table and the billing queue only. */
export function cycleStarter(): CycleStarter {
  return new CycleStarter(new DynamoCycleStore(dynamoClient(), requireEnv('TABLE_NAME')), billingBus());
}

export function billingCycleService(): BillingCycleService {
  const table = requireEnv('TABLE_NAME');
  return new BillingCycleService(
    {
      cycles: new DynamoCycleStore(dynamoClient(), table),
      invoices: new DynamoInvoiceStore(dynamoClient(), table),
      files: billingFiles(),
      chunks: new S3ChunkStore(s3Client(), requireEnv('BUCKET_NAME')),
      purchases: new DynamoPurchaseStore(dynamoClient(), table),
      catalog: new DynamoCatalogStore(dynamoClient(), table),
      planner: reevaluationPlanner(),
    },
    cycleStarter(),
  );
}

export function invoiceService(): InvoiceService {
  const table = requireEnv('TABLE_NAME');
  return new InvoiceService({
    invoices: new DynamoInvoiceStore(dynamoClient(), table),
    files: billingFiles(),
    marks: new DynamoPurchaseInvoicing(dynamoClient(), table),
    rules: new DynamoRuleStore(dynamoClient(), table),
  });
}

export function scheduleService(): ScheduleService {
  return new ScheduleService(new DynamoScheduleStore(dynamoClient(), requireEnv('TABLE_NAME')), cycleStarter());
}

export function exportService(): ExportService {
  const table = requireEnv('TABLE_NAME');
  return new ExportService({
    exports: new DynamoExportStore(dynamoClient(), table),
    cycles: new DynamoCycleStore(dynamoClient(), table),
    invoices: new DynamoInvoiceStore(dynamoClient(), table),
    files: billingFiles(),
    bus: billingBus(),
  });
}

export function cycleWorker(): CycleWorker {
  const table = requireEnv('TABLE_NAME');
  const ingest = ingestService();
  return new CycleWorker({
    cycles: new DynamoCycleStore(dynamoClient(), table),
    invoices: new DynamoInvoiceStore(dynamoClient(), table),
    marks: new DynamoPurchaseInvoicing(dynamoClient(), table),
    files: billingFiles(),
    bus: billingBus(),
    chunks: new S3ChunkStore(s3Client(), requireEnv('BUCKET_NAME')),
    purchases: new DynamoPurchaseStore(dynamoClient(), table),
    catalog: new DynamoCatalogStore(dynamoClient(), table),
    rules: new DynamoRuleStore(dynamoClient(), table),
    accounts: new DynamoAccountStore(dynamoClient(), table),
    rerate: (accountId, references) => ingest.reevaluate(accountId, references),
    batches: new StreamCycleBatches(streamStore(), streamFiles(), streamBus()),
  });
}

// ----------------------------------------------------------------------------------------- streams

/** Exchange rates and lookup tables: the table and the lookup-tables/ objects of the data bucket. */
export function streamTablesService(): StreamTablesService {
  return new StreamTablesService(new DynamoStreamTablesStore(dynamoClient(), requireEnv('TABLE_NAME'), billingFiles()));
}

function streamStore() {
  return new DynamoStreamStore(dynamoClient(), requireEnv('TABLE_NAME'));
}

function streamFiles() {
  return new S3StreamFiles(s3Client(), requireEnv('BUCKET_NAME'));
}

function streamBus() {
  return new SqsStreamBus(sqsClient(), requireEnv('STREAMS_QUEUE_URL'));
}

export function streamService(): StreamService {
  const rules = rulesService();
  return new StreamService({
    streams: streamStore(),
    files: streamFiles(),
    bus: streamBus(),
    tables: streamTablesService(),
    putPriceRule: (accountId, id, body) => rules.putPriceRule(accountId, id, body),
  });
}

export function streamRunner(): StreamRunner {
  const table = requireEnv('TABLE_NAME');
  return new StreamRunner({
    streams: streamStore(),
    files: streamFiles(),
    bus: streamBus(),
    chunks: new S3ChunkStore(s3Client(), requireEnv('BUCKET_NAME')),
    purchases: new DynamoPurchaseStore(dynamoClient(), table),
    catalog: new DynamoCatalogStore(dynamoClient(), table),
    accounts: new DynamoAccountStore(dynamoClient(), table),
    rating: ratingContextLoader(),
    tables: streamTablesService(),
  });
}

// ---------------------------------------------------------------------------------------- recovery

/**
 * The reconciler's parts (docs/architecture.md, "Work that survives a crash"): each resumes one kind of
 * open work that stopped making progress. Adding a part is one line here (and its grants in
 * infra/constructs/recovery.ts).
 */
export function reconcileService(): ReconcileService {
  const table = requireEnv('TABLE_NAME');
  const policy = recoveryPolicy();
  return new ReconcileService([
    new CycleReconciler({ cycles: new DynamoCycleStore(dynamoClient(), table), files: billingFiles(), bus: billingBus(), policy }),
    new StreamReconciler({ streams: streamStore(), bus: streamBus(), policy }),
    new ReevaluationReconciler({ store: reevaluationStore(), bus: bus(), policy }),
  ]);
}

