import fc from 'fast-check';
import { dayNumber, dayToDate, InvalidDateError } from '../../../shared/kernel/dates';
import { chargePeriodsFrom, customerPeriodContaining, customerPeriodEndingOn, daysBetween } from '../../../shared/kernel/proration';
import { history } from './recurring-support';

describe('customer billing periods with a billing-day history', () => {
  test('a change at the end of a period leaves a stub up to the new day', () => {
    const days = history(1, ['2026-06-01', 15]);

    expect(customerPeriodContaining(days, '2026-05-20')).toEqual({ start: '2026-05-01', end: '2026-06-01' });
    expect(customerPeriodContaining(days, '2026-06-05')).toEqual({ start: '2026-06-01', end: '2026-06-15' });
    expect(customerPeriodContaining(days, '2026-06-15')).toEqual({ start: '2026-06-15', end: '2026-07-15' });
    expect(customerPeriodEndingOn(days, '2026-06-15')).toEqual({ start: '2026-06-01', end: '2026-06-15' });
    expect(customerPeriodEndingOn(days, '2026-06-01')).toEqual({ start: '2026-05-01', end: '2026-06-01' });
    expect(customerPeriodEndingOn(days, '2026-07-01')).toBeNull();
  });

  test('a change effective inside a period cuts it there, then the stub runs to the new day', () => {
    const days = history(1, ['2026-06-10', 15]);

    expect(customerPeriodContaining(days, '2026-06-05')).toEqual({ start: '2026-06-01', end: '2026-06-10' });
    expect(customerPeriodContaining(days, '2026-06-12')).toEqual({ start: '2026-06-10', end: '2026-06-15' });
  });

  test('consecutive periods tile the calendar, each at most a month long (property)', () => {
    const date = (n: number) => dayToDate(dayNumber('2026-01-01') + n);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 28 }),
        fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 28 })), { maxLength: 3, selector: ([n]) => n }),
        (first, changes) => {
          const sorted = [...changes].sort((a, b) => a[0] - b[0]);
          const days = history(first, ...sorted.map(([n, day]): [string, number] => [date(n), day]));
          let current = customerPeriodContaining(days, '2025-12-20');
          for (let i = 0; i < 30; i++) {
            const next = customerPeriodContaining(days, current.end);
            expect(next.start).toBe(current.end);
            expect(customerPeriodEndingOn(days, next.end)).toEqual(next);
            expect(daysBetween(next.start, next.end)).toBeGreaterThan(0);
            expect(daysBetween(next.start, next.end)).toBeLessThanOrEqual(31);
            current = next;
          }
        },
      ),
    );
  });

  test('refuses a history out of order or with a day outside 1–28', () => {
    expect(() => customerPeriodContaining(history(1, ['2026-06-01', 15], ['2026-05-01', 10]), '2026-06-01')).toThrow(InvalidDateError);
    expect(() => customerPeriodContaining(history(29), '2026-06-01')).toThrow('billingDays.0.billingDay: must be a whole number from 1 to 28');
    expect(() => customerPeriodContaining([], '2026-06-01')).toThrow('billingDays: at least one billing day is required');
  });
});

describe('charge periods', () => {
  test('a yearly charge starting mid-month runs to the end of the year that starts on the billing day before it', () => {
    expect(chargePeriodsFrom(history(1), 'year', '2012-05-12', '2013-06-01')).toEqual([
      { start: '2012-05-12', end: '2013-05-01', base: { start: '2012-05-01', end: '2013-05-01' } },
      { start: '2013-05-01', end: '2014-05-01', base: { start: '2013-05-01', end: '2014-05-01' } },
    ]);
  });

  test('quarters follow the billing day', () => {
    expect(chargePeriodsFrom(history(1), 'quarter', '2012-05-12', '2012-08-02').map((p) => [p.start, p.end, p.base.start])).toEqual([
      ['2012-05-12', '2012-08-01', '2012-05-01'],
      ['2012-08-01', '2012-11-01', '2012-08-01'],
    ]);
  });

  test('a changed billing day: a yearly charge ends its year, then a stub prorated over the year ending on the new day', () => {
    const periods = chargePeriodsFrom(history(1, ['2016-06-01', 10]), 'year', '2016-05-01', '2017-06-01');

    expect(periods).toEqual([
      { start: '2016-05-01', end: '2017-05-01', base: { start: '2016-05-01', end: '2017-05-01' } },
      { start: '2017-05-01', end: '2017-05-10', base: { start: '2016-05-10', end: '2017-05-10' } },
      { start: '2017-05-10', end: '2018-05-10', base: { start: '2017-05-10', end: '2018-05-10' } },
    ]);
  });

  test("a monthly charge's periods are the customer's billing periods, cut where a change takes effect", () => {
    const days = history(1, ['2016-05-10', 10]);

    expect(chargePeriodsFrom(days, 'month', '2016-05-05', '2016-06-11')).toEqual([
      { start: '2016-05-05', end: '2016-05-10', base: { start: '2016-05-01', end: '2016-06-01' } },
      { start: '2016-05-10', end: '2016-06-10', base: { start: '2016-05-10', end: '2016-06-10' } },
      { start: '2016-06-10', end: '2016-07-10', base: { start: '2016-06-10', end: '2016-07-10' } },
    ]);
    expect(customerPeriodContaining(days, '2016-05-05')).toEqual({ start: '2016-05-01', end: '2016-05-10' });
  });
});
