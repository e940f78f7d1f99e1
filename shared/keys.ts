import { instant } from './domain/fields';

/**
 * Every DynamoDB key of the single table is built here (docs/architecture.md, "DynamoDB single table").
 * Client-chosen ids never contain '#', so the separators below cannot be forged.
 */
export const keys = {
  account: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'ACCOUNT' }),
  apiKey: (hash: string) => ({ pk: `APIKEY#${hash}`, sk: 'APIKEY' }),
  customerClusters: (accountId: string) => `ACCOUNT#${accountId}#CCLUSTER`,
  customers: (accountId: string) => `ACCOUNT#${accountId}#CUSTOMER`,
  productClusters: (accountId: string) => `ACCOUNT#${accountId}#PCLUSTER`,
  aliases: (accountId: string) => `ACCOUNT#${accountId}#ALIAS`,
  priceRules: (accountId: string) => `ACCOUNT#${accountId}#PRICERULE`,
  routingRules: (accountId: string) => `ACCOUNT#${accountId}#ROUTINGRULE`,
  /** Version of an account's rule set: every rule save bumps it conditionally, so concurrent saves cannot both pass the overlap checks. */
  ruleset: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'RULESET' }),
  purchase: (accountId: string, reference: string) => ({ pk: `ACCOUNT#${accountId}#PURCHASE#${reference}`, sk: 'PURCHASE' }),
  /** Sparse index of open unmapped purchases, one partition per account, sorted by what they wait for. */
  unmappedIndex: (accountId: string) => `ACCOUNT#${accountId}#UNMAPPED`,
  unmappedSort: (waitingFor: { customer: string } | { label: string }, reference?: string) =>
    'customer' in waitingFor ? `CUSTOMER#${waitingFor.customer}#${reference ?? ''}` : `LABEL#${waitingFor.label}#${reference ?? ''}`,
  dropMarker: (accountId: string) => `ACCOUNT#${accountId}#DROP`,
  /** Billing cycles of an account, sorted by id (`cyc_<start>_<end>_…`, so by period start). */
  cycles: (accountId: string) => `ACCOUNT#${accountId}#CYCLE`,
  /** Partial reports of a cycle's runs: sort key `<run>#<kind>#<index>`. */
  cycleParts: (accountId: string, cycleId: string) => `ACCOUNT#${accountId}#CYCLE#${cycleId}`,
  cyclePartSort: (run: number, kind?: 'collector' | 'invoicer', index?: number) =>
    `R${String(run).padStart(6, '0')}#${kind === undefined ? '' : `${kind === 'collector' ? 'C' : 'I'}#${String(index ?? 0).padStart(6, '0')}`}`,
  /**
   * Invoices and credit notes of the periods starting on one day: the id (`inv_<yyyymmdd>_…`,
   * `cn_<yyyymmdd>_…`) names its partition, and the period's list is one query.
   */
  invoices: (accountId: string, periodStart: string) => `ACCOUNT#${accountId}#INVOICE#${periodStart}`,
  /** gsi1 of invoices: one partition per paying customer, sorted by period start. */
  customerInvoices: (accountId: string, customerCode: string) => `ACCOUNT#${accountId}#CUSTOMER#${customerCode}#INVOICES`,
  customerInvoiceSort: (periodStart: string, invoiceId?: string) => `${periodStart}#${invoiceId ?? ''}`,
  billingSchedule: (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'BILLING-SCHEDULE' }),
  /** The accounts billed on one day of the month (read by the daily scheduler), sorted by account id. */
  billingScheduleDay: (dayOfMonth: number) => `BILLING-SCHEDULE#DAY#${String(dayOfMonth).padStart(2, '0')}`,
  exports: (accountId: string) => `ACCOUNT#${accountId}#EXPORT`,
  streams: (accountId: string) => `ACCOUNT#${accountId}#STREAM`,
  /** Batches of an account by id; gsi1 lists one stream's batches by creation (`streamBatches`). */
  batches: (accountId: string) => `ACCOUNT#${accountId}#BATCH`,
  streamBatches: (accountId: string, stream: string) => `ACCOUNT#${accountId}#STREAM#${stream}#BATCHES`,
  /** Batches partners shared with the account, by id. */
  inbound: (accountId: string) => `ACCOUNT#${accountId}#INBOUND`,
  /** Exchange rates of an account, one partition, sorted by pair then validFrom (`exchangeRateSort`). */
  exchangeRates: (accountId: string) => `ACCOUNT#${accountId}#EXCHANGERATE`,
  /**
   * `<FROM>-<TO>#<validFrom as a UTC instant>`: `2026-01-01` and `2026-01-01T00:00:00Z` name the same
   * entry (a PUT of one replaces the other), and a pair's entries sort by time whatever zone they were given in.
   * Without `validFrom`: the prefix of the pair's entries.
   */
  exchangeRateSort: (pair: string, validFrom?: string) => `${pair}#${validFrom === undefined ? '' : new Date(instant(validFrom)).toISOString()}`,
  /** Lookup tables of an account (their index entries; the rows are in S3, `objects.lookupTable`). */
  lookupTables: (accountId: string) => `ACCOUNT#${accountId}#LOOKUPTABLE`,
} as const;

