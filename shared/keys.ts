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
  ingestConflicts: (accountId: string) => `ACCOUNT#${accountId}#INGEST-CONFLICT`,
  dropMarker: (accountId: string) => `ACCOUNT#${accountId}#DROP`,
} as const;

/** S3 object keys of the data bucket. */
export const objects = {
  inflightPrefix: (accountId?: string) => (accountId ? `ingest/inflight/${accountId}/` : 'ingest/inflight/'),
  inflight: (accountId: string, chunkId: string) => `ingest/inflight/${accountId}/${chunkId}.json`,
  journalPrefix: (accountId: string, month?: string) => (month ? `journal/${accountId}/${month}/` : `journal/${accountId}/`),
  journal: (accountId: string, month: string, chunkId: string) => `journal/${accountId}/${month}/${chunkId}.jsonl`,
  dropResult: (accountId: string, name: string) => `drops/${accountId}/results/${name}.json`,
} as const;

export const GSI1 = 'gsi1';
