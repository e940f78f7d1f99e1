import { Customer, active, history, item, monthly, months, paused, period, timeline, trial } from './recurring-support';

/**
 * Kill Bill's invoice integration tests (killbill/killbill, beatrix/src/test/java/org/killbill/billing/beatrix/integration)
 * transcribed: the same subscriptions, changes and billing days, the amounts of Kill Bill's
 * ExpectedInvoiceItemCheck (start, end exclusive, RECURRING / REPAIR_ADJ = our recurring / credit lines).
 * Prices are those of Kill Bill's test catalogues (catalogs/default/catalogTest.xml: Shotgun 249.95 a
 * month or 2399.95 a year, Assault-Rifle 599.95 / 5999.95, Pistol 29.95 a month or 69.95 a quarter,
 * Knife 29.95; catalogs/testWithInArrearSubscriptions/InArrearCatalog.xml, in arrears: basic-support
 * 100.00, premium-support 1000.00, premium-support-addon 900.00). Plans with a 30-day trial are
 * subscriptions whose first 30 days are a trial segment (or, equally, a paused one).
 *
 * Kill Bill invoices on events (a pause, a change) as well as on billing days; here each invoice is the
 * one of a billing period, computed after the events of that period: the same days and amounts, sometimes
 * gathered on fewer invoices. CBA_ADJ items (account credit moves) are payments, not invoice lines.
 */

const SHOTGUN = monthly('249.95');
const SHOTGUN_ANNUAL = monthly('2399.95', { period: 'year' });

describe('TestIntegration', () => {
  test('testWithPauseResume: a monthly plan paused on 2012-03-04 is credited for the rest of the period, resumed on 2012-04-05 it is charged from then', () => {
    // Prepare: account BCD 2; Shotgun created 2012-02-01 with a 30-day trial (evergreen from 2012-03-02)
    const customer = new Customer(history(2));
    const created = [trial('2012-02-01', '2012-03-02'), active('2012-03-02')];

    // Act / Assess: the invoice of the period ending on 2012-03-02 charges the coming month
    expect(customer.invoice(period('2012-02-02', '2012-03-02'), [timeline(SHOTGUN, created)])).toEqual([
      item('2012-03-02', '2012-04-02', 'recurring', '249.95'),
    ]);

    // paused on 2012-03-04: REPAIR_ADJ 2012-03-04 → 2012-04-02 of -233.82
    const pausedOn = [trial('2012-02-01', '2012-03-02'), active('2012-03-02', '2012-03-04'), paused('2012-03-04')];
    expect(customer.invoice(period('2012-03-02', '2012-04-02'), [timeline(SHOTGUN, pausedOn)])).toEqual([
      item('2012-03-04', '2012-04-02', 'credit', '-233.82'),
    ]);

    // resumed on 2012-04-05: RECURRING 2012-04-05 → 2012-05-02 of 224.96, then the next month in advance
    const resumed = [...pausedOn.slice(0, 2), paused('2012-03-04', '2012-04-05'), active('2012-04-05')];
    expect(customer.invoice(period('2012-04-02', '2012-05-02'), [timeline(SHOTGUN, resumed)])).toEqual([
      item('2012-04-05', '2012-05-02', 'recurring', '224.96'),
      item('2012-05-02', '2012-06-02', 'recurring', '249.95'),
    ]);
  });
});

