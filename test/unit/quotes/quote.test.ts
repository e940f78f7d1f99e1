import { parseOffer, type OfferRecord } from '../../../shared/subscriptions/domain/offer';
import { checkTransition, priceLines, quoteSchema, statusOn, submitDecision, termsKey, type QuoteVersion } from '../../../shared/quotes/domain/quote';
import { ConflictError, ValidationError } from '../../../shared/kernel/errors';

/** The quote domain: parsing, pricing of lines (exact unit prices, one rounding per amount), the submit decision, expiry and transitions. */

const offer = (currency = 'EUR'): OfferRecord => ({
  id: 'team',
  updatedAt: '2026-01-01T00:00:00Z',
  ...parseOffer({
    catalogue: 'main',
    name: 'Team',
    currency,
    charges: [
      {
        id: 'base',
        type: 'recurring',
        productCluster: 'plans',
        price: '24.95',
        period: 'month',
        timing: 'in-advance',
        floorPrice: '18',
        maxDiscount: 25,
        approvalAbove: 10,
      },
      {
        id: 'dated',
        type: 'recurring',
        productCluster: 'plans',
        prices: [
          { validFrom: '2026-01-01', price: '30' },
          { validFrom: '2026-06-01', price: '40' },
        ],
        period: 'year',
        timing: 'in-arrears',
      },
      { id: 'setup', type: 'one-off', productCluster: 'plans', price: '50', listPrice: '60' },
      { id: 'calls', type: 'usage', productCluster: 'plans', model: { type: 'standard', unitPrice: '0.10' } },
      { id: 'commit', type: 'minimum', amount: '100' },
    ],
  }),
});

const terms = (lines: unknown[], extra: Record<string, unknown> = {}) =>
  quoteSchema.parse({ customer: 'C1', offer: 'team', validUntil: '2026-03-31', lines, ...extra });

const version = (lines: unknown[], o = offer()): QuoteVersion => {
  const t = terms(lines);
  return { version: 1, terms: t, ...priceLines(t, o, '2026-02-01'), currency: o.currency, createdAt: '2026-02-01T00:00:00Z' };
};

const refusal = (fn: () => unknown): { code: string; details: readonly string[] } => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConflictError || error instanceof ValidationError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('no refusal');
};

