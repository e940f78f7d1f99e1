import fc from 'fast-check';
import { ConflictError } from '../../../shared/kernel/errors';
import { D, roundMoney, toWire, toWireMoney } from '../../../shared/kernel/money';
import { rate } from '../../../shared/pricing/domain/charge-models';
import { buildLines, derivedUnitPrice, partitionRows, type InvoiceLine } from '../../../shared/billing/domain/lines';
import { dec, row, rows, rule, rules } from './builders';

const wire = (lines: InvoiceLine[], currency = 'EUR') =>
  lines.map((l) => ({
    description: l.description,
    productCluster: l.productCluster,
    quantity: toWire(l.quantity),
    unitPrice: toWire(l.unitPrice),
    amount: toWireMoney(l.amount, currency),
    group: l.group,
  }));

describe('buildLines: rounding once per line', () => {
  test('three CDRs of 0.0004 sum to 0.0012 and the line rounds to 0.00', () => {
    // Prepare
    const input = { customerCode: 'c-1', currency: 'EUR', rows: rows(3), rules: rules() };

    // Act
    const lines = buildLines(input);

    // Assess
    expect(wire(lines)).toEqual([{ description: 'voice', productCluster: 'voice', quantity: '3', unitPrice: '0.0004', amount: '0.00', group: null }]);
  });

  test('1,000 CDRs of 0.0004 make a line of 0.40 (rounding each would have made 0.00)', () => {
    const lines = buildLines({ customerCode: 'c-1', currency: 'EUR', rows: rows(1000), rules: rules() });

    expect(wire(lines)).toEqual([
      { description: 'voice', productCluster: 'voice', quantity: '1000', unitPrice: '0.0004', amount: '0.40', group: null },
    ]);
  });

  test.each([
    ['EUR', '0.005', '0.01'],
    ['EUR', '0.0049999', '0.00'],
    ['EUR', '2.675', '2.68'],
    ['EUR', '-0.005', '-0.01'],
    ['JPY', '0.5', '1'],
    ['JPY', '1250.4999', '1250'],
    ['KWD', '1.2345', '1.235'],
    ['KWD', '1.23449', '1.234'],
  ])('%s: a line of %s is rounded half-up to %s', (currency, amount, expected) => {
    // Prepare
    const input = [row({ currency, amount: dec(amount), unitPrice: dec(amount) })];

    // Act
    const [line] = buildLines({ customerCode: 'c-1', currency, rows: input, rules: rules() });

    // Assess
    expect(toWire(line!.amount)).toBe(toWire(dec(expected)));
    expect(toWireMoney(line!.amount, currency)).toBe(expected);
  });

  test('JPY sums before rounding: two purchases of 0.4 yen are one line of 1 yen', () => {
    const lines = buildLines({
      customerCode: 'c-1',
      currency: 'JPY',
      rows: rows(2, { currency: 'JPY', amount: dec('0.4'), unitPrice: dec('0.4') }),
      rules: rules(),
    });

    expect(toWireMoney(lines[0]!.amount, 'JPY')).toBe('1');
  });

  test('a line amount is the rounded full-precision sum, whatever the rows (property)', () => {
    const amount = fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }).map((n) => new D(n.toString()).div(10_000));
    fc.assert(
      fc.property(fc.array(amount, { minLength: 1, maxLength: 40 }), fc.constantFrom('EUR', 'JPY', 'KWD'), (amounts, currency) => {
        const input = amounts.map((a) => row({ currency, amount: a, unitPrice: null }));
        const lines = buildLines({ customerCode: 'c-1', currency, rows: input, rules: rules() });
        const exact = amounts.reduce((s, a) => s.plus(a), new D(0));
        expect(lines).toHaveLength(1);
        expect(lines[0]!.amount.eq(roundMoney(exact, currency))).toBe(true);
      }),
    );
  });
});