/** S3 object keys of the data bucket. */
export const objects = {
  inflightPrefix: (accountId?: string) => (accountId ? `ingest/inflight/${accountId}/` : 'ingest/inflight/'),
  inflight: (accountId: string, chunkId: string) => `ingest/inflight/${accountId}/${chunkId}.json`,
  journalPrefix: (accountId: string, month?: string) => (month ? `journal/${accountId}/${month}/` : `journal/${accountId}/`),
  journal: (accountId: string, month: string, chunkId: string) => `journal/${accountId}/${month}/${chunkId}.jsonl`,
  dropResult: (accountId: string, name: string) => `drops/${accountId}/results/${name}.json`,
  /** Everything a run of a cycle writes while it fans out (deleted when the run finishes). */
  cycleRunPrefix: (accountId: string, cycleId: string, run: number) => `cycles/${accountId}/${cycleId}/${run}/`,
  cyclePlan: (accountId: string, cycleId: string, run: number, planId: string) => `cycles/${accountId}/${cycleId}/${run}/plan-${planId}.json`,
  cyclePartsPrefix: (accountId: string, cycleId: string, run: number, partition: number) => `cycles/${accountId}/${cycleId}/${run}/parts/${partition}/`,
  /** One collector's rows of one partition; a collector of a large batch writes them in numbered pieces. */
  cyclePart: (accountId: string, cycleId: string, run: number, partition: number, collector: number, piece?: number) =>
    `cycles/${accountId}/${cycleId}/${run}/parts/${partition}/${collector}${piece === undefined ? '' : `-${piece}`}.jsonl`,
  /**
   * An invoice's documents, per written version (`<revision>-<nonce>`): a draft rewritten concurrently with
   * an approval never overwrites what the approval froze, and each writer only ever deletes its own.
   */
  invoiceDocument: (accountId: string, invoiceId: string, version: string, ext: 'pdf' | 'csv' | 'rows.jsonl' | 'lines.json') =>
    `invoices/${accountId}/${invoiceId}/${version}.${ext}`,
  /** A batch's files: rows (typed CSV), error rows (JSON Lines), the staged input of a purchase-sourced run. */
  batchFile: (accountId: string, batchId: string, file: 'rows.csv' | 'errors.jsonl' | 'input.jsonl') => `batches/${accountId}/${batchId}/${file}`,
  /** The rows of an upstream batch shared with this account. */
  inboundRows: (accountId: string, inboundId: string) => `batches/${accountId}/inbound/${inboundId}.csv`,
  /** The CSV uploaded to a simple stream with source `{"upload":true}`. */
  streamUpload: (accountId: string, stream: string) => `streams/${accountId}/${stream}/upload.csv`,
  exportFile: (accountId: string, exportId: string, ext: 'csv' | 'jsonl') => `exports/${accountId}/${exportId}.${ext}`,
  /** The rows of a lookup table. Table ids may hold `/` (a path parameter decodes %2F), so they are URI-encoded. */
  lookupTable: (accountId: string, tableId: string) => `lookup-tables/${accountId}/${encodeURIComponent(tableId)}.json`,
} as const;

export const GSI1 = 'gsi1';
