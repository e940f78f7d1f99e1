import { createHash } from 'node:crypto';
import { instant } from '../kernel/fields';

/**
 * Key segments. Client ids may hold anything but `#` and control characters (`/`, `..`, `%`, unicode), so
 * every id is encoded before it becomes part of a DynamoDB or S3 key: each UTF-8 byte outside
 * `[A-Za-z0-9_-]` becomes `%XX` (upper-case hex), `%` and `.` included. The result never holds `/`, `#` or
 * `.`, so it can neither leave its place in an S3 key (`..`, a `/` of its own) nor forge a DynamoDB
 * separator, and two different ids never share a segment. Plain ids (`acme`, `C1`, `cdr-1`, every
 * server-made id) are unchanged.
 *
 * An encoding longer than MAX_SEGMENT (an id of 200 unicode characters grows to 1,800) would break S3's
 * 1,024-byte key limit and the 255-byte file names of the local S3: it is then cut to a readable prefix
 * followed by `~` and the SHA-256 of the id. `~` never appears in the plain form, so the two forms never
 * meet; such a segment names its id as surely as the hash does, but cannot be decoded (ids that are read
 * back from keys, accounts and server-made ids, are short and plain).
 */
export const MAX_SEGMENT = 200;
const HASHED_PREFIX = 150;
const PLAIN = /^[A-Za-z0-9_-]*$/;

export function keySegment(id: string): string {
  if (id.length <= MAX_SEGMENT && PLAIN.test(id)) return id;
  let out = '';
  for (const char of id) {
    const code = char.codePointAt(0)!;
    if (PLAIN.test(char)) out += char;
    // a lone surrogate has no UTF-8 form (Buffer would turn every one into U+FFFD): it keeps its code unit
    else if (code >= 0xd800 && code <= 0xdfff) out += `%u${code.toString(16).toUpperCase()}`;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length <= MAX_SEGMENT) return out;
  const cut = out.slice(0, HASHED_PREFIX).replace(/%[0-9A-Fu]{0,4}$/, (tail) => (/^%(u[0-9A-F]{4}|[0-9A-F]{2})$/.test(tail) ? tail : ''));
  return `${cut}~${createHash('sha256').update(id, 'utf16le').digest('base64url')}`;
}

/** The id a segment made by `keySegment` stands for; throws for anything `keySegment` cannot have made. */
export function idOfKeySegment(segment: string): string {
  if (segment.includes('~')) throw new Error(`key segment '${segment.slice(0, 40)}…' names a long id by its hash and cannot be decoded`);
  const id = segment.replace(/%u([0-9A-F]{4})|(?:%[0-9A-F]{2})+/g, (run, unit?: string) =>
    unit ? String.fromCharCode(parseInt(unit, 16)) : Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'),
  );
  if (keySegment(id) !== segment) throw new Error(`'${segment.slice(0, 40)}' is not an encoded key segment`);
  return id;
}

const s = keySegment;

/** Partitions of an account's index of not-invoiced purchases (`keys.purchaseIndex`): 16 × 1,000 writes a second before one throttles. */
export const PURCHASE_SHARDS = 16;

/**
 * Every DynamoDB key of the single table is built here (docs/architecture.md, "DynamoDB single table").
 * Every id inside a key string is encoded with `keySegment`; an id that is a whole sort key under its
 * entity's partition (set by the adapters) is stored as given, so lists sort by the id itself.
 */
