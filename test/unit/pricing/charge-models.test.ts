import Decimal from 'decimal.js';
import { D, roundMoney, toWire } from '../../../shared/kernel/money';
import {
  CHARGE_MODEL_TYPES,
  chargeModelSchema,
  parseChargeModel,
  rate,
  toWireModel,
  type ChargeModel,
} from '../../../shared/pricing/domain/charge-models';
import { ExpressionEvaluationError, InvalidChargeModelError, RatingError } from '../../../shared/pricing/domain/errors';
import { prorateFirstPeriod } from '../../../shared/kernel/proration';
import { chargeModelFixtures, dec, model, standard, type ModelCases } from './builders';

const fixtures = chargeModelFixtures();

/** One row per (model, quantity) vector, named after the fixture group it comes from. */
type Vector = [group: string, index: number, quantity: string, amount: string, wire: ModelCases['model']];

function vectors(group: string, entries: ModelCases | ModelCases[]): Vector[] {
  return [entries].flat().flatMap((entry, index) => entry.cases.map(([quantity, amount]): Vector => [group, index, quantity, amount, entry.model]));
}

describe('charge-model fixtures (test/fixtures/charge-models.json)', () => {
  const all = [
    ...vectors('graduated', fixtures.graduated),
    ...vectors('graduated_fractional_edges', fixtures.graduated_fractional_edges),
    ...vectors('volume', fixtures.volume),
    ...vectors('package', fixtures.package),
    ...vectors('percentage', fixtures.percentage),
    ...vectors('graduated_percentage', fixtures.graduated_percentage),
    ...vectors('standard', fixtures.standard),
  ];

  test('cover every model but expression', () => {
    expect(new Set(all.map(([, , , , wire]) => wire.type))).toEqual(new Set(CHARGE_MODEL_TYPES.filter((t) => t !== 'expression')));
    expect(all).toHaveLength(34);
  });

  test.each(all)('%s #%i: quantity %s costs %s', (_group, _index, quantity, amount, wire) => {
    // Prepare
    const parsed = parseChargeModel(wire);

    // Act
    const result = rate(parsed, { quantity: new D(quantity), metadata: {} });

    // Assess: exact, before any invoice rounding
    expect(toWire(result)).toBe(toWire(new D(amount)));
  });

  test.each(fixtures.proration.cases)('proration: 24.95 monthly, billing day $billingDay, start $start → $line', ({ billingDay, start, line }) => {
    // Act
    const amount = prorateFirstPeriod({ fee: new D('24.95'), billingDay, start });

    // Assess: the fixture is the rounded invoice line
    expect(roundMoney(amount, 'EUR').toFixed(2)).toBe(line);
  });
});