describe('TestWithInArrearSubscriptions (basic-support-monthly-notrial: 100.00 a month in arrears, BCD 1)', () => {
  const BASIC = monthly('100.00', { timing: 'in-arrears', id: 'basic' });

  test('testWithCancelation: two full months, then cancelled on 2020-03-01 nothing more', () => {
    const customer = new Customer(history(1));
    const charges = [timeline(BASIC, [active('2020-01-01', '2020-03-01')])];

    const invoices = months('2020-01-01', 10).map((p) => customer.invoice(p, charges));

    expect(invoices[0]).toEqual([item('2020-01-01', '2020-02-01', 'recurring', '100.00')]);
    expect(invoices[1]).toEqual([item('2020-02-01', '2020-03-01', 'recurring', '100.00')]);
    expect(invoices.slice(2).flat()).toEqual([]);
  });

  test('testWithPauseResume: paused 2020-01-15, resumed 2020-01-20: 45.16 for 1-15 January and 38.71 from the 20th', () => {
    const customer = new Customer(history(1));
    const charges = [timeline(BASIC, [active('2020-01-01', '2020-01-15'), paused('2020-01-15', '2020-01-20'), active('2020-01-20')])];

    expect(customer.invoice(period('2020-01-01', '2020-02-01'), charges)).toEqual([
      item('2020-01-01', '2020-01-15', 'recurring', '45.16'),
      item('2020-01-20', '2020-02-01', 'recurring', '38.71'),
    ]);
  });

  test('testWithPauseResume, invoice by invoice as Kill Bill issues them: the days after the resume are caught up on the next invoice', () => {
    // Prepare: the January invoice is approved knowing only the pause
    const customer = new Customer(history(1));
    const pausedOnly = [timeline(BASIC, [active('2020-01-01', '2020-01-15'), paused('2020-01-15')])];
    expect(customer.invoice(period('2020-01-01', '2020-02-01'), pausedOnly)).toEqual([item('2020-01-01', '2020-01-15', 'recurring', '45.16')]);

    // Act: resumed on 2020-01-20 (an effective date in an approved period)
    const resumed = [timeline(BASIC, [active('2020-01-01', '2020-01-15'), paused('2020-01-15', '2020-01-20'), active('2020-01-20')])];
    const february = customer.invoice(period('2020-02-01', '2020-03-01'), resumed);

    // Assess: Kill Bill's second invoice: 2020-01-20 → 2020-02-01 of 38.71 (then February itself)
    expect(february).toEqual([item('2020-01-20', '2020-02-01', 'recurring', '38.71'), item('2020-02-01', '2020-03-01', 'recurring', '100.00')]);
  });

  const PREMIUM = monthly('1000.00', { timing: 'in-arrears', id: 'premium' });
  const ADDON = monthly('900.00', { timing: 'in-arrears', id: 'premium-addon' });

  test('testChangeBPToPlanWithoutAddOnWithEndOfTermPolicyDuringFirstMonth: premium and its add-on end on 2012-04-11 (end of term in arrears): 333.33 and 300.00', () => {
    // Prepare: both from 2012-04-01; on 2012-04-11 the base plan becomes basic-support and the add-on is cancelled
    const customer = new Customer(history(1));
    const charges = [
      timeline(PREMIUM, [active('2012-04-01', '2012-04-11')]),
      timeline(ADDON, [active('2012-04-01', '2012-04-11')]),
      timeline(BASIC, [active('2012-04-11')]),
    ];

    const april = customer.invoice(period('2012-04-01', '2012-05-01'), charges);

    // Assess: Kill Bill's items 2012-04-01 → 2012-04-11 of 300.00 and 333.33; basic-support's 20 days of
    // April follow from the contract (100.00 × 20 / 30 = 66.67; Kill Bill bills them on a later invoice)
    expect(april).toEqual([
      item('2012-04-01', '2012-04-11', 'recurring', '333.33'),
      item('2012-04-01', '2012-04-11', 'recurring', '300.00'),
      item('2012-04-11', '2012-05-01', 'recurring', '66.67'),
    ]);
  });

  test('testChangeBPToPlanWithoutAddOnWithEndOfTermPolicyAfterFirstMonth: April in full (1000.00, 900.00), then 322.58 and 290.32 for 2012-05-01 → 05-11', () => {
    const customer = new Customer(history(1));
    const before = [timeline(PREMIUM, [active('2012-04-01')]), timeline(ADDON, [active('2012-04-01')])];
    expect(customer.invoice(period('2012-04-01', '2012-05-01'), before)).toEqual([
      item('2012-04-01', '2012-05-01', 'recurring', '1000.00'),
      item('2012-04-01', '2012-05-01', 'recurring', '900.00'),
    ]);

    const after = [
      timeline(PREMIUM, [active('2012-04-01', '2012-05-11')]),
      timeline(ADDON, [active('2012-04-01', '2012-05-11')]),
      timeline(BASIC, [active('2012-05-11')]),
    ];
    const may = customer.invoice(period('2012-05-01', '2012-06-01'), after);

    // basic-support's 21 days of May: 100.00 × 21 / 31 = 67.74 (the contract's rule; not in Kill Bill's check)
    expect(may).toEqual([
      item('2012-05-01', '2012-05-11', 'recurring', '322.58'),
      item('2012-05-01', '2012-05-11', 'recurring', '290.32'),
      item('2012-05-11', '2012-06-01', 'recurring', '67.74'),
    ]);
  });
});