export const keys = {
  account: (accountId: string) => ({ pk: `ACCOUNT#${s(accountId)}`, sk: 'ACCOUNT' }),
  /** The account's profile (legal name, address, VAT id, invoice prefix), beside its account item. */
  accountProfile: (accountId: string) => ({ pk: `ACCOUNT#${s(accountId)}`, sk: 'PROFILE' }),
  apiKey: (hash: string) => ({ pk: `APIKEY#${s(hash)}`, sk: 'APIKEY' }),
  /** An account's API keys on gsi1, by key id (the `APIKEY#<sha256>` items carry it): listed and revoked by id. */
  accountKeys: (accountId: string) => `ACCOUNT#${s(accountId)}#APIKEYS`,
  /** An account's audit log: one item per entry, sort key `<at>#<random>` (read backwards: newest first). */
  audit: (accountId: string) => `ACCOUNT#${s(accountId)}#AUDIT`,
  /** An account's request budget: one counter item per throttle window (sort key: the window's start, epoch seconds). */
  accountThrottle: (accountId: string) => `ACCOUNT#${s(accountId)}#THROTTLE`,
  customerClusters: (accountId: string) => `ACCOUNT#${s(accountId)}#CCLUSTER`,
  customers: (accountId: string) => `ACCOUNT#${s(accountId)}#CUSTOMER`,
  productClusters: (accountId: string) => `ACCOUNT#${s(accountId)}#PCLUSTER`,
  aliases: (accountId: string) => `ACCOUNT#${s(accountId)}#ALIAS`,
  priceRules: (accountId: string) => `ACCOUNT#${s(accountId)}#PRICERULE`,
  routingRules: (accountId: string) => `ACCOUNT#${s(accountId)}#ROUTINGRULE`,
  /** Version of an account's rule set: every rule save bumps it conditionally, so concurrent saves cannot both pass the overlap checks. */
  ruleset: (accountId: string) => ({ pk: `ACCOUNT#${s(accountId)}`, sk: 'RULESET' }),
  purchase: (accountId: string, reference: string) => ({ pk: `ACCOUNT#${s(accountId)}#PURCHASE#${s(reference)}`, sk: 'PURCHASE' }),
  /** Sparse index of open unmapped purchases, one partition per account, sorted by what they wait for. */
  unmappedIndex: (accountId: string) => `ACCOUNT#${s(accountId)}#UNMAPPED`,
  unmappedSort: (waitingFor: { customer: string } | { label: string }, reference?: string) =>
    'customer' in waitingFor
      ? `CUSTOMER#${s(waitingFor.customer)}#${reference === undefined ? '' : s(reference)}`
      : `LABEL#${s(waitingFor.label)}#${reference === undefined ? '' : s(reference)}`,
  /**
   * gsi1 of the `not-invoiced` purchases (unmapped ones sit on `unmappedIndex`; rated ones on no index):
   * PURCHASE_SHARDS partitions per account, the reference's hash picking one, so no partition takes all of an
   * account's writes; sorted by purchase date (a UTC instant) then reference, so a date range is a key
   * condition. Read to count the purchases that wait.
   */
  purchaseIndex: (accountId: string, shard: number) => `ACCOUNT#${s(accountId)}#PURCHASES#${String(shard).padStart(2, '0')}`,
  purchaseIndexShard: (reference: string) => createHash('sha256').update(reference).digest().readUInt16BE(0) % PURCHASE_SHARDS,
  /** Without a reference: the bound of a date range (`2026-11-01T00:00:00.000Z` sorts before every purchase of that instant). */
  purchaseIndexSort: (purchaseDate: string, reference?: string) =>
    `${new Date(instant(purchaseDate)).toISOString()}${reference === undefined ? '' : `#${s(reference)}`}`,
  dropMarker: (accountId: string) => `ACCOUNT#${s(accountId)}#DROP`,
  /** gsi1 of drop markers while their file is being ingested: the recovery's list of drops to finish. */
  openDrops: 'DROPS#OPEN',
  /** A drop's marker: its object key (which holds `/`, `.`, whatever the client named the file) and ETag. */
  dropMarkerSort: (key: string, etag: string) => `${s(key)}#${s(etag)}`,
  /** Billing cycles of an account, sorted by id (`cyc_<start>_<end>_…`, so by period start). */
  cycles: (accountId: string) => `ACCOUNT#${s(accountId)}#CYCLE`,
  /** Partial reports of a cycle's runs: sort key `<run>#<kind>#<index>`. */
  cycleParts: (accountId: string, cycleId: string) => `ACCOUNT#${s(accountId)}#CYCLE#${s(cycleId)}`,
  cyclePartSort: (run: number, kind?: 'collector' | 'invoicer', index?: number) =>
    `R${String(run).padStart(6, '0')}#${kind === undefined ? '' : `${kind === 'collector' ? 'C' : 'I'}#${String(index ?? 0).padStart(6, '0')}`}`,
  /**
   * Invoices and credit notes of the periods starting on one day: the id (`inv_<yyyymmdd>_…`,
   * `cn_<yyyymmdd>_…`) names its partition, and the period's list is one query.
   */
  invoices: (accountId: string, periodStart: string) => `ACCOUNT#${s(accountId)}#INVOICE#${s(periodStart)}`,
  /** gsi1 of invoices: one partition per paying customer, sorted by period start. */
  customerInvoices: (accountId: string, customerCode: string) => `ACCOUNT#${s(accountId)}#CUSTOMER#${s(customerCode)}#INVOICES`,
  customerInvoiceSort: (periodStart: string, invoiceId?: string) => `${s(periodStart)}#${invoiceId === undefined ? '' : s(invoiceId)}`,
  /** A paying subscriber's ledger: the version its subscription drafts are written under, beside its invoices' gsi1 partition. */
  subscriberLedger: (accountId: string, customerCode: string) => ({ pk: `ACCOUNT#${s(accountId)}#CUSTOMER#${s(customerCode)}#LEDGER`, sk: 'LEDGER' }),
  /** The account's invoice-number counter of one year (the last sequence given out), beside its account item. */
  invoiceNumbers: (accountId: string, year: number) => ({ pk: `ACCOUNT#${s(accountId)}`, sk: `INVOICE-NUMBER#${String(year)}` }),
  billingSchedule: (accountId: string) => ({ pk: `ACCOUNT#${s(accountId)}`, sk: 'BILLING-SCHEDULE' }),
  /** The accounts billed on one day of the month (read by the daily scheduler), sorted by account id. */
  billingScheduleDay: (dayOfMonth: number | 'customers') => `BILLING-SCHEDULE#DAY#${String(dayOfMonth).padStart(2, '0')}`,
  exports: (accountId: string) => `ACCOUNT#${s(accountId)}#EXPORT`,
  streams: (accountId: string) => `ACCOUNT#${s(accountId)}#STREAM`,
  /** Batches of an account by id; gsi1 lists one stream's batches by creation (`streamBatches`). */
  batches: (accountId: string) => `ACCOUNT#${s(accountId)}#BATCH`,
  streamBatches: (accountId: string, stream: string) => `ACCOUNT#${s(accountId)}#STREAM#${s(stream)}#BATCHES`,
  /** Batches partners shared with the account, by id. */
  inbound: (accountId: string) => `ACCOUNT#${s(accountId)}#INBOUND`,
  /** Exchange rates of an account, one partition, sorted by pair then validFrom (`exchangeRateSort`). */
  exchangeRates: (accountId: string) => `ACCOUNT#${s(accountId)}#EXCHANGERATE`,
  /**
   * `<FROM>-<TO>#<validFrom as a UTC instant>`: `2026-01-01` and `2026-01-01T00:00:00Z` name the same
   * entry (a PUT of one replaces the other), and a pair's entries sort by time whatever zone they were given in.
   * Without `validFrom`: the prefix of the pair's entries.
   */
  exchangeRateSort: (pair: string, validFrom?: string) => `${s(pair)}#${validFrom === undefined ? '' : new Date(instant(validFrom)).toISOString()}`,
  /** Lookup tables of an account (their index entries; the rows are in S3, `objects.lookupTable`). */
  lookupTables: (accountId: string) => `ACCOUNT#${s(accountId)}#LOOKUPTABLE`,
  /** Catalogues of offers of an account, by id (docs/api.md "Catalogue, offers, subscriptions"). */
  catalogues: (accountId: string) => `ACCOUNT#${s(accountId)}#CATALOGUE`,
  /** Offers of an account, by id; gsi1 lists one catalogue's offers (`catalogueOffers`, sorted by offer id). */
  offers: (accountId: string) => `ACCOUNT#${s(accountId)}#OFFER`,
  catalogueOffers: (accountId: string, catalogue: string) => `ACCOUNT#${s(accountId)}#CATALOGUE#${s(catalogue)}#OFFERS`,
  /** Subscriptions of an account, by id; gsi1 lists one customer's subscriptions (`customerSubscriptions`, sorted by id). */
  subscriptions: (accountId: string) => `ACCOUNT#${s(accountId)}#SUBSCRIPTION`,
  customerSubscriptions: (accountId: string, customerCode: string) => `ACCOUNT#${s(accountId)}#CUSTOMER#${s(customerCode)}#SUBSCRIPTIONS`,
  /** Quotes of an account, by id (latest version and status); gsi1 lists one customer's quotes (`customerQuotes`, sorted by id). */
  quotes: (accountId: string) => `ACCOUNT#${s(accountId)}#QUOTE`,
  /** The versions of one quote, sorted by version number (10 digits). */
  quoteVersions: (accountId: string, quoteId: string) => `ACCOUNT#${s(accountId)}#QUOTE#${s(quoteId)}#VERSION`,
  customerQuotes: (accountId: string, customerCode: string) => `ACCOUNT#${s(accountId)}#CUSTOMER#${s(customerCode)}#QUOTES`,
  /** Re-evaluation records of an account, by id (open ones also on gsi1, `openWork('REEVALUATION')`). */
  reevaluations: (accountId: string) => `ACCOUNT#${s(accountId)}#REEVALUATION`,
  /** How many re-evaluations were ever started for the account: acceptance compares it before and after its journal. */
  reevaluationCount: (accountId: string) => ({ pk: `ACCOUNT#${s(accountId)}`, sk: 'REEVALUATION-COUNT' }),
  /**
   * The open-work index on gsi1 (the reconciler's, docs/architecture.md): one partition per kind of work,
   * sorted by last heartbeat, so "stopped before T" is one range query. Running cycles carry it on their
   * own item; other work keeps a small index item (`openWorkItem`).
   */
  openWork: (kind: string) => `OPENWORK#${kind}`,
  openWorkSort: (heartbeatAt: string, accountId?: string, id?: string) =>
    accountId === undefined ? heartbeatAt : `${heartbeatAt}#${s(accountId)}#${id === undefined ? '' : s(id)}`,
  openWorkItem: (kind: string, accountId: string, id: string) => ({ pk: `ACCOUNT#${s(accountId)}#OPENWORK#${kind}`, sk: id }),
} as const;

