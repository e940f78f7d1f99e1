import { ClusterTree } from '../../../shared/catalog/domain/clusters';
import { D, toWire } from '../../../shared/kernel/money';
import { parsePriceRule, type PriceRule } from '../../../shared/pricing/domain/rules';
import type { CustomerFacts } from '../../../shared/pricing/domain/rules';
import { rowRater, type RowRatingContext } from '../../../shared/streams/domain/row-rating';
import type { RateRequest, RatedRow } from '../../../shared/streams/domain/stages/types';
import { dec, row } from './builders';

/**
 * Customers: all → nl → reseller-x → shop; all → de. Products: products → usage → voice → roaming;
 * usage → data; products → fees. Voice is sold as `voice-min`, data as `gb`.
 */
function context(overrides: Partial<RowRatingContext> = {}): RowRatingContext {
  const customers: CustomerFacts[] = [
    { code: 'SHOP-1', cluster: 'shop', currency: 'EUR', onHold: false },
    { code: 'DE-1', cluster: 'de', currency: 'EUR', onHold: false },
    { code: 'US-1', cluster: 'nl', currency: 'USD', onHold: false },
    { code: 'ORPHAN', cluster: 'deleted-cluster', currency: 'EUR', onHold: false },
  ];
  return {
    customers: new Map(customers.map((c) => [c.code, c])),
    aliases: new Map([
      ['voice-min', 'voice'],
      ['gb', 'data'],
    ]),
    customerTree: new ClusterTree([
      { id: 'all' },
      { id: 'nl', parent: 'all' },
      { id: 'reseller-x', parent: 'nl' },
      { id: 'shop', parent: 'reseller-x' },
      { id: 'de', parent: 'all' },
    ]),
    productTree: new ClusterTree([
      { id: 'products' },
      { id: 'usage', parent: 'products' },
      { id: 'voice', parent: 'usage' },
      { id: 'roaming', parent: 'voice' },
      { id: 'data', parent: 'usage' },
      { id: 'fees', parent: 'products' },
    ]),
    priceRules: [rule('voice-default', { productCluster: 'voice', model: { type: 'standard', unitPrice: '0.05' } })],
    ...overrides,
  };
}

function rule(id: string, body: Record<string, unknown>): PriceRule {
  return parsePriceRule(id, { currency: 'EUR', validFrom: '2026-01-01', ...body });
}

function request(overrides: Partial<RateRequest> = {}): RateRequest {
  return { product: 'voice-min', customer: 'SHOP-1', quantity: dec('100'), date: '2026-03-10', row: row(), ...overrides };
}

/** The rated row in wire form, or the test fails with the rater's error. */
function rated(result: RatedRow | { error: string }) {
  if ('error' in result) throw new Error(`expected a priced row, got: ${result.error}`);
  return {
    unitPrice: result.unitPrice === null ? null : toWire(result.unitPrice),
    amount: toWire(result.amount),
    currency: result.currency,
    priceRule: result.priceRule,
  };
}

function errorOf(result: RatedRow | { error: string }): string {
  if (!('error' in result)) throw new Error(`expected an error, got amount ${toWire(result.amount)}`);
  return result.error;
}

