import type Decimal from 'decimal.js';
import { ConflictError } from '../../kernel/errors';
import { D, roundMoney, toWire } from '../../kernel/money';
import { rate, type ChargeModel } from '../../pricing/domain/charge-models';
import { cannotPrice } from '../../pricing/domain/errors';
import type { RuleScope } from '../../pricing/domain/rules';
import type { DatePeriod } from '../../kernel/proration';

/**
 * Invoice lines from rated rows (docs/product.md §3 "Money", §7). A line sums purchases of one product
 * cluster, price rule, unit price and group at full precision and is rounded half-up to the
 * currency's minor unit once; tax and totals are the invoice's business (invoice.ts).
 */

/** Metadata as rows carry it (the `meta.<key>` columns, prefix stripped); numbers are decimal text. */
export type RowMetadata = Readonly<Record<string, string | boolean>>;

/**
 * One rated row of a batch (docs/product.md §5) or of the account's own rated purchases. `customerCode` is
 * who pays (after routing), `usedBy` who used it. `amount` and `unitPrice` are the per-purchase
 * rating at full precision; rows of a period-scoped rule are priced on their sum here, so their own
 * `amount` / `unitPrice` are not used (and may be null).
 */
export interface RatedRow {
  readonly reference: string;
  readonly productLabel: string;
  readonly customerCode: string;
  readonly usedBy: string;
  readonly quantity: Decimal;
  readonly purchaseDate: string;
  readonly endDate: string | null;
  readonly unitPrice: Decimal | null;
  readonly amount: Decimal | null;
  readonly currency: string;
  readonly productCluster: string;
  /** null: priced by a stream stage rather than one of this account's rules (the row's amount counts). */
  readonly priceRule: string | null;
  readonly metadata: RowMetadata;
}

/** What invoicing needs of a price rule; a `PriceRule` satisfies it. */
export interface InvoiceRule {
  readonly productCluster: string;
  readonly scope: RuleScope;
  readonly groupBy: string | null;
  readonly model: ChargeModel;
}

/** Price rules by id. A row whose rule is absent is treated as per-purchase: its own amount counts. */
export type RuleLookup = ReadonlyMap<string, InvoiceRule>;

/** What the itemised specification (CSV) needs of a rule: whether its rows are priced one by one, and its grouping. */
export type SpecRule = Pick<InvoiceRule, 'scope' | 'groupBy'>;

/** Specification rules by id (a RuleLookup is one). */
export type SpecRuleLookup = ReadonlyMap<string, SpecRule>;

/** An invoice line. `amount` is rounded to the currency's minor unit; quantity and unit price are exact. */
export interface InvoiceLine {
  readonly description: string;
  readonly productCluster: string;
  readonly quantity: Decimal;
  /**
   * The unit price every summed purchase had; when they differ (or a period tier priced the sum), the
   * full-precision amount / quantity rounded half-up to 6 decimals (0 when the quantity is 0). It is
   * informative: the amount is never recomputed from it.
   */
  readonly unitPrice: Decimal;
  readonly amount: Decimal;
  /** The `groupBy` metadata value (e.g. the MSISDN), null when the rule does not group. */
  readonly group: string | null;
  /** The price rule that priced the line; null for subscription fees and stream-priced rows. */
  readonly priceRule: string | null;
  /** Lines of a subscription (recurring.ts): what kind, which subscription and charge, and the days it is for. */
  readonly kind?: SubscriptionLineKind;
  readonly subscription?: string;
  readonly charge?: string;
  /** The days the line is for, end exclusive. */
  readonly servicePeriod?: DatePeriod;
  /** Recurring and credit lines: the charge period whose days divide the price; null otherwise. */
  readonly chargePeriod?: DatePeriod | null;
  /** On a parent's consolidated invoice: the linked child customer whose charge the line is; absent for the payer's own. */
  readonly customer?: string;
}

export type SubscriptionLineKind = 'recurring' | 'one-off' | 'credit' | 'minimum' | 'usage';

export const DERIVED_UNIT_PRICE_DECIMALS = 6;

