import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoInvoiceStore } from '../../shared/billing/adapters/dynamo/invoices';
import { toInvoiceRecord } from '../../shared/billing/domain/invoice-wire';
import type { StoredInvoice } from '../../shared/billing/ports';
import { keys } from '../../shared/storage/keys';
import { customer as invoiceCustomer, invoice } from '../unit/invoicing/builders';
import { startDynamoTable, type DynamoTable } from './dynamo-table';
import { api, eventually, newAccount, type Account } from './harness';

/**
 * Two billing periods of one subscriber billed at the same time (docs/api.md "Subscriptions on invoices":
 * "Drafts of other periods count as billed, so no day is charged twice"). An invoice of [ps, pe) charges
 * what is due before pe and on no other invoice: the November invoice, alone, would also charge October's
 * days, so the October and November cycles of one customer read each other's drafts. Started together, or
 * with October regenerated while November runs, every service day of the two invoices must still be billed
 * exactly once, whichever cycle finishes first.
 *
 * Each customer (billing day 1) has three subscriptions, each checked day by day: the quantity each day is
 * billed at, summed over the recurring (+) and credit (−, negative quantities) lines of both invoices,
 * must be the quantity due that day, and zero on every day not due.
 *
 * Started together, both invoicers used to read "nothing billed yet" and charge October and November on
 * both invoices (this test failed so in each of three runs before drafts were written under the ledger,
 * docs/architecture.md "Billing"). A regeneration of October while November runs rewrites October with the
 * same lines, which November reads either way; it is here so that it stays so.
 */

type Line = {
  kind?: string;
  subscription?: string;
  charge?: string;
  servicePeriod?: { start: string; end: string };
  quantity: string;
  amount: string;
};
type Invoice = { id: string; periodStart: string; periodEnd: string; status: string; lines: Line[]; total: string };
type Cycle = { id: string; status: string; run: number; report: { errors: { count: number; items: unknown[] } } };

const DAY = 86_400_000;
const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY;
const dateOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** The quantity billed on each day, per subscription and charge (days with 0 left out). */
function billedDays(invoices: readonly Invoice[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of invoices.flatMap((i) => i.lines)) {
    if (line.kind !== 'recurring' && line.kind !== 'credit') continue;
    const key = `${line.subscription}/${line.charge}`;
    const days = out.get(key) ?? new Map<string, number>();
    out.set(key, days);
    for (let d = dayOf(line.servicePeriod!.start); d < dayOf(line.servicePeriod!.end); d++) {
      const date = dateOf(d);
      const next = (days.get(date) ?? 0) + Number(line.quantity);
      if (next === 0) days.delete(date);
      else days.set(date, next);
    }
  }
  return out;
}

/** Every day billed at another quantity than is due (none: each day due is billed exactly once). */
function misbilled(billed: Map<string, Map<string, number>>, owed: Map<string, Map<string, number>>) {
  const out: { charge: string; day: string; billed: number; due: number }[] = [];
  for (const charge of [...new Set([...billed.keys(), ...owed.keys()])].sort()) {
    const b = billed.get(charge) ?? new Map<string, number>();
    const o = owed.get(charge) ?? new Map<string, number>();
    for (const day of [...new Set([...b.keys(), ...o.keys()])].sort()) {
      if ((b.get(day) ?? 0) !== (o.get(day) ?? 0)) out.push({ charge, day, billed: b.get(day) ?? 0, due: o.get(day) ?? 0 });
    }
  }
  return out;
}

/** `quantity` on each day of [start, end). */
function due(...stretches: [start: string, end: string, quantity: number][]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [start, end, quantity] of stretches) for (let d = dayOf(start); d < dayOf(end); d++) out.set(dateOf(d), quantity);
  return out;
}

/**
 * What the October and November invoices of one customer together owe, by subscription (`<customer>-…`):
 * - `advance`: 30.00 a month in advance from 1 October: October, then November and December ahead;
 * - `arrears`: 31.00 a month in arrears from 20 September: 20–30 September caught up, October, November;
 * - `seats`: 30.00 a seat in advance from 1 October, 1 seat, 3 from 16 October (changed inside October).
 */
const dueOf = (customer: string) =>
  new Map([
    [`${customer}-advance/base`, due(['2025-10-01', '2026-01-01', 1])],
    [`${customer}-arrears/base`, due(['2025-09-20', '2025-12-01', 1])],
    [`${customer}-seats/base`, due(['2025-10-01', '2025-10-16', 1], ['2025-10-16', '2026-01-01', 3])],
  ]);
/**
 * Their amounts, each slice rounded once: 30.00 × 3; 31.00 × 11 / 30 = 11.37, 31.00, 31.00;
 * 30.00 × 15 / 31 = 14.52, 30.00 × 3 × 16 / 31 = 46.45, 90.00, 90.00.
 */