describe('rate', () => {
  test('keeps full precision (a CDR may cost 0.0004)', () => {
    const result = rate(standard('0.0004'), { quantity: dec('0.5'), metadata: {} });
    expect(toWire(result)).toBe('0.0002');
  });

  test('graduated: a fraction of a unit in a tier adds that tier’s flat fee', () => {
    // Prepare
    const graduated = model(fixtures.graduated.model);

    // Act / Assess: 10 units in tier 1 (100 + 2), 0.01 in tier 2 (0.05 + 3)
    expect(toWire(rate(graduated, { quantity: dec('10.01') }))).toBe('105.05');
  });

  test('volume: a quantity exactly on a boundary belongs to the lower tier', () => {
    const volume = model(fixtures.volume.model);
    expect(toWire(rate(volume, { quantity: dec('200') }))).toBe('200');
    expect(toWire(rate(volume, { quantity: dec('200.0001') }))).toBe('150.00005');
  });

  test('package: a hair over a package boundary opens a new package', () => {
    const pkg = model({ type: 'package', packageSize: '10', packagePrice: '100' });
    expect(toWire(rate(pkg, { quantity: dec('20') }))).toBe('200');
    expect(toWire(rate(pkg, { quantity: dec('20.0000000001') }))).toBe('300');
    expect(toWire(rate(pkg, { quantity: dec('0') }))).toBe('0');
  });

  test.each<[string, unknown]>([
    ['standard', { type: 'standard', unitPrice: '2.5' }],
    ['graduated', fixtures.graduated.model],
    ['volume', fixtures.volume.model],
    ['package', fixtures.package[1]!.model],
    ['percentage', fixtures.percentage[2]!.model],
    ['graduated_percentage', fixtures.graduated_percentage.model],
  ])('%s: a credit (negative quantity) costs exactly minus the same charge', (_name, wire) => {
    // Prepare
    const parsed = model(wire);

    for (const quantity of ['1', '10.5', '121', '10000']) {
      // Act
      const charge = rate(parsed, { quantity: dec(quantity) });
      const credit = rate(parsed, { quantity: dec(quantity).neg() });

      // Assess
      expect(toWire(credit)).toBe(toWire(charge.neg()));
    }
  });

  test('percentage: a zero base still costs the fixed fee, clamped to the minimum', () => {
    const percentage = model(fixtures.percentage[2]!.model);
    expect(toWire(rate(percentage, { quantity: dec(0) }))).toBe('2');
    expect(toWire(rate(model(fixtures.percentage[0]!.model), { quantity: dec(0) }))).toBe('1.75');
  });

  test('percentage of a metadata field (a Decimal, a numeric string or a JSON number)', () => {
    // Prepare
    const fee = model({ type: 'percentage', rate: '2.99', base: 'metadata.amount' });

    // Act / Assess
    expect(toWire(rate(fee, { quantity: dec(1), metadata: { amount: dec('80') } }))).toBe('2.392');
    expect(toWire(rate(fee, { quantity: dec(1), metadata: { amount: '80' } }))).toBe('2.392');
    expect(toWire(rate(fee, { quantity: dec(1), metadata: { amount: 80 } }))).toBe('2.392');
  });

  test.each<[Record<string, unknown>, string]>([
    [{}, 'metadata.amount is missing; the price takes its percentage of that field'],
    [{ amount: '' }, 'metadata.amount is missing; the price takes its percentage of that field'],
    [{ amount: null }, 'metadata.amount is missing; the price takes its percentage of that field'],
    [{ amount: 'lots' }, "metadata.amount: not a decimal: 'lots'"],
    [{ amount: true }, 'metadata.amount: not a decimal'],
  ])('percentage of a metadata field refuses %j', (metadata, message) => {
    const fee = model({ type: 'percentage', rate: '1', base: 'metadata.amount' });
    const act = () => rate(fee, { quantity: dec(1), metadata: metadata as never });
    expect(act).toThrow(RatingError);
    expect(act).toThrow(message);
  });

  test('graduated_percentage over a metadata base', () => {
    const fee = model({ ...fixtures.graduated_percentage.model, base: 'metadata.amount' });
    expect(toWire(rate(fee, { quantity: dec(1), metadata: { amount: '21' } }))).toBe('900.33');
  });

  test('expression: quantity, metadata (as metadata.* and meta.*) and extra scope', () => {
    // Prepare
    const expression = model({
      type: 'expression',
      expression: "quantity * 0.05 + if(metadata.roaming, 1.5, 0) + if(meta.country == 'NL', 1, 0) + coalesce(surcharge, 0)",
    });

    // Act
    const roaming = rate(expression, { quantity: dec(10), metadata: { roaming: 'yes', country: 'NL' }, scope: { surcharge: dec('0.25') } });
    const home = rate(expression, { quantity: dec(10), metadata: {} });

    // Assess
    expect(toWire(roaming)).toBe('3.25');
    expect(toWire(home)).toBe('0.5');
  });

  test('expression: quantity in the extra scope cannot override the purchase quantity', () => {
    const expression = model({ type: 'expression', expression: 'quantity' });
    expect(toWire(rate(expression, { quantity: dec(3), scope: { quantity: dec(1000) } }))).toBe('3');
  });

  test('expression: metadata names read metadata only, never the extra scope or inherited properties', () => {
    // Prepare
    const expression = model({ type: 'expression', expression: 'coalesce(metadata.rate, meta.toString, __proto__, 7)' });

    // Act
    const result = rate(expression, { quantity: dec(1), metadata: {}, scope: { 'metadata.rate': dec(99) } });

    // Assess
    expect(toWire(result)).toBe('7');
    expect(expression.type === 'expression' && expression.bindings).toEqual([
      { name: 'metadata.rate', from: 'metadata', key: 'rate' },
      { name: 'meta.toString', from: 'metadata', key: 'toString' },
      { name: '__proto__', from: 'scope', key: '__proto__' },
    ]);
  });

  test('expression: a non-numeric result is a rating failure of that purchase', () => {
    const expression = model({ type: 'expression', expression: 'metadata.label' });
    expect(() => rate(expression, { quantity: dec(1), metadata: { label: 'gold' } })).toThrow(ExpressionEvaluationError);
    expect(() => rate(expression, { quantity: dec(1), metadata: { label: 'gold' } })).toThrow("expression must produce a number, got text 'gold'");
  });

  test('computes with our precision even when handed a Decimal of another clone', () => {
    const thirds = model({ type: 'standard', unitPrice: '1' });
    const result = rate(thirds, { quantity: new Decimal(1).div(3) });
    expect(result.constructor).toBe(D);
  });
});

