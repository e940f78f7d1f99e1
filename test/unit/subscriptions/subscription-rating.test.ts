import { ClusterTree } from '../../../shared/catalog/domain/clusters';
import type { PurchaseInput } from '../../../shared/ingest/domain/purchase';
import { ratePurchase, type RatingContext } from '../../../shared/ingest/domain/rating';
import { parsePriceRule, type CustomerFacts, type PriceRule } from '../../../shared/pricing/domain/rules';
import {
  compileSubscriberRule,
  parseSubscriptionRuleId,
  subscriptionNames,
  subscriptionRuleId,
  windowsByCustomer,
} from '../../../shared/pricing/domain/subscribers';
import { parseOffer, type OfferRecord } from '../../../shared/subscriptions/domain/offer';
import { subscriberTerms, subscriptionPriceRules, subscriptionRuleScopes } from '../../../shared/subscriptions/domain/rating';
import type { HistoryEntry, SubscriptionRecord } from '../../../shared/subscriptions/domain/subscription';

const at = '2026-01-01T00:00:00Z';

function offer(id: string, body: Record<string, unknown>): OfferRecord {
  return { id, updatedAt: at, ...parseOffer({ catalogue: 'cat', name: id, currency: 'EUR', charges: [], ...body }) };
}

const usage = (id: string, model: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'usage',
  productCluster: 'voice',
  model,
  ...extra,
});

const OFFERS = new Map(
  [
    offer('talk', { trialDays: 14, parameters: { included: 100 }, charges: [usage('calls', { type: 'standard', unitPrice: '0.02' })] }),
    offer('talk-plus', {
      parameters: { included: 500, tier: 'gold' },
      charges: [usage('calls', { type: 'expression', expression: 'max(0, quantity - subscription.included) * 0.01' })],
    }),
    offer('fees-only', {
      parameters: { included: 7 },
      charges: [{ id: 'base', type: 'recurring', productCluster: 'plans', price: '10', period: 'month', timing: 'in-advance' }],
    }),
  ].map((o) => [o.id, o]),
);

const entry = {
  pause: (effectiveDate: string): HistoryEntry => ({ type: 'pause', effectiveDate, recordedAt: at }),
  resume: (effectiveDate: string): HistoryEntry => ({ type: 'resume', effectiveDate, recordedAt: at }),
  change: (effectiveDate: string, o: string): HistoryEntry => ({
    type: 'change',
    effectiveDate,
    policy: 'immediate',
    appliesFrom: effectiveDate,
    offer: o,
    quantity: null,
    recordedAt: at,
  }),
  cancel: (effectiveDate: string): HistoryEntry => ({
    type: 'cancel',
    effectiveDate,
    policy: 'immediate',
    appliesFrom: effectiveDate,
    recordedAt: at,
  }),
};

