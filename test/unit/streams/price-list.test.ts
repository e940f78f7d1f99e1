import { ValidationError } from '../../../shared/kernel/errors';
import { parsePriceRule, toWirePriceRule } from '../../../shared/pricing/domain/rules';
import type { Row } from '../../../shared/streams/domain/columns';
import { priceRulesFromRows } from '../../../shared/streams/domain/price-list';
import { dec, detailsOf } from './builders';

/** A pricing batch of stream `wholesale` (EUR) for March 2026. */
const options = { stream: 'wholesale', currency: 'EUR', validFrom: '2026-03-01' };

describe('a pricing batch as price rules', () => {
  test('a row with only productCluster and unitPrice gets the defaults: id, stream currency, period start', () => {
    // Act
    const rules = priceRulesFromRows([{ productCluster: 'voice', unitPrice: dec('0.05') }], options);

    // Assess
    expect(rules).toEqual([
      {
        id: 'wholesale-voice',
        body: { productCluster: 'voice', currency: 'EUR', validFrom: '2026-03-01', model: { type: 'standard', unitPrice: '0.05' } },
      },
    ]);
  });

  test('a customer cluster narrows the rule and joins its default id', () => {
    // Act
    const [rule] = priceRulesFromRows([{ productCluster: 'voice', customerCluster: 'nl', unitPrice: dec('0.04') }], options);

    // Assess
    expect(rule).toEqual({
      id: 'wholesale-voice-nl',
      body: {
        productCluster: 'voice',
        customerCluster: 'nl',
        currency: 'EUR',
        validFrom: '2026-03-01',
        model: { type: 'standard', unitPrice: '0.04' },
      },
    });
  });

  test('explicit columns win over the defaults', () => {
    // Prepare
    const row: Row = {
      productCluster: 'data',
      customerCluster: 'de',
      unitPrice: dec('2'),
      currency: 'USD',
      validFrom: '2026-03-15',
      validTo: '2026-07-01',
      priceRule: 'data-de-promo',
    };

    // Act
    const [rule] = priceRulesFromRows([row], options);

    // Assess
    expect(rule).toEqual({
      id: 'data-de-promo',
      body: {
        productCluster: 'data',
        customerCluster: 'de',
        currency: 'USD',
        validFrom: '2026-03-15',
        validTo: '2026-07-01',
        model: { type: 'standard', unitPrice: '2' },
      },
    });
  });

  test('empty optional columns count as absent; text is trimmed', () => {
    // Act
    const [rule] = priceRulesFromRows(
      [{ productCluster: ' voice ', customerCluster: '', currency: null, validFrom: ' ', validTo: '', priceRule: '', unitPrice: dec('1') }],
      options,
    );

    // Assess
    expect(rule).toEqual({
      id: 'wholesale-voice',
      body: { productCluster: 'voice', currency: 'EUR', validFrom: '2026-03-01', model: { type: 'standard', unitPrice: '1' } },
    });
  });

  test('a decimal unit price keeps every digit and is written plainly, never in exponent form', () => {
    // Act
    const [rule] = priceRulesFromRows([{ productCluster: 'voice', unitPrice: dec('0.00000001234') }], options);

    // Assess
    expect(rule!.body.model).toEqual({ type: 'standard', unitPrice: '0.00000001234' });
  });

  test('a unit price given as text (an untyped column) is read as a decimal', () => {
    // Act
    const rules = priceRulesFromRows(
      [
        { productCluster: 'voice', unitPrice: '0.0437' },
        { productCluster: 'data', unitPrice: '1e-3' },
      ],
      options,
    );

    // Assess
    expect(rules.map((r) => r.body.model)).toEqual([
      { type: 'standard', unitPrice: '0.0437' },
      { type: 'standard', unitPrice: '0.001' },
    ]);
  });

  test('a unit price with spaces is not a decimal', () => {
    expect(detailsOf(() => priceRulesFromRows([{ productCluster: 'data', unitPrice: ' 1e-3 ' }], options))).toEqual([
      "rows.0.unitPrice: not a decimal: ' 1e-3 '",
    ]);
  });

  test('every rule body is a valid body of PUT /price-rules/{id}', () => {
    // Prepare
    const rows: Row[] = [
      { productCluster: 'voice', unitPrice: dec('0.05') },
      { productCluster: 'voice', customerCluster: 'nl', unitPrice: '0.04', validTo: '2026-04-01' },
    ];

    // Act
    const parsed = priceRulesFromRows(rows, options).map((r) => toWirePriceRule(parsePriceRule(r.id, r.body)));

    // Assess
    expect(parsed).toMatchObject([
      {
        id: 'wholesale-voice',
        customerCluster: null,
        currency: 'EUR',
        validFrom: '2026-03-01',
        validTo: null,
        scope: 'purchase',
        model: { type: 'standard', unitPrice: '0.05' },
      },
      { id: 'wholesale-voice-nl', customerCluster: 'nl', validTo: '2026-04-01', model: { type: 'standard', unitPrice: '0.04' } },
    ]);
  });

  test('rules come out in row order', () => {
    // Act
    const rules = priceRulesFromRows(
      ['c', 'a', 'b'].map((productCluster) => ({ productCluster, unitPrice: dec('1') })),
      options,
    );

    // Assess
    expect(rules.map((r) => r.id)).toEqual(['wholesale-c', 'wholesale-a', 'wholesale-b']);
  });

  test('no rows, no rules', () => {
    expect(priceRulesFromRows([], options)).toEqual([]);
  });
});

