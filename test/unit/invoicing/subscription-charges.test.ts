import { chargeTimelines, currenciesOf, offersOf, type OfferOfRecord } from '../../../shared/billing/domain/subscription-charges';
import { subscriptionLines } from '../../../shared/billing/domain/recurring';
import type { HistoryEntry } from '../../../shared/subscriptions/domain/subscription';
import type { Charge } from '../../../shared/subscriptions/domain/offer';
import { chargedThroughOf } from '../../../shared/billing/use-cases/cycle/subscriptions';

/** From a stored subscription and its offers to what subscriptionLines prices (and back to chargedThrough). */

const limits = { listPrice: null, floorPrice: null, maxDiscount: null, approvalAbove: null };
const recurring = (price: string): Charge => ({
  id: 'base',
  type: 'recurring',
  productCluster: 'plans',
  price,
  prices: null,
  period: 'month',
  timing: 'in-advance',
  ...limits,
});
const offers = new Map<string, OfferOfRecord>([
  [
    'basic',
    {
      name: 'Basic',
      currency: 'EUR',
      trialDays: 0,
      charges: [recurring('10'), { id: 'setup', type: 'one-off', productCluster: 'fees', price: '50', ...limits }],
    },
  ],
  ['pro', { name: 'Pro', currency: 'EUR', trialDays: 0, charges: [recurring('30')] }],
  ['dollar', { name: 'Dollar', currency: 'USD', trialDays: 0, charges: [recurring('12')] }],
]);
const change = (effectiveDate: string, offer: string): HistoryEntry => ({
  type: 'change',
  effectiveDate,
  policy: 'immediate',
  appliesFrom: effectiveDate,
  offer,
  quantity: null,
  recordedAt: '2026-10-01T00:00:00Z',
});
const sub = (over: Record<string, unknown> = {}) => ({
  id: 's1',
  customer: 'C1',
  offer: 'basic',
  quantity: '2',
  startDate: '2026-10-01',
  endDate: null,
  history: [] as HistoryEntry[],
  chargedThrough: null,
  ...over,
});

describe('subscription charges for billing', () => {
  test('a change of offer splits the timeline: each offer prices its own days under the same charge id', () => {
    const s = sub({ history: [change('2026-10-16', 'pro')] });
    expect(offersOf(s)).toEqual(['basic', 'pro']);
    const timelines = chargeTimelines(s, offers, 'EUR');
    expect(timelines.map((t) => [t.label, t.charge.id, t.segments.map((g) => [g.from, g.to])])).toEqual([
      ['Basic', 'base', [['2026-10-01', '2026-10-16']]],
      ['Basic', 'setup', [['2026-10-01', '2026-10-16']]],
      ['Pro', 'base', [['2026-10-16', null]]],
    ]);
    const lines = subscriptionLines({
      period: { start: '2026-10-01', end: '2026-11-01' },
      currency: 'EUR',
      billingDays: [{ from: null, billingDay: 1 }],
      charges: timelines,
      billed: [],
    });
    // 2 × 10 × 15/31 = 9.68; 2 × 30 × 16/31 = 30.97; November at Pro 60; setup 2 × 50
    expect(lines.map((l) => [l.kind, l.servicePeriod.start, l.amount.toFixed(2)])).toEqual([
      ['one-off', '2026-10-01', '100.00'],
      ['recurring', '2026-10-01', '9.68'],
      ['recurring', '2026-10-16', '30.97'],
      ['recurring', '2026-11-01', '60.00'],
    ]);
  });

  test('negotiated prices replace the offer price of that charge only', () => {
    const timelines = chargeTimelines(sub({ prices: { base: '8.5' } }), offers, 'EUR');
    expect(
      timelines.map((t) => [
        t.charge.id,
        t.charge.type === 'one-off' ? t.charge.price.toFixed() : t.charge.type === 'recurring' ? t.charge.price?.toFixed() : null,
      ]),
    ).toEqual([
      ['base', '8.5'],
      ['setup', '50'],
    ]);
  });

  test('an offer in another currency bills on that currency’s invoice; a missing offer is an error, not a free month', () => {
    const s = sub({ history: [change('2026-10-16', 'dollar')] });
    expect(currenciesOf(s, offers)).toEqual(['EUR', 'USD']);
    expect(chargeTimelines(s, offers, 'USD').map((t) => t.label)).toEqual(['Dollar']);
    expect(() => chargeTimelines(sub({ offer: 'gone' }), offers, 'EUR')).toThrow(
      expect.objectContaining({ kind: 'invalid', details: ['subscription s1: offer(s) gone not found'] }),
    );
  });

  test('chargedThrough: the end of the last day recurring lines cover and credits do not take back', () => {
    const l = (kind: 'recurring' | 'credit', start: string, end: string, subscription = 's1') => ({
      kind,
      subscription,
      servicePeriod: { start, end },
    });
    expect(chargedThroughOf('s1', [])).toBeNull();
    expect(chargedThroughOf('s1', [l('recurring', '2026-10-01', '2026-11-01'), l('recurring', '2026-11-01', '2026-12-01')])).toBe('2026-12-01');
    // cancelled on 15 November: the rest of November credited
    expect(
      chargedThroughOf('s1', [
        l('recurring', '2026-10-01', '2026-11-01'),
        l('recurring', '2026-11-01', '2026-12-01'),
        l('credit', '2026-11-15', '2026-12-01'),
      ]),
    ).toBe('2026-11-15');
    // a credit and re-charge of the same days (a change of quantity) leaves the date alone
    expect(
      chargedThroughOf('s1', [
        l('recurring', '2026-11-01', '2026-12-01'),
        l('credit', '2026-11-16', '2026-12-01'),
        l('recurring', '2026-11-16', '2026-12-01'),
        l('recurring', '2026-12-01', '2027-01-01', 'other'),
      ]),
    ).toBe('2026-12-01');
  });
});
