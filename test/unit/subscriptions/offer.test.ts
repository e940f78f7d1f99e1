import { ValidationError } from '../../../shared/kernel/errors';
import { parseOffer } from '../../../shared/subscriptions/domain/offer';

function details(body: unknown): string[] {
  try {
    parseOffer(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const base = { catalogue: 'main', name: 'Pro', currency: 'EUR' };

describe('offers: parsed and checked field by field', () => {
  test('a full offer: defaults, decimals as wire strings, models through the pricing parser, listPrice defaults to price', () => {
    const offer = parseOffer({
      ...base,
      parameters: { includedMinutes: 100, plan: 'pro', rate: '0.015' },
      charges: [
        {
          id: 'base',
          type: 'recurring',
          productCluster: 'plans',
          price: 24.95,
          period: 'month',
          timing: 'in-advance',
          floorPrice: '20',
          maxDiscount: 15,
        },
        {
          id: 'dated',
          type: 'recurring',
          productCluster: 'plans',
          prices: [
            { validFrom: '2026-01-01', price: '30' },
            { validFrom: '2027-03-01', price: '60' },
          ],
          period: 'year',
          timing: 'in-arrears',
        },
        { id: 'setup', type: 'one-off', productCluster: 'fees', price: '50.00' },
        { id: 'calls', type: 'usage', productCluster: 'voice', model: { type: 'standard', unitPrice: 0.1 } },
        { id: 'commit', type: 'minimum', amount: '100.00' },
      ],
    });
    expect(offer.trialDays).toBe(0);
    expect(offer.parameters).toEqual({ includedMinutes: '100', plan: 'pro', rate: '0.015' });
    expect(offer.charges[0]).toMatchObject({
      price: '24.95',
      prices: null,
      listPrice: '24.95',
      floorPrice: '20',
      maxDiscount: '15',
      approvalAbove: null,
    });
    expect(offer.charges[1]).toMatchObject({
      price: null,
      prices: [
        { validFrom: '2026-01-01', price: '30' },
        { validFrom: '2027-03-01', price: '60' },
      ],
      listPrice: null,
    });
    expect(offer.charges[2]).toMatchObject({ type: 'one-off', price: '50' });
    expect(offer.charges[3]).toMatchObject({ type: 'usage', scope: 'purchase', model: { type: 'standard', unitPrice: '0.1' } });
    expect(offer.charges[4]).toMatchObject({ type: 'minimum', amount: '100' });
  });

  test('every bad field is named with its charge index', () => {
    const found = details({
      ...base,
      currency: 'eur',
      trialDays: -1,
      parameters: { '1bad': 'x' },
      charges: [
        { id: 'base', type: 'recurring', productCluster: 'plans', price: '-1', period: 'week', timing: 'in-advance' },
        { id: 'x', type: 'one-off', productCluster: 'fees', price: 'abc' },
        { id: 'calls', type: 'usage', productCluster: 'voice', model: { type: 'standard', unitPrice: 'free' } },
        { id: 'commit', type: 'minimum', amount: '10', maxDiscount: 120 },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'currency: must be an ISO 4217 code such as EUR',
        expect.stringMatching(/^trialDays: /),
        'parameters.1bad: a parameter name is letters, digits and _ (not starting with a digit), at most 64',
        'charges.0.price: must not be negative',
        expect.stringMatching(/^charges\.0\.period: /),
        'charges.1.price: not a decimal',
        expect.stringMatching(/^charges\.2\.model\.unitPrice: /),
        'charges.3.maxDiscount: must be a percentage from 0 to 100',
      ]),
    );
  });

  test('cross-field rules: price XOR prices, strictly increasing validFrom, unique ids, floor ≤ list', () => {
    const found = details({
      ...base,
      charges: [
        { id: 'a', type: 'recurring', productCluster: 'p', period: 'month', timing: 'in-advance' },
        {
          id: 'b',
          type: 'recurring',
          productCluster: 'p',
          price: '1',
          prices: [{ validFrom: '2026-01-01', price: '1' }],
          period: 'month',
          timing: 'in-advance',
        },
        {
          id: 'c',
          type: 'recurring',
          productCluster: 'p',
          prices: [
            { validFrom: '2026-02-01', price: '1' },
            { validFrom: '2026-02-01', price: '2' },
          ],
          period: 'quarter',
          timing: 'in-arrears',
        },
        { id: 'a', type: 'one-off', productCluster: 'p', price: '10', floorPrice: '12' },
        { id: 'd', type: 'one-off', productCluster: 'p', price: '10', listPrice: '15', floorPrice: '12' },
      ],
    });
    expect(found).toEqual([
      'charges.0.price: give either price or prices (effective-dated), not neither',
      'charges.1.price: give either price or prices (effective-dated), not both',
      'charges.2.prices.1.validFrom: must be after prices.0.validFrom (2026-02-01)',
      "charges.3.id: charge 'a' is also charges.0; charge ids are unique within an offer",
      'charges.3.floorPrice: must not be above the list price (10)',
    ]);
  });

  test('unknown types and fields, and a missing body, are named', () => {
    expect(details({ ...base, charges: [{ id: 'a', type: 'weekly' }] })).toEqual([
      expect.stringMatching(/^charges\.0.*must be one of recurring, one-off, usage, minimum/),
    ]);
    expect(details({ ...base, charges: [{ id: 'a', type: 'minimum', amount: '1', colour: 'red' }] })).toEqual(["charges.0: unknown field 'colour'"]);
    expect(details(undefined)).toEqual(['must be an object']);
    expect(details({ name: 'x' })).toEqual(
      expect.arrayContaining(['catalogue: required', 'currency: required', expect.stringMatching(/^charges: /)]),
    );
  });
});
