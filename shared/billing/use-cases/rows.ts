import { createHash } from 'node:crypto';
import type { RatedRow } from '../domain/lines';
import type { BillingPeriod } from '../../kernel/periods';
import { D, InvalidDecimalError, parseDecimal, toWire } from '../../kernel/money';
import { periodShare, ratedRowOf } from '../domain/period-rows';
import type { Metadata, PurchaseRecord, PurchaseStatus } from '../../ingest/domain/purchase';
import type { BatchRecord } from '../../streams/domain/batch';
import type { Row } from '../../streams/domain/columns';
import { META_PREFIX } from '../../streams/domain/rows';
import { objects } from '../../storage/keys';

/**
 * A purchase as a cycle carries it from its collector to its invoicer (one JSON line of a partition
 * file, and of an invoice's rows document): the invoice row of the period (RatedRow, prorated to the
 * period's share, decimals as exact strings) plus what the invoicer needs to put the purchase on the
 * invoice (its version) and to count it (held).
 */
export interface CycleRow {
  reference: string;
  /** The purchase's version when collected: marking it invoiced is conditional on it. */
  version: number;
  status: PurchaseStatus;
  invoice: string | null;
  productLabel: string;
  /** Who pays (after routing). */
  customerCode: string;
  usedBy: string;
  quantity: string;
  purchaseDate: string;
  endDate: string | null;
  amount: string | null;
  currency: string;
  productCluster: string;
  priceRule: string | null;
  metadata: Metadata;
  /** Priced while its payer was on hold: reported, never invoiced. */
  held?: true;
  /** A row of this batch (a billing stream's), not a purchase of the account: nothing to mark or complete. */
  batch?: string;
  /** What identifies the row within the cycle when `reference` may repeat (batch rows: `<batch>:<row index>`). */
  rowKey?: string;
  /** On a parent's consolidated invoice (`customerCode` is then the parent): the linked customer whose charge it is. */
  child?: string;
  /**
   * A purchase with an `endDate`: its whole quantity and amount, of which `quantity` and `amount` are the
   * cycle's period's share; a payer whose own period is shorter (a stub) is billed its own share (`proratedTo`).
   */
  whole?: { quantity: string; amount: string | null };
}

/**
 * Who pays for a linked customer's charges: customers with `invoicing: parent`, each mapped to the first
 * customer up its parent chain that invoices itself (the plan's `links`).
 */
export type PayerLinks = Readonly<Record<string, string>>;

/** The row as its final payer receives it: a linked customer's row moves to its parent, naming the child. */
export function linkedRow(row: CycleRow, links: PayerLinks): CycleRow {
  const payer = links[row.customerCode];
  return payer === undefined ? row : { ...row, customerCode: payer, child: row.customerCode };
}

export function toCycleRow(record: PurchaseRecord, period: BillingPeriod): CycleRow {
  const rated = ratedRowOf(record, period);
  return {
    reference: record.reference,
    version: record.version,
    status: record.status,
    invoice: record.invoice,
    productLabel: rated.productLabel,
    customerCode: rated.customerCode,
    usedBy: rated.usedBy,
    quantity: toWire(rated.quantity),
    purchaseDate: rated.purchaseDate,
    endDate: rated.endDate,
    amount: rated.amount === null ? null : toWire(rated.amount),
    currency: rated.currency,
    productCluster: rated.productCluster,
    priceRule: rated.priceRule,
    metadata: rated.metadata,
    ...(record.reason === 'on-hold' ? { held: true as const } : {}),
    ...(record.endDate ? { whole: { quantity: record.quantity, amount: record.amount } } : {}),
  };
}

/**
 * The row as the invoice of `period` bills it: a purchase with an `endDate` is prorated by days to that
 * period (a stub customer's period is shorter than the cycle's, which the collector prorated to).
 */
export function proratedTo(row: CycleRow, period: BillingPeriod): CycleRow {
  if (!row.whole || !row.endDate) return row;
  const share = periodShare({ purchaseDate: row.purchaseDate, endDate: row.endDate }, period);
  return {
    ...row,
    quantity: toWire(new D(row.whole.quantity).times(share)),
    amount: row.whole.amount === null ? null : toWire(new D(row.whole.amount).times(share)),
  };
}

/**
 * A billing stream's batch row as a cycle row. The row's amount is what the customer pays (stages priced
 * it), so it carries no price rule of this account; its product cluster is the row's `productCluster`
 * column, else the cluster of its product label in this account, else the label itself; no quantity
 * counts as 1. null: the row has no customer or amount to invoice, or a quantity or amount that is not a
 * decimal (a text column): the collector reports such rows rather than failing the cycle on them.
 */
