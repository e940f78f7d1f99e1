import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ValidationError } from '../../../shared/kernel/errors';
import { D, toWire } from '../../../shared/kernel/money';
import { customerPeriodContaining, daysBetween } from '../../../shared/kernel/proration';
import { dayNumber, dayToDate } from '../../../shared/kernel/dates';
import { type ChargeTimeline, type Segment, type SubscriptionLine, subscriptionLines } from '../../../shared/billing/domain/recurring';
import type { TimelineSegment } from '../../../shared/subscriptions/domain/subscription';
import { Customer, active, history, item, items, monthly, paused, period, timeline } from './recurring-support';

interface ProrationCase {
  billingDay: number;
  start: string;
  line: string;
}
const fixtures = JSON.parse(readFileSync(join(__dirname, '../../fixtures/charge-models.json'), 'utf8')) as { proration: { cases: ProrationCase[] } };

const OFFICE = monthly('24.95', { id: 'licence' });

describe('in advance', () => {
  test.each(fixtures.proration.cases)('fixture: billing day $billingDay, start $start → first line $line', ({ billingDay, start, line }) => {
    // Prepare: the invoice of the period during which the subscription starts
    const customer = new Customer(history(billingDay), 'EUR');
    const invoiced = customerPeriodContaining(customer.billingDays, start);

    // Act
    const lines = customer.invoice(invoiced, [timeline(OFFICE, [active(start)])]);

    // Assess: the stub [start, next billing day) prorated, then the coming full period
    expect(lines.map((l) => l.amount)).toEqual([line, '24.95']);
    expect(lines[0]!.start).toBe(start);
    expect(lines[1]!.start).toBe(invoiced.end);
  });

  test('the first invoice shows the stub and the coming period, with the price per period as unit price', () => {
    const lines = new Customer(history(25), 'EUR').preview(period('2026-08-25', '2026-09-25'), [
      timeline(OFFICE, [active('2026-09-16', null, '2')], { label: 'Office 365' }),
    ]);

    expect(lines.map((l) => [l.description, toWire(l.quantity), toWire(l.unitPrice), toWire(l.amount), l.chargePeriod])).toEqual([
      ['Office 365, 2026-09-16 to 2026-09-24 (9 of 31 days)', '2', '24.95', '14.49', { start: '2026-08-25', end: '2026-09-25' }],
      ['Office 365, 2026-09-25 to 2026-10-24', '2', '24.95', '49.9', { start: '2026-09-25', end: '2026-10-25' }],
    ]);
    expect(lines.map((l) => [l.kind, l.subscription, l.charge, l.productCluster])).toEqual([
      ['recurring', 'sub-1', 'licence', 'plans'],
      ['recurring', 'sub-1', 'licence', 'plans'],
    ]);
  });

  test('a subscription starting on its billing day is charged once, in full, on the invoice of the period before', () => {
    const customer = new Customer(history(1), 'EUR');
    const charges = [timeline(OFFICE, [active('2026-10-01')])];

    expect(customer.invoice(period('2026-09-01', '2026-10-01'), charges)).toEqual([item('2026-10-01', '2026-11-01', 'recurring', '24.95')]);
    expect(customer.invoice(period('2026-10-01', '2026-11-01'), charges)).toEqual([item('2026-11-01', '2026-12-01', 'recurring', '24.95')]);
  });

  test('a future end date cuts the last slice: nothing is credited before it takes effect', () => {
    // Prepare: 31.00 a month from 2026-10-01, ending 2026-12-10 (known from the start)
    const customer = new Customer(history(1), 'EUR');
    const charges = [timeline(monthly('31.00'), [active('2026-10-01', '2026-12-10')])];

    // Act / Assess: November's invoice carries December's 9 days of 31: 9.00
    expect(customer.invoice(period('2026-09-01', '2026-10-01'), charges)).toEqual([item('2026-10-01', '2026-11-01', 'recurring', '31.00')]);
    expect(customer.invoice(period('2026-10-01', '2026-11-01'), charges)).toEqual([item('2026-11-01', '2026-12-01', 'recurring', '31.00')]);
    expect(customer.invoice(period('2026-11-01', '2026-12-01'), charges)).toEqual([item('2026-12-01', '2026-12-10', 'recurring', '9.00')]);
    expect(customer.invoice(period('2026-12-01', '2027-01-01'), charges)).toEqual([]);
  });

  test('cancelled immediately: the days already billed after the cancellation are credited on the old terms', () => {
    const customer = new Customer(history(1), 'EUR');
    customer.invoice(period('2026-09-01', '2026-10-01'), [timeline(monthly('31.00'), [active('2026-10-01')])]);

    // cancelled from 2026-10-21: 11 of 31 days at 31.00
    const october = customer.invoice(period('2026-10-01', '2026-11-01'), [timeline(monthly('31.00'), [active('2026-10-01', '2026-10-21')])]);

    expect(october).toEqual([item('2026-10-21', '2026-11-01', 'credit', '-11.00')]);
  });
});

