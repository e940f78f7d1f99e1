import { toWire } from '../../../shared/kernel/money';
import { rate } from '../../../shared/pricing/domain/charge-models';
import {
  AmbiguousPriceRulesError,
  AmbiguousRoutingError,
  ExpressionEvaluationError,
  InvalidPriceRuleError,
  RoutingOverlapError,
} from '../../../shared/pricing/domain/errors';
import {
  checkPriceRuleCollision,
  checkRoutingOverlap,
  findAmbiguity,
  parsePriceRule,
  purchaseScope,
  routePurchase,
  routingOverlap,
  routingRuleDefinitionSchema,
  selectPriceRule,
  toWirePriceRule,
  type PriceRule,
  type PriceSelectionContext,
} from '../../../shared/pricing/domain/rules';
import { dec, priceRule, routingRule, sampleTrees, tree } from './builders';

const trees = sampleTrees();

/** A voice purchase of a customer in `shop` (all → nl → reseller-x → shop), paying in EUR. */
function context(overrides: Partial<PriceSelectionContext> = {}): PriceSelectionContext {
  return {
    productCluster: 'voice',
    customerCluster: 'shop',
    currency: 'EUR',
    purchaseDate: '2026-03-15T10:00:00Z',
    trees,
    scope: purchaseScope({ quantity: dec(12), purchaseDate: '2026-03-15T10:00:00Z', metadata: { roaming: 'yes', country: 'NL' } }),
    ...overrides,
  };
}

const ids = (rule: PriceRule | null) => rule?.id ?? null;

describe('price rule definition', () => {
  test('fills in the defaults of docs/api.md', () => {
    // Act
    const rule = parsePriceRule('r1', {
      productCluster: 'voice',
      currency: 'EUR',
      validFrom: '2026-01-01',
      model: { type: 'standard', unitPrice: '0.10' },
    });

    // Assess
    expect(rule).toMatchObject({ id: 'r1', customerCluster: null, validTo: null, priority: 0, condition: null, scope: 'purchase', groupBy: null });
    expect(rule.model.type).toBe('standard');
  });

  test('compiles the condition once and keeps it on the rule', () => {
    const rule = priceRule('r1', { condition: "metadata.roaming == 'yes'" });
    expect(rule.condition?.identifiers).toEqual(['metadata.roaming']);
  });

  test('toWirePriceRule gives back the API shape, which parses to the same rule', () => {
    // Prepare
    const body = {
      productCluster: 'voice',
      customerCluster: 'nl',
      currency: 'EUR',
      validFrom: '2026-01-01',
      validTo: '2027-01-01T00:00:00Z',
      priority: 3,
      condition: 'quantity > 0',
      scope: 'period',
      groupBy: 'msisdn',
      model: {
        type: 'graduated',
        tiers: [
          { upTo: '10', unitPrice: '1', flatFee: '0' },
          { upTo: null, unitPrice: '0.5', flatFee: '0' },
        ],
      },
    };

    // Act
    const wire = toWirePriceRule(parsePriceRule('r1', body));

    // Assess
    expect(wire).toEqual({ id: 'r1', ...body });
    const { id, ...wireBody } = wire;
    expect(toWirePriceRule(parsePriceRule(id, wireBody))).toEqual(wire);
  });

  test.each<[string, Record<string, unknown>, string[]]>([
    ['validTo before validFrom', { validFrom: '2026-02-01', validTo: '2026-01-01' }, ['validTo: must be after validFrom (2026-02-01)']],
    ['validTo equal to validFrom', { validFrom: '2026-02-01', validTo: '2026-02-01T00:00:00Z' }, ['validTo: must be after validFrom (2026-02-01)']],
    ['groupBy with purchase scope', { groupBy: 'msisdn' }, ["groupBy: only allowed with scope 'period'"]],
    ['groupBy not a key', { scope: 'period', groupBy: 'a b' }, ['groupBy: must be a metadata key (letters, digits, _ . -)']],
    ['fractional priority', { priority: 1.5 }, ['priority: must be a whole number from -1000000 to 1000000']],
    ['priority as text', { priority: '1' }, ['priority: must be a whole number from -1000000 to 1000000']],
    ['unknown scope', { scope: 'month' }, ["scope: must be 'purchase' or 'period'"]],
    ['condition that does not compile', { condition: 'exec(1)' }, ["condition: unknown function 'exec'"]],
    ['condition that is not text', { condition: true }, ['condition: must be a string']],
    ['bad model', { model: { type: 'standard', unitPrice: '-1' } }, ['model.unitPrice: must not be negative']],
    ['unknown field', { prio: 1 }, ["unknown field 'prio'"]],
    [
      'several problems',
      { model: { type: 'package', packageSize: '0', packagePrice: '1' }, condition: '1 +' },
      ['condition: unexpected end of expression at 3', 'model.packageSize: must be greater than 0'],
    ],
  ])('refuses %s', (_name, overrides, issues) => {
    // Act
    const act = () => priceRule('r1', overrides);

    // Assess
    expect(act).toThrow(InvalidPriceRuleError);
    try {
      act();
    } catch (error) {
      expect((error as InvalidPriceRuleError).issues).toEqual(issues);
    }
  });

  test.each<[string, Record<string, unknown>, string]>([
    ['a lower-case currency', { currency: 'eur' }, 'currency: '],
    ['a date that is not ISO', { validFrom: '15/03/2026' }, 'validFrom: '],
    ['a missing product cluster', { productCluster: undefined }, 'productCluster: '],
  ])('refuses %s, naming the field', (_name, overrides, field) => {
    expect(() => priceRule('r1', overrides)).toThrow(field);
  });
});