describe('quote lines', () => {
  test('a discount keeps the unit price exact and rounds the amount once, half-up, to the minor unit', () => {
    const v = version([{ charge: 'base', quantity: '10', discount: '15' }]);
    expect(v.lines).toEqual([{ charge: 'base', quantity: '10', listPrice: '24.95', discount: '15', unitPrice: '21.2075', amount: '212.08' }]);
    expect(v.total).toBe('212.08');
  });

  test('a negotiated unit price shows its implied discount (4 places); list price from listPrice, price, or the dated price of the day', () => {
    const v = version([
      { charge: 'setup', quantity: '3', unitPrice: '40' },
      { charge: 'dated', quantity: '3' },
      { charge: 'base', quantity: '3', unitPrice: '20' },
    ]);
    expect(v.lines.map((l) => [l.charge, l.listPrice, l.discount, l.unitPrice, l.amount])).toEqual([
      ['setup', '60', '33.3333', '40', '120.00'],
      ['dated', '30', '0', '30', '90.00'],
      ['base', '24.95', '19.8397', '20', '60.00'],
    ]);
    expect(v.total).toBe('270.00');
  });

  test('zero-decimal currencies round to whole units; the total is the sum of rounded amounts', () => {
    const v = version(
      [
        { charge: 'base', quantity: '1', unitPrice: '100.5' },
        { charge: 'setup', quantity: '1', unitPrice: '0.5' },
      ],
      offer('JPY'),
    );
    expect(v.lines.map((l) => l.amount)).toEqual(['101', '1']);
    expect(v.total).toBe('102');
  });

  test('400s name the line: unknown, usage and minimum charges; both discount and unitPrice; duplicates; mixed quantities', () => {
    expect(refusal(() => version([{ charge: 'nope', quantity: '1' }])).details).toEqual([
      expect.stringMatching(/^lines\.0\.charge: .*no charge 'nope'/),
    ]);
    expect(
      refusal(() =>
        version([
          { charge: 'base', quantity: '1' },
          { charge: 'calls', quantity: '1' },
          { charge: 'commit', quantity: '1' },
        ]),
      ).details,
    ).toEqual([expect.stringMatching(/^lines\.1\.charge: .*usage/), expect.stringMatching(/^lines\.2\.charge: .*minimum/)]);
    const bad = quoteSchema.safeParse({
      customer: 'C1',
      offer: 'team',
      validUntil: '2026-03-31',
      lines: [
        { charge: 'base', quantity: '2', discount: 5, unitPrice: '1' },
        { charge: 'base', quantity: '2' },
        { charge: 'setup', quantity: '1' },
      ],
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['lines.0.unitPrice', 'lines.1.charge', 'lines.2.quantity']);
  });

  test('the same body in another spelling is the same version; any difference is another', () => {
    const a = terms([{ charge: 'base', quantity: '10', discount: 5 }]);
    expect(termsKey(terms([{ discount: '5.0', quantity: '10.00', charge: 'base' }]))).toBe(termsKey(a));
    expect(termsKey(terms([{ charge: 'base', quantity: '10', discount: 5 }], { notes: 'x' }))).not.toBe(termsKey(a));
    expect(termsKey(terms([{ charge: 'base', quantity: '10', unitPrice: '5' }]))).not.toBe(termsKey(a));
  });
});

describe('submit decision', () => {
  test('within approvalAbove → approved; over it (within maxDiscount) → pending-approval', () => {
    expect(submitDecision(version([{ charge: 'base', quantity: '1', discount: '10' }]), offer())).toBe('approved');
    expect(submitDecision(version([{ charge: 'base', quantity: '1', discount: '10.01' }]), offer())).toBe('pending-approval');
    expect(submitDecision(version([{ charge: 'setup', quantity: '1', discount: '90' }]), offer())).toBe('approved'); // no limits on the charge
  });

  test('under floorPrice or over maxDiscount → 409 below_floor naming each line, compared on exact prices', () => {
    expect(submitDecision(version([{ charge: 'base', quantity: '1', unitPrice: '19' }]), offer())).toBe('pending-approval'); // 23.8 %: within maxDiscount
    const floor = refusal(() =>
      submitDecision(
        version([
          { charge: 'setup', quantity: '1' },
          { charge: 'base', quantity: '1', unitPrice: '17.99' },
        ]),
        offer(),
      ),
    );
    expect(floor.code).toBe('below_floor');
    expect(floor.details).toEqual([expect.stringMatching(/^lines\.1: unit price 17\.99/)]);
    // 25 % exactly is allowed; 24.95 × 0.75 = 18.7125 is above the floor, 18.71 is a discount of 25.0100 %
    expect(submitDecision(version([{ charge: 'base', quantity: '1', discount: '25' }]), offer())).toBe('pending-approval');
    expect(refusal(() => submitDecision(version([{ charge: 'base', quantity: '1', unitPrice: '18.71' }]), offer())).details).toEqual([
      expect.stringMatching(/^lines\.0: discount 25\.01 % .*maximum discount 25 %/),
    ]);
  });
});

describe('status and transitions', () => {
  const quote = (status: 'draft' | 'approved' | 'accepted' | 'declined') => ({ status, latest: version([{ charge: 'base', quantity: '1' }]) });

  test('expired after validUntil (inclusive last day) unless accepted or declined', () => {
    expect(statusOn(quote('approved'), '2026-03-31')).toBe('approved');
    expect(statusOn(quote('approved'), '2026-04-01')).toBe('expired');
    expect(statusOn(quote('draft'), '2026-04-01')).toBe('expired');
    expect(statusOn(quote('accepted'), '2026-04-01')).toBe('accepted');
    expect(statusOn(quote('declined'), '2026-04-01')).toBe('declined');
  });

  test('which transitions start from which status, and which repeat as no change', () => {
    expect(checkTransition('draft', 'submit')).toEqual({ same: false });
    expect(checkTransition('pending-approval', 'submit')).toEqual({ same: true });
    expect(checkTransition('pending-approval', 'approve')).toEqual({ same: false });
    expect(checkTransition('approved', 'approve')).toEqual({ same: true });
    expect(checkTransition('approved', 'accept')).toEqual({ same: false });
    expect(checkTransition('declined', 'decline')).toEqual({ same: true });
    expect(refusal(() => checkTransition('draft', 'approve')).code).toBe('quote_not_pending');
    expect(refusal(() => checkTransition('pending-approval', 'accept')).code).toBe('quote_not_approved');
    expect(refusal(() => checkTransition('declined', 'submit')).code).toBe('quote_declined');
    expect(refusal(() => checkTransition('accepted', 'decline')).code).toBe('quote_accepted');
    expect(refusal(() => checkTransition('expired', 'accept')).code).toBe('quote_expired');
  });
});