describe('buildLines: grouping and unit prices', () => {
  test('purchases are summed per product cluster, rule and unit price', () => {
    // Prepare
    const input = [
      row({ unitPrice: dec('0.01'), amount: dec('0.05'), quantity: dec(5) }),
      row({ unitPrice: dec('0.010'), amount: dec('0.02'), quantity: dec(2) }),
      row({ unitPrice: dec('0.02'), amount: dec('0.02'), quantity: dec(1) }),
      row({ productCluster: 'data', productLabel: 'gprs', unitPrice: dec('1'), amount: dec('3'), quantity: dec(3) }),
    ];

    // Act
    const lines = buildLines({
      customerCode: 'c-1',
      currency: 'EUR',
      rows: input,
      rules: rules(),
      productClusterNames: new Map([['voice', 'Voice calls']]),
    });

    // Assess
    expect(wire(lines)).toEqual([
      { description: 'data', productCluster: 'data', quantity: '3', unitPrice: '1', amount: '3.00', group: null },
      { description: 'Voice calls', productCluster: 'voice', quantity: '7', unitPrice: '0.01', amount: '0.07', group: null },
      { description: 'Voice calls', productCluster: 'voice', quantity: '1', unitPrice: '0.02', amount: '0.02', group: null },
    ]);
  });

  test('rows without a common unit price show amount / quantity to 6 decimals', () => {
    const input = [row({ unitPrice: null, amount: dec('1'), quantity: dec(1) }), row({ unitPrice: null, amount: dec('1'), quantity: dec(2) })];

    const [line] = buildLines({ customerCode: 'c-1', currency: 'EUR', rows: input, rules: rules() });

    expect(toWire(line!.unitPrice)).toBe('0.666667');
    expect(toWireMoney(line!.amount, 'EUR')).toBe('2.00');
  });

  test('derivedUnitPrice is 0 for a zero quantity', () => {
    expect(toWire(derivedUnitPrice(dec('5'), dec(0)))).toBe('0');
  });

  test('a stream-priced row (no rule of this account) counts with its own amount', () => {
    const lines = buildLines({
      customerCode: 'c-1',
      currency: 'EUR',
      rows: [row({ priceRule: null, amount: dec('12.345'), unitPrice: dec('12.345') })],
      rules: rules(),
    });

    expect(wire(lines)[0]).toMatchObject({ amount: '12.35', unitPrice: '12.345' });
    expect(lines[0]!.priceRule).toBeNull();
  });

  test('the order of the rows never changes the lines (property)', () => {
    const input = [
      ...rows(3, { productCluster: 'voice', unitPrice: dec('0.1'), amount: dec('0.1') }),
      ...rows(2, { productCluster: 'data', unitPrice: dec('0.3'), amount: dec('0.3') }),
      ...rows(2, { productCluster: 'voice', unitPrice: dec('0.05'), amount: dec('0.05') }),
      row({ productCluster: 'sms', priceRule: 'bundle', metadata: { msisdn: '31600000002' } }),
      row({ productCluster: 'sms', priceRule: 'bundle', metadata: { msisdn: '31600000001' } }),
    ];
    const lookup = rules({
      bundle: rule({ productCluster: 'sms', scope: 'period', groupBy: 'msisdn', model: { type: 'standard', unitPrice: '0.07' } }),
    });
    const expected = wire(buildLines({ customerCode: 'c-1', currency: 'EUR', rows: input, rules: lookup }));
    expect(expected.map((l) => [l.productCluster, l.group, l.unitPrice])).toEqual([
      ['data', null, '0.3'],
      ['sms', '31600000001', '0.07'],
      ['sms', '31600000002', '0.07'],
      ['voice', null, '0.05'],
      ['voice', null, '0.1'],
    ]);

    fc.assert(
      fc.property(fc.shuffledSubarray(input, { minLength: input.length }), (shuffled) => {
        expect(wire(buildLines({ customerCode: 'c-1', currency: 'EUR', rows: shuffled, rules: lookup }))).toEqual(expected);
      }),
    );
  });
});

