import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ValidationError } from '../../../shared/kernel/errors';
import { D, toWire, toWireMoney } from '../../../shared/kernel/money';
import { billingPeriodContaining } from '../../../shared/kernel/proration';
import { dayToDate } from '../../../shared/kernel/dates';
import { subscriptionCoverage, subscriptionLines, type Subscription } from '../../../shared/billing/domain/recurring';
import type { BillingPeriod } from '../../../shared/kernel/periods';
import { dec } from './builders';

interface ProrationCase {
  billingDay: number;
  start: string;
  line: string;
}
const fixtures = JSON.parse(readFileSync(join(__dirname, '../../fixtures/charge-models.json'), 'utf8')) as { proration: { cases: ProrationCase[] } };

function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: 'sub-1',
    description: 'Office 365',
    productCluster: 'licences',
    currency: 'EUR',
    fee: dec('24.95'),
    quantity: dec(1),
    start: '2026-09-16',
    end: null,
    billingDay: 25,
    timing: 'in-advance',
    ...overrides,
  };
}

const wire = (sub: Subscription, period: BillingPeriod) =>
  subscriptionLines([sub], period, 'EUR').map((l) => ({
    description: l.description,
    quantity: toWire(l.quantity),
    unitPrice: toWire(l.unitPrice),
    amount: toWireMoney(l.amount, 'EUR'),
  }));

describe('in advance', () => {
  test.each(fixtures.proration.cases)('fixture: billing day $billingDay, start $start → first line $line', ({ billingDay, start, line }) => {
    // Prepare: the invoice of the period during which the subscription started
    const period = billingPeriodContaining(start, billingDay);
    const sub = subscription({ billingDay, start });

    // Act
    const lines = subscriptionLines([sub], period, 'EUR');

    // Assess: the stub [start, next billing day) prorated, then the coming full period
    expect(toWireMoney(lines[0]!.amount, 'EUR')).toBe(line);
    expect(toWireMoney(lines[1]!.amount, 'EUR')).toBe('24.95');
    expect(lines).toHaveLength(2);
  });

  test('the first invoice shows the stub and the coming period', () => {
    expect(wire(subscription(), { start: '2026-08-25', end: '2026-09-25' })).toEqual([
      { description: 'Office 365, 2026-09-16 to 2026-09-24 (9 of 31 days)', quantity: '1', unitPrice: '7.243548', amount: '7.24' },
      { description: 'Office 365, 2026-09-25 to 2026-10-24', quantity: '1', unitPrice: '24.95', amount: '24.95' },
    ]);
  });

  test('later invoices charge the period that starts when the invoiced one ends', () => {
    expect(wire(subscription({ quantity: dec(3) }), { start: '2026-09-25', end: '2026-10-25' })).toEqual([
      { description: 'Office 365, 2026-10-25 to 2026-11-24', quantity: '3', unitPrice: '24.95', amount: '74.85' },
    ]);
  });

  test('a subscription starting on its billing day is charged once, in full, ahead', () => {
    const sub = subscription({ start: '2026-10-01', billingDay: 1 });

    expect(wire(sub, { start: '2026-09-01', end: '2026-10-01' })).toEqual([
      { description: 'Office 365, 2026-10-01 to 2026-10-31', quantity: '1', unitPrice: '24.95', amount: '24.95' },
    ]);
    expect(wire(sub, { start: '2026-10-01', end: '2026-11-01' })).toEqual([
      { description: 'Office 365, 2026-11-01 to 2026-11-30', quantity: '1', unitPrice: '24.95', amount: '24.95' },
    ]);
  });

  test('the last window is cut at the end of the subscription', () => {
    const sub = subscription({ start: '2026-01-01', billingDay: 1, end: '2026-11-16' });

    expect(wire(sub, { start: '2026-10-01', end: '2026-11-01' })).toEqual([
      { description: 'Office 365, 2026-11-01 to 2026-11-15 (15 of 30 days)', quantity: '1', unitPrice: '12.475', amount: '12.48' },
    ]);
    expect(wire(sub, { start: '2026-11-01', end: '2026-12-01' })).toEqual([]);
  });
});

