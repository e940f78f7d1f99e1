import type Decimal from 'decimal.js';
import { isRefusal } from '../../../kernel/errors';
import { logger } from '../../../kernel/logger';
import { D } from '../../../kernel/money';
import { invoiceId, type BillingPeriod } from '../../../kernel/periods';
import { historyOf } from '../../../catalog/domain/billing-days';
import type { CustomerRecord } from '../../../catalog/ports';
import type { PriceRule } from '../../../pricing/domain/rules';
import { parseSubscriptionRuleId } from '../../../pricing/domain/subscribers';
import type { OfferRecord } from '../../../subscriptions/ports';
import { buildInvoice, reissuedInvoiceId, type Invoice } from '../../domain/invoice';
import { toInvoiceRecord } from '../../domain/invoice-wire';
import { buildLines, type InvoiceLine } from '../../domain/lines';
import { billedForPeriod, completedElsewhere } from '../../domain/period-rows';
import type { BilledSubscription } from '../../domain/subscription-charges';
import { customerReport, errorReport, heldReport, mergeAll, type CycleReport } from '../../domain/report';
import type { CycleRecord, LedgerGuard, StoredInvoice, SubscriberLedger } from '../../ports';
import { documentKeys, documentVersion, itemRecord, loadInvoice, recordTooLarge, writeDocuments } from '../documents';
import { rowsDigest, toRatedRow, type CycleRow } from '../rows';
import { removeQuietly, type StepDeps } from './steps';
import { billedLines, chargedThroughOf, type CustomerSubscriptions, linesForInvoice, subscriptionCurrencies } from './subscriptions';

