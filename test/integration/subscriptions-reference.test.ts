import { api, eventually, newAccount, type Account } from './harness';

/**
 * Kill Bill's invoice integration tests (killbill/killbill, beatrix/src/test/java/org/killbill/billing/beatrix/integration)
 * replayed over HTTP as a user would (docs/api.md "Catalogue, offers, subscriptions", "Billing days"): offers
 * and customers are PUT, subscriptions PUT and operated on with their effective dates, one cycle is started
 * per billing period of the customer, and each invoice is read back. The expected items are Kill Bill's
 * ExpectedInvoiceItemCheck (start, end exclusive, RECURRING / REPAIR_ADJ = our recurring / credit lines), as
 * transcribed for the pure function in test/unit/invoicing/subscriptions-killbill.test.ts. Kill Bill issues
 * each invoice before the next event, so each invoice is approved before the operation that follows it:
 * corrections then arrive on a later invoice, and the approved one is checked unchanged.
 *
 * Prices are those of Kill Bill's test catalogues (catalogs/default/catalogTest.xml, USD; "30-day trial"
 * plans have trialDays 30; catalogs/testWithInArrearSubscriptions/InArrearCatalog.xml: in arrears, no trial).
 *
 * Billing-day changes cannot be dated before the customer's current period (docs/api.md "Billing days": those
 * periods may be invoiced), so Kill Bill's 2016 billing-day scenarios run twelve years later, in 2028: both are
 * leap years, every month has the same number of days, so every proration is the same.
 */

type Fee = { kind: string | undefined; charge: string | undefined; servicePeriod: { start: string; end: string } | undefined; amount: string };
type Line = Fee & { description: string; subscription?: string; quantity: string };
type Invoice = { id: string; customer: string; periodStart: string; periodEnd: string; status: string; lines: Line[]; total: string };
type Cycle = { id: string; status: string; report: { errors: { count: number; items: unknown[] } } };

const fee = (start: string, end: string, kind: string, amount: string, charge = 'base'): Fee => ({
  kind,
  charge,
  servicePeriod: { start, end },
  amount,
});
const fees = (invoice: Invoice): Fee[] =>
  invoice.lines.map((l) => ({ kind: l.kind, charge: l.charge, servicePeriod: l.servicePeriod, amount: l.amount }));
const bySubscription = (invoice: Invoice): [string | undefined, Fee][] => invoice.lines.map((l, i) => [l.subscription, fees(invoice)[i]!]);

type Timing = 'in-advance' | 'in-arrears';
interface Plan {
  name: string;
  price: string;
  period?: 'month' | 'quarter' | 'year';
  timing?: Timing;
  trialDays?: number;
}

/** catalogTest.xml's plans (30-day trials) and InArrearCatalog.xml's support plans. */
const PLANS = {
  'shotgun-monthly': { name: 'Shotgun', price: '249.95', trialDays: 30 },
  'shotgun-annual': { name: 'Shotgun annual', price: '2399.95', period: 'year', trialDays: 30 },
  'assault-rifle-monthly': { name: 'Assault-Rifle', price: '599.95', trialDays: 30 },
  'assault-rifle-annual': { name: 'Assault-Rifle annual', price: '5999.95', period: 'year', trialDays: 30 },
  'pistol-monthly': { name: 'Pistol', price: '29.95', trialDays: 30 },
  'pistol-quarterly': { name: 'Pistol quarterly', price: '69.95', period: 'quarter', trialDays: 30 },
  knife: { name: 'Knife', price: '29.95' },
  'basic-support-monthly-notrial': { name: 'basic-support', price: '100.00', timing: 'in-arrears' },
  'premium-support-monthly-notrial': { name: 'premium-support', price: '1000.00', timing: 'in-arrears' },
  'premium-support-addon-monthly-notrial': { name: 'premium-support-addon', price: '900.00', timing: 'in-arrears' },
} satisfies Record<string, Plan>;
type PlanId = keyof typeof PLANS;

