import { api, eventually, newAccount, type Account } from './harness';

/**
 * Lago's subscription scenarios (getlago/lago-api, spec/scenarios/) replayed over HTTP on the local stack:
 * the same plans, dates and expected amounts, where Billstream's model can express them (monthly and yearly
 * plans in advance or in arrears, proration by days, upgrades, downgrades, terminations). Each test names the
 * Lago spec file and example it comes from.
 *
 * How Lago's terms map onto Billstream's (docs/api.md "Catalogue, offers, subscriptions"):
 * - a plan's `amount_cents` is a recurring charge (`pay_in_advance` → in-advance, else in-arrears); a prorated
 *   fixed charge of `units` × `amount` is a recurring charge of that price, with the same charge id in every
 *   offer that has it (so an upgrade corrects it as one charge); `billing_time: calendar` is billing day 1, an
 *   anniversary on the 19th billing day 19; the organisation's 20 % tax is the customer's `taxRate`;
 * - an upgrade (a new subscription replacing the old one at once) is a change of offer `immediate`, a
 *   downgrade (applied at the end of the period) a change `end-of-term`;
 * - Lago terminates *on* a day, which is still served; Billstream's cancellation date is the first day out of
 *   service, so a termination on the 21st is a cancellation effective on the 22nd;
 * - Lago invoices a pay-in-advance plan when the subscription starts and refunds unused days by a credit
 *   note; a Billstream cycle puts a first slice on the invoice of the period that contains it together with
 *   the coming period in advance, and corrects billed days by `credit` lines on the next invoice (nothing
 *   approved is edited). So Lago's fee, or credit note, is one line of a Billstream invoice.
 */

type Fee = { kind: string | undefined; charge: string | undefined; servicePeriod: { start: string; end: string } | undefined; amount: string };
type Line = Fee & { description: string };
type Invoice = { id: string; periodStart: string; periodEnd: string; status: string; lines: Line[]; subtotal: string; tax: string; total: string };
type Cycle = { id: string; status: string; report: { errors: { count: number; items: unknown[] } } };

const fee = (charge: string, start: string, end: string, kind: string, amount: string): Fee => ({
  kind,
  charge,
  servicePeriod: { start, end },
  amount,
});
const fees = (invoice: Invoice): Fee[] =>
  invoice.lines.map((l) => ({ kind: l.kind, charge: l.charge, servicePeriod: l.servicePeriod, amount: l.amount }));

type Recurring = { id: string; price: string; period?: 'month' | 'year'; timing: 'in-advance' | 'in-arrears' };

/** One Lago organisation: a Billstream account of its own, with one customer `C`. */
async function lagoOrganisation(customer: { billingDay?: number; taxRate?: string } = {}) {
  const acct: Account = await newAccount();
  const call = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await api(method, `/v1/accounts/${acct.id}${p}`, body, acct.key);
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  await call('PUT', '/customer-clusters/all', { name: 'All' });
  await call('PUT', '/product-clusters/plans', { name: 'Plans', aliases: [] });
  await call('PUT', '/catalogues/lago', { name: 'Lago plans' });
  await call('PUT', '/customers/C', { name: 'Lago customer', cluster: 'all', currency: 'EUR', billingDay: customer.billingDay ?? 1, ...customer });

  const invoices = async () =>
    (await call<{ items: Invoice[] }>('GET', '/invoices?customer=C')).items.sort((a, b) => (a.periodStart < b.periodStart ? -1 : 1));
  return {
    call,
    plan: (id: string, charges: Recurring[], trialDays = 0) =>
      call('PUT', `/offers/${id}`, {
        catalogue: 'lago',
        name: id,
        currency: 'EUR',
        trialDays,
        charges: charges.map((c) => ({ type: 'recurring', productCluster: 'plans', period: 'month', ...c })),
      }),
    subscribe: (offer: string, startDate: string) => call('PUT', '/subscriptions/s', { customer: 'C', offer, startDate }),
    operate: <T>(operation: 'changes' | 'cancel', body: Record<string, unknown>) => call<T>('POST', `/subscriptions/s/${operation}`, body),
    cycle: async (periodStart: string, periodEnd: string): Promise<void> => {
      const { id } = await call<{ id: string }>('POST', '/billing-cycles', { periodStart, periodEnd });
      const done = await eventually(async () => {
        const c = await call<Cycle>('GET', `/billing-cycles/${id}`);
        if (c.status !== 'completed') throw new Error(`cycle ${id} is ${c.status}`);
        return c;
      }, 60_000);
      expect(done.report.errors).toEqual({ count: 0, items: [] });
    },
    invoice: async (periodStart: string): Promise<Invoice> => {
      const found = (await invoices()).filter((i) => i.periodStart === periodStart);
      expect(found.map((i) => i.periodStart)).toEqual([periodStart]);
      return call<Invoice>('GET', `/invoices/${found[0]!.id}`);
    },
    invoicedPeriods: async () => (await invoices()).map((i) => `${i.periodStart} → ${i.periodEnd}`),
    approve: async (invoice: Invoice): Promise<Invoice> => {
      const approved = await call<Invoice>('POST', `/invoices/${invoice.id}/approve`, {});
      expect(approved.status).toBe('approved');
      return approved;
    },
    expectUnchanged: async (approved: Invoice) => expect(await call<Invoice>('GET', `/invoices/${approved.id}`)).toEqual(approved),
  };
}