describe('in arrears', () => {
  const ARREARS = monthly('24.95', { timing: 'in-arrears' });

  test('started mid-period: the days run, prorated', () => {
    const lines = new Customer(history(1), 'EUR').invoice(period('2026-10-01', '2026-11-01'), [timeline(ARREARS, [active('2026-10-10')])]);

    // 24.95 × 22 / 31 = 17.706…
    expect(lines).toEqual([item('2026-10-10', '2026-11-01', 'recurring', '17.71')]);
  });

  test('a quantity change mid-period splits the line at the change', () => {
    // 10 seats, 15 from 2026-10-11; 31.00 over a 31-day October: 1.00 a seat-day
    const charges = [timeline(monthly('31', { timing: 'in-arrears' }), [active('2026-01-01', '2026-10-11', '10'), active('2026-10-11', null, '15')])];

    const lines = new Customer(history(1), 'EUR').preview(period('2026-10-01', '2026-11-01'), charges);

    expect(items(lines.slice(-2), 'EUR')).toEqual([
      item('2026-10-01', '2026-10-11', 'recurring', '100.00'),
      item('2026-10-11', '2026-11-01', 'recurring', '315.00'),
    ]);
  });

  test('effective-dated prices split the slice at validFrom', () => {
    // 30 until 2026-03-15, 62 from 2026-03-16; March has 31 days: 15 × 30 / 31 = 14.516…, 16 × 62 / 31 = 32
    const charge = monthly('0', {
      timing: 'in-arrears',
      price: undefined,
      prices: [
        { validFrom: '2026-01-01', price: new D(30) },
        { validFrom: '2026-03-16', price: new D(62) },
      ],
    });

    const lines = new Customer(history(1), 'EUR').invoice(period('2026-03-01', '2026-04-01'), [timeline(charge, [active('2026-03-01')])]);

    expect(lines).toEqual([item('2026-03-01', '2026-03-16', 'recurring', '14.52'), item('2026-03-16', '2026-04-01', 'recurring', '32.00')]);
  });
});

