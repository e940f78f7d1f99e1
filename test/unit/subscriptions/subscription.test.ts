import { ConflictError, ValidationError } from '../../../shared/kernel/errors';
import {
  checkOperation,
  parseBody,
  subscriptionSchema,
  subscriptionStatus,
  termEnd,
  termsKey,
  timeline,
  type HistoryEntry,
  type SubscriptionRecord,
} from '../../../shared/subscriptions/domain/subscription';

const at = '2026-01-01T00:00:00Z';
const pause = (effectiveDate: string): HistoryEntry => ({ type: 'pause', effectiveDate, recordedAt: at });
const resume = (effectiveDate: string): HistoryEntry => ({ type: 'resume', effectiveDate, recordedAt: at });
const cancel = (effectiveDate: string, appliesFrom = effectiveDate): HistoryEntry => ({
  type: 'cancel',
  effectiveDate,
  policy: appliesFrom === effectiveDate ? 'immediate' : 'end-of-term',
  appliesFrom,
  recordedAt: at,
});
const change = (effectiveDate: string, terms: { offer?: string; quantity?: string }, appliesFrom = effectiveDate): HistoryEntry => ({
  type: 'change',
  effectiveDate,
  policy: appliesFrom === effectiveDate ? 'immediate' : 'end-of-term',
  appliesFrom,
  offer: terms.offer ?? null,
  quantity: terms.quantity ?? null,
  recordedAt: at,
});

function sub(overrides: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id: 's1',
    customer: 'C1',
    offer: 'basic',
    quantity: '1',
    startDate: '2026-01-15',
    endDate: null,
    parameters: {},
    chargedThrough: null,
    history: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

function refusal(fn: () => void): ConflictError | ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConflictError || error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('subscription bodies', () => {
  test('defaults and normalised terms; the same terms give the same key', () => {
    const terms = parseBody(subscriptionSchema, { customer: 'C1', offer: 'o', startDate: '2026-01-15', parameters: { seats: 5 } }, 'subscription');
    expect(terms).toEqual({ customer: 'C1', offer: 'o', quantity: '1', startDate: '2026-01-15', endDate: null, parameters: { seats: '5' } });
    const again = parseBody(
      subscriptionSchema,
      { customer: 'C1', offer: 'o', startDate: '2026-01-15', quantity: '1.0', parameters: { seats: '5' } },
      'subscription',
    );
    expect(termsKey(again)).toBe(termsKey(terms));
  });

  test('bad fields are named: quantity > 0, calendar dates, end after start', () => {
    const error = refusal(() =>
      parseBody(
        subscriptionSchema,
        { customer: 'C1', offer: 'o', quantity: '0', startDate: '2026-02-30', endDate: '2026-01-01', colour: 1 },
        'subscription',
      ),
    );
    expect(error.details).toEqual(
      expect.arrayContaining(["unknown field 'colour'", 'quantity: must be a decimal greater than 0', 'startDate: not a calendar date (YYYY-MM-DD)']),
    );
    expect(
      refusal(() => parseBody(subscriptionSchema, { customer: 'C1', offer: 'o', startDate: '2026-02-01', endDate: '2026-02-01' }, 'subscription'))
        .details,
    ).toEqual(['endDate: must be after startDate (2026-02-01); the end is exclusive']);
  });
});

describe('status as of a day (pure: subscription, trial days, today)', () => {
  test('pending → trial → active → ended', () => {
    const s = sub({ endDate: '2026-06-01' });
    expect(subscriptionStatus(s, 14, '2026-01-14')).toBe('pending');
    expect(subscriptionStatus(s, 14, '2026-01-15')).toBe('trial');
    expect(subscriptionStatus(s, 14, '2026-01-28')).toBe('trial');
    expect(subscriptionStatus(s, 14, '2026-01-29')).toBe('active');
    expect(subscriptionStatus(s, 0, '2026-01-15')).toBe('active');
    expect(subscriptionStatus(s, 0, '2026-05-31')).toBe('active');
    expect(subscriptionStatus(s, 0, '2026-06-01')).toBe('ended');
  });

  test('paused between a pause and its resume; cancelled from the cancellation, before an end date', () => {
    const s = sub({ endDate: '2026-12-01', history: [pause('2026-03-01'), resume('2026-04-01'), cancel('2026-05-10', '2026-06-15')] });
    expect(subscriptionStatus(s, 0, '2026-02-28')).toBe('active');
    expect(subscriptionStatus(s, 0, '2026-03-01')).toBe('paused');
    expect(subscriptionStatus(s, 0, '2026-03-31')).toBe('paused');
    expect(subscriptionStatus(s, 0, '2026-04-01')).toBe('active');
    expect(subscriptionStatus(s, 0, '2026-06-14')).toBe('active');
    expect(subscriptionStatus(s, 0, '2026-06-15')).toBe('cancelled');
    expect(subscriptionStatus(s, 0, '2027-01-01')).toBe('cancelled');
    // an end date before the cancellation's end: ended
    expect(subscriptionStatus(sub({ endDate: '2026-06-01', history: [cancel('2026-05-10', '2026-07-01')] }), 0, '2026-06-02')).toBe('ended');
    // a pause during the trial shows paused
    expect(subscriptionStatus(sub({ history: [pause('2026-01-20')] }), 30, '2026-01-21')).toBe('paused');
  });

  test('operations recorded out of order are read by their effective date', () => {
    const s = sub({ history: [resume('2026-04-01'), pause('2026-03-01')] });
    expect(subscriptionStatus(s, 0, '2026-03-15')).toBe('paused');
    expect(subscriptionStatus(s, 0, '2026-04-15')).toBe('active');
  });
});

describe('transitions', () => {
  test('before the start is a 400 naming effectiveDate', () => {
    const error = refusal(() => checkOperation(sub(), pause('2026-01-01')));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details).toEqual(["effectiveDate: must not be before the subscription's startDate (2026-01-15)"]);
  });

  test('pause when paused, resume when not paused: 409', () => {
    expect(refusal(() => checkOperation(sub({ history: [pause('2026-02-01')] }), pause('2026-03-01'))).code).toBe('subscription_paused');
    expect(refusal(() => checkOperation(sub(), resume('2026-03-01'))).code).toBe('subscription_not_paused');
    expect(refusal(() => checkOperation(sub({ history: [pause('2026-02-01')] }), resume('2026-01-20'))).code).toBe('subscription_not_paused');
    // a pause placed before an existing pause would make that one a pause of a paused subscription
    expect(refusal(() => checkOperation(sub({ history: [pause('2026-05-01')] }), pause('2026-03-01'))).code).toBe('subscription_paused');
    expect(() => checkOperation(sub({ history: [pause('2026-02-01')] }), resume('2026-03-01'))).not.toThrow();
    expect(() => checkOperation(sub({ history: [pause('2026-02-01'), resume('2026-03-01')] }), pause('2026-04-01'))).not.toThrow();
  });

  test('nothing after the cancellation or the end; one cancellation', () => {
    const cancelled = sub({ history: [cancel('2026-03-01', '2026-04-01')] });
    expect(refusal(() => checkOperation(cancelled, pause('2026-04-01'))).code).toBe('subscription_cancelled');
    expect(refusal(() => checkOperation(cancelled, cancel('2026-03-10'))).code).toBe('subscription_cancelled');
    expect(() => checkOperation(cancelled, change('2026-03-15', { quantity: '2' }))).not.toThrow();
    expect(refusal(() => checkOperation(sub({ endDate: '2026-06-01' }), change('2026-06-01', { quantity: '3' }))).code).toBe('subscription_ended');
  });
});