describe('a pricing batch that cannot be applied is refused whole', () => {
  test('missing productCluster and unitPrice are named by row and field', () => {
    // Prepare
    const rows: Row[] = [
      { productCluster: 'voice', unitPrice: dec('1') },
      { productCluster: null, unitPrice: dec('1') },
      { productCluster: 'data', unitPrice: null },
      { productCluster: '  ', unitPrice: '' },
      {},
    ];

    // Act
    const details = detailsOf(() => priceRulesFromRows(rows, options));

    // Assess
    expect(details).toEqual([
      'rows.1.productCluster: required',
      'rows.2.unitPrice: required',
      'rows.3.productCluster: required',
      'rows.3.unitPrice: required',
      'rows.4.productCluster: required',
      'rows.4.unitPrice: required',
    ]);
  });

  test('the error is a ValidationError (400) saying why', () => {
    // Act
    const act = () => priceRulesFromRows([{ productCluster: 'voice' }], options);

    // Assess
    expect(act).toThrow(ValidationError);
    expect(act).toThrow('the pricing batch cannot be applied as price rules');
  });

  test('a unit price that is not a decimal is refused before any rule is made', () => {
    // Prepare: row 0 is fine; saving rules one by one would have applied it before failing on row 1
    const rows: Row[] = [
      { productCluster: 'voice', unitPrice: dec('1') },
      { productCluster: 'data', unitPrice: 'abc' },
      { productCluster: 'fees', unitPrice: true },
    ];

    // Act
    const details = detailsOf(() => priceRulesFromRows(rows, options));

    // Assess
    expect(details).toEqual(["rows.1.unitPrice: not a decimal: 'abc'", 'rows.2.unitPrice: not a decimal']);
  });

  test('two rows making the same rule id are refused, naming the earlier row', () => {
    // Prepare
    const rows: Row[] = [
      { productCluster: 'voice', unitPrice: dec('1') },
      { productCluster: 'voice', customerCluster: 'nl', unitPrice: dec('2') },
      { productCluster: 'voice', unitPrice: dec('3') },
      { productCluster: 'data', priceRule: 'wholesale-voice-nl', unitPrice: dec('4') },
    ];

    // Act
    const details = detailsOf(() => priceRulesFromRows(rows, options));

    // Assess
    expect(details).toEqual([
      "rows.2: price rule 'wholesale-voice' is also made by row 0",
      "rows.3: price rule 'wholesale-voice-nl' is also made by row 1",
    ]);
  });

  test('at most 50 problems are listed', () => {
    // Act
    const details = detailsOf(() =>
      priceRulesFromRows(
        Array.from({ length: 80 }, () => ({ productCluster: 'voice' })),
        options,
      ),
    );

    // Assess
    expect(details).toHaveLength(50);
    expect(details[49]).toBe('rows.49.unitPrice: required');
  });
});