describe('spec/scenarios/subscriptions/terminate_manually_spec.rb (plan 100.00 a month, calendar, 20 % tax, from 2025-02-08, terminated on 2025-02-21)', () => {
  test('"with pay-in-arrears subscription … ignores the parameter since pay-in-arrears plans don\'t generate credit notes": the subscription fee is 50.00 (14 of 28 days) + 10.00 tax', async () => {
    const lago = await lagoOrganisation({ taxRate: '20' });
    await lago.plan('plan', [{ id: 'plan', price: '100.00', timing: 'in-arrears' }]);
    await lago.subscribe('plan', '2025-02-08');
    await lago.operate('cancel', { effectiveDate: '2025-02-22', policy: 'immediate' });

    await lago.cycle('2025-02-01', '2025-03-01');

    // Lago's subscription_fee 50_00 with 10_00 of tax (its 50.00 charge fee is usage, not modelled here)
    const february = await lago.invoice('2025-02-01');
    expect(fees(february)).toEqual([fee('plan', '2025-02-08', '2025-02-22', 'recurring', '50.00')]);
    expect([february.subtotal, february.tax, february.total]).toEqual(['50.00', '10.00', '60.00']);
  });

  test('"with pay-in-advance subscription / when terminating with default behaviors": 75.00 for 21 of 28 days, then the 7 unused days (25.00 + 5.00 tax) credited', async () => {
    const lago = await lagoOrganisation({ taxRate: '20' });
    await lago.plan('plan', [{ id: 'plan', price: '100.00', timing: 'in-advance' }]);
    await lago.subscribe('plan', '2025-02-08');

    // Lago's subscription invoice: 75.00 + 15.00 tax. Billstream's February invoice also bills March in advance.
    await lago.cycle('2025-02-01', '2025-03-01');
    const february = await lago.approve(await lago.invoice('2025-02-01'));
    expect(fees(february)).toEqual([
      fee('plan', '2025-02-08', '2025-03-01', 'recurring', '75.00'),
      fee('plan', '2025-03-01', '2025-04-01', 'recurring', '100.00'),
    ]);

    // terminated on the 21st: Lago's credit note of 25.00 + 5.00 tax for 22–28 February is a credit line here,
    // and the March billed ahead is credited as well (Lago had not billed it)
    await lago.operate('cancel', { effectiveDate: '2025-02-22', policy: 'immediate' });
    await lago.cycle('2025-03-01', '2025-04-01');
    const march = await lago.invoice('2025-03-01');
    expect(fees(march)).toEqual([
      fee('plan', '2025-02-22', '2025-03-01', 'credit', '-25.00'),
      fee('plan', '2025-03-01', '2025-04-01', 'credit', '-100.00'),
    ]);
    expect([march.subtotal, march.tax, march.total]).toEqual(['-125.00', '-25.00', '-150.00']);
    await lago.expectUnchanged(february);
  });
});