function sub(over: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    id: 's1',
    customer: 'C1',
    offer: 'talk',
    quantity: '1',
    startDate: '2026-01-15',
    endDate: null,
    parameters: {},
    chargedThrough: null,
    history: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

describe('subscription usage charges as price rules', () => {
  test('one rule per stretch in service: trial days included, paused days left out, a change of offer starts another rule', () => {
    const s = sub({
      history: [entry.pause('2026-03-01'), entry.resume('2026-04-01'), entry.change('2026-05-01', 'talk-plus'), entry.cancel('2026-06-10')],
    });
    const terms = subscriberTerms([s], OFFERS);
    expect(terms.rules.map((r) => [r.id, r.validFrom, r.validTo, r.model.type, r.customer, r.customerCluster, r.productCluster, r.currency])).toEqual(
      [
        ['subscription#s1#talk#calls', '2026-01-15', '2026-03-01', 'standard', 'C1', null, 'voice', 'EUR'],
        ['subscription#s1#talk#calls', '2026-04-01', '2026-05-01', 'standard', 'C1', null, 'voice', 'EUR'],
        ['subscription#s1#talk-plus#calls', '2026-05-01', '2026-06-10', 'expression', 'C1', null, 'voice', 'EUR'],
      ],
    );
    expect(terms.windows).toEqual([
      { subscription: 's1', customer: 'C1', from: '2026-01-15', to: '2026-03-01', parameters: { included: '100' } },
      { subscription: 's1', customer: 'C1', from: '2026-04-01', to: '2026-05-01', parameters: { included: '100' } },
      { subscription: 's1', customer: 'C1', from: '2026-05-01', to: '2026-06-10', parameters: { included: '500', tier: 'gold' } },
    ]);
  });

  test("the subscription's own parameters override the offer's; an offer without usage charges still gives parameters", () => {
    const terms = subscriberTerms([sub({ offer: 'fees-only', parameters: { included: '42', extra: 'x' } })], OFFERS);
    expect(terms.rules).toEqual([]);
    expect(terms.windows).toEqual([{ subscription: 's1', customer: 'C1', from: '2026-01-15', to: null, parameters: { included: '42', extra: 'x' } }]);
  });

  test('a missing offer gives nothing for its days', () => {
    expect(subscriberTerms([sub({ offer: 'gone' })], OFFERS)).toEqual({ rules: [], windows: [] });
  });

  test('rule ids read back, and no id a user can save reads as one', () => {
    const id = subscriptionRuleId({ subscription: 'sub-1', offer: 'o:1', charge: 'calls' });
    expect(id).toBe('subscription#sub-1#o:1#calls');
    expect(parseSubscriptionRuleId(id)).toEqual({ subscription: 'sub-1', offer: 'o:1', charge: 'calls' });
    for (const other of ['subscription:s1:calls', 'subscription#s1#calls', 'subscription#s1##calls', 'subscription#a#b#c#d', 'voice-default', null]) {
      expect(parseSubscriptionRuleId(other)).toBeNull();
    }
    // user rule ids are identifiers, which refuse '#'
    expect(() =>
      parsePriceRule('x', { productCluster: 'voice', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: '1' } }),
    ).not.toThrow();
  });

  test('billing gets the compiled rules of an account by id', () => {
    const rules = subscriptionPriceRules([sub({ history: [entry.change('2026-05-01', 'talk-plus')] })], OFFERS);
    expect([...rules.keys()]).toEqual(['subscription#s1#talk#calls', 'subscription#s1#talk-plus#calls']);
    expect(rules.get('subscription#s1#talk#calls')).toMatchObject({ customer: 'C1', scope: 'purchase', model: { type: 'standard' } });
    const scopes = subscriptionRuleScopes([sub({ parameters: { tier: 'x' }, history: [entry.change('2026-05-01', 'talk-plus')] })], OFFERS);
    expect(scopes).toEqual(
      new Map([
        ['subscription#s1#talk#calls', { 'subscription.included': '100', 'subscription.tier': 'x' }],
        ['subscription#s1#talk-plus#calls', { 'subscription.included': '500', 'subscription.tier': 'x' }],
      ]),
    );
  });
});

// ------------------------------------------------------------------------------------------- rating

const customers: CustomerFacts[] = [
  { code: 'C1', cluster: 'vip', currency: 'EUR', onHold: false },
  { code: 'C2', cluster: 'vip', currency: 'EUR', onHold: false },
  { code: 'END', cluster: 'resold', currency: 'EUR', onHold: false },
];

function accountRule(id: string, body: Record<string, unknown>): PriceRule {
  return parsePriceRule(id, { currency: 'EUR', validFrom: '2026-01-01', ...body });
}

function context(subscriptions: SubscriptionRecord[], rules: PriceRule[] = []): RatingContext {
  const terms = subscriberTerms(subscriptions, OFFERS);
  return {
    customers: new Map(customers.map((c) => [c.code, c])),
    aliases: new Map([
      ['min', 'voice-mobile'],
      ['gb', 'data'],
    ]),
    customerTree: new ClusterTree([{ id: 'all' }, { id: 'vip', parent: 'all' }, { id: 'resold', parent: 'all' }]),
    productTree: new ClusterTree([
      { id: 'products' },
      { id: 'voice', parent: 'products' },
      { id: 'voice-mobile', parent: 'voice' },
      { id: 'data', parent: 'products' },
    ]),
    routingRules: [{ id: 'resale', customerCluster: 'resold', productCluster: 'products', targetCustomer: 'C1' }],
    priceRules: [
      // The most specific an account rule can be: the deepest clusters and the lowest priority.
      accountRule('voice-vip', {
        productCluster: 'voice-mobile',
        customerCluster: 'vip',
        priority: -1000,
        model: { type: 'standard', unitPrice: '0.10' },
      }),
      accountRule('data', { productCluster: 'data', model: { type: 'standard', unitPrice: '1' } }),
      ...rules,
      ...terms.rules.map(compileSubscriberRule),
    ],
    subscriptions: windowsByCustomer(terms.windows),
    now: new Date('2026-12-01T00:00:00Z'),
  };
}