describe('terms: anchored on the billing day, months long', () => {
  test('a stub before the first billing day, then whole terms', () => {
    expect(termEnd('2026-01-15', 1, 1, '2026-01-20')).toBe('2026-02-01');
    expect(termEnd('2026-01-15', 1, 1, '2026-03-10')).toBe('2026-04-01');
    expect(termEnd('2026-01-15', 1, 1, '2026-04-01')).toBe('2026-05-01');
    expect(termEnd('2026-01-15', 1, 12, '2026-03-10')).toBe('2027-02-01');
    expect(termEnd('2026-01-15', 15, 3, '2026-01-15')).toBe('2026-04-15');
    expect(termEnd('2026-01-10', 15, 1, '2026-01-12')).toBe('2026-01-15');
  });
});

describe('timeline: segments [from, to) with offer, quantity, paused, trial', () => {
  const plain = (t: ReturnType<typeof timeline>) => ({ ...t, segments: t.segments.map((s) => ({ ...s, quantity: s.quantity.toFixed() })) });

  test('an open-ended subscription without operations is one segment', () => {
    expect(plain(timeline(sub(), 0))).toEqual({
      start: '2026-01-15',
      end: null,
      endReason: null,
      segments: [{ from: '2026-01-15', to: null, offer: 'basic', quantity: '1', paused: false, trial: false }],
    });
  });

  test('trial, change of quantity, pause and resume, end-of-term change and cancellation', () => {
    const s = sub({
      quantity: '2',
      history: [
        change('2026-02-10', { quantity: '5' }),
        pause('2026-03-01'),
        resume('2026-03-20'),
        change('2026-04-05', { offer: 'pro' }, '2026-05-01'),
        cancel('2026-06-10', '2026-07-01'),
        pause('2026-08-01'), // after the end: not in the timeline
      ],
    });
    expect(plain(timeline(s, 10)).segments).toEqual([
      { from: '2026-01-15', to: '2026-01-25', offer: 'basic', quantity: '2', paused: false, trial: true },
      { from: '2026-01-25', to: '2026-02-10', offer: 'basic', quantity: '2', paused: false, trial: false },
      { from: '2026-02-10', to: '2026-03-01', offer: 'basic', quantity: '5', paused: false, trial: false },
      { from: '2026-03-01', to: '2026-03-20', offer: 'basic', quantity: '5', paused: true, trial: false },
      { from: '2026-03-20', to: '2026-05-01', offer: 'basic', quantity: '5', paused: false, trial: false },
      { from: '2026-05-01', to: '2026-07-01', offer: 'pro', quantity: '5', paused: false, trial: false },
    ]);
    expect(timeline(s, 10)).toMatchObject({ end: '2026-07-01', endReason: 'cancelled' });
  });

  test('a change to the same terms does not cut a segment; order of recording does not matter', () => {
    const a = sub({ endDate: '2026-12-01', history: [change('2026-02-01', { quantity: '1' }), pause('2026-05-01'), resume('2026-06-01')] });
    const b = sub({ endDate: '2026-12-01', history: [resume('2026-06-01'), pause('2026-05-01'), change('2026-02-01', { quantity: '1' })] });
    expect(plain(timeline(a, 0))).toEqual(plain(timeline(b, 0)));
    expect(timeline(a, 0).segments.map((s) => [s.from, s.to, s.paused])).toEqual([
      ['2026-01-15', '2026-05-01', false],
      ['2026-05-01', '2026-06-01', true],
      ['2026-06-01', '2026-12-01', false],
    ]);
  });
});