describe('corrections', () => {
  const SEATS = monthly('31.00');

  test('more seats from a date already billed: credit the old quantity and charge the new one for exactly those days', () => {
    // Prepare: 10 seats billed in advance for October
    const customer = new Customer(history(1), 'EUR');
    customer.invoice(period('2026-09-01', '2026-10-01'), [timeline(SEATS, [active('2026-10-01', null, '10')])]);
    const approved = JSON.stringify(customer.billed);

    // Act: 15 seats from 2026-10-11
    const october = customer.preview(period('2026-10-01', '2026-11-01'), [
      timeline(SEATS, [active('2026-10-01', '2026-10-11', '10'), active('2026-10-11', null, '15')]),
    ]);

    // Assess: 21 of 31 days: -10 × 21.00 and 15 × 21.00; November at 15 seats (465.00)
    expect(items(october, 'EUR')).toEqual([
      item('2026-10-11', '2026-11-01', 'credit', '-210.00'),
      item('2026-10-11', '2026-11-01', 'recurring', '315.00'),
      item('2026-11-01', '2026-12-01', 'recurring', '465.00'),
    ]);
    expect(october.map((l) => toWire(l.quantity))).toEqual(['-10', '15', '15']);
    expect(october[0]!.description).toBe('Credit: base, 2026-10-11 to 2026-10-31 (21 of 31 days)');
    expect(JSON.stringify(customer.billed)).toBe(approved);
  });

  test('computing the same invoice twice gives the same lines, and nothing billed is changed', () => {
    const customer = new Customer(history(1), 'EUR');
    customer.invoice(period('2026-09-01', '2026-10-01'), [timeline(SEATS, [active('2026-10-01', null, '10')])]);
    const billed = Object.freeze(customer.billed.map((l) => Object.freeze(l)));
    const input = {
      period: period('2026-10-01', '2026-11-01'),
      currency: 'EUR',
      billingDays: history(1),
      charges: [
        timeline(SEATS, [active('2026-10-01', '2026-10-20', '10'), paused('2026-10-20', '2026-10-25', '10'), active('2026-10-25', null, '3')]),
      ],
      billed,
    };

    expect(subscriptionLines(input)).toEqual(subscriptionLines(input));
  });

  test('a credit already billed is not credited again, and billing back the same terms is not charged twice', () => {
    const customer = new Customer(history(1), 'EUR');
    customer.invoice(period('2026-09-01', '2026-10-01'), [timeline(SEATS, [active('2026-10-01')])]);
    customer.invoice(period('2026-10-01', '2026-11-01'), [timeline(SEATS, [active('2026-10-01', '2026-10-21')])]);

    // reinstated from 2026-10-21 after the credit was approved: those 11 days again, November (never
    // billed) caught up, December ahead
    const november = customer.invoice(period('2026-11-01', '2026-12-01'), [
      timeline(SEATS, [active('2026-10-01', '2026-10-21'), active('2026-10-21')]),
    ]);

    expect(november).toEqual([
      item('2026-10-21', '2026-11-01', 'recurring', '11.00'),
      item('2026-11-01', '2026-12-01', 'recurring', '31.00'),
      item('2026-12-01', '2027-01-01', 'recurring', '31.00'),
    ]);
  });

  test("another draft's lines are not charged again (its days are left to it)", () => {
    const charges = [timeline(SEATS, [active('2026-10-01')])];
    const september = subscriptionLines({
      period: period('2026-09-01', '2026-10-01'),
      currency: 'EUR',
      billingDays: history(1),
      charges,
      billed: [],
    });

    const october = subscriptionLines({
      period: period('2026-10-01', '2026-11-01'),
      currency: 'EUR',
      billingDays: history(1),
      charges,
      billed: september,
    });

    expect(items(october, 'EUR')).toEqual([item('2026-11-01', '2026-12-01', 'recurring', '31.00')]);
  });

  test('a subscription entered late (start in an invoiced past) is caught up on its next invoice', () => {
    const lines = new Customer(history(1), 'EUR').invoice(period('2026-10-01', '2026-11-01'), [
      timeline(monthly('31.00', { timing: 'in-arrears' }), [active('2026-08-01')]),
    ]);

    expect(lines.map((l) => l.start)).toEqual(['2026-08-01', '2026-09-01', '2026-10-01']);
  });
});