describe('selectPriceRule: applicability', () => {
  test('a rule on an ancestor product cluster applies to descendants', () => {
    expect(ids(selectPriceRule([priceRule('all-products')], context()))).toBe('all-products');
  });

  test.each<[string, Record<string, unknown>]>([
    ['a sibling product cluster', { productCluster: 'data' }],
    ['a descendant product cluster', { productCluster: 'roaming' }],
    ['a deleted product cluster', { productCluster: 'ghost' }],
    ['another customer branch', { customerCluster: 'de' }],
    ['a deeper customer cluster', { customerCluster: 'ghost' }],
    ['another currency', { currency: 'USD' }],
    ['a window that has not started', { validFrom: '2026-03-16' }],
    ['a window that ended before', { validFrom: '2026-01-01', validTo: '2026-03-15T10:00:00Z' }],
    ['a condition that is false', { condition: 'quantity > 100' }],
    ['a condition on absent metadata', { condition: "metadata.plan == 'gold'" }],
  ])('a rule on %s does not apply', (_name, overrides) => {
    expect(selectPriceRule([priceRule('r', overrides)], context())).toBeNull();
  });

  test.each<[string, Record<string, unknown>]>([
    ['the exact product cluster', { productCluster: 'voice' }],
    ['an ancestor customer cluster', { customerCluster: 'nl' }],
    ['the exact customer cluster', { customerCluster: 'shop' }],
    ['a window starting at the purchase', { validFrom: '2026-03-15T10:00:00Z' }],
    ['a window ending just after', { validTo: '2026-03-15T10:00:01Z' }],
    ['a window given as dates', { validFrom: '2026-03-15', validTo: '2026-03-16' }],
    ['a true condition on metadata', { condition: "metadata.roaming == 'yes' and meta.country == 'NL' and quantity >= 12" }],
    ['a condition on the purchase date', { condition: "date(purchaseDate) >= '2026-03-01'" }],
  ])('a rule on %s applies', (_name, overrides) => {
    expect(ids(selectPriceRule([priceRule('r', overrides)], context()))).toBe('r');
  });

  test('validTo is exclusive: a purchase at validTo is priced by the next rule', () => {
    // Prepare
    const rules = [priceRule('q1', { validFrom: '2026-01-01', validTo: '2026-04-01' }), priceRule('q2', { validFrom: '2026-04-01' })];

    // Act / Assess
    expect(ids(selectPriceRule(rules, context({ purchaseDate: '2026-03-31T23:59:59Z' })))).toBe('q1');
    expect(ids(selectPriceRule(rules, context({ purchaseDate: '2026-04-01' })))).toBe('q2');
  });

  test('no candidates, no rule: the purchase is not-invoiced / no-price-rule', () => {
    expect(selectPriceRule([], context())).toBeNull();
  });

  test('a condition that fails to evaluate is reported, never skipped for a cheaper rule', () => {
    const rules = [priceRule('fallback'), priceRule('broken', { productCluster: 'voice', condition: 'quantity / 0 > 1' })];
    expect(() => selectPriceRule(rules, context())).toThrow(ExpressionEvaluationError);
  });
});