/** What every customer of a partition is invoiced with: the run, the seller and the account's rules and clusters. */
export interface InvoicingContext {
  cycle: CycleRecord;
  seller: { id: string; name: string };
  rules: Map<string, PriceRule>;
  clusterNames: Map<string, string>;
  /** The `subscription.<key>` names of the partition's subscription usage rules, by rule id (period sums read them). */
  ruleScopes?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

export interface CustomerOutcome {
  report: CycleReport;
  invoiceIds: string[];
  /** The subscriptions whose charged-through date its drafts moved (written for the partition at once). */
  chargedThrough: ChargedThrough[];
}

export interface ChargedThrough {
  id: string;
  chargedThrough: string | null;
}

/** One paying customer of a partition: who, its rows, and what else its invoices need. */
export interface Payer {
  code: string;
  rows: CycleRow[];
  customer: CustomerRecord | null;
  /** Its billing period ending on the cycle's end (the cycle's own, or a stub after a billing-day change). */
  period: BillingPeriod;
  /** Its subscriptions and their offers; null without subscriptions. */
  subscriptions: { list: readonly BilledSubscription[]; offers: ReadonlyMap<string, OfferRecord> } | null;
}

/** How often a subscriber's drafts are computed again after another period's draft of it got in first. */
const LEDGER_ATTEMPTS = 10;

/** Another draft of the customer was written after its ledger was read: what was billed must be read again. */
const LEDGER_MOVED = Symbol('ledger moved');

/**
 * One paying customer of a partition: its drafts (one per currency; deterministic id, an approved
 * invoice is never touched), or why it has none. Each draft's documents and item are written, and
 * nothing on its purchases: the rows file names them at the versions collected, which is what makes
 * them read `invoiced` (DraftedPurchases) and what approval completes. A subscriber's drafts carry
 * its subscription lines (subscriptions.ts), which depend on what its other invoices billed, so they
 * are written under its ledger (docs/architecture.md "Billing"): when a draft of another period of the customer was written meanwhile (two cycles at once,
 * a regeneration), everything is read and computed again.
 */
export async function invoiceCustomer(
  deps: StepDeps,
  ctx: InvoicingContext,
  payer: Payer,
  existing: ReadonlyMap<string, StoredInvoice>,
  ledgers: ReadonlyMap<string, SubscriberLedger> = new Map(),
): Promise<CustomerOutcome> {
  if (!isSubscriber(payer)) {
    return (await draftsOfCustomer(deps, ctx, payer, existing, null)) as CustomerOutcome;
  }
  for (let attempt = 1; ; attempt++) {
    // the first try may use the ledger read (consistently) for the whole partition; a later one reads it again
    const read = attempt === 1 ? ledgers.get(payer.code) : undefined;
    const ledger = read ?? (await deps.invoices.subscriberLedger(ctx.cycle.accountId, payer.code));
    const outcome = await draftsOfCustomer(deps, ctx, payer, attempt === 1 ? existing : null, ledger);
    if (outcome !== LEDGER_MOVED) return outcome;
    logger.info('subscriber drafts computed again: another draft of the customer was written meanwhile', {
      cycle: ctx.cycle.id,
      customer: payer.code,
      attempt,
      ledgerVersion: ledger.version,
    });
    if (attempt === LEDGER_ATTEMPTS) {
      throw new Error(`the drafts of subscriber ${payer.code} kept changing while they were computed; the message will be retried`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
  }
}

/** A payer whose drafts are written under its ledger: it has subscriptions, exists and is not on hold. */
export function isSubscriber(payer: Payer): boolean {
  return payer.subscriptions !== null && payer.customer !== null && !payer.customer.onHold;
}

/** One try of `invoiceCustomer`; `existing` null: read the stored invoices afresh. LEDGER_MOVED: try again. */
async function draftsOfCustomer(
  deps: StepDeps,
  ctx: InvoicingContext,
  payer: Payer,
  existing: ReadonlyMap<string, StoredInvoice> | null,
  ledger: SubscriberLedger | null,
): Promise<CustomerOutcome | typeof LEDGER_MOVED> {
  const { code, rows, customer, period } = payer;
  if (!customer) {
    return {
      report: errorReport({
        customer: code,
        code: 'unknown_customer',
        message: `customer '${code}' does not exist; ${rows.length} purchase(s) not invoiced`,
      }),
      invoiceIds: [],
      chargedThrough: [],
    };
  }
  if (customer.onHold) return { report: heldReport(code, rows.length), invoiceIds: [], chargedThrough: [] };

  const subs: CustomerSubscriptions | null = payer.subscriptions
    ? {
        subscriptions: payer.subscriptions.list,
        offers: payer.subscriptions.offers,
        billed: await billedOfPayer(deps, ctx.cycle.accountId, code, payer.subscriptions.list, ledger),
      }
    : null;
  const held = rows.filter((r) => r.held).length;
  const byCurrency = new Map<string, CycleRow[]>(subscriptionCurrencies(subs).map((c) => [c, []]));
  for (const row of rows) {
    if (row.held) continue;
    const list = byCurrency.get(row.currency) ?? [];
    list.push(row);
    byCurrency.set(row.currency, list);
  }
  const invoices: Invoice[] = [];
  const invoiceIds: string[] = [];
  const chargedThrough = new Map<string, string | null>();
  const problems: CycleReport[] = [];
  // the ledger version this customer's next draft is written under (each draft written moves it)
  let version = ledger?.version ?? 0;
  for (const [currency, currencyRows] of [...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1))) {
    let id = invoiceId(ctx.cycle.accountId, period, code, currency);
    let stored = existing ? (existing.get(id) ?? null) : await deps.invoices.get(ctx.cycle.accountId, id);
    // a voided invoice keeps its id and number for ever: its reopened purchases go on the next id
    while (stored?.record.status === 'voided') {
      id = reissuedInvoiceId(id);
      stored = await deps.invoices.get(ctx.cycle.accountId, id);
    }
    if (stored?.record.status === 'approved') {
      invoices.push(await loadInvoice(deps.files, stored));
      invoiceIds.push(id);
      const late = currencyRows.filter((r) => !(r.status === 'completed' && r.invoice === id)).length;
      if (late)
        problems.push(
          errorReport({
            customer: code,
            code: 'invoice_approved',
            message: `${late} purchase(s) are not on invoice ${id}, approved before they arrived or changed`,
          }),
        );
      continue;
    }
    const { kept, elsewhere } = await withoutBilledElsewhere(deps, ctx.cycle.accountId, currencyRows, id, period);
    for (const [other, count] of elsewhere)
      problems.push(
        errorReport({
          customer: code,
          code: 'already_invoiced',
          message: `${count} purchase(s) are on approved invoice ${other}, which billed them for this period: not billed again`,
        }),
      );
    let invoice: Invoice;
    try {
      const lines = invoiceLines(ctx, { code, currency, rows: kept, subs, id, period, billingDays: historyOf(customer) });
      if (!lines.length) continue; // nothing due in this currency: no draft (a stale one is removed when the run finishes)
      invoice = buildInvoice({
        id,
        accountId: ctx.cycle.accountId,
        customer: { code, name: customer.name, taxRate: customer.taxRate, currency: customer.currency, country: customer.country },
        seller: ctx.seller,
        periodStart: period.start,
        periodEnd: period.end,
        currency,
        lines,
      });
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const details = error.details.length ? ` (${error.details.slice(0, 3).join('; ')})` : '';
      problems.push(errorReport({ customer: code, code: error.code, message: `${error.message}${details}` }));
      continue;
    }
    // the payer's own invoices with subscription lines found go into the ledger, which then lists them all
    const billedIds = subs ? [...new Set(subs.billed.filter((b) => b.owner === code).map((b) => b.invoiceId))].sort() : [];
    const guard = ledger ? { customer: code, version, billedIds } : null;
    const written = await writeDraft(deps, ctx.cycle, invoice, kept, stored, ctx.rules, guard);
    if (written === LEDGER_MOVED) return LEDGER_MOVED;
    if (written === 'written') version += 1;
    if (written !== 'written' && written !== 'unchanged') {
      // approved while this draft was being built: the approved one stands
      invoices.push(await loadInvoice(deps.files, written));
      invoiceIds.push(id);
      continue;
    }
    if (subs) for (const [sub, through] of chargedThroughMoved(subs, id, invoice.lines)) chargedThrough.set(sub, through);
    invoices.push(invoice);
    invoiceIds.push(id);
  }
  return {
    report: mergeAll([customerReport({ invoices, notInvoiced: { 'on-hold': held } }), ...problems]),
    invoiceIds,
    chargedThrough: [...chargedThrough].map(([id, through]) => ({ id, chargedThrough: through })),
  };
}

/**
 * The rows a draft `id` bills: without the purchases an approved invoice of another payer billed for this
 * period already (completedElsewhere, billedForPeriod), which are counted by that invoice. The period of
 * such an invoice is read only for a purchase with an endDate, once per invoice.
 */
async function withoutBilledElsewhere(
  deps: StepDeps,
  accountId: string,
  rows: readonly CycleRow[],
  id: string,
  period: BillingPeriod,
): Promise<{ kept: CycleRow[]; elsewhere: Map<string, number> }> {
  const kept: CycleRow[] = [];
  const elsewhere = new Map<string, number>();
  const periods = new Map<string, Promise<BillingPeriod | null>>();
  const periodOf = (invoice: string) => {
    let read = periods.get(invoice);
    if (!read) {
      read = deps.invoices.get(accountId, invoice).then((s) => (s ? { start: s.record.periodStart, end: s.record.periodEnd } : null));
      periods.set(invoice, read);
    }
    return read;
  };
  for (const row of rows) {
    const other = completedElsewhere(row, id);
    if (other && billedForPeriod(row, period, row.endDate ? await periodOf(other) : null)) elsewhere.set(other, (elsewhere.get(other) ?? 0) + 1);
    else kept.push(row);
  }
  return { kept, elsewhere };
}

/**
 * The lines of one invoice: the payer's own subscription fees and purchase lines first, then a section per
 * linked customer (its fees, then its purchases; each line names it). Purchase lines are built per section;
 * usage lines of a subscription count toward its minimum.
 */
function invoiceLines(
  ctx: InvoicingContext,
  input: {
    code: string;
    currency: string;
    rows: readonly CycleRow[];
    subs: CustomerSubscriptions | null;
    id: string;
    period: BillingPeriod;
    billingDays: ReturnType<typeof historyOf>;
  },
): InvoiceLine[] {
  const { code, currency, subs, period } = input;
  const bySection = new Map<string, CycleRow[]>();
  for (const row of input.rows) bySection.set(row.child ?? '', [...(bySection.get(row.child ?? '') ?? []), row]);
  const purchases: InvoiceLine[] = [];
  for (const child of [...bySection.keys()].sort()) {
    const built = buildLines({
      customerCode: code,
      currency,
      rows: bySection.get(child)!.map(toRatedRow),
      rules: ctx.rules,
      productClusterNames: ctx.clusterNames,
      ruleScopes: ctx.ruleScopes,
    });
    purchases.push(...usageOfSubscriptions(built, period).map((l) => (child ? { ...l, customer: child } : l)));
  }
  let fees: InvoiceLine[] = [];
  if (subs) {
    const ownerOf = new Map(subs.subscriptions.map((s) => [s.id, s.customer]));
    fees = linesForInvoice({
      subs,
      invoiceId: input.id,
      period,
      currency,
      billingDays: input.billingDays,
      usageBySubscription: usageTotals(purchases),
    }).map((l) => (ownerOf.get(l.subscription!) === code ? l : { ...l, customer: ownerOf.get(l.subscription!)! }));
  }
  const section = (l: InvoiceLine) => l.customer ?? '';
  const order = [...new Set([...fees, ...purchases].map(section))].sort();
  return order.flatMap((c) => [...fees.filter((l) => section(l) === c), ...purchases.filter((l) => section(l) === c)]);
}

/**
 * What the payer's other invoices already billed for these subscriptions; a linked customer's subscriptions
 * may also be on its own invoices from before it was linked.
 */
async function billedOfPayer(deps: StepDeps, accountId: string, payer: string, subs: readonly BilledSubscription[], ledger: SubscriberLedger | null) {
  const owners = [...new Set([payer, ...subs.map((s) => s.customer)])].sort();
  const read = (c: string) =>
    c === payer
      ? billedLines(deps.invoices, deps.files, accountId, c, ledger?.invoiceIds ?? [], { indexed: !ledger?.complete })
      : billedLines(deps.invoices, deps.files, accountId, c);
  return (await Promise.all(owners.map(read))).flat();
}

/** Purchase lines priced by a subscription's usage charge are that subscription's `usage` lines. */
function usageOfSubscriptions(lines: InvoiceLine[], period: BillingPeriod): InvoiceLine[] {
  return lines.map((line) => {
    const ref = parseSubscriptionRuleId(line.priceRule);
    if (!ref) return line;
    return { ...line, kind: 'usage', subscription: ref.subscription, charge: ref.charge, servicePeriod: { start: period.start, end: period.end } };
  });
}

function usageTotals(lines: readonly InvoiceLine[]): Map<string, Decimal> {
  const out = new Map<string, Decimal>();
  for (const line of lines) {
    if (line.kind !== 'usage' || !line.subscription) continue;
    out.set(line.subscription, (out.get(line.subscription) ?? new D(0)).plus(line.amount));
  }
  return out;
}

/** Each subscription's charged-through date, where this draft moves it. */
function chargedThroughMoved(subs: CustomerSubscriptions, id: string, lines: readonly InvoiceLine[]): [string, string | null][] {
  const own = lines.flatMap((l) =>
    l.kind && l.subscription && l.servicePeriod ? [{ kind: l.kind, subscription: l.subscription, servicePeriod: l.servicePeriod }] : [],
  );
  const all = [...subs.billed.filter((b) => b.invoiceId !== id).map((b) => b.line), ...own];
  return subs.subscriptions.flatMap((sub): [string, string | null][] => {
    const through = chargedThroughOf(sub.id, all);
    return through !== (sub.chargedThrough ?? null) ? [[sub.id, through]] : [];
  });
}

/**
 * Writes a draft unless the stored one is the same invoice built from the same rows. Documents go first
 * (under this write's own keys), then the item under a condition on the revision it replaces (and, for a
 * subscriber, on its ledger still at `guard.version`); the superseded documents are removed after.
 * Returns 'written' or 'unchanged', the approved invoice that got there first, or LEDGER_MOVED when
 * another draft of the subscriber was written since its ledger was read.
 */
async function writeDraft(
  deps: StepDeps,
  cycle: CycleRecord,
  invoice: Invoice,
  rows: CycleRow[],
  stored: StoredInvoice | null,
  rules: Map<string, PriceRule>,
  guard: LedgerGuard | null,
): Promise<'written' | 'unchanged' | StoredInvoice | typeof LEDGER_MOVED> {
  const digest = rowsDigest(rows);
  const same = (s: StoredInvoice) =>
    s.record.status === 'draft' &&
    s.rowsDigest === digest &&
    !s.linesKey &&
    !recordTooLarge(invoice) &&
    JSON.stringify(s.record) === JSON.stringify(toInvoiceRecord(invoice));
  if (stored && same(stored)) return 'unchanged';

  const { accountId } = cycle;
  const revision = (stored?.revision ?? 0) + 1;
  const { documents, linesKey, specRules } = await writeDocuments(deps.files, invoice, documentVersion(revision), rows, rules);
  const next: StoredInvoice = {
    record: itemRecord(invoice, linesKey),
    revision,
    cycleId: cycle.id,
    run: cycle.run,
    rowsDigest: digest,
    documents,
    linesKey,
    completion: null,
    creditedBy: null,
    updatedAt: deps.now().toISOString(),
    ...(specRules ? { specRules } : {}),
  };
  const expected = stored?.revision ?? 0;
  if (await (guard ? deps.invoices.saveGuarded(accountId, next, expected, guard) : deps.invoices.save(accountId, next, expected))) {
    if (stored) await removeQuietly(deps.files, documentKeys(stored));
    return 'written';
  }
  await removeQuietly(deps.files, documentKeys(next));
  const current = await deps.invoices.get(accountId, invoice.id);
  if (current?.record.status === 'approved') return current;
  if (current && same(current)) return 'unchanged'; // a redelivery of this very message wrote it first
  if (guard) return LEDGER_MOVED;
  throw new Error(`invoice ${invoice.id} changed while it was regenerated; the message will be retried`);
}