describe('spec/scenarios/terminate_pay_in_advance_spec.rb (plan 50.00 a month in advance, 20 % tax)', () => {
  test('"creates expected credit note and invoice": created and terminated on 2023-02-08: 37.50 (+ 7.50 tax = 45.00), credit note 35.71 + 7.14 for 20 of 28 days', async () => {
    const lago = await lagoOrganisation({ taxRate: '20' });
    await lago.plan('plan', [{ id: 'plan', price: '50.00', timing: 'in-advance' }]);
    await lago.subscribe('plan', '2023-02-08');

    await lago.cycle('2023-02-01', '2023-03-01');
    const february = await lago.approve(await lago.invoice('2023-02-01'));
    expect(fees(february)[0]).toEqual(fee('plan', '2023-02-08', '2023-03-01', 'recurring', '37.50'));

    // terminated on its first day: that day is served, 9–28 February (20 days) are credited: 50 × 20 / 28 = 35.714…
    await lago.operate('cancel', { effectiveDate: '2023-02-09', policy: 'immediate' });
    await lago.cycle('2023-03-01', '2023-04-01');
    const march = await lago.invoice('2023-03-01');
    expect(fees(march)).toEqual([
      fee('plan', '2023-02-09', '2023-03-01', 'credit', '-35.71'),
      fee('plan', '2023-03-01', '2023-04-01', 'credit', '-50.00'),
    ]);
    // tax is the invoice's, on its subtotal: 20 % of -85.71 (Lago's 7.14 is the tax of the credit note alone)
    expect([march.subtotal, march.tax, march.total]).toEqual(['-85.71', '-17.14', '-102.85']);
    await lago.expectUnchanged(february);
  });
});

describe('spec/scenarios/subscriptions/free_trial_billing_spec.rb (plan 50,000.00 a month in advance, calendar)', () => {
  test('"with free trial / bills the customer at the end of the free trial": 10 trial days from 2024-03-05, then (31 − 4 − 10) / 31 × 50,000 = 27,419.35', async () => {
    const lago = await lagoOrganisation();
    await lago.plan('plan', [{ id: 'plan', price: '50000.00', timing: 'in-advance' }], 10);
    await lago.subscribe('plan', '2024-03-05');

    // the February cycle bills nothing (Lago: no invoice during the trial)
    await lago.cycle('2024-02-01', '2024-03-01');
    await lago.cycle('2024-03-01', '2024-04-01');
    expect(await lago.invoicedPeriods()).toEqual(['2024-03-01 → 2024-04-01']);
    const march = await lago.invoice('2024-03-01');
    // Lago's fee 2_741_935 cents; Billstream's invoice also bills April in advance
    expect(fees(march)).toEqual([
      fee('plan', '2024-03-15', '2024-04-01', 'recurring', '27419.35'),
      fee('plan', '2024-04-01', '2024-05-01', 'recurring', '50000.00'),
    ]);
  });
});

describe('spec/scenarios/subscriptions/upgrade_spec.rb "when there are fixed charges / when fixed charges are in_advance / when fixed charges are prorated"', () => {
  test('"calculates all fees": plan 1.00 → 100.00 in arrears on 2023-08-21; the add-on paid for August is credited for 11 days and charged at the new price (35.48 − 5.32 = 30.16)', async () => {
    // Prepare: plan 1.00 a month in arrears with fixed charges in advance: add-on 0 (10 × 1.00) and add-on 1
    // (5 × 3.00); the upgrade: 100.00 in arrears, add-on 1 (10 × 10.00) and add-on 2 (1 × 20.00). Calendar billing.
    const lago = await lagoOrganisation();
    await lago.plan('plan', [
      { id: 'subscription', price: '1.00', timing: 'in-arrears' },
      { id: 'add-on-0', price: '10.00', timing: 'in-advance' },
      { id: 'add-on-1', price: '15.00', timing: 'in-advance' },
    ]);
    await lago.plan('plan-upgrade', [
      { id: 'subscription', price: '100.00', timing: 'in-arrears' },
      { id: 'add-on-1', price: '100.00', timing: 'in-advance' },
      { id: 'add-on-2', price: '20.00', timing: 'in-advance' },
    ]);
    await lago.subscribe('plan', '2023-07-19');

    // Act / Assess: Lago's first invoice has the fixed charges for 19–31 July, 1000 × 13 / 31 and 1500 × 13 / 31
    // (419 and 629 cents); its 1 August invoice the fixed charges of August (1000, 1500). Billstream's July
    // invoice carries both, and July's plan fee in arrears (1.00 × 13 / 31)
    await lago.cycle('2023-07-01', '2023-08-01');
    const july = await lago.approve(await lago.invoice('2023-07-01'));
    expect(fees(july)).toEqual([
      fee('add-on-0', '2023-07-19', '2023-08-01', 'recurring', '4.19'),
      fee('add-on-1', '2023-07-19', '2023-08-01', 'recurring', '6.29'),
      fee('subscription', '2023-07-19', '2023-08-01', 'recurring', '0.42'),
      fee('add-on-0', '2023-08-01', '2023-09-01', 'recurring', '10.00'),
      fee('add-on-1', '2023-08-01', '2023-09-01', 'recurring', '15.00'),
    ]);

    await lago.operate('changes', { effectiveDate: '2023-08-21', offer: 'plan-upgrade', policy: 'immediate' });
    await lago.cycle('2023-08-01', '2023-09-01');
    const august = await lago.invoice('2023-08-01');
    expect(fees(august)).toEqual([
      // Lago: the old subscription's fee (100 × 20 / 31).round = 65 cents
      fee('subscription', '2023-08-01', '2023-08-21', 'recurring', '0.65'),
      // add-on 0 is not in the new plan: its 11 paid days are credited (10 × 11 / 31; Lago's spec does not check it)
      fee('add-on-0', '2023-08-21', '2023-09-01', 'credit', '-3.55'),
      // Lago: left to pay (10000 × 11 / 31).round − (1500 × 11 / 31).round = 3548 − 532 = 3016 cents
      fee('add-on-1', '2023-08-21', '2023-09-01', 'credit', '-5.32'),
      fee('add-on-1', '2023-08-21', '2023-09-01', 'recurring', '35.48'),
      // Lago's spec expects 2000 * 11 / 31 in Ruby integers, 709 cents (a truncation of 709.68); Billstream
      // rounds each line half-up (docs/api.md): 20.00 × 11 / 31 = 7.0968 → 7.10
      fee('add-on-2', '2023-08-21', '2023-09-01', 'recurring', '7.10'),
      // the new plan's fee in arrears for 21–31 August (Lago bills it on 1 September: 100 × 11 / 31)
      fee('subscription', '2023-08-21', '2023-09-01', 'recurring', '35.48'),
      // Lago's 1 September invoice: the fixed charges of September in full (10000, 2000)
      fee('add-on-1', '2023-09-01', '2023-10-01', 'recurring', '100.00'),
      fee('add-on-2', '2023-09-01', '2023-10-01', 'recurring', '20.00'),
    ]);
    expect(august.total).toBe('189.84');
    await lago.expectUnchanged(july);
  });
});