describe('selectPriceRule: the most specific wins', () => {
  test('the deepest product cluster beats a deeper customer cluster', () => {
    const rules = [
      priceRule('customer-specific', { productCluster: 'usage', customerCluster: 'shop' }),
      priceRule('product-specific', { productCluster: 'voice' }),
    ];
    expect(ids(selectPriceRule(rules, context()))).toBe('product-specific');
  });

  test('with the same product cluster, the deepest customer cluster wins', () => {
    const rules = [
      priceRule('nl', { productCluster: 'voice', customerCluster: 'nl' }),
      priceRule('reseller', { productCluster: 'voice', customerCluster: 'reseller-x' }),
      priceRule('everyone', { productCluster: 'voice' }),
    ];
    expect(ids(selectPriceRule(rules, context()))).toBe('reseller');
  });

  test('a rule for every customer is less specific than one on the root customer cluster', () => {
    const rules = [priceRule('everyone', { priority: -100 }), priceRule('root', { customerCluster: 'all', priority: 100 })];
    expect(ids(selectPriceRule(rules, context()))).toBe('root');
  });

  test('then the lowest priority wins', () => {
    const rules = [priceRule('p5', { priority: 5 }), priceRule('p-1', { priority: -1 }), priceRule('p0')];
    expect(ids(selectPriceRule(rules, context()))).toBe('p-1');
  });

  test('a conditional rule wins when its condition holds, and steps aside when it does not', () => {
    // Prepare
    const rules = [priceRule('roaming', { priority: 0, condition: "metadata.roaming == 'yes'" }), priceRule('default', { priority: 1 })];

    // Act / Assess
    expect(ids(selectPriceRule(rules, context()))).toBe('roaming');
    expect(ids(selectPriceRule(rules, context({ scope: purchaseScope({ quantity: dec(1), purchaseDate: '2026-03-15' }) })))).toBe('default');
  });

  test('two equally specific rules are a configuration error naming both', () => {
    // Prepare
    const rules = [priceRule('a', { productCluster: 'voice' }), priceRule('other'), priceRule('b', { productCluster: 'voice' })];

    // Act
    const act = () => selectPriceRule(rules, context());

    // Assess
    expect(act).toThrow(AmbiguousPriceRulesError);
    expect(act).toThrow("price rules 'a' and 'b' are equally specific");
    try {
      act();
    } catch (error) {
      expect((error as AmbiguousPriceRulesError).ruleIds).toEqual(['a', 'b']);
      expect((error as AmbiguousPriceRulesError).code).toBe('ambiguous_price_rules');
    }
  });

  test('a tie below the winner does not matter', () => {
    const rules = [priceRule('tie-1'), priceRule('tie-2'), priceRule('winner', { productCluster: 'voice' })];
    expect(ids(selectPriceRule(rules, context()))).toBe('winner');
  });

  test('a tie found before a better rule is forgotten once the better rule appears', () => {
    const rules = [priceRule('tie-1'), priceRule('tie-2'), priceRule('winner', { priority: -1 })];
    expect(ids(selectPriceRule(rules, context()))).toBe('winner');
  });

  test('the order of candidates never changes the winner', () => {
    const rules = [
      priceRule('a', { productCluster: 'usage' }),
      priceRule('b', { productCluster: 'voice', customerCluster: 'nl' }),
      priceRule('c', { productCluster: 'voice', customerCluster: 'nl', priority: 2 }),
      priceRule('d', { productCluster: 'voice' }),
    ];
    expect(ids(selectPriceRule(rules, context()))).toBe('b');
    expect(ids(selectPriceRule([...rules].reverse(), context()))).toBe('b');
  });

  test('the selected rule prices the purchase', () => {
    const rules = [priceRule('voice', { productCluster: 'voice', model: { type: 'standard', unitPrice: '0.05' } })];
    const selected = selectPriceRule(rules, context());
    expect(toWire(rate(selected!.model, { quantity: dec(12) }))).toBe('0.6');
  });
});

