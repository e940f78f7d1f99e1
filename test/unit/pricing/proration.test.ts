import fc from 'fast-check';
import { D, roundMoney, toWire } from '../../../shared/kernel/money';
import { InvalidDateError } from '../../../shared/kernel/dates';
import { billingPeriodContaining, daysBetween, prorate, prorateFirstPeriod, splitByPeriods, type DatePeriod } from '../../../shared/kernel/proration';

describe('billingPeriodContaining', () => {
  test.each<[string, number, DatePeriod]>([
    ['2026-09-16', 25, { start: '2026-08-25', end: '2026-09-25' }],
    ['2026-09-25', 25, { start: '2026-09-25', end: '2026-10-25' }],
    ['2026-09-24', 25, { start: '2026-08-25', end: '2026-09-25' }],
    ['2026-09-01', 1, { start: '2026-09-01', end: '2026-10-01' }],
    ['2026-01-10', 15, { start: '2025-12-15', end: '2026-01-15' }],
    ['2026-12-20', 15, { start: '2026-12-15', end: '2027-01-15' }],
    ['2028-02-29', 28, { start: '2028-02-28', end: '2028-03-28' }],
    ['2026-09-16T23:59:59Z', 17, { start: '2026-08-17', end: '2026-09-17' }],
    ['2026-09-16T23:30:00-02:00', 17, { start: '2026-09-17', end: '2026-10-17' }],
  ])('%s with billing day %i is in %j', (date, billingDay, expected) => {
    expect(billingPeriodContaining(date, billingDay)).toEqual(expected);
  });

  test.each([0, 29, 31, 1.5, Number.NaN])('refuses billing day %p', (billingDay) => {
    expect(() => billingPeriodContaining('2026-01-01', billingDay)).toThrow(InvalidDateError);
    expect(() => billingPeriodContaining('2026-01-01', billingDay)).toThrow('billingDay: must be a whole number from 1 to 28');
  });

  test('refuses a date that is not ISO', () => {
    expect(() => billingPeriodContaining('01/09/2026', 1)).toThrow('date: not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)');
    expect(() => billingPeriodContaining('2026-02-30', 1)).toThrow(InvalidDateError);
  });

  test('every day lies in its period, and periods are one month long', () => {
    const day = fc.integer({ min: 0, max: 365 * 30 }).map((n) => new Date(Date.UTC(2010, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 28 }), (date, billingDay) => {
        const period = billingPeriodContaining(date, billingDay);
        expect(period.start <= date && date < period.end).toBe(true);
        expect(Number(period.start.slice(8))).toBe(billingDay);
        expect(Number(period.end.slice(8))).toBe(billingDay);
        expect(daysBetween(period.start, period.end)).toBeGreaterThanOrEqual(28);
        expect(daysBetween(period.start, period.end)).toBeLessThanOrEqual(31);
      }),
    );
  });
});