const DUE_TOTAL = '404.34';

/** Subscribers per account: an invoicer drafts several at once, so the two cycles' invoicers overlap longer. */
const CUSTOMERS = ['C1', 'C2', 'C3', 'C4'];

async function subscriberAccount() {
  const acct: Account = await newAccount();
  const call = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await api(method, `/v1/accounts/${acct.id}${p}`, body, acct.key);
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  await call('PUT', '/customer-clusters/all', { name: 'All' });
  await call('PUT', '/product-clusters/plans', { name: 'Plans', aliases: [] });
  await call('PUT', '/catalogues/main', { name: 'Plans' });
  const offer = (id: string, price: string, timing: 'in-advance' | 'in-arrears') =>
    call('PUT', `/offers/${id}`, {
      catalogue: 'main',
      name: id,
      currency: 'USD',
      charges: [{ id: 'base', type: 'recurring', productCluster: 'plans', price, period: 'month', timing }],
    });
  await offer('monthly', '30.00', 'in-advance');
  await offer('support', '31.00', 'in-arrears');
  for (const customer of CUSTOMERS) {
    await call('PUT', `/customers/${customer}`, { name: `Subscriber ${customer}`, cluster: 'all', currency: 'USD', billingDay: 1 });
    await call('PUT', `/subscriptions/${customer}-advance`, { customer, offer: 'monthly', startDate: '2025-10-01' });
    await call('PUT', `/subscriptions/${customer}-arrears`, { customer, offer: 'support', startDate: '2025-09-20' });
    await call('PUT', `/subscriptions/${customer}-seats`, { customer, offer: 'monthly', startDate: '2025-10-01' });
    await call('POST', `/subscriptions/${customer}-seats/changes`, { effectiveDate: '2025-10-16', quantity: '3', policy: 'immediate' });
  }

  const completed = async (id: string, run: number) => {
    const done = await eventually(async () => {
      const c = await call<Cycle>('GET', `/billing-cycles/${id}`);
      if (c.status !== 'completed' || c.run !== run) throw new Error(`cycle ${id} is ${c.status} (run ${c.run})`);
      return c;
    }, 90_000);
    expect(done.report.errors).toEqual({ count: 0, items: [] });
  };
  const start = (periodStart: string, periodEnd: string) => call<{ id: string }>('POST', '/billing-cycles', { periodStart, periodEnd });
  return {
    october: () => start('2025-10-01', '2025-11-01'),
    november: () => start('2025-11-01', '2025-12-01'),
    regenerate: (id: string) => call<{ run: number }>('POST', `/billing-cycles/${id}/regenerate`, {}),
    completed,
    /** A customer's invoices, each read in full. */
    invoices: async (customer: string) => {
      const page = await call<{ items: Invoice[] }>('GET', `/invoices?customer=${customer}`);
      return Promise.all(page.items.map((i) => call<Invoice>('GET', `/invoices/${i.id}`)));
    },
  };
}

const total = (invoices: readonly Invoice[]) =>
  invoices
    .flatMap((i) => i.lines)
    .reduce((cents, l) => cents + Math.round(Number(l.amount) * 100), 0)
    .toString()
    .replace(/(\d\d)$/, '.$1');

describe('October and November billed at the same time (3 accounts each, to shake out races)', () => {
  const ACCOUNTS = 3;

  test('both cycles started together: every day due is on exactly one of the two invoices', async () => {
    // Prepare
    const accounts = await Promise.all(Array.from({ length: ACCOUNTS }, () => subscriberAccount()));

    // Act: each account's two POSTs sent together, one account after the other (the queue then holds only
    // those two cycles' messages, so both run side by side, step for step)
    for (const a of accounts) {
      const [oct, nov] = await Promise.all([a.october(), a.november()]);
      await Promise.all([a.completed(oct.id, 1), a.completed(nov.id, 1)]);
    }

    // Assess
    for (const a of accounts) {
      for (const customer of CUSTOMERS) {
        const invoices = await a.invoices(customer);
        expect(invoices.every((i) => i.status === 'draft')).toBe(true);
        expect(misbilled(billedDays(invoices), dueOf(customer))).toEqual([]);
        expect(total(invoices)).toBe(DUE_TOTAL);
      }
    }
  }, 300_000);

  test('October regenerated while November runs: still every day once', async () => {
    // Prepare: October invoiced first
    const accounts = await Promise.all(Array.from({ length: ACCOUNTS }, () => subscriberAccount()));
    const octobers = await Promise.all(
      accounts.map(async (a) => {
        const oct = await a.october();
        await a.completed(oct.id, 1);
        return oct.id;
      }),
    );

    // Act: November started and October regenerated together, one account after the other
    for (const [i, a] of accounts.entries()) {
      const [nov, regenerated] = await Promise.all([a.november(), a.regenerate(octobers[i]!)]);
      await Promise.all([a.completed(nov.id, 1), a.completed(octobers[i]!, regenerated.run)]);
    }

    // Assess
    for (const a of accounts) {
      for (const customer of CUSTOMERS) {
        const invoices = await a.invoices(customer);
        expect(invoices.map((i) => i.periodStart).sort()).toEqual(['2025-10-01', '2025-11-01']);
        expect(misbilled(billedDays(invoices), dueOf(customer))).toEqual([]);
        expect(total(invoices)).toBe(DUE_TOTAL);
      }
    }
  }, 300_000);
});