describe('findAmbiguity (save time)', () => {
  test('same clusters, priority, currency and overlapping windows collide', () => {
    const rules = [
      priceRule('a', { productCluster: 'voice', validFrom: '2026-01-01', validTo: '2026-06-01' }),
      priceRule('b', { productCluster: 'voice', validFrom: '2026-05-01' }),
    ];
    expect(findAmbiguity(rules)).toEqual(['a', 'b']);
  });

  test.each<[string, Record<string, unknown>]>([
    ['adjacent windows', { validFrom: '2026-06-01' }],
    ['another priority', { priority: 1 }],
    ['another currency', { currency: 'USD' }],
    ['another customer cluster', { customerCluster: 'nl' }],
    ['another product cluster', { productCluster: 'data' }],
  ])('rules differing by %s do not collide', (_name, overrides) => {
    const rules = [priceRule('a', { productCluster: 'voice', validTo: '2026-06-01' }), priceRule('b', { productCluster: 'voice', ...overrides })];
    expect(findAmbiguity(rules)).toBeNull();
  });

  test('conditions are ignored: two conditional rules at the same level collide (separate them by priority)', () => {
    const rules = [priceRule('roaming', { condition: "metadata.roaming == 'yes'" }), priceRule('home', { condition: "metadata.roaming != 'yes'" })];
    expect(findAmbiguity(rules)).toEqual(['roaming', 'home']);
  });

  test('open-ended windows overlap everything after their start', () => {
    const rules = [priceRule('a', { validFrom: '2030-01-01' }), priceRule('b', { validFrom: '2026-01-01', validTo: '2030-01-02' })];
    expect(findAmbiguity(rules)).toEqual(['a', 'b']);
  });

  test('checkPriceRuleCollision skips the rule being replaced and names the other', () => {
    // Prepare
    const existing = [priceRule('a'), priceRule('b', { priority: 1 })];

    // Act / Assess
    expect(() => checkPriceRuleCollision(priceRule('a', { validFrom: '2026-02-01' }), existing)).not.toThrow();
    expect(() => checkPriceRuleCollision(priceRule('c', { priority: 1 }), existing)).toThrow(AmbiguousPriceRulesError);
    expect(() => checkPriceRuleCollision(priceRule('c', { priority: 1 }), existing)).toThrow("price rules 'c' and 'b' are equally specific");
  });

  test('whatever survives the save-time check never ties at selection time', () => {
    // Prepare: a rule set with no collisions
    const rules = [
      priceRule('a'),
      priceRule('b', { priority: 1 }),
      priceRule('c', { productCluster: 'voice', customerCluster: 'nl' }),
      priceRule('d', { productCluster: 'voice', customerCluster: 'de' }),
      priceRule('e', { productCluster: 'usage', customerCluster: 'shop', validTo: '2026-03-01' }),
      priceRule('f', { productCluster: 'usage', customerCluster: 'shop', validFrom: '2026-03-01' }),
    ];
    expect(findAmbiguity(rules)).toBeNull();

    // Act / Assess: every purchase gets one rule or none, never an error
    for (const productCluster of ['products', 'usage', 'voice', 'roaming', 'data', 'fees']) {
      for (const customerCluster of ['all', 'nl', 'reseller-x', 'shop', 'de']) {
        for (const purchaseDate of ['2026-02-15', '2026-03-01', '2027-01-01']) {
          expect(() => selectPriceRule(rules, context({ productCluster, customerCluster, purchaseDate }))).not.toThrow();
        }
      }
    }
  });
});

