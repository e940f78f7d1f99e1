import type Decimal from 'decimal.js';
import { mapLimit } from '../../../kernel/concurrency';
import { D } from '../../../kernel/money';
import { dayNumber, dayToDate } from '../../../kernel/dates';
import type { BillingDayHistory } from '../../../kernel/proration';
import type { BillingPeriod } from '../../../kernel/periods';
import { objects } from '../../../storage/keys';
import type { OfferRecord, SubscriptionRecord } from '../../../subscriptions/ports';
import type { InvoiceLine } from '../../domain/lines';
import type { BilledLine } from '../../domain/recurring';
import { subscriptionLines } from '../../domain/recurring';
import { type BilledSubscription, chargeTimelines, currenciesOf, offersOf } from '../../domain/subscription-charges';
import { fromInvoiceRecord } from '../../domain/invoice-wire';
import type { BillingFiles, CycleRecord, CycleSubscriptions, InvoiceStore, StoredInvoice } from '../../ports';
import { partitionOf, type PayerLinks } from '../rows';
import { loadInvoice } from '../documents';

/**
 * Subscriptions in a cycle (docs/product.md §6–7). The plan lists the account's subscriptions once and
 * writes, for each partition, the subscriptions of its customers (`cycleSubscriptions` objects, beside the
 * plan file: a run bills the subscriptions as they were when it was planned; a regeneration re-reads them).
 * The invoicer bills a partition's subscribers even when they have no purchases: for each customer it reads
 * what its other invoices already billed for these subscriptions, and `subscriptionLines` (pure) gives the
 * lines of this invoice.
 */

const PAGE = 500;

/** Every subscription of the account, or of one customer, page after page. */
export async function allSubscriptions(
  store: Pick<CycleSubscriptions, 'listSubscriptions'>,
  accountId: string,
  filter: { customer?: string } = {},
): Promise<SubscriptionRecord[]> {
  const out: SubscriptionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSubscriptions(accountId, filter, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.next ?? undefined;
  } while (cursor);
  return out;
}

/** Every subscription of the account, by customer. */
export async function subscriptionsByCustomer(store: CycleSubscriptions, accountId: string): Promise<Map<string, SubscriptionRecord[]>> {
  const out = new Map<string, SubscriptionRecord[]>();
  for (const sub of await allSubscriptions(store, accountId)) out.set(sub.customer, [...(out.get(sub.customer) ?? []), sub]);
  return out;
}

type RunRef = Pick<CycleRecord, 'accountId' | 'id' | 'run'>;

/** Writes one file per partition that has subscribers (before the plan is recorded, like the plan file). */
export async function writeSubscriptionFiles(
  files: Pick<BillingFiles, 'put'>,
  cycle: RunRef,
  planId: string,
  partitions: number,
  byCustomer: ReadonlyMap<string, readonly SubscriptionRecord[]>,
  links: PayerLinks = {},
): Promise<void> {
  const parts = new Map<number, SubscriptionRecord[]>();
  for (const [customer, subs] of byCustomer) {
    const partition = partitionOf(links[customer] ?? customer, partitions);
    parts.set(partition, [...(parts.get(partition) ?? []), ...subs]);
  }
  await mapLimit([...parts], 8, ([partition, subs]) =>
    files.put(objects.cycleSubscriptions(cycle.accountId, cycle.id, cycle.run, planId, partition), JSON.stringify(subs), 'application/json'),
  );
}

/** The subscriptions of a partition's payers, by payer (a linked customer's under its parent's); empty without subscribers. */
export async function readSubscriptionFile(
  files: Pick<BillingFiles, 'getText'>,
  cycle: RunRef & Pick<CycleRecord, 'plan'>,
  partition: number,
  links: PayerLinks = {},
): Promise<Map<string, SubscriptionRecord[]>> {
  const text = await files.getText(objects.cycleSubscriptions(cycle.accountId, cycle.id, cycle.run, cycle.plan!.planId, partition));
  const out = new Map<string, SubscriptionRecord[]>();
  for (const sub of text === null ? [] : (JSON.parse(text) as SubscriptionRecord[])) {
    const payer = links[sub.customer] ?? sub.customer;
    out.set(payer, [...(out.get(payer) ?? []), sub]);
  }
  return out;
}

/** The offers of these subscriptions (every offer a change named, too). */
export async function offersFor(
  store: Pick<CycleSubscriptions, 'getOffers'>,
  accountId: string,
  subs: Iterable<BilledSubscription>,
): Promise<Map<string, OfferRecord>> {
  const ids = new Set<string>();
  for (const sub of subs) for (const id of offersOf(sub)) ids.add(id);
  return ids.size ? store.getOffers(accountId, [...ids]) : new Map();
}

/** A subscription line of another invoice of the customer, with that invoice's id and customer. */
export interface BilledElsewhere {
  readonly invoiceId: string;
  /** The (paying) customer of that invoice. */
  readonly owner: string;
  readonly line: BilledLine;
}