describe('chargeModelSchema: what it accepts', () => {
  test('decimals as strings or numbers become Decimals; defaults are filled in', () => {
    // Act
    const parsed = parseChargeModel({
      type: 'graduated',
      tiers: [
        { upTo: 10, unitPrice: '1.5' },
        { upTo: null, unitPrice: 1 },
      ],
    });

    // Assess
    expect(parsed.type).toBe('graduated');
    if (parsed.type !== 'graduated') return;
    expect(parsed.tiers[0]!.upTo).toBeInstanceOf(D);
    expect(toWire(parsed.tiers[0]!.flatFee)).toBe('0');
  });

  test('keeps the compiled expression on the model (compiled once)', () => {
    const parsed = parseChargeModel({ type: 'expression', expression: 'quantity * 2' });
    expect(parsed.type === 'expression' && parsed.compiled.identifiers).toEqual(['quantity']);
  });

  test.each<[string, unknown]>([
    ['standard', { type: 'standard', unitPrice: '0.10' }],
    ['graduated', fixtures.graduated.model],
    ['volume', fixtures.volume.model],
    ['package', { type: 'package', packageSize: '10', packagePrice: '100', freeUnits: '0' }],
    ['percentage', { type: 'percentage', rate: '2.99', base: 'quantity', fixedFee: '0', minPerPurchase: null, maxPerPurchase: null }],
    ['percentage with bounds', fixtures.percentage[0]!.model],
    [
      'graduated_percentage',
      {
        type: 'graduated_percentage',
        base: 'metadata.amount',
        tiers: [
          { upTo: '10', rate: '1', flatFee: '200' },
          { upTo: null, rate: '2' },
        ],
      },
    ],
    ['expression', { type: 'expression', expression: 'quantity * 0.05' }],
  ])('toWireModel gives back the API shape of %s, which parses to the same model', (_name, wire) => {
    // Act
    const parsed = parseChargeModel(wire);
    const back = toWireModel(parsed);

    // Assess
    expect(toWireModel(parseChargeModel(back))).toEqual(back);
    expect(JSON.parse(JSON.stringify(back))).toEqual(back);
    expect(back.type).toBe((wire as { type: string }).type);
  });

  test('the API example shapes parse', () => {
    expect(
      toWireModel(
        parseChargeModel({ type: 'percentage', rate: '2.99', base: 'quantity', fixedFee: '0', minPerPurchase: null, maxPerPurchase: null }),
      ),
    ).toEqual({
      type: 'percentage',
      rate: '2.99',
      base: 'quantity',
      fixedFee: '0',
      minPerPurchase: null,
      maxPerPurchase: null,
    });
  });
});