/** One Kill Bill account: a Billstream account of its own (its dates are those of one scenario), one customer. */
async function killBillAccount(plans: PlanId[], billingDay: number) {
  const acct: Account = await newAccount();
  const path = (p: string) => `/v1/accounts/${acct.id}${p}`;
  const call = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await api(method, path(p), body, acct.key);
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  await call('PUT', '/customer-clusters/all', { name: 'All' });
  await call('PUT', '/product-clusters/plans', { name: 'Plans', aliases: [] });
  await call('PUT', '/catalogues/kb', { name: 'Kill Bill test catalogue' });
  for (const id of plans) {
    const plan: Plan = PLANS[id];
    await call('PUT', `/offers/${id}`, {
      catalogue: 'kb',
      name: plan.name,
      currency: 'USD',
      trialDays: plan.trialDays ?? 0,
      charges: [
        {
          id: 'base',
          type: 'recurring',
          productCluster: 'plans',
          price: plan.price,
          period: plan.period ?? 'month',
          timing: plan.timing ?? 'in-advance',
        },
      ],
    });
  }
  await call('PUT', '/customers/KB', { name: 'Kill Bill account', cluster: 'all', currency: 'USD', billingDay });

  const invoices = async () =>
    (await call<{ items: Invoice[] }>('GET', '/invoices?customer=KB')).items.sort((a, b) => (a.periodStart < b.periodStart ? -1 : 1));
  return {
    call,
    subscribe: (id: string, offer: PlanId, startDate: string, quantity = '1') =>
      call('PUT', `/subscriptions/${id}`, { customer: 'KB', offer, startDate, quantity }),
    operate: (sub: string, operation: 'changes' | 'pause' | 'resume' | 'cancel', body: Record<string, unknown>) =>
      call('POST', `/subscriptions/${sub}/${operation}`, body),
    billingDay: (billingDay: number, effectiveDate: string) => call('POST', '/customers/KB/billing-day', { billingDay, effectiveDate }),
    /** Starts the cycle of [periodStart, periodEnd) and waits for it to complete without errors. */
    cycle: async (periodStart: string, periodEnd: string): Promise<void> => {
      const { id } = await call<{ id: string }>('POST', '/billing-cycles', { periodStart, periodEnd });
      const done = await eventually(async () => {
        const c = await call<Cycle>('GET', `/billing-cycles/${id}`);
        if (c.status !== 'completed') throw new Error(`cycle ${id} is ${c.status}`);
        return c;
      }, 60_000);
      expect(done.report.errors).toEqual({ count: 0, items: [] });
    },
    /** The customer's invoice of the period starting on `periodStart`, read in full. */
    invoice: async (periodStart: string): Promise<Invoice> => {
      const found = (await invoices()).filter((i) => i.periodStart === periodStart);
      expect(found.map((i) => i.periodStart)).toEqual([periodStart]);
      return call<Invoice>('GET', `/invoices/${found[0]!.id}`);
    },
    /** The periods the customer has invoices for. */
    invoicedPeriods: async () => (await invoices()).map((i) => `${i.periodStart} → ${i.periodEnd}`),
    approve: async (invoice: Invoice): Promise<Invoice> => {
      const approved = await call<Invoice>('POST', `/invoices/${invoice.id}/approve`, {});
      expect(approved.status).toBe('approved');
      return approved;
    },
    /** An approved invoice reads as it did when approved. */
    expectUnchanged: async (approved: Invoice) => expect(await call<Invoice>('GET', `/invoices/${approved.id}`)).toEqual(approved),
  };
}

describe('TestIntegration (catalogTest.xml)', () => {
  test('testWithPauseResume: Shotgun monthly, BCD 2, paused 2012-03-04 (credit -233.82 to 04-02), resumed 2012-04-05 (224.96 to 05-02, then 249.95)', async () => {
    // Prepare: Shotgun created 2012-02-01 with its 30-day trial (evergreen from 2012-03-02), account BCD 2
    const kb = await killBillAccount(['shotgun-monthly'], 2);
    await kb.subscribe('shotgun', 'shotgun-monthly', '2012-02-01');

    // Act / Assess: the invoice of the period ending on 2012-03-02 charges the coming month
    await kb.cycle('2012-02-02', '2012-03-02');
    const march = await kb.approve(await kb.invoice('2012-02-02'));
    expect(fees(march)).toEqual([fee('2012-03-02', '2012-04-02', 'recurring', '249.95')]);

    // paused on 2012-03-04: REPAIR_ADJ 2012-03-04 → 2012-04-02 of -233.82 (249.95 × 29 / 31)
    await kb.operate('shotgun', 'pause', { effectiveDate: '2012-03-04' });
    await kb.cycle('2012-03-02', '2012-04-02');
    const april = await kb.approve(await kb.invoice('2012-03-02'));
    expect(fees(april)).toEqual([fee('2012-03-04', '2012-04-02', 'credit', '-233.82')]);
    expect(april.total).toBe('-233.82');

    // resumed on 2012-04-05: RECURRING 2012-04-05 → 2012-05-02 of 224.96 (27 / 30), then the next month in advance
    await kb.operate('shotgun', 'resume', { effectiveDate: '2012-04-05' });
    await kb.cycle('2012-04-02', '2012-05-02');
    const may = await kb.invoice('2012-04-02');
    expect(fees(may)).toEqual([fee('2012-04-05', '2012-05-02', 'recurring', '224.96'), fee('2012-05-02', '2012-06-02', 'recurring', '249.95')]);
    expect(may.total).toBe('474.91');
    await kb.expectUnchanged(march);
    await kb.expectUnchanged(april);
  });
});