describe('TestWithQuantityUpdate', () => {
  test('testQuantityBasic: 7 knives from 2022-11-27 (209.65), 10 from 2022-12-27 (299.50), BCD 27', () => {
    const customer = new Customer(history(27));
    const charges = [timeline(monthly('29.95', { id: 'knife' }), [active('2022-11-27', '2022-12-27', '7'), active('2022-12-27', null, '10')])];

    expect(customer.invoice(period('2022-10-27', '2022-11-27'), charges)).toEqual([item('2022-11-27', '2022-12-27', 'recurring', '209.65')]);
    expect(customer.invoice(period('2022-11-27', '2022-12-27'), charges)).toEqual([item('2022-12-27', '2023-01-27', 'recurring', '299.50')]);
  });
});

describe('TestWithBCDUpdate (Shotgun created 2016-04-01 with a 30-day trial, BCD 1)', () => {
  const trialThen = (...rest: ReturnType<typeof active>[]) => [trial('2016-04-01', '2016-05-01'), ...rest];

  test('testBCDChangeInTrial: billing day 15 from 2016-05-01: a stub 2016-05-01 → 05-15 of 116.64, then 249.95 from the 15th', () => {
    const customer = new Customer(history(1, ['2016-05-01', 15]));
    const charges = [timeline(SHOTGUN, trialThen(active('2016-05-01')))];

    expect(customer.invoice(period('2016-04-01', '2016-05-01'), charges)).toEqual([item('2016-05-01', '2016-05-15', 'recurring', '116.64')]);
    expect(customer.invoice(period('2016-05-01', '2016-05-15'), charges)).toEqual([item('2016-05-15', '2016-06-15', 'recurring', '249.95')]);
  });

  test('testBCDChangeAfterTrialFollowOtherBCDChange: day 15 from 2016-06-01 (stub 112.88), day 10 from 2016-07-15 (stub 209.64)', () => {
    const customer = new Customer(history(1, ['2016-06-01', 15]));
    const charges = [timeline(SHOTGUN, trialThen(active('2016-05-01')))];

    expect(customer.invoice(period('2016-04-01', '2016-05-01'), charges)).toEqual([item('2016-05-01', '2016-06-01', 'recurring', '249.95')]);
    expect(customer.invoice(period('2016-05-01', '2016-06-01'), charges)).toEqual([item('2016-06-01', '2016-06-15', 'recurring', '112.88')]);
    expect(customer.invoice(period('2016-06-01', '2016-06-15'), charges)).toEqual([item('2016-06-15', '2016-07-15', 'recurring', '249.95')]);

    customer.billingDays = history(1, ['2016-06-01', 15], ['2016-07-15', 10]);
    expect(customer.invoice(period('2016-06-15', '2016-07-15'), charges)).toEqual([item('2016-07-15', '2016-08-10', 'recurring', '209.64')]);
  });

  test('testBCDChangeAfterChangePlan: Assault-Rifle from 2016-05-05 (522.54, Shotgun credited -217.70), then day 10: stub 2016-06-01 → 06-10 of 174.18', () => {
    const customer = new Customer(history(1));
    expect(customer.invoice(period('2016-04-01', '2016-05-01'), [timeline(SHOTGUN, trialThen(active('2016-05-01')))])).toEqual([
      item('2016-05-01', '2016-06-01', 'recurring', '249.95'),
    ]);

    // Act: the change of plan on 2016-05-05, then the billing day 10 from the end of the period
    customer.billingDays = history(1, ['2016-06-01', 10]);
    const changed = [
      timeline(SHOTGUN, trialThen(active('2016-05-01', '2016-05-05'))),
      timeline(monthly('599.95'), [active('2016-05-05')], { label: 'Assault-Rifle' }),
    ];
    const may = customer.invoice(period('2016-05-01', '2016-06-01'), changed);

    expect(may).toEqual([
      item('2016-05-05', '2016-06-01', 'credit', '-217.70'),
      item('2016-05-05', '2016-06-01', 'recurring', '522.54'),
      item('2016-06-01', '2016-06-10', 'recurring', '174.18'),
    ]);
  });

  test('testBCDChangeAfterChangePlan, the lines named: the credit reverses the days billed as Shotgun, the new lines are Assault-Rifle', () => {
    const customer = new Customer(history(1));
    const shotgun = (...segments: ReturnType<typeof active>[]) => timeline(SHOTGUN, trialThen(...segments), { label: 'Shotgun' });
    customer.invoice(period('2016-04-01', '2016-05-01'), [shotgun(active('2016-05-01'))]);

    customer.billingDays = history(1, ['2016-06-01', 10]);
    const may = customer.preview(period('2016-05-01', '2016-06-01'), [
      shotgun(active('2016-05-01', '2016-05-05')),
      timeline(monthly('599.95'), [active('2016-05-05')], { label: 'Assault-Rifle' }),
    ]);

    expect(may.map((l) => l.description)).toEqual([
      'Credit: Shotgun, 2016-05-05 to 2016-05-31 (27 of 31 days)',
      'Assault-Rifle, 2016-05-05 to 2016-05-31 (27 of 31 days)',
      'Assault-Rifle, 2016-06-01 to 2016-06-09 (9 of 31 days)',
    ]);
  });

  test('testBCDChangeBeforeChangePlan: the credit (-217.70) and the month from the new day (599.95); the 5-day stub differs from Kill Bill (see comment)', () => {
    // Kill Bill applies the pending billing day 10 to the new plan at once: 2016-05-05 → 05-10 of 99.99
    // (599.95 × 5 / 30, over [04-10, 05-10)). The contract prorates a slice over the charge period of the
    // billing day in force for it, here still the 1st: 599.95 × 5 / 31 = 96.77 over [05-01, 06-01).
    const customer = new Customer(history(1));
    customer.invoice(period('2016-04-01', '2016-05-01'), [timeline(SHOTGUN, trialThen(active('2016-05-01')))]);

    customer.billingDays = history(1, ['2016-05-10', 10]);
    const changed = [timeline(SHOTGUN, trialThen(active('2016-05-01', '2016-05-05'))), timeline(monthly('599.95'), [active('2016-05-05')])];

    expect(customer.invoice(period('2016-05-01', '2016-05-10'), changed)).toEqual([
      item('2016-05-05', '2016-06-01', 'credit', '-217.70'),
      item('2016-05-05', '2016-05-10', 'recurring', '96.77'),
      item('2016-05-10', '2016-06-10', 'recurring', '599.95'),
    ]);
  });

  test('testBCDChangeForAnnualSubscriptionAndCancellation: a year from 2016-05-01, day 10 from 2016-06-01: stub 2017-05-01 → 05-10 of 59.18, then 2399.95 a year from 2017-05-10', () => {
    const customer = new Customer(history(1, ['2016-06-01', 10]));
    const charges = [timeline(SHOTGUN_ANNUAL, trialThen(active('2016-05-01')))];

    const first = customer.invoice(period('2016-04-01', '2016-05-01'), charges);
    const stub = customer.invoice(period('2016-05-01', '2016-06-01'), charges);
    const between = [period('2016-06-01', '2016-06-10'), ...months('2016-06-10', 10)].map((p) => customer.invoice(p, charges));
    const renewal = customer.invoice(period('2017-04-10', '2017-05-10'), charges);

    expect(first).toEqual([item('2016-05-01', '2017-05-01', 'recurring', '2399.95')]);
    expect([...stub, ...between.flat()]).toEqual([]);
    expect(renewal).toEqual([item('2017-05-01', '2017-05-10', 'recurring', '59.18'), item('2017-05-10', '2018-05-10', 'recurring', '2399.95')]);
  });
});