/**
 * The subscription lines on the customer's invoices that still stand: approved invoices not credited, and
 * drafts (of any period: this one's own draft is left out by the caller, since it is being rebuilt).
 * `ledgerIds` (the drafts written under the customer's ledger) are read consistently, as they are now, over
 * what the customer's invoice index lists (an index may lag a write just made). `indexed: false` when the
 * ledger is complete (it lists every invoice of the customer with subscription lines): the index is not read.
 */
export async function billedLines(
  invoices: Pick<InvoiceStore, 'list' | 'getMany'>,
  files: BillingFiles,
  accountId: string,
  customer: string,
  ledgerIds: readonly string[] = [],
  options: { indexed: boolean } = { indexed: true },
): Promise<BilledElsewhere[]> {
  const byId = new Map<string, StoredInvoice>();
  let cursor: string | undefined;
  while (options.indexed) {
    const page = await invoices.list(accountId, { customer }, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) byId.set(item.record.id, item);
    cursor = page.next ?? undefined;
    if (!cursor) break;
  }
  const current = ledgerIds.length ? await invoices.getMany(accountId, ledgerIds) : new Map<string, StoredInvoice>();
  for (const id of ledgerIds) {
    const now = current.get(id);
    if (now) byId.set(id, now);
    else byId.delete(id); // a draft removed since
  }
  const standing = [...byId.values()].filter((s) => s.record.creditOf === null && s.creditedBy === null);
  const out: BilledElsewhere[] = [];
  for (const s of standing) {
    const lines = s.linesKey ? (await loadInvoice(files, s)).lines : fromInvoiceRecord(s.record).lines;
    for (const line of lines) {
      const billed = billedLine(line);
      if (billed) out.push({ invoiceId: s.record.id, owner: customer, line: billed });
    }
  }
  return out;
}

function billedLine(line: InvoiceLine): BilledLine | null {
  if (line.kind === undefined || line.subscription === undefined || line.charge === undefined || line.servicePeriod === undefined) return null;
  return {
    kind: line.kind,
    subscription: line.subscription,
    charge: line.charge,
    servicePeriod: line.servicePeriod,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    amount: line.amount,
    chargePeriod: line.chargePeriod ?? null,
  };
}

/** What one customer's invoice in one currency needs to price its subscriptions. */
export interface CustomerSubscriptions {
  readonly subscriptions: readonly BilledSubscription[];
  readonly offers: ReadonlyMap<string, OfferRecord>;
  readonly billed: readonly BilledElsewhere[];
}

/** The currencies the customer's subscriptions bill in. */
export function subscriptionCurrencies(subs: CustomerSubscriptions | null): string[] {
  if (!subs) return [];
  return [...new Set(subs.subscriptions.flatMap((s) => currenciesOf(s, subs.offers)))];
}

/**
 * The subscription lines of invoice `invoiceId` for `period` in `currency`. `usageLines` are the purchase
 * lines already built for it: a subscription's usage (lines priced by its usage charges) counts toward its minimum.
 */
export function linesForInvoice(input: {
  subs: CustomerSubscriptions;
  invoiceId: string;
  period: BillingPeriod;
  currency: string;
  billingDays: BillingDayHistory;
  usageBySubscription: ReadonlyMap<string, Decimal>;
}): InvoiceLine[] {
  const { subs, currency } = input;
  const charges = subs.subscriptions.flatMap((sub) =>
    chargeTimelines(sub, subs.offers, currency).map((t) =>
      t.charge.type === 'minimum' ? { ...t, usage: input.usageBySubscription.get(sub.id) ?? new D(0) } : t,
    ),
  );
  if (!charges.length) return [];
  const ids = new Set(subs.subscriptions.map((s) => s.id));
  const billed = subs.billed.filter((b) => b.invoiceId !== input.invoiceId && ids.has(b.line.subscription)).map((b) => b.line);
  return subscriptionLines({ period: input.period, currency, billingDays: input.billingDays, charges, billed });
}

/**
 * The day before which a subscription's recurring fees are on invoices: the end of the last day that its
 * recurring lines cover and its credit lines do not take back (null: nothing charged yet).
 */
export function chargedThroughOf(subscription: string, lines: Iterable<Pick<BilledLine, 'kind' | 'subscription' | 'servicePeriod'>>): string | null {
  const deltas = new Map<number, number>();
  const add = (day: number, delta: number) => deltas.set(day, (deltas.get(day) ?? 0) + delta);
  for (const line of lines) {
    if (line.subscription !== subscription || (line.kind !== 'recurring' && line.kind !== 'credit')) continue;
    const sign = line.kind === 'recurring' ? 1 : -1;
    add(dayNumber(line.servicePeriod.start), sign);
    add(dayNumber(line.servicePeriod.end), -sign);
  }
  let covered = 0;
  let through: number | null = null;
  for (const day of [...deltas.keys()].sort((a, b) => a - b)) {
    const before = covered;
    covered += deltas.get(day)!;
    if (before > 0 && covered <= 0) through = day;
  }
  return through === null ? null : dayToDate(through);
}