describe('TestWithInArrearSubscriptions (InArrearCatalog.xml: support plans in arrears, BCD 1)', () => {
  test('testWithCancelation: basic-support from 2020-01-01, two full months, cancelled on 2020-03-01: nothing after', async () => {
    const kb = await killBillAccount(['basic-support-monthly-notrial'], 1);
    await kb.subscribe('basic', 'basic-support-monthly-notrial', '2020-01-01');

    await kb.cycle('2020-01-01', '2020-02-01');
    const january = await kb.approve(await kb.invoice('2020-01-01'));
    expect(fees(january)).toEqual([fee('2020-01-01', '2020-02-01', 'recurring', '100.00')]);

    await kb.operate('basic', 'cancel', { effectiveDate: '2020-03-01', policy: 'immediate' });
    await kb.cycle('2020-02-01', '2020-03-01');
    const february = await kb.approve(await kb.invoice('2020-02-01'));
    expect(fees(february)).toEqual([fee('2020-02-01', '2020-03-01', 'recurring', '100.00')]);

    await kb.cycle('2020-03-01', '2020-04-01');
    await kb.cycle('2020-04-01', '2020-05-01');
    expect(await kb.invoicedPeriods()).toEqual(['2020-01-01 → 2020-02-01', '2020-02-01 → 2020-03-01']);
  });

  test('testWithPauseResume: January invoiced knowing only the pause of 2020-01-15 (45.16), resumed 2020-01-20: 38.71 caught up with February (100.00)', async () => {
    const kb = await killBillAccount(['basic-support-monthly-notrial'], 1);
    await kb.subscribe('basic', 'basic-support-monthly-notrial', '2020-01-01');
    await kb.operate('basic', 'pause', { effectiveDate: '2020-01-15' });

    // the January invoice knows the pause only: 100.00 × 14 / 31
    await kb.cycle('2020-01-01', '2020-02-01');
    const january = await kb.approve(await kb.invoice('2020-01-01'));
    expect(fees(january)).toEqual([fee('2020-01-01', '2020-01-15', 'recurring', '45.16')]);

    // resumed on 2020-01-20, a date of the approved period: Kill Bill's second invoice carries 2020-01-20 → 02-01;
    // February's own days in arrears (Kill Bill's third invoice) are on the same invoice of [02-01, 03-01) here
    await kb.operate('basic', 'resume', { effectiveDate: '2020-01-20' });
    await kb.cycle('2020-02-01', '2020-03-01');
    const february = await kb.invoice('2020-02-01');
    expect(fees(february)).toEqual([fee('2020-01-20', '2020-02-01', 'recurring', '38.71'), fee('2020-02-01', '2020-03-01', 'recurring', '100.00')]);
    expect(february.total).toBe('138.71');
    await kb.expectUnchanged(january);
  });

  test('testWithPauseResume, both known before invoicing: paused 2020-01-15, resumed 2020-01-20: 45.16 for 1–15 January and 38.71 from the 20th', async () => {
    const kb = await killBillAccount(['basic-support-monthly-notrial'], 1);
    await kb.subscribe('basic', 'basic-support-monthly-notrial', '2020-01-01');
    await kb.operate('basic', 'pause', { effectiveDate: '2020-01-15' });
    await kb.operate('basic', 'resume', { effectiveDate: '2020-01-20' });

    // 100.00 × 14 / 31 and 100.00 × 12 / 31; the five paused days carry nothing
    await kb.cycle('2020-01-01', '2020-02-01');
    const january = await kb.invoice('2020-01-01');
    expect(fees(january)).toEqual([fee('2020-01-01', '2020-01-15', 'recurring', '45.16'), fee('2020-01-20', '2020-02-01', 'recurring', '38.71')]);
    expect(january.total).toBe('83.87');
  });

  test('testChangeBPToPlanWithoutAddOnWithEndOfTermPolicyDuringFirstMonth: premium and its add-on end on 2012-04-11: 333.33 and 300.00, basic-support from then', async () => {
    const kb = await killBillAccount(
      ['premium-support-monthly-notrial', 'premium-support-addon-monthly-notrial', 'basic-support-monthly-notrial'],
      1,
    );
    await kb.subscribe('bp', 'premium-support-monthly-notrial', '2012-04-01');
    await kb.subscribe('ao', 'premium-support-addon-monthly-notrial', '2012-04-01');

    // Act: on 2012-04-11, inside the first month, the base plan becomes basic-support and the add-on is
    // cancelled (immediate: Kill Bill's end-of-term change of an in-arrears plan takes effect at once, see
    // the AfterFirstMonth scenario)
    await kb.operate('bp', 'changes', { effectiveDate: '2012-04-11', offer: 'basic-support-monthly-notrial', policy: 'immediate' });
    await kb.operate('ao', 'cancel', { effectiveDate: '2012-04-11', policy: 'immediate' });
    await kb.cycle('2012-04-01', '2012-05-01');

    // Assess: 1000.00 × 10 / 30 and 900.00 × 10 / 30 (Kill Bill's items); basic-support's 20 days of April
    // follow from the contract (100.00 × 20 / 30 = 66.67; Kill Bill bills them on a later invoice)
    const april = await kb.invoice('2012-04-01');
    expect(bySubscription(april)).toEqual([
      ['ao', fee('2012-04-01', '2012-04-11', 'recurring', '300.00')],
      ['bp', fee('2012-04-01', '2012-04-11', 'recurring', '333.33')],
      ['bp', fee('2012-04-11', '2012-05-01', 'recurring', '66.67')],
    ]);
    expect(april.lines.map((l) => l.description)).toEqual([
      expect.stringMatching(/^premium-support-addon, /),
      expect.stringMatching(/^premium-support, /),
      expect.stringMatching(/^basic-support, /),
    ]);
    expect(april.total).toBe('700.00');

    // nothing more: the add-on is cancelled, basic-support's May is May's own (in arrears)
    await kb.cycle('2012-05-01', '2012-06-01');
    expect(bySubscription(await kb.invoice('2012-05-01'))).toEqual([['bp', fee('2012-05-01', '2012-06-01', 'recurring', '100.00')]]);
  });

  test('testChangeBPToPlanWithoutAddOnWithEndOfTermPolicyAfterFirstMonth: April in full (1000.00, 900.00); premium and its add-on end on 2012-05-11: 322.58 and 290.32', async () => {
    // Prepare: premium-support and its add-on (two subscriptions) from 2012-04-01
    const kb = await killBillAccount(
      ['premium-support-monthly-notrial', 'premium-support-addon-monthly-notrial', 'basic-support-monthly-notrial'],
      1,
    );
    await kb.subscribe('bp', 'premium-support-monthly-notrial', '2012-04-01');
    await kb.subscribe('ao', 'premium-support-addon-monthly-notrial', '2012-04-01');
    await kb.cycle('2012-04-01', '2012-05-01');
    const april = await kb.approve(await kb.invoice('2012-04-01'));
    // lines come by subscription: the add-on (ao) before the base plan (bp)
    expect(bySubscription(april)).toEqual([
      ['ao', fee('2012-04-01', '2012-05-01', 'recurring', '900.00')],
      ['bp', fee('2012-04-01', '2012-05-01', 'recurring', '1000.00')],
    ]);

    // Act: on 2012-05-11 the base plan becomes basic-support and the add-on, not available with it, is cancelled.
    // Kill Bill's END_OF_TERM change of an in-arrears plan takes effect at once (nothing is billed ahead to wait
    // for: the test finds basic-support active and the add-on cancelled on 2012-05-11, and both items end then).
    // Billstream's end-of-term would wait for the end of the term, 2012-06-01, so the operations here are
    // immediate: the outcome Kill Bill's figures describe.
    await kb.operate('bp', 'changes', { effectiveDate: '2012-05-11', offer: 'basic-support-monthly-notrial', policy: 'immediate' });
    await kb.operate('ao', 'cancel', { effectiveDate: '2012-05-11', policy: 'immediate' });
    await kb.cycle('2012-05-01', '2012-06-01');

    // Assess: 1000.00 × 10 / 31 and 900.00 × 10 / 31; basic-support's 21 days follow from the contract
    // (100.00 × 21 / 31 = 67.74; not in Kill Bill's check, which bills them later)
    const may = await kb.invoice('2012-05-01');
    expect(bySubscription(may)).toEqual([
      ['ao', fee('2012-05-01', '2012-05-11', 'recurring', '290.32')],
      ['bp', fee('2012-05-01', '2012-05-11', 'recurring', '322.58')],
      ['bp', fee('2012-05-11', '2012-06-01', 'recurring', '67.74')],
    ]);
    expect(may.lines.map((l) => l.description)).toEqual([
      expect.stringMatching(/^premium-support-addon, /),
      expect.stringMatching(/^premium-support, /),
      expect.stringMatching(/^basic-support, /),
    ]);
    expect(may.total).toBe('680.64');
    await kb.expectUnchanged(april);
  });
});