describe('TestIntegrationWithDifferentBillingPeriods (BCD 1, plans with a 30-day trial from 2012-04-01)', () => {
  const trialThen = (...rest: ReturnType<typeof active>[]) => [paused('2012-04-01', '2012-05-01'), ...rest];

  test('testChangeMonthlyToAnnual: on 2012-05-12 the month is credited (-161.26) and the year charged to 2013-05-01 (2327.62)', () => {
    const customer = new Customer(history(1));
    expect(customer.invoice(period('2012-04-01', '2012-05-01'), [timeline(SHOTGUN, trialThen(active('2012-05-01')))])).toEqual([
      item('2012-05-01', '2012-06-01', 'recurring', '249.95'),
    ]);

    const changed = [timeline(SHOTGUN, trialThen(active('2012-05-01', '2012-05-12'))), timeline(SHOTGUN_ANNUAL, [active('2012-05-12')])];

    expect(customer.invoice(period('2012-05-01', '2012-06-01'), changed)).toEqual([
      item('2012-05-12', '2012-06-01', 'credit', '-161.26'),
      item('2012-05-12', '2013-05-01', 'recurring', '2327.62'),
    ]);
  });

  test('testChangeMonthlyToQuarterly: Pistol monthly 29.95 to quarterly 69.95 on 2012-05-12: -19.32, 61.59 to 2012-08-01, then 69.95 a quarter', () => {
    const customer = new Customer(history(1));
    const PISTOL = monthly('29.95');
    expect(customer.invoice(period('2012-04-01', '2012-05-01'), [timeline(PISTOL, trialThen(active('2012-05-01')))])).toEqual([
      item('2012-05-01', '2012-06-01', 'recurring', '29.95'),
    ]);

    const changed = [
      timeline(PISTOL, trialThen(active('2012-05-01', '2012-05-12'))),
      timeline(monthly('69.95', { period: 'quarter' }), [active('2012-05-12')]),
    ];
    expect(customer.invoice(period('2012-05-01', '2012-06-01'), changed)).toEqual([
      item('2012-05-12', '2012-06-01', 'credit', '-19.32'),
      item('2012-05-12', '2012-08-01', 'recurring', '61.59'),
    ]);
    expect(customer.invoice(period('2012-06-01', '2012-07-01'), changed)).toEqual([]);
    expect(customer.invoice(period('2012-07-01', '2012-08-01'), changed)).toEqual([item('2012-08-01', '2012-11-01', 'recurring', '69.95')]);
  });

  test('testPauseResumeAnnual: a year billed, paused 2012-05-12 (-2327.62), resumed 2012-06-04 (2380.22 to 2013-06-01), then 2399.95 a year from 2013-06-01', () => {
    const customer = new Customer(history(1));
    const year = [timeline(SHOTGUN_ANNUAL, trialThen(active('2012-05-01')))];
    expect(customer.invoice(period('2012-04-01', '2012-05-01'), year)).toEqual([item('2012-05-01', '2013-05-01', 'recurring', '2399.95')]);

    const pausedOn = trialThen(active('2012-05-01', '2012-05-12'), paused('2012-05-12'));
    expect(customer.invoice(period('2012-05-01', '2012-06-01'), [timeline(SHOTGUN_ANNUAL, pausedOn)])).toEqual([
      item('2012-05-12', '2013-05-01', 'credit', '-2327.62'),
    ]);

    const resumed = [
      timeline(SHOTGUN_ANNUAL, trialThen(active('2012-05-01', '2012-05-12'), paused('2012-05-12', '2012-06-04'), active('2012-06-04'))),
    ];
    expect(customer.invoice(period('2012-06-01', '2012-07-01'), resumed)).toEqual([item('2012-06-04', '2013-06-01', 'recurring', '2380.22')]);
    const rest = months('2012-07-01', 10).flatMap((p) => customer.invoice(p, resumed));
    expect(rest).toEqual([]);
    expect(customer.invoice(period('2013-05-01', '2013-06-01'), resumed)).toEqual([item('2013-06-01', '2014-06-01', 'recurring', '2399.95')]);
  });

  test('testPauseResumeAnnualWithInvoicingOff: pause and resume known before invoicing: only the 23 paused days are credited (-151.23), 2013-05-01 → 06-01 charged (203.83)', () => {
    const customer = new Customer(history(1));
    expect(customer.invoice(period('2012-04-01', '2012-05-01'), [timeline(SHOTGUN_ANNUAL, trialThen(active('2012-05-01')))])).toEqual([
      item('2012-05-01', '2013-05-01', 'recurring', '2399.95'),
    ]);

    const resumed = [
      timeline(SHOTGUN_ANNUAL, trialThen(active('2012-05-01', '2012-05-12'), paused('2012-05-12', '2012-06-04'), active('2012-06-04'))),
    ];
    const may = customer.invoice(period('2012-05-01', '2012-06-01'), resumed);
    const june = customer.invoice(period('2012-06-01', '2012-07-01'), resumed);

    // Kill Bill puts both items on one invoice; here the resumed slice starts in June's (ps, pe]
    expect(may).toEqual([item('2012-05-12', '2012-06-04', 'credit', '-151.23')]);
    expect(june).toEqual([item('2013-05-01', '2013-06-01', 'recurring', '203.83')]);
    expect(months('2012-07-01', 10).flatMap((p) => customer.invoice(p, resumed))).toEqual([]);
    expect(customer.invoice(period('2013-05-01', '2013-06-01'), resumed)).toEqual([item('2013-06-01', '2014-06-01', 'recurring', '2399.95')]);
  });

  test('testChangeAnnualToAnnual: Shotgun yearly from 2015-01-01, Assault-Rifle yearly from 2015-03-15: -1919.96 and 5770.44 to 2016-03-01 (366 days)', () => {
    const customer = new Customer(history(1));
    const trialDays = [trial('2014-12-02', '2015-01-01')];
    expect(customer.invoice(period('2014-12-01', '2015-01-01'), [timeline(SHOTGUN_ANNUAL, [...trialDays, active('2015-01-01')])])).toEqual([
      item('2015-01-01', '2016-01-01', 'recurring', '2399.95'),
    ]);

    const changed = [
      timeline(SHOTGUN_ANNUAL, [...trialDays, active('2015-01-01', '2015-03-15')]),
      timeline(monthly('5999.95', { period: 'year' }), [active('2015-03-15')], { label: 'Assault-Rifle' }),
    ];
    expect(customer.invoice(period('2015-01-01', '2015-02-01'), changed)).toEqual([]);
    expect(customer.invoice(period('2015-02-01', '2015-03-01'), changed)).toEqual([]);
    expect(customer.invoice(period('2015-03-01', '2015-04-01'), changed)).toEqual([
      item('2015-03-15', '2016-01-01', 'credit', '-1919.96'),
      item('2015-03-15', '2016-03-01', 'recurring', '5770.44'),
    ]);
  });
});