/** S3 object keys of the data bucket. */
export const objects = {
  inflightPrefix: (accountId?: string) => (accountId ? `ingest/inflight/${s(accountId)}/` : 'ingest/inflight/'),
  inflight: (accountId: string, chunkId: string) => `ingest/inflight/${s(accountId)}/${s(chunkId)}.json`,
  journalPrefix: (accountId: string, month?: string) => (month ? `journal/${s(accountId)}/${s(month)}/` : `journal/${s(accountId)}/`),
  journal: (accountId: string, month: string, chunkId: string) => `journal/${s(accountId)}/${s(month)}/${s(chunkId)}.jsonl`,
  /**
   * The results of `drops/<account>/<name>.csv|.jsonl`. The name is the client's own object name (it has no
   * `/`, see parseDropKey) and the contract puts the results under that very name, so it is kept as given.
   */
  dropResult: (accountId: string, name: string) => {
    if (name.includes('/')) throw new Error(`a drop name has no '/': '${name}'`);
    return `drops/${s(accountId)}/results/${name}.json`;
  },
  /** The results of a customer drop `drops/<account>/customers/<name>.csv|.jsonl` (the name kept as given, as for dropResult). */
  customerDropResult: (accountId: string, name: string) => {
    if (name.includes('/')) throw new Error(`a drop name has no '/': '${name}'`);
    return `drops/${s(accountId)}/customers/results/${name}.json`;
  },
  /** Everything a run of a cycle writes while it fans out (deleted when the run finishes). */
  cycleRunPrefix: (accountId: string, cycleId: string, run: number) => `cycles/${s(accountId)}/${s(cycleId)}/${run}/`,
  cyclePlan: (accountId: string, cycleId: string, run: number, planId: string) =>
    `cycles/${s(accountId)}/${s(cycleId)}/${run}/plan-${s(planId)}.json`,
  /** The subscriptions of a plan's partition (written with the plan, read by its invoicer). */
  cycleSubscriptions: (accountId: string, cycleId: string, run: number, planId: string, partition: number) =>
    `cycles/${s(accountId)}/${s(cycleId)}/${run}/subs-${s(planId)}/${partition}.json`,
  cyclePartsPrefix: (accountId: string, cycleId: string, run: number, partition: number) =>
    `cycles/${s(accountId)}/${s(cycleId)}/${run}/parts/${partition}/`,
  /** One collector's rows of one partition; a collector of a large batch writes them in numbered pieces. */
  cyclePart: (accountId: string, cycleId: string, run: number, partition: number, collector: number, piece?: number) =>
    `cycles/${s(accountId)}/${s(cycleId)}/${run}/parts/${partition}/${collector}${piece === undefined ? '' : `-${piece}`}.jsonl`,
  /**
   * An invoice's documents, per written version (`<revision>-<nonce>`): a draft rewritten concurrently with
   * an approval never overwrites what the approval froze, and each writer only ever deletes its own.
   */
  invoiceDocument: (accountId: string, invoiceId: string, version: string, ext: 'pdf' | 'csv' | 'rows.jsonl' | 'lines.json') =>
    `invoices/${s(accountId)}/${s(invoiceId)}/${s(version)}.${ext}`,
  /** A batch's files: rows (typed CSV), error rows (JSON Lines), the staged input of a purchase-sourced run. */
  batchFile: (accountId: string, batchId: string, file: 'rows.csv' | 'errors.jsonl' | 'input.jsonl', attempt = 1) =>
    attempt > 1 ? `batches/${s(accountId)}/${s(batchId)}/attempt-${attempt}/${file}` : `batches/${s(accountId)}/${s(batchId)}/${file}`,
  /** The rows of an upstream batch shared with this account. */
  inboundRows: (accountId: string, inboundId: string) => `batches/${s(accountId)}/inbound/${s(inboundId)}.csv`,
  /** The CSV uploaded to a simple stream with source `{"upload":true}`. */
  streamUpload: (accountId: string, stream: string) => `streams/${s(accountId)}/${s(stream)}/upload.csv`,
  exportFile: (accountId: string, exportId: string, ext: 'csv' | 'jsonl') => `exports/${s(accountId)}/${s(exportId)}.${ext}`,
  /** The rows of a lookup table (its index item keeps the key, so tables written before keySegment stay readable). */
  lookupTable: (accountId: string, tableId: string) => `lookup-tables/${s(accountId)}/${s(tableId)}.json`,
  /** The month of a journal object's key (`journal`). */
  journalMonth: (key: string) => idOfKeySegment(key.split('/')[2] ?? ''),
  /** Whether the key lies in the batches' folder (`batchFile`, `inboundRows`). */
  isUnderBatches: (key: string): boolean => key.startsWith('batches/'),
  /** The batch whose file this key is (`batchFile`), or null for any other key. */
  batchOfFile: (key: string): string | null => {
    const m = /^batches\/[^/]+\/([^/]+)\/(?:attempt-\d+\/)?(?:rows\.csv|errors\.jsonl|input\.jsonl)$/.exec(key);
    return m ? idOfKeySegment(m[1]!) : null;
  },
} as const;

export const GSI1 = 'gsi1';