describe('one-off fees and minimums', () => {
  const SETUP: ChargeTimeline['charge'] = { type: 'one-off', id: 'setup', productCluster: 'fees', price: new D('50.00') };

  test('a one-off fee goes on the invoice that carries the first recurring charges, once', () => {
    // Prepare: 2 seats from 2026-10-15, billed in advance, billing day 1
    const customer = new Customer(history(1), 'EUR');
    const segments = [active('2026-10-15', null, '2')];
    const charges = [timeline(SETUP, segments), timeline(monthly('31.00'), segments)];

    // Act
    const september = customer.invoice(period('2026-09-01', '2026-10-01'), charges);
    const october = customer.invoice(period('2026-10-01', '2026-11-01'), charges);
    const november = customer.invoice(period('2026-11-01', '2026-12-01'), charges);

    // Assess: 2 × 50.00; 2 × 31.00 × 17 / 31 = 34.00; November 2 × 31.00 (30 days = full period)
    expect(september).toEqual([]);
    expect(october).toEqual([
      item('2026-10-15', '2026-10-16', 'one-off', '100.00'),
      item('2026-10-15', '2026-11-01', 'recurring', '34.00'),
      item('2026-11-01', '2026-12-01', 'recurring', '62.00'),
    ]);
    expect(november).toEqual([item('2026-12-01', '2027-01-01', 'recurring', '62.00')]);
  });

  test('a trial delays the one-off fee to the first paid slice', () => {
    const customer = new Customer(history(1), 'EUR');
    const segments = [paused('2026-09-20', '2026-10-04'), active('2026-10-04')];
    const charges = [timeline(SETUP, segments), timeline(monthly('31.00'), segments)];

    expect(customer.invoice(period('2026-09-01', '2026-10-01'), charges)).toEqual([]);
    expect(customer.invoice(period('2026-10-01', '2026-11-01'), charges).map((l) => l.kind)).toEqual(['one-off', 'recurring', 'recurring']);
  });

  const COMMIT = (amount: string): ChargeTimeline['charge'] => ({
    type: 'minimum',
    id: 'commit',
    productCluster: 'commitments',
    amount: new D(amount),
  });

  test('a minimum tops usage plus the recurring fee due for the period up to the amount', () => {
    // 31.00 a month in advance (October's days billed in September) + 40.00 usage in October: 71.00 of 100.00
    const customer = new Customer(history(1), 'EUR');
    const segments = [active('2026-09-01')];
    customer.invoice(period('2026-08-01', '2026-09-01'), [timeline(monthly('31.00'), segments)]);
    customer.invoice(period('2026-09-01', '2026-10-01'), [
      timeline(monthly('31.00'), segments),
      timeline(COMMIT('100.00'), segments, { usage: new D(1000) }),
    ]);

    const october = customer.invoice(period('2026-10-01', '2026-11-01'), [
      timeline(monthly('31.00'), segments),
      timeline(COMMIT('100.00'), segments, { usage: new D('40.00') }),
    ]);

    expect(october).toEqual([item('2026-10-01', '2026-11-01', 'minimum', '29.00'), item('2026-11-01', '2026-12-01', 'recurring', '31.00')]);
  });

  test('no minimum line when spend reaches it, when the subscription is paused all period, or when it was billed already', () => {
    const base = { currency: 'EUR', billingDays: history(1), billed: [] as SubscriptionLine[] };
    const october = period('2026-10-01', '2026-11-01');
    const reached = subscriptionLines({
      ...base,
      period: october,
      charges: [timeline(COMMIT('100.00'), [active('2026-01-01')], { usage: new D('100.00') })],
    });
    const pausedAll = subscriptionLines({
      ...base,
      period: october,
      charges: [timeline(COMMIT('100.00'), [active('2026-01-01', '2026-10-01'), paused('2026-10-01')], { usage: new D(0) })],
    });
    const first = subscriptionLines({ ...base, period: october, charges: [timeline(COMMIT('100.00'), [active('2026-01-01')])] });
    const again = subscriptionLines({ ...base, billed: first, period: october, charges: [timeline(COMMIT('100.00'), [active('2026-01-01')])] });

    expect([reached, pausedAll, again]).toEqual([[], [], []]);
    expect(items(first, 'EUR')).toEqual([item('2026-10-01', '2026-11-01', 'minimum', '100.00')]);
  });
});

