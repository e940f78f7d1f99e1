import fc from 'fast-check';
import { ValidationError } from '../../../shared/kernel/errors';
import { cycleId, invoiceId, parseBillingPeriod, periodDays, scheduledPeriod } from '../../../shared/kernel/periods';

describe('parseBillingPeriod', () => {
  test('reads an ISO date range with an exclusive end', () => {
    // Act
    const period = parseBillingPeriod({ periodStart: '2026-10-01', periodEnd: '2026-11-01' });

    // Assess
    expect(period).toEqual({ start: '2026-10-01', end: '2026-11-01' });
    expect(periodDays(period)).toBe(31);
  });

  test('accepts exactly one year, also from 29 February', () => {
    expect(parseBillingPeriod({ periodStart: '2026-01-01', periodEnd: '2027-01-01' })).toEqual({ start: '2026-01-01', end: '2027-01-01' });
    expect(parseBillingPeriod({ periodStart: '2028-02-29', periodEnd: '2029-03-01' }).end).toBe('2029-03-01');
  });

  test.each<[unknown, string[]]>([
    [{}, ['periodStart: required', 'periodEnd: required']],
    [
      { periodStart: '01/10/2026', periodEnd: '2026-02-30' },
      ['periodStart: not an ISO date (YYYY-MM-DD)', 'periodEnd: not an ISO date (YYYY-MM-DD)'],
    ],
    [
      { periodStart: '2026-10-01T00:00:00Z', periodEnd: 20261101 },
      ['periodStart: not an ISO date (YYYY-MM-DD)', 'periodEnd: not an ISO date (YYYY-MM-DD)'],
    ],
    [{ periodStart: '2026-10-01', periodEnd: '2026-10-01' }, ['periodEnd: must be after periodStart (2026-10-01); the end is exclusive']],
    [{ periodStart: '2026-10-01', periodEnd: '2027-10-02' }, ['periodEnd: a billing period is at most one year (at most 2027-10-01)']],
    [{ periodStart: '2026-10-01', periodEnd: '2026-11-01', status: 'x' }, ["unknown field 'status'"]],
    [[], ['must be an object with periodStart and periodEnd']],
  ])('refuses %j naming each bad field', (input, details) => {
    // Act
    const act = () => parseBillingPeriod(input);

    // Assess
    expect(act).toThrow(ValidationError);
    expect(act).toThrow(expect.objectContaining({ code: 'invalid_input', kind: 'invalid', details }));
  });
});

describe('cycleId and invoiceId', () => {
  test('the same account and period always name the same cycle', () => {
    expect(cycleId('acc-v', '2026-10-01', '2026-11-01')).toBe(cycleId('acc-v', '2026-10-01', '2026-11-01'));
    expect(cycleId('acc-v', '2026-10-01', '2026-11-01')).toMatch(/^cyc_20261001_20261101_[A-Za-z0-9_-]{10}$/);
  });

  test('differ for another account, period, customer or currency (property)', () => {
    const id = fc.string({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(id, id, (a, b) => {
        fc.pre(a !== b);
        const period = { start: '2026-10-01', end: '2026-11-01' };
        expect(cycleId(a, period.start, period.end)).not.toBe(cycleId(b, period.start, period.end));
        expect(invoiceId('acc', period, a, 'EUR')).not.toBe(invoiceId('acc', period, b, 'EUR'));
      }),
    );
    expect(cycleId('acc', '2026-10-01', '2026-11-01')).not.toBe(cycleId('acc', '2026-10-01', '2026-10-31'));
    expect(invoiceId('acc', { start: '2026-10-01', end: '2026-11-01' }, 'c', 'EUR')).not.toBe(
      invoiceId('acc', { start: '2026-10-01', end: '2026-11-01' }, 'c', 'USD'),
    );
  });

  test('an invoice id is safe in a URL path and a storage key', () => {
    expect(invoiceId('acc', { start: '2026-10-01', end: '2026-11-01' }, 'shop #1/ü', 'EUR')).toMatch(/^inv_20261001_[A-Za-z0-9_-]{16}$/);
  });
});

describe('scheduledPeriod', () => {
  test.each([
    ['2026-11-01', 1, '2026-10-01', '2026-11-01'],
    ['2026-11-15', 15, '2026-10-15', '2026-11-15'],
    ['2026-01-01T00:05:00Z', 1, '2025-12-01', '2026-01-01'],
    ['2026-11-03', 1, '2026-10-01', '2026-11-01'],
    ['2026-03-28', 28, '2026-02-28', '2026-03-28'],
  ])('day %s with billing day %i invoices [%s, %s)', (runDate, billingDay, start, end) => {
    expect(scheduledPeriod(runDate, billingDay)).toEqual({ start, end });
  });

  test('refuses a billing day outside 1-28 with a ValidationError', () => {
    expect(() => scheduledPeriod('2026-11-01', 31)).toThrow(
      expect.objectContaining({ details: ['billingDay: must be a whole number from 1 to 28'] }),
    );
  });

  test('scheduled periods are valid cycle periods (property)', () => {
    const day = fc.integer({ min: 0, max: 3650 }).map((n) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: 1, max: 28 }), (runDate, billingDay) => {
        const period = scheduledPeriod(runDate, billingDay);
        expect(parseBillingPeriod({ periodStart: period.start, periodEnd: period.end })).toEqual(period);
        expect(period.end <= runDate).toBe(true);
      }),
    );
  });
});