describe('rowRater: the product column', () => {
  test('a product label (alias) is priced by the rule of its product cluster', () => {
    // Act
    const result = rowRater(context())(request({ product: 'voice-min', quantity: dec('100') }));

    // Assess
    expect(rated(result)).toEqual({ unitPrice: '0.05', amount: '5', currency: 'EUR', priceRule: 'voice-default' });
  });

  test('a product cluster id is priced as that cluster', () => {
    // Prepare: roaming has no alias, and inherits the voice rule unless it has its own
    const rater = rowRater(context());
    const withRoamingRule = rowRater(
      context({
        priceRules: [...context().priceRules, rule('roaming', { productCluster: 'roaming', model: { type: 'standard', unitPrice: '0.5' } })],
      }),
    );

    // Act / Assess
    expect(rated(rater(request({ product: 'voice', quantity: dec('10') })))).toMatchObject({ amount: '0.5', priceRule: 'voice-default' });
    expect(rated(rater(request({ product: 'roaming', quantity: dec('10') })))).toMatchObject({ amount: '0.5', priceRule: 'voice-default' });
    expect(rated(withRoamingRule(request({ product: 'roaming', quantity: dec('10') })))).toMatchObject({ amount: '5', priceRule: 'roaming' });
  });

  test('an alias wins over a cluster id of the same name', () => {
    // Prepare: the label `data` is sold as voice in this account
    const rater = rowRater(context({ aliases: new Map([['data', 'voice']]) }));

    // Act / Assess
    expect(rated(rater(request({ product: 'data', quantity: dec('2') })))).toMatchObject({ amount: '0.1', priceRule: 'voice-default' });
  });
});

describe('rowRater: rows it cannot price are errors naming what is wrong', () => {
  test('an unknown customer', () => {
    expect(errorOf(rowRater(context())(request({ customer: 'NOBODY' })))).toBe("customer 'NOBODY' is not a customer of this account");
  });

  test('an unknown product (neither a label nor a cluster)', () => {
    expect(errorOf(rowRater(context())(request({ product: 'sms' })))).toBe(
      "product 'sms' is neither a product label nor a product cluster of this account",
    );
  });

  test('a customer whose cluster no longer exists', () => {
    expect(errorOf(rowRater(context())(request({ customer: 'ORPHAN' })))).toBe("customer 'ORPHAN' is in unknown cluster 'deleted-cluster'");
  });

  test('no rule for the product in the customer currency', () => {
    // Act
    const fees = errorOf(rowRater(context())(request({ product: 'fees' })));
    const dollars = errorOf(rowRater(context())(request({ customer: 'US-1' })));

    // Assess
    expect(fees).toBe("no price rule for product cluster 'fees' and customer 'SHOP-1' (EUR) on 2026-03-10");
    expect(dollars).toBe("no price rule for product cluster 'voice' and customer 'US-1' (USD) on 2026-03-10");
  });

  test('two equally specific rules: the ambiguity names both rules instead of picking one', () => {
    // Prepare
    const rules = [
      rule('a', { productCluster: 'voice', model: { type: 'standard', unitPrice: '1' } }),
      rule('b', { productCluster: 'voice', model: { type: 'standard', unitPrice: '2' } }),
    ];

    // Act
    const error = errorOf(rowRater(context({ priceRules: rules }))(request()));

    // Assess
    expect(error).toBe("price rules 'a' and 'b' are equally specific");
  });

  test('a period-scoped rule cannot price one row', () => {
    // Prepare
    const bundle = rule('bundle', { productCluster: 'voice', scope: 'period', model: { type: 'standard', unitPrice: '0.01' } });

    // Act
    const error = errorOf(rowRater(context({ priceRules: [bundle] }))(request()));

    // Assess
    expect(error).toBe("price rule 'bundle' prices period sums (scope: period) and cannot price one row");
  });

  test('a row date that is not a date is an error row, not a thrown error', () => {
    expect(errorOf(rowRater(context())(request({ date: 'yesterday' })))).toMatch(/^purchaseDate: not an ISO date/);
  });
});