describe('buildLines: period-scoped rules', () => {
  const graduated = {
    type: 'graduated',
    tiers: [
      { upTo: '100', unitPrice: '0.10', flatFee: '0' },
      { upTo: '1000', unitPrice: '0.05', flatFee: '1' },
      { upTo: null, unitPrice: '0.01', flatFee: '0' },
    ],
  };

  test('tiers apply to the period sum, not to each purchase', () => {
    // Prepare: 3 × 60 units; per purchase that would be 3 × 6.00 = 18.00
    const lookup = rules({ tiered: rule({ scope: 'period', model: graduated }) });
    const input = rows(3, { priceRule: 'tiered', quantity: dec(60), amount: null, unitPrice: null });

    // Act
    const lines = buildLines({ customerCode: 'c-1', currency: 'EUR', rows: input, rules: lookup });

    // Assess: 100 × 0.10 + 80 × 0.05 + 1 = 15.00
    expect(wire(lines)).toEqual([
      { description: 'voice', productCluster: 'voice', quantity: '180', unitPrice: '0.083333', amount: '15.00', group: null },
    ]);
  });

  test('priced on the summed quantity equals pricing one purchase of the total (property)', () => {
    const lookup = rules({ tiered: rule({ scope: 'period', model: graduated }) });
    const model = lookup.get('tiered')!.model;
    const quantity = fc.bigInt({ min: 0n, max: 10n ** 7n }).map((n) => new D(n.toString()).div(1000));
    fc.assert(
      fc.property(fc.array(quantity, { minLength: 1, maxLength: 30 }), (quantities) => {
        const input = quantities.map((q) => row({ priceRule: 'tiered', quantity: q, amount: null, unitPrice: null }));
        const total = quantities.reduce((s, q) => s.plus(q), new D(0));

        const [line] = buildLines({ customerCode: 'c-1', currency: 'EUR', rows: input, rules: lookup });

        expect(line!.quantity.eq(total)).toBe(true);
        expect(line!.amount.eq(roundMoney(rate(model, { quantity: total }), 'EUR'))).toBe(true);
      }),
    );
  });

  test('groupBy gives one line per MSISDN, each priced on its own sum; rows without one share a line', () => {
    // Prepare: bundle of 100 SMS free per MSISDN, then 0.05
    const bundle = {
      type: 'graduated',
      tiers: [
        { upTo: '100', unitPrice: '0', flatFee: '5' },
        { upTo: null, unitPrice: '0.05', flatFee: '0' },
      ],
    };
    const lookup = rules({ 'sms-bundle': rule({ productCluster: 'sms', scope: 'period', groupBy: 'msisdn', model: bundle }) });
    const sms = (msisdn: string | null, quantity: number) =>
      row({
        productCluster: 'sms',
        priceRule: 'sms-bundle',
        quantity: dec(quantity),
        amount: null,
        unitPrice: null,
        metadata: msisdn === null ? {} : { msisdn },
      });
    const input = [sms('31611111111', 80), sms('31622222222', 90), sms('31611111111', 40), sms(null, 10)];

    // Act
    const lines = buildLines({ customerCode: 'c-1', currency: 'EUR', rows: input, rules: lookup });

    // Assess
    expect(wire(lines)).toEqual([
      { description: 'sms', productCluster: 'sms', quantity: '10', unitPrice: '0.5', amount: '5.00', group: null },
      { description: 'sms', productCluster: 'sms', quantity: '120', unitPrice: '0.05', amount: '6.00', group: '31611111111' },
      { description: 'sms', productCluster: 'sms', quantity: '90', unitPrice: '0.055556', amount: '5.00', group: '31622222222' },
    ]);
  });

  test('a period rule on a parent cluster sums its descendants into one line under the rule cluster', () => {
    const lookup = rules({ usage: rule({ productCluster: 'usage', scope: 'period', model: graduated }) });
    const input = [
      row({ productCluster: 'voice', priceRule: 'usage', quantity: dec(50), amount: null }),
      row({ productCluster: 'data', priceRule: 'usage', quantity: dec(50), amount: null }),
    ];

    const lines = buildLines({ customerCode: 'c-1', currency: 'EUR', rows: input, rules: lookup });

    expect(wire(lines)).toEqual([{ description: 'usage', productCluster: 'usage', quantity: '100', unitPrice: '0.1', amount: '10.00', group: null }]);
  });

  test("a period rule's sum is priced with the names its rule scope gives (a subscription's parameters)", () => {
    const allowance = { type: 'expression' as const, expression: 'max(0, quantity - subscription.included) * 0.5' };
    const lookup = rules({ sub: rule({ productCluster: 'voice', scope: 'period', model: allowance }) });
    const input = [
      row({ productCluster: 'voice', priceRule: 'sub', quantity: dec(120), amount: null }),
      row({ productCluster: 'voice', priceRule: 'sub', quantity: dec(80), amount: null }),
    ];

    const lines = buildLines({
      customerCode: 'c-1',
      currency: 'EUR',
      rows: input,
      rules: lookup,
      ruleScopes: new Map([['sub', { 'subscription.included': '150' }]]),
    });
    const unscoped = () => buildLines({ customerCode: 'c-1', currency: 'EUR', rows: input, rules: lookup });

    expect(wire(lines)).toEqual([
      { description: 'voice', productCluster: 'voice', quantity: '200', unitPrice: '0.125', amount: '25.00', group: null },
    ]);
    expect(unscoped).toThrow('price rule sub cannot price the period sum');
  });

  test('a period rule that cannot price the sum is a rating_failed conflict naming the rule', () => {
    const lookup = rules({ pct: rule({ scope: 'period', model: { type: 'percentage', rate: '2', base: 'metadata.amount' } }) });

    const act = () =>
      buildLines({ customerCode: 'c-1', currency: 'EUR', rows: [row({ priceRule: 'pct', metadata: { amount: '10' } })], rules: lookup });

    expect(act).toThrow(ConflictError);
    expect(act).toThrow('price rule pct cannot price the period sum');
  });
});

describe('buildLines: refuses what it cannot invoice', () => {
  test('a row of another customer or currency is a conflict, never silently dropped', () => {
    const act = () =>
      buildLines({ customerCode: 'c-1', currency: 'EUR', rows: [row(), row({ reference: 'usd-1', currency: 'USD' })], rules: rules() });

    expect(act).toThrow(expect.objectContaining({ code: 'invoice_row_mismatch', kind: 'conflict', details: ['usd-1: c-1 USD'] }));
  });

  test('a per-purchase row without amount is unpriced', () => {
    const act = () => buildLines({ customerCode: 'c-1', currency: 'EUR', rows: [row({ reference: 'x-1', amount: null })], rules: rules() });

    expect(act).toThrow(expect.objectContaining({ code: 'unpriced_purchase', details: ['x-1: amount missing'] }));
  });
});

describe('partitionRows', () => {
  test('cuts a cycle into one set per paying customer and currency, sorted', () => {
    // Prepare
    const input = [row({ customerCode: 'b' }), row({ customerCode: 'a', currency: 'USD' }), row({ customerCode: 'a' }), row({ customerCode: 'b' })];

    // Act
    const parts = partitionRows(input);

    // Assess
    expect(parts.map((p) => [p.customerCode, p.currency, p.rows.length])).toEqual([
      ['a', 'EUR', 1],
      ['a', 'USD', 1],
      ['b', 'EUR', 2],
    ]);
  });
});