describe('coverage', () => {
  test('consecutive invoices bill every active day exactly once, whatever timing, period, billing day, start and pause (property)', () => {
    const day = fc.integer({ min: 0, max: 500 }).map((n) => dayToDate(dayNumber('2026-01-01') + n));
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 1, max: 28 }),
        fc.constantFrom('in-advance' as const, 'in-arrears' as const),
        fc.constantFrom('month' as const, 'quarter' as const, 'year' as const),
        fc.option(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 90 }))),
        (start, billingDay, timing, unit, pause) => {
          const segments = [active(start)];
          if (pause !== null) {
            const pauseFrom = dayToDate(dayNumber(start) + pause[0]);
            const resume = dayToDate(dayNumber(pauseFrom) + pause[1]);
            segments.splice(0, 1, active(start, pauseFrom), paused(pauseFrom, resume), active(resume));
          }
          const customer = new Customer(history(billingDay), 'EUR');
          const charges = [timeline(monthly('100', { timing, period: unit }), segments)];
          let invoiced = customerPeriodContaining(customer.billingDays, '2025-12-01');
          for (let i = 0; i < 40; i++) {
            customer.invoice(invoiced, charges);
            invoiced = customerPeriodContaining(customer.billingDays, invoiced.end);
          }
          const lines = [...customer.billed].sort((a, b) => (a.servicePeriod.start < b.servicePeriod.start ? -1 : 1));
          expect(lines.every((l) => l.kind === 'recurring')).toBe(true);
          for (let i = 1; i < lines.length; i++) expect(lines[i]!.servicePeriod.start >= lines[i - 1]!.servicePeriod.end).toBe(true);
          const billedDays = lines.reduce((sum, l) => sum + daysBetween(l.servicePeriod.start, l.servicePeriod.end), 0);
          const horizon = lines.at(-1)!.servicePeriod.end;
          const pausedDays =
            pause === null ? 0 : Math.max(0, Math.min(dayNumber(horizon), dayNumber(start) + pause[0] + pause[1]) - (dayNumber(start) + pause[0]));
          expect(billedDays).toBe(daysBetween(start, horizon) - pausedDays);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('timelines', () => {
  test("a subscription timeline's segments of one offer are a charge's segments; trial days bear no fee", () => {
    // Prepare: the subscriptions domain's segments (14-day trial, then 2 seats)
    const segments: TimelineSegment[] = [
      { from: '2026-10-01', to: '2026-10-15', offer: 'pro', quantity: new D(2), paused: false, trial: true },
      { from: '2026-10-15', to: null, offer: 'pro', quantity: new D(2), paused: false, trial: false },
    ];
    const asCharge: readonly Segment[] = segments.filter((s) => s.offer === 'pro');

    // Act
    const lines = new Customer(history(1), 'EUR').invoice(period('2026-10-01', '2026-11-01'), [timeline(monthly('31.00'), [...asCharge])]);

    // Assess: 2 × 31.00 × 17 / 31 from the end of the trial, then November (2 × 31.00)
    expect(lines).toEqual([item('2026-10-15', '2026-11-01', 'recurring', '34.00'), item('2026-11-01', '2026-12-01', 'recurring', '62.00')]);
  });
});

describe('validation', () => {
  test('bad charges, segments, billing days and billed lines are refused naming the field, not skipped', () => {
    const act = () =>
      subscriptionLines({
        period: period('2026-10-01', '2026-11-01'),
        currency: 'EUR',
        billingDays: [{ from: null, billingDay: 30 }],
        charges: [timeline(monthly('-1', { period: 'week' as 'month' }), [active('2026-10-05', '2026-10-01'), active('2026-09-20')])],
        billed: [
          {
            kind: 'recurring',
            subscription: 'sub-1',
            charge: 'base',
            servicePeriod: period('2026-10-01', '2026-11-01'),
            quantity: new D(1),
            unitPrice: new D(1),
            amount: new D(1),
            chargePeriod: null,
          },
        ],
      });

    expect(act).toThrow(ValidationError);
    expect(act).toThrow(
      expect.objectContaining({
        details: [
          'billingDays.0.billingDay: must be a whole number from 1 to 28',
          'charges.0.charge.period: must be month, quarter or year',
          'charges.0.charge.price: must be a decimal, not negative',
          'charges.0.segments.0.to: must be after from (2026-10-05)',
          'charges.0.segments.1.from: overlaps the segment before it',
          'billed.0.chargePeriod: required for recurring lines (ISO dates, end after start)',
        ],
      }),
    );
  });

  test('a day without a price in force is refused', () => {
    const charge = monthly('0', { price: undefined, prices: [{ validFrom: '2026-10-10', price: new D(5) }] });

    expect(() => new Customer(history(1), 'EUR').preview(period('2026-10-01', '2026-11-01'), [timeline(charge, [active('2026-10-01')])])).toThrow(
      'invalid subscription charges',
    );
  });
});