describe('routing', () => {
  const customers = trees.customers;
  const products = trees.products;

  test('the routing rule body has three required fields', () => {
    expect(routingRuleDefinitionSchema.safeParse({ customerCluster: 'nl', productCluster: 'usage', targetCustomer: 'D' }).success).toBe(true);
    expect(routingRuleDefinitionSchema.safeParse({ customerCluster: 'nl', productCluster: 'usage' }).success).toBe(false);
  });

  test.each<[string, [string, string], [string, string], boolean]>([
    ['ancestor customer, descendant product', ['nl', 'voice'], ['shop', 'usage'], true],
    ['same clusters', ['nl', 'usage'], ['nl', 'usage'], true],
    ['descendant customer, same product', ['reseller-x', 'usage'], ['nl', 'usage'], true],
    ['sibling customers', ['nl', 'usage'], ['de', 'usage'], false],
    ['same customer line, sibling products', ['nl', 'voice'], ['shop', 'data'], false],
    ['unrelated on both', ['de', 'fees'], ['nl', 'usage'], false],
  ])('%s: overlap is %p', (_name, [existingCustomer, existingProduct], [newCustomer, newProduct], overlaps) => {
    // Prepare
    const existing = [routingRule('existing', existingCustomer, existingProduct)];

    // Act
    const result = routingOverlap(routingRule('new', newCustomer, newProduct), existing, customers, products);

    // Assess
    expect(result).toBe(overlaps ? 'existing' : null);
  });

  test('replacing a rule (same id) does not overlap with itself', () => {
    const existing = [routingRule('r1', 'nl', 'usage')];
    expect(routingOverlap(routingRule('r1', 'shop', 'voice'), existing, customers, products)).toBeNull();
  });

  test('checkRoutingOverlap refuses with routing_overlap naming the rule it overlaps', () => {
    // Prepare
    const existing = [routingRule('d-pays', 'nl', 'usage', 'D')];

    // Act
    const act = () => checkRoutingOverlap(routingRule('r-pays', 'shop', 'voice', 'R'), existing, customers, products);

    // Assess
    expect(act).toThrow(RoutingOverlapError);
    expect(act).toThrow("routing rule 'r-pays' overlaps routing rule 'd-pays'");
    try {
      act();
    } catch (error) {
      expect((error as RoutingOverlapError).code).toBe('routing_overlap');
      expect((error as RoutingOverlapError).overlapsWith).toBe('d-pays');
    }
  });

  test('routePurchase finds the rule whose clusters contain the original customer and the product', () => {
    // Prepare
    const rules = [routingRule('nl-usage', 'nl', 'usage', 'D'), routingRule('de-fees', 'de', 'fees', 'E')];

    // Act / Assess
    expect(routePurchase(rules, 'shop', 'voice', trees)?.targetCustomer).toBe('D');
    expect(routePurchase(rules, 'de', 'fees', trees)?.targetCustomer).toBe('E');
    expect(routePurchase(rules, 'de', 'voice', trees)).toBeNull();
    expect(routePurchase(rules, 'ghost', 'voice', trees)).toBeNull();
  });

  test('routing never chains: it is decided from the original customer only', () => {
    // Prepare: shop's usage is paid by D (in cluster de); de's usage would be paid by E
    const chainTrees = { customers: tree({ all: null, nl: 'all', shop: 'nl', de: 'all' }), products: trees.products };
    const rules = [routingRule('shop-to-d', 'shop', 'usage', 'D'), routingRule('de-to-e', 'de', 'usage', 'E')];

    // Act
    const route = routePurchase(rules, 'shop', 'voice', chainTrees);

    // Assess
    expect(route?.id).toBe('shop-to-d');
    expect(route?.targetCustomer).toBe('D');
  });

  test('if a cluster move makes two rules match, the most specific wins', () => {
    // Prepare: saved apart, then `shop` moved under `nl` where a broader rule lives
    const rules = [
      routingRule('broad', 'nl', 'usage', 'D'),
      routingRule('narrow', 'shop', 'usage', 'R'),
      routingRule('narrower-product', 'nl', 'voice', 'X'),
    ];

    // Act / Assess: deepest customer cluster first, then deepest product cluster
    expect(routePurchase(rules, 'shop', 'voice', trees)?.id).toBe('narrow');
    expect(routePurchase(rules, 'reseller-x', 'voice', trees)?.id).toBe('narrower-product');
  });

  test('two rules on identical clusters (a race between saves) are reported', () => {
    const rules = [routingRule('a', 'nl', 'usage'), routingRule('b', 'nl', 'usage')];
    expect(() => routePurchase(rules, 'shop', 'voice', trees)).toThrow(AmbiguousRoutingError);
    expect(() => routePurchase(rules, 'shop', 'voice', trees)).toThrow("routing rules 'a' and 'b' both route the purchase");
  });
});

describe('purchaseScope', () => {
  test('exposes the purchase fields and metadata under both names', () => {
    // Act
    const scope = purchaseScope({
      quantity: dec(3),
      purchaseDate: '2026-03-15',
      endDate: null,
      productLabel: 'VOICE-NL',
      customerCode: 'D',
      usedBy: 'shop-1',
      metadata: { msisdn: '0612', amount: dec('9.99') },
    });

    // Assess
    expect([...scope.keys()].sort()).toEqual(
      [
        'customerCode',
        'endDate',
        'meta.amount',
        'meta.msisdn',
        'metadata.amount',
        'metadata.msisdn',
        'productLabel',
        'purchaseDate',
        'quantity',
        'usedBy',
      ].sort(),
    );
    expect(scope.get('meta.msisdn')).toBe('0612');
  });
});
