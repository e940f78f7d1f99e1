import { ClusterTree } from '../../shared/catalog/domain/clusters';
import { parsePriceRule, type PriceRule, type RoutingRule } from '../../shared/pricing/domain/rules';
import type { PurchaseInput } from '../../shared/ingest/domain/purchase';
import { ratePurchase, type RatingContext } from '../../shared/ingest/domain/rating';
import type { CustomerFacts } from '../../shared/pricing/domain/rules';

/** A small supply chain: end customers under a reseller cluster, voice and data products. */
function context(over: Partial<RatingContext> = {}): RatingContext {
  const customers: CustomerFacts[] = [
    { code: 'END-1', cluster: 'reseller-x', currency: 'EUR', onHold: false },
    { code: 'END-2', cluster: 'nl', currency: 'EUR', onHold: false },
    { code: 'RESELLER-X', cluster: 'partners', currency: 'EUR', onHold: false },
    { code: 'HELD', cluster: 'nl', currency: 'EUR', onHold: true },
    { code: 'US-1', cluster: 'nl', currency: 'USD', onHold: false },
  ];
  return {
    customers: new Map(customers.map((c) => [c.code, c])),
    aliases: new Map([
      ['voice-min', 'voice'],
      ['gb', 'data'],
      ['roaming-min', 'voice-roaming'],
    ]),
    customerTree: new ClusterTree([
      { id: 'all' },
      { id: 'nl', parent: 'all' },
      { id: 'reseller-x', parent: 'nl' },
      { id: 'partners', parent: 'all' },
    ]),
    productTree: new ClusterTree([
      { id: 'products' },
      { id: 'voice', parent: 'products' },
      { id: 'voice-roaming', parent: 'voice' },
      { id: 'data', parent: 'products' },
    ]),
    routingRules: [],
    priceRules: [
      rule('voice-default', { productCluster: 'voice', model: { type: 'standard', unitPrice: '0.05' } }),
      rule('data-default', { productCluster: 'data', model: { type: 'standard', unitPrice: '2' } }),
    ],
    now: new Date('2026-11-15T00:00:00Z'),
    ...over,
  };
}

function rule(id: string, body: Record<string, unknown>): PriceRule {
  return parsePriceRule(id, { currency: 'EUR', validFrom: '2026-01-01', ...body });
}

const purchase = (over: Partial<PurchaseInput> = {}): PurchaseInput => ({
  reference: 'r1',
  productLabel: 'voice-min',
  customerCode: 'END-1',
  quantity: '100',
  purchaseDate: '2026-10-10',
  endDate: null,
  metadata: {},
  ...over,
});