describe('TestWithQuantityUpdate (catalogTest.xml: Knife 29.95 a month, no trial)', () => {
  test('testQuantityBasic: 7 knives from 2022-11-27 (209.65), 10 from 2022-12-27 (299.50), BCD 27', async () => {
    const kb = await killBillAccount(['knife'], 27);
    await kb.subscribe('knives', 'knife', '2022-11-27', '7');

    await kb.cycle('2022-10-27', '2022-11-27');
    const first = await kb.approve(await kb.invoice('2022-10-27'));
    expect(fees(first)).toEqual([fee('2022-11-27', '2022-12-27', 'recurring', '209.65')]);

    await kb.operate('knives', 'changes', { effectiveDate: '2022-12-27', quantity: '10', policy: 'immediate' });
    await kb.cycle('2022-11-27', '2022-12-27');
    const second = await kb.invoice('2022-11-27');
    expect(second.lines.map((l) => [l.quantity, l.amount, l.servicePeriod])).toEqual([['10', '299.50', { start: '2022-12-27', end: '2023-01-27' }]]);
    await kb.expectUnchanged(first);
  });
});

describe('TestWithBCDUpdate (Shotgun with a 30-day trial from 2016-04-01, BCD 1; run in 2028)', () => {
  test('testBCDChangeInTrial: billing day 15 from 2016-05-01: a stub 05-01 → 05-15 of 116.64, then 249.95 from the 15th', async () => {
    const kb = await killBillAccount(['shotgun-monthly'], 1);
    await kb.subscribe('shotgun', 'shotgun-monthly', '2028-04-01');
    await kb.billingDay(15, '2028-05-01');

    // 249.95 × 14 / 30: the stub's days over the month [04-15, 05-15) of the new billing day
    await kb.cycle('2028-04-01', '2028-05-01');
    const stub = await kb.approve(await kb.invoice('2028-04-01'));
    expect(fees(stub)).toEqual([fee('2028-05-01', '2028-05-15', 'recurring', '116.64')]);

    // the stub period [05-01, 05-15) has a cycle of its own, which charges the first month from the 15th
    await kb.cycle('2028-05-01', '2028-05-15');
    const fifteenth = await kb.invoice('2028-05-01');
    expect(fifteenth.periodEnd).toBe('2028-05-15');
    expect(fees(fifteenth)).toEqual([fee('2028-05-15', '2028-06-15', 'recurring', '249.95')]);
    await kb.expectUnchanged(stub);
  });

  test('testBCDChangeAfterTrialFollowOtherBCDChange: day 15 from 2016-06-01 (stub 06-01 → 06-15 of 112.88), then day 10 from 2016-07-15 (stub 07-15 → 08-10 of 209.64)', async () => {
    const kb = await killBillAccount(['shotgun-monthly'], 1);
    await kb.subscribe('shotgun', 'shotgun-monthly', '2028-04-01');
    await kb.billingDay(15, '2028-06-01');

    await kb.cycle('2028-04-01', '2028-05-01');
    const first = await kb.approve(await kb.invoice('2028-04-01'));
    expect(fees(first)).toEqual([fee('2028-05-01', '2028-06-01', 'recurring', '249.95')]);

    // 249.95 × 14 / 31: the stub's days over the month [05-15, 06-15) of the new billing day
    await kb.cycle('2028-05-01', '2028-06-01');
    const stub = await kb.approve(await kb.invoice('2028-05-01'));
    expect(fees(stub)).toEqual([fee('2028-06-01', '2028-06-15', 'recurring', '112.88')]);

    await kb.cycle('2028-06-01', '2028-06-15');
    const fifteenth = await kb.approve(await kb.invoice('2028-06-01'));
    expect(fifteenth.periodEnd).toBe('2028-06-15');
    expect(fees(fifteenth)).toEqual([fee('2028-06-15', '2028-07-15', 'recurring', '249.95')]);

    // Act: the second change, day 10 from 2016-07-15, made once the third invoice is issued
    await kb.billingDay(10, '2028-07-15');
    await kb.cycle('2028-06-15', '2028-07-15');

    // Assess: 249.95 × 26 / 31 over the month [07-10, 08-10) of day 10
    const second = await kb.invoice('2028-06-15');
    expect(second.periodEnd).toBe('2028-07-15');
    expect(fees(second)).toEqual([fee('2028-07-15', '2028-08-10', 'recurring', '209.64')]);
    for (const approved of [first, stub, fifteenth]) await kb.expectUnchanged(approved);
  });

  test('testBCDChangeAfterChangePlan: Assault-Rifle from 2016-05-05 (522.54, Shotgun credited -217.70), then day 10 from 06-01: stub 06-01 → 06-10 of 174.18', async () => {
    const kb = await killBillAccount(['shotgun-monthly', 'assault-rifle-monthly'], 1);
    await kb.subscribe('gun', 'shotgun-monthly', '2028-04-01');
    await kb.cycle('2028-04-01', '2028-05-01');
    const first = await kb.approve(await kb.invoice('2028-04-01'));
    expect(fees(first)).toEqual([fee('2028-05-01', '2028-06-01', 'recurring', '249.95')]);

    // Act: the change of plan on 2016-05-05, then the billing day 10 from the end of the period
    await kb.operate('gun', 'changes', { effectiveDate: '2028-05-05', offer: 'assault-rifle-monthly', policy: 'immediate' });
    await kb.billingDay(10, '2028-06-01');
    await kb.cycle('2028-05-01', '2028-06-01');

    // Assess: 249.95 × 27 / 31 credited, 599.95 × 27 / 31 charged, then 599.95 × 9 / 31 for the stub to the 10th
    const may = await kb.invoice('2028-05-01');
    expect(fees(may)).toEqual([
      fee('2028-05-05', '2028-06-01', 'credit', '-217.70'),
      fee('2028-05-05', '2028-06-01', 'recurring', '522.54'),
      fee('2028-06-01', '2028-06-10', 'recurring', '174.18'),
    ]);
    // the credit reverses what was billed: Shotgun's days; the new lines are Assault-Rifle's
    expect(may.lines.map((l) => l.description)).toEqual([
      expect.stringMatching(/^Credit: Shotgun, /),
      expect.stringMatching(/^Assault-Rifle, /),
      expect.stringMatching(/^Assault-Rifle, /),
    ]);
    expect(may.total).toBe('479.02');
    await kb.expectUnchanged(first);
  });
  test('testBCDChangeBeforeChangePlan: day 10 from 2016-05-10, Assault-Rifle from 05-05: Shotgun credited -217.70, the 5-day stub 96.77 (Kill Bill: 99.99, see comment), then 599.95 from the 10th', async () => {
    // Kill Bill applies the pending billing day 10 to the new plan at once and prices the stub 05-05 → 05-10
    // over [04-10, 05-10): 599.95 × 5 / 30 = 99.99. docs/api.md prorates a slice over "the charge's period
    // (anchored on the billing day in force) that contains it": on 05-05 the 1st is still in force, so the
    // stub is 5 days of [05-01, 06-01): 599.95 × 5 / 31 = 96.77. The credit and the month from the 10th are
    // Kill Bill's.
    const kb = await killBillAccount(['shotgun-monthly', 'assault-rifle-monthly'], 1);
    await kb.subscribe('gun', 'shotgun-monthly', '2028-04-01');
    await kb.cycle('2028-04-01', '2028-05-01');
    const first = await kb.approve(await kb.invoice('2028-04-01'));
    expect(fees(first)).toEqual([fee('2028-05-01', '2028-06-01', 'recurring', '249.95')]);

    // Act: billing day 10 from 2016-05-10 (inside the current period: it ends there), then the change of plan on 05-05
    await kb.billingDay(10, '2028-05-10');
    await kb.operate('gun', 'changes', { effectiveDate: '2028-05-05', offer: 'assault-rifle-monthly', policy: 'immediate' });
    await kb.cycle('2028-05-01', '2028-05-10');

    // Assess: 249.95 × 27 / 31 credited (the billed month from the change), the stub, the month from the 10th
    const stub = await kb.invoice('2028-05-01');
    expect(stub.periodEnd).toBe('2028-05-10');
    expect(fees(stub)).toEqual([
      fee('2028-05-05', '2028-06-01', 'credit', '-217.70'),
      fee('2028-05-05', '2028-05-10', 'recurring', '96.77'),
      fee('2028-05-10', '2028-06-10', 'recurring', '599.95'),
    ]);
    expect(stub.lines.map((l) => l.description)).toEqual([
      expect.stringMatching(/^Credit: Shotgun, /),
      expect.stringMatching(/^Assault-Rifle, /),
      expect.stringMatching(/^Assault-Rifle, /),
    ]);
    expect(stub.total).toBe('479.02');
    await kb.expectUnchanged(first);
  });

  test('testBCDChangeForAnnualSubscriptionAndCancellation: a year from 2016-05-01, day 10 from 06-01: nothing until the renewal, stub 2017-05-01 → 05-10 of 59.18, then 2399.95 a year from 2017-05-10', async () => {
    const kb = await killBillAccount(['shotgun-annual'], 1);
    await kb.subscribe('shotgun', 'shotgun-annual', '2028-04-01');
    await kb.billingDay(10, '2028-06-01');

    await kb.cycle('2028-04-01', '2028-05-01');
    const year = await kb.approve(await kb.invoice('2028-04-01'));
    expect(fees(year)).toEqual([fee('2028-05-01', '2029-05-01', 'recurring', '2399.95')]);

    // the period to the change, the stub to the 10th and the months between owe nothing (three stand for all)
    await kb.cycle('2028-05-01', '2028-06-01');
    await kb.cycle('2028-06-01', '2028-06-10');
    await kb.cycle('2028-06-10', '2028-07-10');

    // the renewal: the year already billed ends on 2029-05-01; 9 days of the year [2028-05-10, 2029-05-10)
    // (2399.95 × 9 / 365) join the billing day, then the next year runs from the 10th
    await kb.cycle('2029-04-10', '2029-05-10');
    expect(await kb.invoicedPeriods()).toEqual(['2028-04-01 → 2028-05-01', '2029-04-10 → 2029-05-10']);
    const renewal = await kb.invoice('2029-04-10');
    expect(fees(renewal)).toEqual([fee('2029-05-01', '2029-05-10', 'recurring', '59.18'), fee('2029-05-10', '2030-05-10', 'recurring', '2399.95')]);
    expect(renewal.total).toBe('2459.13');
    await kb.expectUnchanged(year);
  });
});