describe('in arrears', () => {
  const arrears = (overrides: Partial<Subscription> = {}) => subscription({ timing: 'in-arrears', billingDay: 1, start: '2026-01-01', ...overrides });

  test('a full past period costs the fee', () => {
    expect(wire(arrears(), { start: '2026-10-01', end: '2026-11-01' })).toEqual([
      { description: 'Office 365, 2026-10-01 to 2026-10-31', quantity: '1', unitPrice: '24.95', amount: '24.95' },
    ]);
  });

  test('started mid-period: prorated by days', () => {
    expect(wire(arrears({ start: '2026-10-10' }), { start: '2026-10-01', end: '2026-11-01' })).toEqual([
      { description: 'Office 365, 2026-10-10 to 2026-10-31 (22 of 31 days)', quantity: '1', unitPrice: '17.706452', amount: '17.71' },
    ]);
  });

  test('ended mid-period: prorated by days, nothing after', () => {
    const sub = arrears({ end: '2026-10-11' });

    expect(wire(sub, { start: '2026-10-01', end: '2026-11-01' })).toEqual([
      { description: 'Office 365, 2026-10-01 to 2026-10-10 (10 of 31 days)', quantity: '1', unitPrice: '8.048387', amount: '8.05' },
    ]);
    expect(wire(sub, { start: '2026-11-01', end: '2026-12-01' })).toEqual([]);
  });

  test('a quantity change mid-period splits the period by days', () => {
    // Prepare: 10 seats, 15 from 2026-10-11; 31-day October
    const sub = arrears({ fee: dec('31'), quantity: dec(10), changes: [{ from: '2026-10-11', quantity: dec(15) }] });

    // Act / Assess: 10 × 10 days + 15 × 21 days at 1.00 per seat-day
    expect(wire(sub, { start: '2026-10-01', end: '2026-11-01' })).toEqual([
      { description: 'Office 365, 2026-10-01 to 2026-10-10 (10 of 31 days)', quantity: '10', unitPrice: '10', amount: '100.00' },
      { description: 'Office 365, 2026-10-11 to 2026-10-31 (21 of 31 days)', quantity: '15', unitPrice: '21', amount: '315.00' },
    ]);
  });

  test('a subscription billed on another day than the account is split at its billing day', () => {
    const sub = arrears({ billingDay: 25, fee: dec('30') });

    const lines = wire(sub, { start: '2026-10-01', end: '2026-11-01' });

    // [10-01, 10-25) of the 30-day period from 09-25, then [10-25, 11-01) of the 31-day period from 10-25
    expect(lines.map((l) => l.amount)).toEqual(['24.00', '6.77']);
  });
});

describe('coverage', () => {
  test('consecutive invoices cover every day once, whatever the timing and the account and subscription billing days (property)', () => {
    const day = fc.integer({ min: 0, max: 700 }).map((n) => dayToDate(20_454 + n)); // from 2026-01-01
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 1, max: 28 }),
        fc.constantFrom('in-advance', 'in-arrears' as const),
        (start, subDay, accountDay, timing) => {
          const sub = subscription({ start, billingDay: subDay, timing });
          let period = billingPeriodContaining('2025-12-01', accountDay);
          let covered: string | null = null;
          for (let i = 0; i < 30; i++) {
            const coverage = subscriptionCoverage(sub, period);
            if (coverage !== null) {
              expect(coverage.start).toBe(covered ?? start);
              covered = coverage.end;
            }
            period = billingPeriodContaining(period.end, accountDay);
          }
          expect(covered).not.toBeNull();
        },
      ),
    );
  });
});

describe('billedThrough', () => {
  test('a subscription entered late is caught up on its next invoice', () => {
    // Prepare: started 2026-08-01 but entered after the August and September cycles ran
    const sub = subscription({ start: '2026-08-01', billingDay: 1, billedThrough: '2026-08-01', timing: 'in-arrears' });

    // Act
    const caughtUp = wire(sub, { start: '2026-10-01', end: '2026-11-01' });

    // Assess

    expect(caughtUp.map((l) => l.description)).toEqual([
      'Office 365, 2026-08-01 to 2026-08-31',
      'Office 365, 2026-09-01 to 2026-09-30',
      'Office 365, 2026-10-01 to 2026-10-31',
    ]);
  });
});

describe('validation', () => {
  test('a subscription in another currency or with bad terms is refused, not skipped', () => {
    const act = () =>
      subscriptionLines([subscription({ currency: 'USD', fee: new D(-1), billingDay: 30 })], { start: '2026-10-01', end: '2026-11-01' }, 'EUR');

    expect(act).toThrow(ValidationError);
    expect(act).toThrow(
      expect.objectContaining({
        details: [
          'subscriptions.sub-1.currency: USD on an invoice in EUR',
          'subscriptions.sub-1.fee: must not be negative',
          'subscriptions.sub-1.billingDay: must be a whole number from 1 to 28',
        ],
      }),
    );
  });
});