describe('chargeModelSchema: what it refuses, and how it says so', () => {
  const tiers = (...t: unknown[]) => ({ type: 'graduated', tiers: t });

  test.each<[string, unknown, string[]]>([
    ['not an object', null, ['must be an object with a type']],
    ['a list', [], ['must be an object with a type']],
    ['unknown type', { type: 'tiered' }, ['type: must be one of standard, graduated, volume, package, percentage, graduated_percentage, expression']],
    ['no type', { unitPrice: '1' }, ['type: must be one of standard, graduated, volume, package, percentage, graduated_percentage, expression']],
    ['unknown field', { type: 'standard', unitPrice: '1', unitprice: '2' }, ["unknown field 'unitprice'"]],
    ['missing price', { type: 'standard' }, ['unitPrice: required']],
    ['bad decimal', { type: 'standard', unitPrice: '1,5' }, ["unitPrice: not a decimal: '1,5'"]],
    ['hex price', { type: 'standard', unitPrice: '0x10' }, ["unitPrice: not a decimal: '0x10'"]],
    ['NaN price', { type: 'standard', unitPrice: 'NaN' }, ["unitPrice: not a decimal: 'NaN'"]],
    ['negative price', { type: 'standard', unitPrice: '-0.01' }, ['unitPrice: must not be negative']],
    ['boolean price', { type: 'standard', unitPrice: true }, ['unitPrice: not a decimal']],
    ['no tiers', { type: 'graduated', tiers: [] }, ['tiers: must have at least one tier']],
    ['tiers missing', { type: 'volume' }, ['tiers: required']],
    ['tiers not a list', { type: 'volume', tiers: {} }, ['tiers: must be a list of tiers']],
    [
      'upTo not increasing',
      tiers({ upTo: '10', unitPrice: '1' }, { upTo: '10', unitPrice: '1' }, { upTo: null, unitPrice: '1' }),
      ["tiers.1.upTo: must be greater than the previous tier's upTo (10)"],
    ],
    [
      'upTo decreasing',
      tiers({ upTo: '10', unitPrice: '1' }, { upTo: '5', unitPrice: '1' }, { upTo: null, unitPrice: '1' }),
      ["tiers.1.upTo: must be greater than the previous tier's upTo (10)"],
    ],
    [
      'null upTo before the last tier',
      tiers({ upTo: null, unitPrice: '1' }, { upTo: null, unitPrice: '1' }),
      ['tiers.0.upTo: only the last tier may have upTo null'],
    ],
    ['last upTo bounded', tiers({ upTo: '10', unitPrice: '1' }), ['tiers.0.upTo: the last tier must have upTo null (no upper bound)']],
    ['upTo zero', tiers({ upTo: '0', unitPrice: '1' }, { upTo: null, unitPrice: '1' }), ['tiers.0.upTo: must be greater than 0']],
    ['upTo missing', tiers({ unitPrice: '1' }), ['tiers.0.upTo: required']],
    ['negative flat fee', tiers({ upTo: null, unitPrice: '1', flatFee: '-2' }), ['tiers.0.flatFee: must not be negative']],
    ['unknown tier field', tiers({ upTo: null, unitPrice: '1', price: '2' }), ["tiers.0: unknown field 'price'"]],
    [
      'too many tiers',
      tiers(...Array.from({ length: 101 }, (_, i) => ({ upTo: i === 100 ? null : String(i + 1), unitPrice: '1' }))),
      ['tiers: must have at most 100 tiers'],
    ],
    ['package size zero', { type: 'package', packageSize: '0', packagePrice: '100' }, ['packageSize: must be greater than 0']],
    ['package size negative', { type: 'package', packageSize: '-10', packagePrice: '100' }, ['packageSize: must be greater than 0']],
    ['negative free units', { type: 'package', packageSize: '10', packagePrice: '100', freeUnits: '-1' }, ['freeUnits: must not be negative']],
    ['bad base', { type: 'percentage', rate: '1', base: 'amount' }, ["base: must be 'quantity' or 'metadata.<key>'"]],
    ['empty metadata base', { type: 'percentage', rate: '1', base: 'metadata.' }, ["base: must be 'quantity' or 'metadata.<key>'"]],
    ['missing base', { type: 'graduated_percentage', tiers: [{ upTo: null, rate: '1' }] }, ['base: required']],
    [
      'min above max',
      { type: 'percentage', rate: '1', base: 'quantity', minPerPurchase: '12', maxPerPurchase: '1.75' },
      ['maxPerPurchase: must not be less than minPerPurchase (12)'],
    ],
    ['negative rate', { type: 'percentage', rate: '-1', base: 'quantity' }, ['rate: must not be negative']],
    [
      'graduated_percentage tier order',
      {
        type: 'graduated_percentage',
        base: 'quantity',
        tiers: [
          { upTo: '20', rate: '1' },
          { upTo: '10', rate: '1' },
          { upTo: null, rate: '1' },
        ],
      },
      ["tiers.1.upTo: must be greater than the previous tier's upTo (20)"],
    ],
    ['expression missing', { type: 'expression' }, ['expression: required']],
    ['expression not text', { type: 'expression', expression: 42 }, ['expression: must be a string']],
    ['expression does not compile', { type: 'expression', expression: 'quantity * (1+)' }, ["expression: unexpected token ')' at 14"]],
    ['expression calls an unknown function', { type: 'expression', expression: 'exec(quantity)' }, ["expression: unknown function 'exec'"]],
    [
      'several problems at once',
      { type: 'package', packageSize: '0', packagePrice: '-1', freeUnits: 'x' },
      ['packageSize: must be greater than 0', 'packagePrice: must not be negative', "freeUnits: not a decimal: 'x'"],
    ],
  ])('%s', (_name, input, issues) => {
    // Act
    const act = () => parseChargeModel(input);

    // Assess
    expect(act).toThrow(InvalidChargeModelError);
    try {
      act();
    } catch (error) {
      expect((error as InvalidChargeModelError).issues).toEqual(issues);
      expect((error as InvalidChargeModelError).code).toBe('invalid_charge_model');
    }
  });

  test('the schema itself can be composed into other schemas (safeParse gives zod issues)', () => {
    const result = chargeModelSchema.safeParse({ type: 'standard', unitPrice: '-1' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['unitPrice']);
  });
});

describe('precomputed bands', () => {
  test('graduated bands hold the cumulative amount of the lower tiers', () => {
    // Act
    const parsed = parseChargeModel(fixtures.graduated.model) as Extract<ChargeModel, { type: 'graduated' }>;

    // Assess: base = the amount at the band's start (lower tiers with their fees, plus this tier's fee)
    expect(parsed.bands.map((b) => [toWire(b.from), b.upTo && toWire(b.upTo), toWire(b.base)])).toEqual([
      ['0', '10', '2'],
      ['10', '20', '105'],
      ['20', null, '158'],
    ]);
  });
});