const purchase = (over: Partial<PurchaseInput> = {}): PurchaseInput => ({
  reference: 'r1',
  productLabel: 'min',
  customerCode: 'C1',
  quantity: '600',
  purchaseDate: '2026-02-10T12:00:00Z',
  endDate: null,
  metadata: {},
  ...over,
});

describe('rating with subscriptions', () => {
  const subscribed = context([sub({ history: [entry.pause('2026-03-01'), entry.resume('2026-04-01'), entry.cancel('2026-06-01')] })]);

  test("a usage charge outranks the account's most specific rule for its subscriber, on its days only", () => {
    expect(ratePurchase(purchase(), subscribed)).toMatchObject({ status: 'rated', priceRule: 'subscription#s1#talk#calls', amount: '12' });
    // in the trial (first 14 days) usage is billed too
    expect(ratePurchase(purchase({ purchaseDate: '2026-01-15' }), subscribed)).toMatchObject({ priceRule: 'subscription#s1#talk#calls' });
    for (const day of ['2026-01-14T23:59:59Z', '2026-03-01', '2026-03-31T23:00:00Z', '2026-06-01']) {
      expect(ratePurchase(purchase({ purchaseDate: day }), subscribed)).toMatchObject({ priceRule: 'voice-vip', amount: '60' });
    }
    expect(ratePurchase(purchase({ purchaseDate: '2026-04-01' }), subscribed)).toMatchObject({ priceRule: 'subscription#s1#talk#calls' });
    // a date with an offset is taken on its UTC day
    expect(ratePurchase(purchase({ purchaseDate: '2026-03-01T00:30:00+01:00' }), subscribed)).toMatchObject({
      priceRule: 'subscription#s1#talk#calls',
    });
  });

  test('other customers, other clusters and other currencies keep the account rules', () => {
    expect(ratePurchase(purchase({ customerCode: 'C2' }), subscribed)).toMatchObject({ priceRule: 'voice-vip' });
    expect(ratePurchase(purchase({ productLabel: 'gb' }), subscribed)).toMatchObject({ priceRule: 'data' });
    const usd = { ...subscribed, customers: new Map([...subscribed.customers, ['C1', { ...customers[0]!, currency: 'USD' }]]) };
    expect(ratePurchase(purchase(), usd)).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', priceRule: null });
  });

  test('the subscriber is the customer who pays: purchases routed to it are priced by its usage charges', () => {
    expect(ratePurchase(purchase({ customerCode: 'END' }), subscribed)).toMatchObject({
      customer: 'END',
      billedTo: 'C1',
      routingRule: 'resale',
      priceRule: 'subscription#s1#talk#calls',
    });
  });

  test('two subscriptions pricing the same cluster on the same day are ambiguous, named in the rating error', () => {
    const both = context([sub(), sub({ id: 's2' })]);
    const decision = ratePurchase(purchase(), both);
    expect(decision).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', priceRule: null });
    expect(decision.ratingError).toMatch(
      /subscription#s1#talk#calls.*subscription#s2#talk#calls|subscription#s2#talk#calls.*subscription#s1#talk#calls/,
    );
  });
});