describe('rowRater: which rule applies', () => {
  test('the most specific customer cluster wins, along the customer line only', () => {
    // Prepare
    const rules = [
      rule('voice', { productCluster: 'voice', model: { type: 'standard', unitPrice: '0.05' } }),
      rule('voice-nl', { productCluster: 'voice', customerCluster: 'nl', model: { type: 'standard', unitPrice: '0.04' } }),
      rule('voice-reseller-x', { productCluster: 'voice', customerCluster: 'reseller-x', model: { type: 'standard', unitPrice: '0.03' } }),
    ];
    const rater = rowRater(context({ priceRules: rules }));

    // Act
    const shop = rated(rater(request({ customer: 'SHOP-1' })));
    const de = rated(rater(request({ customer: 'DE-1' })));

    // Assess
    expect(shop).toMatchObject({ priceRule: 'voice-reseller-x', unitPrice: '0.03', amount: '3' });
    expect(de).toMatchObject({ priceRule: 'voice', unitPrice: '0.05', amount: '5' });
  });

  test('a deeper product cluster wins over a deeper customer cluster', () => {
    // Prepare
    const rules = [
      rule('usage-shop', { productCluster: 'usage', customerCluster: 'shop', model: { type: 'standard', unitPrice: '9' } }),
      rule('voice', { productCluster: 'voice', model: { type: 'standard', unitPrice: '0.05' } }),
    ];

    // Act / Assess
    expect(rated(rowRater(context({ priceRules: rules }))(request()))).toMatchObject({ priceRule: 'voice' });
  });

  test("the rule valid at the row's date prices it (validTo exclusive)", () => {
    // Prepare
    const rules = [
      rule('q1', { productCluster: 'voice', validFrom: '2026-01-01', validTo: '2026-04-01', model: { type: 'standard', unitPrice: '0.05' } }),
      rule('q2', { productCluster: 'voice', validFrom: '2026-04-01', model: { type: 'standard', unitPrice: '0.06' } }),
    ];
    const rater = rowRater(context({ priceRules: rules }));

    // Act / Assess
    expect(rated(rater(request({ date: '2026-03-31T23:59:59Z' })))).toMatchObject({ priceRule: 'q1', amount: '5' });
    expect(rated(rater(request({ date: '2026-04-01' })))).toMatchObject({ priceRule: 'q2', amount: '6' });
    expect(errorOf(rater(request({ date: '2025-12-31' })))).toBe(
      "no price rule for product cluster 'voice' and customer 'SHOP-1' (EUR) on 2025-12-31",
    );
  });

  test('a condition on meta.<key> reads the row column of that name', () => {
    // Prepare
    const rules = [
      rule('voice', { productCluster: 'voice', priority: 1, model: { type: 'standard', unitPrice: '0.05' } }),
      rule('voice-roaming', { productCluster: 'voice', condition: "meta.roaming == 'yes'", model: { type: 'standard', unitPrice: '0.25' } }),
    ];
    const rater = rowRater(context({ priceRules: rules }));

    // Act
    const roaming = rater(request({ row: row({ 'meta.roaming': 'yes' }) }));
    const home = rater(request({ row: row({ 'meta.roaming': 'no' }) }));
    const unknown = rater(request({ row: row() }));

    // Assess
    expect(rated(roaming)).toMatchObject({ priceRule: 'voice-roaming', amount: '25' });
    expect(rated(home)).toMatchObject({ priceRule: 'voice', amount: '5' });
    expect(rated(unknown)).toMatchObject({ priceRule: 'voice' });
  });

  test('a condition written against metadata.<key> reads the same row column', () => {
    // Prepare
    const rules = [
      rule('nl-only', { productCluster: 'voice', condition: "metadata.country == 'NL'", model: { type: 'standard', unitPrice: '0.05' } }),
    ];
    const rater = rowRater(context({ priceRules: rules }));

    // Act / Assess
    expect(rated(rater(request({ row: row({ 'meta.country': 'NL' }) })))).toMatchObject({ priceRule: 'nl-only' });
    expect(errorOf(rater(request({ row: row({ 'meta.country': 'DE' }) })))).toMatch(/^no price rule for product cluster 'voice'/);
  });

  test('a condition may read the row quantity, customer and product label', () => {
    // Prepare
    const rules = [
      rule('voice', { productCluster: 'voice', priority: 1, model: { type: 'standard', unitPrice: '0.05' } }),
      rule('bulk', {
        productCluster: 'voice',
        condition: "quantity >= 1000 and customerCode == 'SHOP-1' and productLabel == 'voice-min'",
        model: { type: 'standard', unitPrice: '0.01' },
      }),
    ];
    const rater = rowRater(context({ priceRules: rules }));

    // Act / Assess
    expect(rated(rater(request({ quantity: dec('1000') })))).toMatchObject({ priceRule: 'bulk', amount: '10' });
    expect(rated(rater(request({ quantity: dec('999') })))).toMatchObject({ priceRule: 'voice' });
    expect(rated(rater(request({ quantity: dec('1000'), product: 'voice' })))).toMatchObject({ priceRule: 'voice' });
  });
});