describe('spec/scenarios/subscriptions/downgrade_spec.rb (129.00 a month in advance, anniversary on the 19th, from 2023-07-19)', () => {
  test('"downgrades and bill subscriptions": 129.00 each month to 2023-11-19; the yearly 1188.00 plan chosen on 2023-11-09 starts at the end of the period', async () => {
    const lago = await lagoOrganisation({ billingDay: 19 });
    await lago.plan('monthly', [{ id: 'plan', price: '129.00', timing: 'in-advance' }]);
    await lago.plan('yearly', [{ id: 'plan', price: '1188.00', period: 'year', timing: 'in-advance' }]);
    await lago.subscribe('monthly', '2023-07-19');

    // Lago's invoices of 19 July, 19 August, 19 September and 19 October: 129.00 for the month ahead
    const monthly: [string, string][] = [
      ['2023-06-19', '2023-07-19'],
      ['2023-07-19', '2023-08-19'],
      ['2023-08-19', '2023-09-19'],
      ['2023-09-19', '2023-10-19'],
    ];
    for (const [start, end] of monthly) {
      await lago.cycle(start, end);
      const invoice = await lago.invoice(start);
      const next = new Date(Date.UTC(Number(end.slice(0, 4)), Number(end.slice(5, 7)), 19)).toISOString().slice(0, 10);
      expect(fees(invoice)).toEqual([fee('plan', end, next, 'recurring', '129.00')]);
    }

    // the downgrade on 9 November applies from the end of the period (Lago's pending subscription starts on the 19th)
    const changed = await lago.operate<{ history: { type: string; appliesFrom: string }[] }>('changes', {
      effectiveDate: '2023-11-09',
      offer: 'yearly',
      policy: 'end-of-term',
    });
    expect(changed.history).toEqual([expect.objectContaining({ type: 'change', appliesFrom: '2023-11-19' })]);

    // Lago's 19 November invoice: 1188 / 366 × 243 = 788.75 for 2023-11-19 → 2024-07-19, because Lago keeps the
    // old subscription's anniversary (19 July) for the yearly period. Billstream's rule differs: the charge
    // period of a first slice is the year, anchored on the billing day in force, that contains it (docs/api.md
    // "Subscriptions on invoices"; recurring.ts; as in Kill Bill's testChangeMonthlyToAnnual, where a year from
    // 2012-05-12 runs to 2013-05-01), here [2023-11-19, 2024-11-19): a whole year
    await lago.cycle('2023-10-19', '2023-11-19');
    expect(fees(await lago.invoice('2023-10-19'))).toEqual([fee('plan', '2023-11-19', '2024-11-19', 'recurring', '1188.00')]);
    expect((await lago.call<{ offer: string; status: string }>('GET', '/subscriptions/s')).offer).toBe('yearly');
  });
});