describe('rating a purchase', () => {
  test('mapped and priced by the matching rule, at full precision', () => {
    const decision = ratePurchase(purchase({ quantity: '0.008' }), context());
    expect(decision).toMatchObject({
      status: 'rated',
      reason: null,
      customer: 'END-1',
      billedTo: 'END-1',
      productCluster: 'voice',
      priceRule: 'voice-default',
      amount: '0.0004',
      currency: 'EUR',
      pricing: 'purchase',
    });
  });

  test('unknown customer, then unknown product', () => {
    expect(ratePurchase(purchase({ customerCode: 'NOBODY', productLabel: 'nothing' }), context())).toMatchObject({
      status: 'unmapped',
      reason: 'unknown-customer',
    });
    expect(ratePurchase(purchase({ productLabel: 'nothing' }), context())).toMatchObject({
      status: 'unmapped',
      reason: 'unknown-product',
      customer: 'END-1',
    });
  });

  test('no rule in the payer currency is no-price-rule', () => {
    expect(ratePurchase(purchase({ customerCode: 'US-1' }), context())).toMatchObject({
      status: 'not-invoiced',
      reason: 'no-price-rule',
      priceRule: null,
      amount: null,
    });
  });

  test('the most specific rule wins: deeper product cluster, then deeper customer cluster, then priority', () => {
    const ctx = context({
      priceRules: [
        rule('all-products', { productCluster: 'products', model: { type: 'standard', unitPrice: '1' } }),
        rule('voice', { productCluster: 'voice', model: { type: 'standard', unitPrice: '0.05' } }),
        rule('voice-nl', { productCluster: 'voice', customerCluster: 'nl', model: { type: 'standard', unitPrice: '0.04' } }),
        rule('voice-nl-promo', { productCluster: 'voice', customerCluster: 'nl', priority: -1, model: { type: 'standard', unitPrice: '0.03' } }),
        rule('roaming', { productCluster: 'voice-roaming', model: { type: 'standard', unitPrice: '0.5' } }),
      ],
    });
    expect(ratePurchase(purchase(), ctx)).toMatchObject({ priceRule: 'voice-nl-promo', amount: '3' });
    expect(ratePurchase(purchase({ productLabel: 'roaming-min' }), ctx)).toMatchObject({ priceRule: 'roaming', amount: '50' });
    expect(ratePurchase(purchase({ productLabel: 'gb', quantity: '2' }), ctx)).toMatchObject({ priceRule: 'all-products', amount: '2' });
  });

  test('validity windows and conditions decide which rules apply', () => {
    const ctx = context({
      priceRules: [
        rule('old', { productCluster: 'voice', validFrom: '2025-01-01', validTo: '2026-10-01', model: { type: 'standard', unitPrice: '1' } }),
        rule('new', { productCluster: 'voice', validFrom: '2026-10-01', model: { type: 'standard', unitPrice: '2' } }),
        rule('roaming-surcharge', {
          productCluster: 'voice',
          priority: -1,
          validFrom: '2026-10-01',
          condition: 'metadata.roaming == true',
          model: { type: 'expression', expression: 'quantity * 0.05 + if(metadata.roaming, 1.5, 0)' },
        }),
      ],
    });
    expect(ratePurchase(purchase({ purchaseDate: '2026-09-30T23:59:59Z', quantity: '1' }), ctx)).toMatchObject({ priceRule: 'old', amount: '1' });
    expect(ratePurchase(purchase({ quantity: '1' }), ctx)).toMatchObject({ priceRule: 'new', amount: '2' });
    expect(ratePurchase(purchase({ quantity: '10', metadata: { roaming: true } }), ctx)).toMatchObject({
      priceRule: 'roaming-surcharge',
      amount: '2',
    });
  });

  test('routing: the target pays and its cluster prices; the purchase still records who used it', () => {
    const routing: RoutingRule[] = [{ id: 'x-pays', customerCluster: 'reseller-x', productCluster: 'products', targetCustomer: 'RESELLER-X' }];
    const ctx = context({
      routingRules: routing,
      priceRules: [
        rule('voice', { productCluster: 'voice', model: { type: 'standard', unitPrice: '0.05' } }),
        rule('voice-partners', { productCluster: 'voice', customerCluster: 'partners', model: { type: 'standard', unitPrice: '0.02' } }),
      ],
    });
    expect(ratePurchase(purchase(), ctx)).toMatchObject({
      customer: 'END-1',
      billedTo: 'RESELLER-X',
      routingRule: 'x-pays',
      priceRule: 'voice-partners',
      amount: '2',
    });
    expect(ratePurchase(purchase({ customerCode: 'END-2' }), ctx)).toMatchObject({ billedTo: 'END-2', routingRule: null, priceRule: 'voice' });
  });

  test('routing is decided from the original customer only: rules never chain', () => {
    const ctx = context({
      routingRules: [
        { id: 'x-pays', customerCluster: 'reseller-x', productCluster: 'products', targetCustomer: 'RESELLER-X' },
        { id: 'partners-to-end2', customerCluster: 'partners', productCluster: 'products', targetCustomer: 'END-2' },
      ],
    });
    expect(ratePurchase(purchase(), ctx)).toMatchObject({ billedTo: 'RESELLER-X', routingRule: 'x-pays' });
  });

  test('a held payer is priced but not invoiced; a future purchase waits', () => {
    expect(ratePurchase(purchase({ customerCode: 'HELD' }), context())).toMatchObject({
      status: 'not-invoiced',
      reason: 'on-hold',
      priceRule: 'voice-default',
      amount: '5',
    });
    expect(ratePurchase(purchase({ customerCode: 'HELD' }), context({ priceRules: [] }))).toMatchObject({
      status: 'not-invoiced',
      reason: 'on-hold',
      priceRule: null,
    });
    expect(ratePurchase(purchase({ purchaseDate: '2026-12-01' }), context())).toMatchObject({
      status: 'not-invoiced',
      reason: 'future-date',
      amount: null,
    });
  });

  test('a period-scoped rule marks the purchase rated without an amount of its own', () => {
    const ctx = context({
      priceRules: [
        rule('bundle', {
          productCluster: 'voice',
          scope: 'period',
          groupBy: 'msisdn',
          model: {
            type: 'graduated',
            tiers: [
              { upTo: '100', unitPrice: '0' },
              { upTo: null, unitPrice: '0.1' },
            ],
          },
        }),
      ],
    });
    expect(ratePurchase(purchase({ metadata: { msisdn: '316' } }), ctx)).toMatchObject({
      status: 'rated',
      priceRule: 'bundle',
      amount: null,
      pricing: 'period',
      currency: 'EUR',
    });
  });

  test('a rule that cannot price the purchase says why instead of picking a cheaper one', () => {
    const ctx = context({
      priceRules: [rule('pct', { productCluster: 'voice', model: { type: 'percentage', rate: '2', base: 'metadata.amount' } })],
    });
    const decision = ratePurchase(purchase(), ctx);
    expect(decision).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', amount: null });
    expect(decision.ratingError).toContain('amount');
  });
});
