import { optionalEnv, requireEnv } from '../kernel/config';
import { dynamoClient, s3Client, sqsClient } from '../storage/aws';
import { bucketName, tableName } from '../storage/env';
import { catalogStore } from '../catalog/wiring';
import { chunkStore, ingestService, purchaseStore, reevaluationPlanner } from '../ingest/wiring';
import { accountStore } from '../platform/wiring';
import { recoveryPolicy } from '../platform/use-cases/reconcile';
import { ruleStore } from '../pricing/wiring';
import { streamCycleBatches } from '../streams/wiring';
import { subscriptionStore } from '../subscriptions/wiring';
import { DynamoCycleStore } from './adapters/dynamo/cycles';
import { DynamoExportStore } from './adapters/dynamo/exports';
import { DynamoInvoiceStore } from './adapters/dynamo/invoices';
import { DynamoPurchaseInvoicing } from './adapters/dynamo/purchase-invoicing';
import { DynamoScheduleStore } from './adapters/dynamo/schedules';
import { S3BillingFiles } from './adapters/s3/documents';
import { SqsBillingBus } from './adapters/sqs/billing';
import { CycleReconciler } from './use-cases/cycle-recovery';
import { CycleWorker } from './use-cases/cycle-worker';
import { BillingCycleService, CycleStarter } from './use-cases/cycles';
import { DraftedPurchases } from './use-cases/drafted';
import { ExportService } from './use-cases/exports';
import { ExportReconciler } from './use-cases/export-recovery';
import { InvoiceService } from './use-cases/invoices';
import { LatePurchases } from './use-cases/late';
import { PayerMoves } from './use-cases/payer-moves';
import { ScheduleService } from './use-cases/schedules';
import { UsageService } from './use-cases/usage';

/** Billing wiring: cycles, invoices, documents, exports, schedules and the usage preview. */

const cycleStore = () => new DynamoCycleStore(dynamoClient(), tableName());
const invoiceStore = () => new DynamoInvoiceStore(dynamoClient(), tableName());
const purchaseInvoicing = () => new DynamoPurchaseInvoicing(dynamoClient(), tableName());

function billingBus() {
  return new SqsBillingBus(sqsClient(), requireEnv('BILLING_QUEUE_URL'));
}

/** The data bucket's objects as billing reads and writes them. */
export function billingFiles(): S3BillingFiles {
  return new S3BillingFiles(s3Client(), bucketName());
}

/** Late purchases for a period that already has a cycle regenerate its drafts; null where the billing queue is not granted. */
export function latePurchases(): LatePurchases | null {
  const queue = optionalEnv('BILLING_QUEUE_URL');
  return queue ? new LatePurchases(cycleStore(), new SqsBillingBus(sqsClient(), queue)) : null;
}

/** Payer-link changes regenerate the cycles of the drafts they concern; null where the billing queue is not granted. */
export function payerMoves(): PayerMoves | null {
  const queue = optionalEnv('BILLING_QUEUE_URL');
  return queue ? new PayerMoves({ catalog: catalogStore(), invoices: invoiceStore(), bus: new SqsBillingBus(sqsClient(), queue) }) : null;
}

/** Which drafts purchases are on (a cycle writes nothing on them): what reading a purchase asks billing. */
export function draftedPurchases(): DraftedPurchases {
  return new DraftedPurchases({ catalog: catalogStore(), invoices: invoiceStore(), files: billingFiles() });
}

/** Starts cycles (the API and the daily scheduler): the table and the billing queue only. */
export function cycleStarter(): CycleStarter {
  return new CycleStarter(cycleStore(), billingBus());
}

export function billingCycleService(): BillingCycleService {
  return new BillingCycleService(
    {
      cycles: cycleStore(),
      invoices: invoiceStore(),
      files: billingFiles(),
      chunks: chunkStore(),
      purchases: purchaseStore(),
      catalog: catalogStore(),
      planner: reevaluationPlanner(),
      subscriptions: subscriptionStore(),
    },
    cycleStarter(),
  );
}

export function invoiceService(): InvoiceService {
  return new InvoiceService({
    invoices: invoiceStore(),
    files: billingFiles(),
    marks: purchaseInvoicing(),
    rules: ruleStore(),
    catalog: catalogStore(),
  });
}

export function scheduleService(): ScheduleService {
  return new ScheduleService(new DynamoScheduleStore(dynamoClient(), tableName()), cycleStarter(), undefined, catalogStore());
}

export function exportService(): ExportService {
  return new ExportService({
    exports: new DynamoExportStore(dynamoClient(), tableName()),
    cycles: cycleStore(),
    invoices: invoiceStore(),
    files: billingFiles(),
    bus: billingBus(),
  });
}

export function cycleWorker(): CycleWorker {
  const ingest = ingestService();
  return new CycleWorker({
    cycles: cycleStore(),
    invoices: invoiceStore(),
    marks: purchaseInvoicing(),
    files: billingFiles(),
    bus: billingBus(),
    chunks: chunkStore(),
    purchases: purchaseStore(),
    catalog: catalogStore(),
    rules: ruleStore(),
    accounts: accountStore(),
    rerate: (accountId, references) => ingest.reevaluate(accountId, references),
    batches: streamCycleBatches(),
    subscriptions: subscriptionStore(),
  });
}

export function usageService(): UsageService {
  return new UsageService({
    catalog: catalogStore(),
    rules: ruleStore(),
    chunks: chunkStore(),
    purchases: purchaseStore(),
    planner: reevaluationPlanner(),
    subscriptions: subscriptionStore(),
  });
}

export function cycleReconciler(): CycleReconciler {
  return new CycleReconciler({ cycles: cycleStore(), files: billingFiles(), bus: billingBus(), policy: recoveryPolicy() });
}

export function exportReconciler(): ExportReconciler {
  return new ExportReconciler({ exports: new DynamoExportStore(dynamoClient(), tableName()), bus: billingBus(), policy: recoveryPolicy() });
}