describe('DynamoInvoiceStore.saveGuarded (DynamoDB Local): a subscriber ledger lets one of two concurrent drafts through', () => {
  let db: DynamoTable;
  let store: DynamoInvoiceStore;
  beforeAll(async () => {
    db = await startDynamoTable('ledger');
    store = new DynamoInvoiceStore(db.doc, db.table);
  }, 120_000);
  afterAll(() => db.stop());

  const draft = (id: string, periodStart: string, periodEnd: string, code: string): StoredInvoice => ({
    record: toInvoiceRecord(invoice({ id, periodStart, periodEnd, customer: invoiceCustomer({ code }) })),
    revision: 1,
    cycleId: null,
    run: 1,
    rowsDigest: null,
    documents: { pdf: 'pdf', csv: 'csv', rows: null },
    linesKey: null,
    completion: null,
    creditedBy: null,
    updatedAt: '2026-12-01T00:00:00Z',
  });

  test('the October and November drafts of one customer, written at once under the version both read: exactly one is saved, 50 times over', async () => {
    for (let i = 0; i < 50; i++) {
      // Prepare
      const code = `c${i}`;
      const read = await store.subscriberLedger('acc', code);
      const october = draft(`inv_20251001_${code}`, '2025-10-01', '2025-11-01', code);
      const november = draft(`inv_20251101_${code}`, '2025-11-01', '2025-12-01', code);

      // Act
      const saved = await Promise.all([
        store.saveGuarded('acc', october, 0, { customer: code, version: read.version, billedIds: [] }),
        store.saveGuarded('acc', november, 0, { customer: code, version: read.version, billedIds: [] }),
      ]);

      // Assess: one of them, and the ledger names it alone; the loser, read again, gets through
      expect(saved.filter(Boolean)).toEqual([true]);
      const winner = saved[0] ? october : november;
      const loser = saved[0] ? november : october;
      expect(await store.subscriberLedger('acc', code)).toEqual({ version: 1, invoiceIds: [winner.record.id], complete: true });
      expect(await store.get('acc', loser.record.id)).toBeNull();
      expect(await store.saveGuarded('acc', loser, 0, { customer: code, version: 1, billedIds: [] })).toBe(true);
      expect(await store.subscriberLedger('acc', code)).toEqual({
        version: 2,
        invoiceIds: [october.record.id, november.record.id].sort(),
        complete: true,
      });
    }
  }, 120_000);

  test('a guarded write adds the invoices with subscription lines it read, and the ledgers of many customers read at once', async () => {
    // Prepare: a ledger written before ledgers listed them all (no `complete`), as the first release wrote it
    const legacy = draft('inv_20250901_legacy', '2025-09-01', '2025-10-01', 'legacy');
    expect(await store.saveGuarded('acc', legacy, 0, { customer: 'legacy', version: 0, billedIds: [] })).toBe(true);
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.subscriberLedger('acc', 'legacy'), UpdateExpression: 'REMOVE complete' }));
    expect(await store.subscriberLedger('acc', 'legacy')).toEqual({ version: 1, invoiceIds: [legacy.record.id], complete: false });
    // Act
    const october = draft('inv_20251001_legacy', '2025-10-01', '2025-11-01', 'legacy');
    const saved = await store.saveGuarded('acc', october, 0, { customer: 'legacy', version: 1, billedIds: ['inv_20250801_older'] });
    // Assess
    expect(saved).toBe(true);
    const ledger = { version: 2, invoiceIds: ['inv_20250801_older', legacy.record.id, october.record.id].sort(), complete: true };
    expect(await store.subscriberLedger('acc', 'legacy')).toEqual(ledger);
    const many = await store.subscriberLedgers('acc', ['legacy', 'nobody', 'legacy']);
    expect([...many]).toEqual([
      ['legacy', ledger],
      ['nobody', { version: 0, invoiceIds: [], complete: true }],
    ]);
  }, 60_000);
});