export function batchCycleRow(
  row: Readonly<Row>,
  batch: Pick<BatchRecord, 'id' | 'definition'>,
  index: number,
  clusterOfLabel: ReadonlyMap<string, string>,
): CycleRow | null {
  const text = (name: string) => (typeof row[name] === 'string' && row[name] !== '' ? (row[name] as string) : null);
  let unreadable = false;
  const decimal = (name: string) => {
    const value = row[name];
    if (value === undefined || value === null || value === '') return null;
    try {
      return toWire(parseDecimal(value, name));
    } catch (error) {
      if (!(error instanceof InvalidDecimalError)) throw error;
      unreadable = true;
      return null;
    }
  };
  const customerCode = text('customerCode');
  const amount = decimal('amount');
  const quantity = decimal('quantity') ?? '1';
  if (customerCode === null || amount === null || unreadable) return null;
  const productLabel = text('productLabel') ?? text('productCluster') ?? batch.definition.kind;
  const metadata: Metadata = {};
  for (const name of Object.keys(row)) {
    if (!name.startsWith(META_PREFIX)) continue;
    const value = row[name];
    // Purchase metadata holds numbers as decimal text; a decimal meta column (typed upload, formula) is kept the same way.
    if (typeof value === 'string' || typeof value === 'boolean') metadata[name.slice(META_PREFIX.length)] = value;
    else if (value instanceof D) metadata[name.slice(META_PREFIX.length)] = toWire(value);
  }
  return {
    reference: text('reference') ?? `${batch.id}:${index}`,
    version: 0,
    status: 'rated',
    invoice: null,
    productLabel,
    customerCode,
    usedBy: text('usedBy') ?? customerCode,
    quantity,
    purchaseDate: text('purchaseDate') ?? '',
    endDate: text('endDate'),
    amount,
    currency: text('currency') ?? batch.definition.currency,
    productCluster: text('productCluster') ?? clusterOfLabel.get(productLabel) ?? productLabel,
    priceRule: null,
    metadata,
    batch: batch.id,
    rowKey: `${batch.id}:${index}`,
  };
}

export function toRatedRow(row: CycleRow): RatedRow {
  return {
    reference: row.reference,
    productLabel: row.productLabel,
    customerCode: row.customerCode,
    usedBy: row.usedBy,
    quantity: new D(row.quantity),
    purchaseDate: row.purchaseDate,
    endDate: row.endDate,
    unitPrice: null,
    amount: row.amount === null ? null : new D(row.amount),
    currency: row.currency,
    productCluster: row.productCluster,
    priceRule: row.priceRule,
    metadata: row.metadata,
  };
}

export const rowsToJsonLines = (rows: readonly CycleRow[]): string => rows.map((r) => JSON.stringify(r)).join('\n');

export function rowsFromJsonLines(text: string): CycleRow[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as CycleRow);
}

/**
 * What an invoice was built from: its rows and the purchase versions they were read at, but not the
 * purchases' status or invoice. Regenerating a draft from the same rows finds the same digest and writes
 * nothing. The version counts because the draft's rows are what puts a purchase on it (DraftedPurchases,
 * and approval completes the versions named): a purchase rated A, then B, then A again is back at a new
 * version, and a draft kept at the old one would leave it off.
 */
export function rowsDigest(rows: readonly CycleRow[]): string {
  const hash = createHash('sha256');
  for (const r of [...rows].sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0))) {
    hash.update(
      JSON.stringify([
        r.reference,
        r.productLabel,
        r.customerCode,
        r.usedBy,
        r.quantity,
        r.purchaseDate,
        r.endDate,
        r.amount,
        r.currency,
        r.productCluster,
        r.priceRule,
        r.metadata,
        r.version,
        ...(r.child === undefined ? [] : [r.child]),
      ]),
    );
    hash.update('\n');
  }
  return hash.digest('base64url');
}

/** The invoicing partition of a paying customer: every row of one customer lands in one partition. */
export function partitionOf(customerCode: string, partitions: number): number {
  return createHash('sha256').update(customerCode).digest().readUInt32BE(0) % partitions;
}

/** The month (`YYYY-MM`) a journal object's key names; the key layout is shared/storage/keys.ts's (`objects.journal`). */
export function journalKeyMonth(key: string): string {
  return objects.journalMonth(key);
}