export interface LineInput {
  readonly customerCode: string;
  readonly currency: string;
  readonly rows: Iterable<RatedRow>;
  readonly rules: RuleLookup;
  /** Product cluster names for line descriptions; the cluster id is shown when absent. */
  readonly productClusterNames?: ReadonlyMap<string, string>;
  /**
   * Further names a period rule's model reads when its sum is priced, by rule id: a subscription's usage
   * charge reads its own subscription's parameters as `subscription.<key>` (subscriptionRuleScopes).
   */
  readonly ruleScopes?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** How a row is invoiced: priced per purchase (its amount) or summed over the period (the rule's model on the sum). */
export function rowScope(row: RatedRow, rules: SpecRuleLookup): RuleScope {
  const rule = row.priceRule === null ? undefined : rules.get(row.priceRule);
  return rule?.scope ?? 'purchase';
}

/** The line group of a row: its `groupBy` metadata value as text; null without groupBy or without that key. */
export function groupOf(row: RatedRow, rules: SpecRuleLookup): string | null {
  const rule = row.priceRule === null ? undefined : rules.get(row.priceRule);
  if (!rule || rule.groupBy === null) return null;
  const value = Object.hasOwn(row.metadata, rule.groupBy) ? row.metadata[rule.groupBy] : undefined;
  return value === undefined || value === '' ? null : String(value);
}

interface Bucket {
  readonly scope: RuleScope;
  readonly priceRule: string | null;
  readonly group: string | null;
  /** The common unit price (per-purchase rows that all carried one), else null. */
  readonly unitPrice: Decimal | null;
  readonly clusters: Set<string>;
  quantity: Decimal;
  amount: Decimal;
}

const ZERO = new D(0);

/**
 * The lines of one customer's invoice in one currency. Per-purchase rows are summed per (product
 * cluster, price rule, unit price, group); rows of a period-scoped rule are summed per (rule, group)
 * and priced once with `rate(model, {quantity: sum})`, so tiers apply to the period's total. Each line
 * is rounded once, after summing. Lines are sorted by product cluster, group, unit price (then rule).
 *
 * Throws ConflictError `invoice_row_mismatch` for a row of another customer or currency (the caller
 * partitions; nothing is dropped silently), `unpriced_purchase` for a per-purchase row without amount,
 * and `rating_failed` when a period rule cannot price its sum.
 */
export function buildLines(input: LineInput): InvoiceLine[] {
  const { customerCode, currency, rules } = input;
  const buckets = new Map<string, Bucket>();
  const mismatched: string[] = [];
  const unpriced: string[] = [];
  for (const row of input.rows) {
    if (row.customerCode !== customerCode || row.currency !== currency) {
      mismatched.push(`${row.reference}: ${row.customerCode} ${row.currency}`);
      continue;
    }
    const scope = rowScope(row, rules);
    const group = groupOf(row, rules);
    if (scope === 'purchase' && row.amount === null) {
      unpriced.push(row.reference);
      continue;
    }
    // Period rows of one rule share a bucket across the rule's descendant clusters: the tier applies to their sum.
    const key =
      scope === 'period'
        ? JSON.stringify(['period', row.priceRule, group])
        : JSON.stringify(['purchase', row.productCluster, row.priceRule, row.unitPrice === null ? null : toWire(row.unitPrice), group]);
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = {
        scope,
        priceRule: row.priceRule,
        group,
        unitPrice: scope === 'purchase' ? row.unitPrice : null,
        clusters: new Set(),
        quantity: ZERO,
        amount: ZERO,
      };
      buckets.set(key, bucket);
    }
    bucket.clusters.add(row.productCluster);
    bucket.quantity = bucket.quantity.plus(row.quantity);
    if (scope === 'purchase') bucket.amount = bucket.amount.plus(row.amount!);
  }
  if (mismatched.length > 0) {
    throw new ConflictError('invoice_row_mismatch', `rows of another customer or currency than ${customerCode} ${currency}`, mismatched.slice(0, 20));
  }
  if (unpriced.length > 0) {
    throw new ConflictError(
      'unpriced_purchase',
      'purchases priced per purchase have no amount',
      unpriced.slice(0, 20).map((r) => `${r}: amount missing`),
    );
  }

  const lines = [...buckets.values()].map((bucket) => toLine(bucket, input));
  return lines.sort(compareLines);
}

function toLine(bucket: Bucket, input: LineInput): InvoiceLine {
  const rule = bucket.priceRule === null ? undefined : input.rules.get(bucket.priceRule);
  const productCluster = bucket.clusters.size === 1 || !rule ? [...bucket.clusters].sort()[0]! : rule.productCluster;
  let amount = bucket.amount;
  if (bucket.scope === 'period') {
    try {
      amount = rate(rule!.model, { quantity: bucket.quantity, scope: input.ruleScopes?.get(bucket.priceRule!) });
    } catch (error) {
      if (!cannotPrice(error)) throw error;
      throw new ConflictError('rating_failed', `price rule ${bucket.priceRule} cannot price the period sum`, [error.message]);
    }
  }
  return {
    description: input.productClusterNames?.get(productCluster) ?? productCluster,
    productCluster,
    quantity: bucket.quantity,
    unitPrice: bucket.unitPrice ?? derivedUnitPrice(amount, bucket.quantity),
    amount: roundMoney(amount, input.currency),
    group: bucket.group,
    priceRule: bucket.priceRule,
  };
}

/** Full-precision amount / quantity, half-up to 6 decimals; 0 when the quantity is 0. */
export function derivedUnitPrice(amount: Decimal, quantity: Decimal): Decimal {
  if (quantity.isZero()) return ZERO;
  const price = amount.div(quantity).toDecimalPlaces(DERIVED_UNIT_PRICE_DECIMALS, D.ROUND_HALF_UP);
  return price.isZero() ? ZERO : price;
}

const compareText = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);

/** Product cluster, group (none first), unit price, then rule and description: a total order, so output is stable. */
export function compareLines(a: InvoiceLine, b: InvoiceLine): number {
  return (
    compareText(a.productCluster, b.productCluster) ||
    compareText(a.group, b.group) ||
    a.unitPrice.comparedTo(b.unitPrice) ||
    compareText(a.priceRule, b.priceRule) ||
    compareText(a.description, b.description) ||
    a.amount.comparedTo(b.amount)
  );
}

export interface InvoiceRows {
  readonly customerCode: string;
  readonly currency: string;
  readonly rows: RatedRow[];
}

/** A cycle's rows cut into one set per (paying customer, currency): one draft invoice each, sorted. */
export function partitionRows(rows: Iterable<RatedRow>): InvoiceRows[] {
  const parts = new Map<string, InvoiceRows>();
  for (const row of rows) {
    const key = JSON.stringify([row.customerCode, row.currency]);
    let part = parts.get(key);
    if (!part) {
      part = { customerCode: row.customerCode, currency: row.currency, rows: [] };
      parts.set(key, part);
    }
    part.rows.push(row);
  }
  return [...parts.values()].sort((a, b) => compareText(a.customerCode, b.customerCode) || compareText(a.currency, b.currency));
}