describe('rowRater: amounts', () => {
  const graduated = rule('data-tiers', {
    productCluster: 'data',
    model: {
      type: 'graduated',
      tiers: [
        { upTo: '10', unitPrice: '10', flatFee: '2' },
        { upTo: '20', unitPrice: '5', flatFee: '3' },
        { upTo: null, unitPrice: '5', flatFee: '3' },
      ],
    },
  });

  test('a graduated model prices the row quantity through its tiers', () => {
    // Prepare
    const rater = rowRater(context({ priceRules: [graduated] }));

    // Act
    const twelve = rated(rater(request({ product: 'gb', quantity: dec('12') })));
    const ten = rated(rater(request({ product: 'gb', quantity: dec('10') })));

    // Assess: 10 × 10 + 2, then 2 × 5 + 3
    expect(twelve).toMatchObject({ amount: '115', priceRule: 'data-tiers', currency: 'EUR' });
    expect(ten).toMatchObject({ amount: '102', unitPrice: '10.2' });
  });

  test('unitPrice is amount / quantity at full precision', () => {
    // Act
    const result = rowRater(context({ priceRules: [graduated] }))(request({ product: 'gb', quantity: dec('12') }));

    // Assess
    expect('error' in result).toBe(false);
    const { unitPrice, amount } = result as RatedRow;
    expect(unitPrice!.equals(new D('115').dividedBy(12))).toBe(true);
    expect(unitPrice!.times(12).toDecimalPlaces(30).equals(amount)).toBe(true);
  });

  test('a zero quantity costs nothing and has no unit price', () => {
    expect(rated(rowRater(context({ priceRules: [graduated] }))(request({ product: 'gb', quantity: dec('0') })))).toEqual({
      unitPrice: null,
      amount: '0',
      currency: 'EUR',
      priceRule: 'data-tiers',
    });
  });

  test('a credit (negative quantity) costs minus the same positive quantity', () => {
    expect(rated(rowRater(context({ priceRules: [graduated] }))(request({ product: 'gb', quantity: dec('-12') })))).toMatchObject({ amount: '-115' });
  });

  test('the currency is the customer currency', () => {
    // Prepare
    const rules = [rule('voice-usd', { productCluster: 'voice', currency: 'USD', model: { type: 'standard', unitPrice: '0.07' } })];

    // Act / Assess
    expect(rated(rowRater(context({ priceRules: rules }))(request({ customer: 'US-1' })))).toEqual({
      unitPrice: '0.07',
      amount: '7',
      currency: 'USD',
      priceRule: 'voice-usd',
    });
  });

  test('a percentage model takes its base from a meta.<key> column of the row', () => {
    // Prepare
    const fee = rule('fee', { productCluster: 'fees', model: { type: 'percentage', rate: '10', base: 'metadata.orderValue' } });
    const rater = rowRater(context({ priceRules: [fee] }));

    // Act
    const priced = rater(request({ product: 'fees', quantity: dec('1'), row: row({ 'meta.orderValue': dec('250') }) }));
    const missing = rater(request({ product: 'fees', quantity: dec('1'), row: row() }));

    // Assess
    expect(rated(priced)).toMatchObject({ amount: '25', priceRule: 'fee' });
    expect(errorOf(missing)).toBe('metadata.orderValue is missing; the price takes its percentage of that field');
  });
});