describe('subscription.<key> in expressions', () => {
  const plus = sub({ offer: 'talk-plus', parameters: { included: '450' } });
  const included = accountRule('data-included', {
    productCluster: 'data',
    customerCluster: 'vip',
    model: { type: 'expression', expression: 'max(0, quantity - subscription.included) * 2' },
  });

  test("a usage charge's expression reads its subscription's parameters (the subscription's own over the offer's)", () => {
    expect(ratePurchase(purchase(), context([plus]))).toMatchObject({ priceRule: 'subscription#s1#talk-plus#calls', amount: '1.5' });
    expect(ratePurchase(purchase({ quantity: '300' }), context([plus]))).toMatchObject({ amount: '0' });
  });

  test('an account rule reads the parameters of the subscriptions in service on the day', () => {
    const ctx = context([plus], [included]);
    expect(ratePurchase(purchase({ productLabel: 'gb', quantity: '500' }), ctx)).toMatchObject({ priceRule: 'data-included', amount: '100' });
    // C2 has no subscription: the name is unknown, as an unknown metadata key is
    const none = ratePurchase(purchase({ customerCode: 'C2', productLabel: 'gb', quantity: '500' }), ctx);
    expect(none).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', priceRule: null, amount: null });
    expect(none.ratingError).toMatch(/null|number|decimal/i);
    // before the subscription started, neither
    expect(ratePurchase(purchase({ productLabel: 'gb', purchaseDate: '2026-01-02' }), ctx)).toMatchObject({ reason: 'no-price-rule' });
  });

  test('conditions read subscription.<key> too', () => {
    const gold = accountRule('data-gold', {
      productCluster: 'data',
      priority: -1,
      condition: "subscription.tier == 'gold'",
      model: { type: 'standard', unitPrice: '0.5' },
    });
    const ctx = context([plus], [gold]);
    expect(ratePurchase(purchase({ productLabel: 'gb', quantity: '10' }), ctx)).toMatchObject({ priceRule: 'data-gold', amount: '5' });
    expect(ratePurchase(purchase({ customerCode: 'C2', productLabel: 'gb', quantity: '10' }), ctx)).toMatchObject({
      priceRule: 'data',
      amount: '10',
    });
  });

  test('two subscriptions giving a key different values: an account rule reading it fails naming both; the usage charge reads its own', () => {
    const other = sub({ id: 's2', offer: 'fees-only', parameters: { included: '10' } });
    const ctx = context([plus, other], [included]);
    const decision = ratePurchase(purchase({ productLabel: 'gb', quantity: '500' }), ctx);
    expect(decision).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', amount: null });
    expect(decision.ratingError).toBe(
      "subscription.included differs between the subscriptions 's1' and 's2' of customer 'C1' (rule 'data-included')",
    );
    expect(ratePurchase(purchase(), ctx)).toMatchObject({ priceRule: 'subscription#s1#talk-plus#calls', amount: '1.5' });
    // a rule not reading the key is not affected
    expect(ratePurchase(purchase({ productLabel: 'gb', quantity: '3' }), context([plus, other]))).toMatchObject({ priceRule: 'data', amount: '3' });
  });

  test('a condition reading a key the subscriptions disagree on fails before any rule is picked', () => {
    const gold = accountRule('data-gold', {
      productCluster: 'data',
      priority: -1,
      condition: 'subscription.included > 5',
      model: { type: 'standard', unitPrice: '0.5' },
    });
    const ctx = context([plus, sub({ id: 's2', offer: 'fees-only' })], [gold]);
    expect(ratePurchase(purchase({ productLabel: 'gb', quantity: '10' }), ctx).ratingError).toMatch(
      /subscription\.included differs between the subscriptions 's1' and 's2'/,
    );
  });

  test('subscriptionNames: days, one subscription only, equal values agree', () => {
    const windows = [
      { subscription: 'a', customer: 'C', from: '2026-01-01', to: '2026-02-01', parameters: { x: '1', y: '2' } },
      { subscription: 'b', customer: 'C', from: '2026-01-15', to: null, parameters: { x: '1', y: '3' } },
    ];
    expect(subscriptionNames(windows, '2026-01-10')).toEqual({ values: { 'subscription.x': '1', 'subscription.y': '2' }, conflicts: new Map() });
    expect(subscriptionNames(windows, '2026-01-20')).toEqual({
      values: { 'subscription.x': '1' },
      conflicts: new Map([['subscription.y', ['a', 'b']]]),
    });
    expect(subscriptionNames(windows, '2026-01-20', 'b').values).toEqual({ 'subscription.x': '1', 'subscription.y': '3' });
    expect(subscriptionNames(windows, '2026-02-01').values).toEqual({ 'subscription.x': '1', 'subscription.y': '3' });
  });
});
