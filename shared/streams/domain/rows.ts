import type Decimal from 'decimal.js';
import { D, parseDecimal } from '../../kernel/money';
import type { Column, ColumnType, Row, Value } from './columns';

/**
 * The standard row of a purchase-sourced stream (docs/product.md §5) and the sharing rule of published batches.
 *
 * A downstream tier receives exactly these rows, so `amount` is its cost; its own stages decide what it
 * charges. `customerCode` is who pays after routing, `usedBy` the customer the purchase was sent for.
 */

export const PURCHASE_COLUMNS: readonly Column[] = Object.freeze([
  { name: 'reference', type: 'string' },
  { name: 'productLabel', type: 'string' },
  { name: 'customerCode', type: 'string' },
  { name: 'usedBy', type: 'string' },
  { name: 'quantity', type: 'decimal' },
  { name: 'purchaseDate', type: 'date' },
  { name: 'endDate', type: 'date' },
  { name: 'unitPrice', type: 'decimal' },
  { name: 'amount', type: 'decimal' },
  { name: 'currency', type: 'string' },
] satisfies Column[]);

/** Types of the standard columns (and of `priceRule`, written by `rate`), for headers that do not say. */
export const KNOWN_COLUMN_TYPES: ReadonlyMap<string, ColumnType> = new Map([
  ...PURCHASE_COLUMNS.map((c) => [c.name, c.type] as const),
  ['priceRule', 'string'] as const,
]);

export const META_PREFIX = 'meta.';

/** What a purchase row is built from; a stored PurchaseRecord fits as is. */
export interface PurchaseRowSource {
  readonly reference: string;
  readonly productLabel: string;
  /** The code the purchase was sent with. */
  readonly customerCode: string;
  /** The customer after mapping (null while unmapped). */
  readonly customer?: string | null;
  /** Who pays after routing. */
  readonly billedTo?: string | null;
  readonly quantity: string | Decimal;
  readonly purchaseDate: string;
  readonly endDate?: string | null;
  readonly metadata?: Readonly<Record<string, string | boolean | number>>;
  readonly unitPrice?: string | Decimal | null;
  readonly amount?: string | Decimal | null;
  readonly currency?: string | null;
}

/**
 * Collects the `meta.<key>` columns of a set of purchases, one pass, O(keys) memory. A key is a boolean
 * column when every value it has is a boolean, otherwise a string column: metadata text such as an MSISDN
 * `0612345678` must never be read as a number (it would lose its leading zero).
 */
export class PurchaseColumnCollector {
  private readonly kinds = new Map<string, boolean>();

  add(source: Pick<PurchaseRowSource, 'metadata'>): void {
    const metadata = source.metadata;
    if (!metadata) return;
    for (const key of Object.keys(metadata)) {
      const isBoolean = typeof metadata[key] === 'boolean';
      const known = this.kinds.get(key);
      this.kinds.set(key, known === undefined ? isBoolean : known && isBoolean);
    }
  }

  /** The standard columns, then the metadata columns sorted by key. */
  columns(): Column[] {
    const meta = [...this.kinds.keys()]
      .sort()
      .map((key): Column => ({ name: `${META_PREFIX}${key}`, type: this.kinds.get(key) ? 'boolean' : 'string' }));
    return [...PURCHASE_COLUMNS, ...meta];
  }
}

export function purchaseColumns(sources: Iterable<Pick<PurchaseRowSource, 'metadata'>>): Column[] {
  const collector = new PurchaseColumnCollector();
  for (const source of sources) collector.add(source);
  return collector.columns();
}

function decimalOrNull(value: string | Decimal | null | undefined, field: string): Decimal | null {
  if (value === undefined || value === null || value === '') return null;
  return value instanceof D ? value : parseDecimal(value, field);
}

/**
 * The standard row of one purchase. With `columns` (from `purchaseColumns`), every metadata column is
 * present (null where this purchase has no such key) and typed as the column says; without, metadata
 * values keep their own type (numbers as decimal text).
 */
export function purchaseRow(source: PurchaseRowSource, columns?: readonly Column[]): Row {
  const row: Row = {
    reference: source.reference,
    productLabel: source.productLabel,
    customerCode: source.billedTo ?? source.customer ?? source.customerCode,
    usedBy: source.customer ?? source.customerCode,
    quantity: decimalOrNull(source.quantity, 'quantity'),
    purchaseDate: source.purchaseDate,
    endDate: source.endDate ?? null,
    unitPrice: decimalOrNull(source.unitPrice, 'unitPrice'),
    amount: decimalOrNull(source.amount, 'amount'),
    currency: source.currency ?? null,
  };
  const metadata = source.metadata ?? {};
  if (columns === undefined) {
    for (const key of Object.keys(metadata)) {
      const value = metadata[key]!;
      row[`${META_PREFIX}${key}`] = metaValue(value, typeof value === 'boolean' ? 'boolean' : 'string');
    }
    return row;
  }
  for (const column of columns) {
    if (!column.name.startsWith(META_PREFIX)) continue;
    const key = column.name.slice(META_PREFIX.length);
    row[column.name] = Object.hasOwn(metadata, key) ? metaValue(metadata[key]!, column.type) : null;
  }
  return row;
}

function metaValue(value: string | boolean | number, type: ColumnType): Value {
  if (typeof value === 'boolean') return type === 'boolean' ? value : String(value);
  return String(value);
}

// ---------------------------------------------------------------------------------------- sharing

/** The partner account a row is shared with when its batch is published, or null (not shared). */
export function sharingTarget(row: Readonly<Row>, customersWithPartner: ReadonlyMap<string, string>): string | null {
  const customer = row.customerCode;
  if (typeof customer !== 'string') return null;
  return customersWithPartner.get(customer) ?? null;
}

/**
 * Publishing shares each row whose `customerCode` is a customer with a `partnerAccount` with that account
 * (docs/api.md "Streams and batches"). Per partner account, exactly its rows, in batch order: a row goes to
 * at most one account, chosen by the row's own paying customer, so no partner sees another's rows.
 * Rows of customers without a partner account stay with the owner.
 */
export function partitionForSharing(rows: Iterable<Readonly<Row>>, customersWithPartner: ReadonlyMap<string, string>): Map<string, Row[]> {
  const shares = new Map<string, Row[]>();
  for (const row of rows) {
    const partner = sharingTarget(row, customersWithPartner);
    if (partner === null) continue;
    let list = shares.get(partner);
    if (list === undefined) {
      list = [];
      shares.set(partner, list);
    }
    list.push(row as Row);
  }
  return shares;
}
