import { explainCandidates } from '../../../shared/pricing/domain/preview';
import { purchaseScope, selectPriceRule, type PriceSelectionContext } from '../../../shared/pricing/domain/rules';
import { dec, priceRule, sampleTrees } from './builders';

const trees = sampleTrees();

/** A voice purchase of a customer in `shop` (all → nl → reseller-x → shop), paying in EUR, 12 units, roaming. */
function context(overrides: Partial<PriceSelectionContext> = {}): PriceSelectionContext {
  return {
    productCluster: 'voice',
    customerCluster: 'shop',
    currency: 'EUR',
    customer: 'C1',
    purchaseDate: '2026-03-15T10:00:00Z',
    trees,
    scope: purchaseScope({ quantity: dec(12), purchaseDate: '2026-03-15T10:00:00Z', metadata: { roaming: 'yes' } }),
    ...overrides,
  };
}

const outcomes = (result: ReturnType<typeof explainCandidates>) => Object.fromEntries(result.candidates.map((c) => [c.priceRule, c.outcome]));

describe('which price rule wins and why', () => {
  it('names the winner the selection picks and why every other rule lost or did not apply', () => {
    // Prepare: one rule per way of losing
    const rules = [
      priceRule('voice-nl', { productCluster: 'voice', customerCluster: 'nl' }),
      priceRule('voice-nl-later', { productCluster: 'voice', customerCluster: 'nl', priority: 5 }),
      priceRule('usage-shop', { productCluster: 'usage', customerCluster: 'shop' }),
      priceRule('voice-any', { productCluster: 'voice' }),
      priceRule('data', { productCluster: 'data' }),
      priceRule('de', { productCluster: 'voice', customerCluster: 'de' }),
      priceRule('usd', { productCluster: 'voice', currency: 'USD' }),
      priceRule('expired', { productCluster: 'voice', customerCluster: 'shop', validTo: '2026-02-01' }),
      priceRule('big', { productCluster: 'voice', customerCluster: 'shop', priority: 1, condition: 'quantity > 100' }),
    ];

    // Act
    const result = explainCandidates(rules, context());

    // Assess: the winner is the selection's own choice, and each outcome says why
    expect(result.winner).toBe(selectPriceRule(rules, context())?.id);
    expect(result.winner).toBe('voice-nl');
    expect(outcomes(result)).toEqual({
      'voice-nl': 'wins',
      'voice-nl-later': 'lower-priority',
      'usage-shop': 'less-specific',
      'voice-any': 'less-specific',
      data: 'other-product-cluster',
      de: 'other-customer-cluster',
      usd: 'other-currency',
      expired: 'not-valid-on-date',
      big: 'condition-false',
    });
    expect(result.candidates[0]).toEqual({
      priceRule: 'voice-nl',
      outcome: 'wins',
      why: "the most specific of 4 rules that apply: product cluster 'voice', customer cluster 'nl', priority 0",
    });
    const why = Object.fromEntries(result.candidates.map((c) => [c.priceRule, c.why]));
    expect(why['voice-nl-later']).toBe("as specific as 'voice-nl', but priority 5 against its 0 (lower wins)");
    expect(why['usage-shop']).toBe("product cluster 'usage' is less specific than 'voice' of 'voice-nl'");
    expect(why['voice-any']).toBe("applies to every customer; 'voice-nl' targets customer cluster 'nl'");
    expect(why.expired).toBe('valid from 2026-01-01 to 2026-02-01; the purchase is dated 2026-03-15T10:00:00Z');
    expect(why.big).toBe("condition 'quantity > 100' is false for this purchase");
    expect(why.usd).toBe('prices in USD; the paying customer is billed in EUR');
  });

  it('a rule whose condition holds beats a less specific one', () => {
    const rules = [priceRule('roaming', { productCluster: 'voice', condition: "metadata.roaming == 'yes'" }), priceRule('all', {})];

    const result = explainCandidates(rules, context());

    expect(outcomes(result)).toEqual({ roaming: 'wins', all: 'less-specific' });
  });

  it('two rules tied at the top are both ambiguous and nothing wins', () => {
    // Two rules made equal after they were saved (the save-time check refuses this; conditions hide it from no one)
    const rules = [priceRule('a', { productCluster: 'voice' }), priceRule('b', { productCluster: 'voice' }), priceRule('c', {})];

    const result = explainCandidates(rules, context());

    expect(result.winner).toBeNull();
    expect(result.failure).toMatch(/a.*b|b.*a/);
    expect(outcomes(result)).toEqual({ a: 'ambiguous', b: 'ambiguous', c: 'less-specific' });
    expect(result.candidates.find((c) => c.priceRule === 'a')?.why).toContain("'b'");
  });

  it('a condition that cannot be evaluated blocks the selection, as it does in the pipeline', () => {
    const rules = [priceRule('bad', { productCluster: 'usage', condition: 'quantity / 0 > 1' }), priceRule('voice', { productCluster: 'voice' })];

    const result = explainCandidates(rules, context());

    expect(() => selectPriceRule(rules, context())).toThrow();
    expect(result.winner).toBeNull();
    expect(outcomes(result)).toEqual({ bad: 'condition-error', voice: 'blocked' });
  });

  it('no rule applies: no winner, every rule says why', () => {
    const result = explainCandidates([priceRule('fees', { productCluster: 'fees' })], context());

    expect(result.winner).toBeNull();
    expect(result.failure).toBeNull();
    expect(result.candidates).toEqual([
      { priceRule: 'fees', outcome: 'other-product-cluster', why: "product cluster 'fees' does not contain the purchase's 'voice'" },
    ]);
  });
});