describe('prorate', () => {
  test('the first period of a subscription starting on its billing day costs the full fee', () => {
    expect(toWire(prorateFirstPeriod({ fee: new D('24.95'), billingDay: 25, start: '2026-09-25' }))).toBe('24.95');
  });

  test('a day of a 31-day period is 1/31 of the fee', () => {
    // Prepare / Act
    const amount = prorateFirstPeriod({ fee: new D('31'), billingDay: 1, start: '2026-01-31' });

    // Assess
    expect(toWire(amount)).toBe('1');
  });

  test('February weighs each day more than March (days over the billing period, not over 30)', () => {
    const february = prorate({ fee: new D(28), billingDay: 1, from: '2026-02-10', to: '2026-02-11' });
    const march = prorate({ fee: new D(31), billingDay: 1, from: '2026-03-10', to: '2026-03-11' });
    expect(toWire(february)).toBe('1');
    expect(toWire(march)).toBe('1');
  });

  test('a mid-period change [from, to) inside one billing period', () => {
    const amount = prorate({ fee: new D('24.95'), billingDay: 25, from: '2026-09-01', to: '2026-09-17' });
    expect(roundMoney(amount, 'EUR').toFixed(2)).toBe('12.88');
  });

  test('refuses a range past the billing period or backwards', () => {
    expect(() => prorate({ fee: new D(1), billingDay: 25, from: '2026-09-01', to: '2026-09-26' })).toThrow(
      'to: must not be after the end of the billing period (2026-09-25)',
    );
    expect(() => prorate({ fee: new D(1), billingDay: 25, from: '2026-09-10', to: '2026-09-01' })).toThrow('to: must not be before from');
  });

  test('prorated parts of a period add up to the fee', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 27 }), (billingDay, cut) => {
        const period = billingPeriodContaining('2026-05-15', billingDay);
        const middle = new Date(Date.parse(period.start) + cut * 86_400_000).toISOString().slice(0, 10);
        const fee = new D('24.95');
        const first = prorate({ fee, billingDay, from: period.start, to: middle });
        const second = prorate({ fee, billingDay, from: middle, to: period.end });
        expect(first.plus(second).toDecimalPlaces(30).eq(fee)).toBe(true);
      }),
    );
  });
});

describe('splitByPeriods', () => {
  const months: DatePeriod[] = [
    { start: '2026-09-01', end: '2026-10-01' },
    { start: '2026-10-01', end: '2026-11-01' },
    { start: '2026-11-01', end: '2026-12-01' },
  ];

  test('a purchase over two months is shared by days', () => {
    // Act
    const shares = splitByPeriods('2026-09-21', '2026-10-11', months);

    // Assess: 10 days in September, 10 in October
    expect(shares.map((s) => [s.days, s.spanDays, toWire(s.fraction)])).toEqual([
      [10, 20, '0.5'],
      [10, 20, '0.5'],
      [0, 20, '0'],
    ]);
    expect(shares[0]!.period).toBe(months[0]);
  });

  test('date-times count as the UTC day they fall on', () => {
    // 2026-10-02T01:00+02:00 is 2026-10-01T23:00Z: the purchase covers [09-30, 10-01), one September day
    const shares = splitByPeriods('2026-09-30T22:00:00Z', '2026-10-02T01:00:00+02:00', months);
    expect(shares.map((s) => s.days)).toEqual([1, 0, 0]);
  });

  test('a purchase without duration belongs wholly to the period of its start', () => {
    const shares = splitByPeriods('2026-10-01', '2026-10-01', months);
    expect(shares.map((s) => toWire(s.fraction))).toEqual(['0', '1', '0']);
  });

  test('periods not yet open simply get nothing; the shares then add up to less than 1', () => {
    const shares = splitByPeriods('2026-11-16', '2026-12-16', months);
    expect(shares.map((s) => s.days)).toEqual([0, 0, 15]);
    expect(toWire(shares[2]!.fraction)).toBe('0.5');
  });

  test('refuses an end before the start', () => {
    expect(() => splitByPeriods('2026-10-02', '2026-10-01', months)).toThrow('endDate: must not be before purchaseDate');
  });

  test('over contiguous periods covering the purchase, days add up to the whole and fractions to 1', () => {
    const periods: DatePeriod[] = Array.from({ length: 24 }, (_, i) => ({
      start: new Date(Date.UTC(2026, i, 10)).toISOString().slice(0, 10),
      end: new Date(Date.UTC(2026, i + 1, 10)).toISOString().slice(0, 10),
    }));
    const day = (n: number) => new Date(Date.UTC(2026, 0, 10) + n * 86_400_000).toISOString().slice(0, 10);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 400 }), (startAt, length) => {
        const shares = splitByPeriods(day(startAt), day(startAt + length), periods);
        expect(shares.reduce((sum, s) => sum + s.days, 0)).toBe(length);
        const total = shares.reduce((sum, s) => sum.plus(s.fraction), new D(0));
        expect(total.toDecimalPlaces(30).eq(1)).toBe(true);
      }),
    );
  });
});