describe('TestIntegrationWithDifferentBillingPeriods (catalogTest.xml, BCD 1, 30-day trials from 2012-04-01)', () => {
  test('testChangeMonthlyToAnnual: on 2012-05-12 the month is credited (-161.26) and the year charged to 2013-05-01 (2327.62)', async () => {
    const kb = await killBillAccount(['shotgun-monthly', 'shotgun-annual'], 1);
    await kb.subscribe('shotgun', 'shotgun-monthly', '2012-04-01');
    await kb.cycle('2012-04-01', '2012-05-01');
    const april = await kb.approve(await kb.invoice('2012-04-01'));
    expect(fees(april)).toEqual([fee('2012-05-01', '2012-06-01', 'recurring', '249.95')]);

    await kb.operate('shotgun', 'changes', { effectiveDate: '2012-05-12', offer: 'shotgun-annual', policy: 'immediate' });
    await kb.cycle('2012-05-01', '2012-06-01');
    const may = await kb.invoice('2012-05-01');
    // 249.95 × 20 / 31 credited; 2399.95 × 354 / 365 for 2012-05-12 → 2013-05-01
    expect(fees(may)).toEqual([fee('2012-05-12', '2012-06-01', 'credit', '-161.26'), fee('2012-05-12', '2013-05-01', 'recurring', '2327.62')]);
    expect(may.total).toBe('2166.36');
    await kb.expectUnchanged(april);
  });

  test('testChangeMonthlyToQuarterly: Pistol 29.95 a month to 69.95 a quarter on 2012-05-12: -19.32, 61.59 to 2012-08-01, then 69.95 a quarter', async () => {
    const kb = await killBillAccount(['pistol-monthly', 'pistol-quarterly'], 1);
    await kb.subscribe('pistol', 'pistol-monthly', '2012-04-01');
    await kb.cycle('2012-04-01', '2012-05-01');
    const april = await kb.approve(await kb.invoice('2012-04-01'));
    expect(fees(april)).toEqual([fee('2012-05-01', '2012-06-01', 'recurring', '29.95')]);

    await kb.operate('pistol', 'changes', { effectiveDate: '2012-05-12', offer: 'pistol-quarterly', policy: 'immediate' });
    await kb.cycle('2012-05-01', '2012-06-01');
    const may = await kb.approve(await kb.invoice('2012-05-01'));
    expect(fees(may)).toEqual([fee('2012-05-12', '2012-06-01', 'credit', '-19.32'), fee('2012-05-12', '2012-08-01', 'recurring', '61.59')]);

    // nothing in June; July's invoice charges the next quarter
    await kb.cycle('2012-06-01', '2012-07-01');
    await kb.cycle('2012-07-01', '2012-08-01');
    expect(await kb.invoicedPeriods()).toEqual(['2012-04-01 → 2012-05-01', '2012-05-01 → 2012-06-01', '2012-07-01 → 2012-08-01']);
    expect(fees(await kb.invoice('2012-07-01'))).toEqual([fee('2012-08-01', '2012-11-01', 'recurring', '69.95')]);
    await kb.expectUnchanged(april);
    await kb.expectUnchanged(may);
  });

  test('testPauseResumeAnnual: a year billed, paused 2012-05-12 (-2327.62), resumed 2012-06-04 (2380.22 to 2013-06-01), then 2399.95 a year from 2013-06-01', async () => {
    const kb = await killBillAccount(['shotgun-annual'], 1);
    await kb.subscribe('shotgun', 'shotgun-annual', '2012-04-01');
    await kb.cycle('2012-04-01', '2012-05-01');
    const april = await kb.approve(await kb.invoice('2012-04-01'));
    expect(fees(april)).toEqual([fee('2012-05-01', '2013-05-01', 'recurring', '2399.95')]);

    await kb.operate('shotgun', 'pause', { effectiveDate: '2012-05-12' });
    await kb.cycle('2012-05-01', '2012-06-01');
    const may = await kb.approve(await kb.invoice('2012-05-01'));
    expect(fees(may)).toEqual([fee('2012-05-12', '2013-05-01', 'credit', '-2327.62')]);

    // resumed: a new year from 2012-06-04 to the end of the year that contains it (362 / 365 of 2399.95)
    await kb.operate('shotgun', 'resume', { effectiveDate: '2012-06-04' });
    await kb.cycle('2012-06-01', '2012-07-01');
    const june = await kb.approve(await kb.invoice('2012-06-01'));
    expect(fees(june)).toEqual([fee('2012-06-04', '2013-06-01', 'recurring', '2380.22')]);

    // nothing until the renewal (July stands for the months between, which owe nothing either)
    await kb.cycle('2012-07-01', '2012-08-01');
    await kb.cycle('2013-05-01', '2013-06-01');
    expect(fees(await kb.invoice('2013-05-01'))).toEqual([fee('2013-06-01', '2014-06-01', 'recurring', '2399.95')]);
    expect(await kb.invoicedPeriods()).toEqual([
      '2012-04-01 → 2012-05-01',
      '2012-05-01 → 2012-06-01',
      '2012-06-01 → 2012-07-01',
      '2013-05-01 → 2013-06-01',
    ]);
    for (const approved of [april, may, june]) await kb.expectUnchanged(approved);
  });

  test('testPauseResumeAnnualWithInvoicingOff: paused 2012-05-12 and resumed 2012-06-04 before May is invoiced: only the 23 paused days credited (-151.23), 2013-05-01 → 06-01 charged (203.83)', async () => {
    const kb = await killBillAccount(['shotgun-annual'], 1);
    await kb.subscribe('shotgun', 'shotgun-annual', '2012-04-01');
    await kb.cycle('2012-04-01', '2012-05-01');
    const april = await kb.approve(await kb.invoice('2012-04-01'));
    expect(fees(april)).toEqual([fee('2012-05-01', '2013-05-01', 'recurring', '2399.95')]);

    // Act: Kill Bill's invoicing is off while both happen, so its next invoice knows the pause and the resume
    await kb.operate('shotgun', 'pause', { effectiveDate: '2012-05-12' });
    await kb.operate('shotgun', 'resume', { effectiveDate: '2012-06-04' });
    await kb.cycle('2012-05-01', '2012-06-01');
    await kb.cycle('2012-06-01', '2012-07-01');

    // Assess: 2399.95 × 23 / 365 credited; the resumed year runs to 2013-06-01, so the month past the billed
    // year is charged, 2399.95 × 31 / 365. Kill Bill puts both on one invoice; here the resumed slice starts
    // in June's (ps, pe] and is on June's
    const may = await kb.approve(await kb.invoice('2012-05-01'));
    expect(fees(may)).toEqual([fee('2012-05-12', '2012-06-04', 'credit', '-151.23')]);
    const june = await kb.approve(await kb.invoice('2012-06-01'));
    expect(fees(june)).toEqual([fee('2013-05-01', '2013-06-01', 'recurring', '203.83')]);

    // then nothing until the renewal of 2013-06-01
    await kb.cycle('2012-07-01', '2012-08-01');
    await kb.cycle('2013-05-01', '2013-06-01');
    expect(fees(await kb.invoice('2013-05-01'))).toEqual([fee('2013-06-01', '2014-06-01', 'recurring', '2399.95')]);
    expect(await kb.invoicedPeriods()).toEqual([
      '2012-04-01 → 2012-05-01',
      '2012-05-01 → 2012-06-01',
      '2012-06-01 → 2012-07-01',
      '2013-05-01 → 2013-06-01',
    ]);
    for (const approved of [april, may, june]) await kb.expectUnchanged(approved);
  });

  test('testChangeAnnualToAnnual: Shotgun yearly from 2015-01-01, Assault-Rifle yearly from 2015-03-15: -1919.96 and 5770.44 to 2016-03-01 (366 days)', async () => {
    // Prepare: created 2014-12-02, its 30-day trial ends on 2015-01-01
    const kb = await killBillAccount(['shotgun-annual', 'assault-rifle-annual'], 1);
    await kb.subscribe('gun', 'shotgun-annual', '2014-12-02');
    await kb.cycle('2014-12-01', '2015-01-01');
    const year = await kb.approve(await kb.invoice('2014-12-01'));
    expect(fees(year)).toEqual([fee('2015-01-01', '2016-01-01', 'recurring', '2399.95')]);

    await kb.operate('gun', 'changes', { effectiveDate: '2015-03-15', offer: 'assault-rifle-annual', policy: 'immediate' });
    await kb.cycle('2015-01-01', '2015-02-01');
    await kb.cycle('2015-02-01', '2015-03-01');
    await kb.cycle('2015-03-01', '2015-04-01');

    // 2399.95 × 292 / 365 credited; 5999.95 × 352 / 366 from 2015-03-15 to the end of its year [2015-03-01, 2016-03-01)
    expect(await kb.invoicedPeriods()).toEqual(['2014-12-01 → 2015-01-01', '2015-03-01 → 2015-04-01']);
    const march = await kb.invoice('2015-03-01');
    expect(fees(march)).toEqual([fee('2015-03-15', '2016-01-01', 'credit', '-1919.96'), fee('2015-03-15', '2016-03-01', 'recurring', '5770.44')]);
    expect(march.total).toBe('3850.48');
    await kb.expectUnchanged(year);
  });
});
