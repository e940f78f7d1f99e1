import Decimal from 'decimal.js';
import fc from 'fast-check';
import { D, InvalidDecimalError, isCurrency, minorUnits, parseDecimal, roundMoney, toWire, toWireMoney } from '../../shared/kernel/money';

describe('D', () => {
  test('computes with 40 significant digits and rounds half-up', () => {
    // Prepare / Act
    const third = new D(1).div(3);
    const half = new D('2.5').toDecimalPlaces(0);

    // Assess
    expect(third.toFixed()).toBe(`0.${'3'.repeat(40)}`);
    expect(half.toFixed()).toBe('3');
  });

  test('keeps decimals exact where binary floating point drifts', () => {
    expect(new D('0.1').plus('0.2').eq('0.3')).toBe(true);
    expect(new D('0.0004').times(1_000_000).toFixed()).toBe('400');
  });
});

describe('parseDecimal', () => {
  test.each([
    ['12.50', '12.5'],
    ['-3', '-3'],
    ['+4.25', '4.25'],
    ['0.0004', '0.0004'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['1e3', '1000'],
    ['1.5E-3', '0.0015'],
    ['-0', '0'],
    ['0e7', '0'],
    ['123456789012345678901234567.123456789', '123456789012345678901234567.123456789'],
  ])('reads the string %p as %p', (input, expected) => {
    // Act
    const value = parseDecimal(input, 'quantity');

    // Assess
    expect(toWire(value)).toBe(expected);
    expect(value.constructor).toBe(D);
  });

  test.each([
    [12.5, '12.5'],
    [0.1, '0.1'],
    [-7, '-7'],
    [1e-7, '0.0000001'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('reads the JSON number %p as %p', (input, expected) => {
    expect(toWire(parseDecimal(input, 'quantity'))).toBe(expected);
  });

  test.each([
    ['', 'quantity: not a decimal (empty)'],
    ['   ', 'quantity: not a decimal (empty)'],
    [' 1 ', "quantity: not a decimal: ' 1 '"],
    ['1 ', "quantity: not a decimal: '1 '"],
    ['1 000', "quantity: not a decimal: '1 000'"],
    ['\t2.5', "quantity: not a decimal: '\t2.5'"],
    ['NaN', "quantity: not a decimal: 'NaN'"],
    ['Infinity', "quantity: not a decimal: 'Infinity'"],
    ['-Infinity', "quantity: not a decimal: '-Infinity'"],
    ['0x10', "quantity: not a decimal: '0x10'"],
    ['0b101', "quantity: not a decimal: '0b101'"],
    ['1,5', "quantity: not a decimal: '1,5'"],
    ['1e', "quantity: not a decimal: '1e'"],
    ['e5', "quantity: not a decimal: 'e5'"],
    ['12 EUR', "quantity: not a decimal: '12 EUR'"],
    ['--1', "quantity: not a decimal: '--1'"],
    ['.', "quantity: not a decimal: '.'"],
    ['1e400', 'quantity: out of range'],
    ['1e-41', 'quantity: out of range'],
    ['1e9999999999999999999', 'quantity: out of range'],
    ['1'.repeat(101), 'quantity: not a decimal (longer than 100 characters)'],
    [Number.NaN, 'quantity: not a finite decimal'],
    [Number.POSITIVE_INFINITY, 'quantity: not a finite decimal'],
    [2 ** 60, 'quantity: too large to be exact as a JSON number; send it as a string'],
    [true, 'quantity: not a decimal'],
    [{}, 'quantity: not a decimal'],
    [['1'], 'quantity: not a decimal'],
    [null, 'quantity: required'],
    [undefined, 'quantity: required'],
  ])('rejects %p with %p', (input, message) => {
    // Act
    const parse = () => parseDecimal(input, 'quantity');

    // Assess
    expect(parse).toThrow(InvalidDecimalError);
    expect(parse).toThrow(message);
  });

  test('re-wraps a Decimal of another clone into D so it computes with our precision', () => {
    // Prepare
    const foreign = new Decimal('1.5');

    // Act
    const value = parseDecimal(foreign, 'amount');

    // Assess
    expect(value.constructor).toBe(D);
    expect(value.div(7).toFixed().length).toBeGreaterThan(30);
  });

  test('the error carries a stable code and the field', () => {
    try {
      parseDecimal('x', 'metadata.amount');
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidDecimalError);
      expect((error as InvalidDecimalError).code).toBe('invalid_decimal');
      expect((error as InvalidDecimalError).field).toBe('metadata.amount');
    }
  });

  test('round-trips every wire string', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.integer({ min: 0, max: 12 }), (units, scale) => {
        const value = new D(units.toString()).div(new D(10).pow(scale));
        expect(parseDecimal(toWire(value), 'x').eq(value)).toBe(true);
      }),
    );
  });
});

describe('currencies', () => {
  test.each([
    ['EUR', 2],
    ['USD', 2],
    ['HUF', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['ISK', 0],
    ['CLP', 0],
    ['VND', 0],
    ['XOF', 0],
    ['XAF', 0],
    ['BHD', 3],
    ['KWD', 3],
    ['OMR', 3],
    ['JOD', 3],
    ['TND', 3],
    ['IQD', 3],
    ['LYD', 3],
    ['CLF', 4],
    ['ZZZ', 2],
  ])('%s has %i minor digits', (code, digits) => {
    expect(minorUnits(code)).toBe(digits);
  });

  test('minorUnits ignores inherited names', () => {
    expect(minorUnits('constructor')).toBe(2);
  });

  test.each([
    ['EUR', true],
    ['usd', false],
    ['EU', false],
    ['EURO', false],
    ['E1R', false],
    [42, false],
    [null, false],
  ])('isCurrency(%p) is %p', (code, expected) => {
    expect(isCurrency(code)).toBe(expected);
  });
});

describe('roundMoney', () => {
  test.each([
    ['1.005', 'EUR', '1.01'],
    ['1.004999', 'EUR', '1'],
    ['2.5', 'JPY', '3'],
    ['-2.5', 'JPY', '-3'],
    ['-0.125', 'EUR', '-0.13'],
    ['0.0004', 'EUR', '0'],
    ['1.2345', 'KWD', '1.235'],
    ['7.2435483870967741935483870967741935483871', 'EUR', '7.24'],
  ])('rounds %s %s half-up (ties away from zero) to %s', (amount, currency, expected) => {
    expect(toWire(roundMoney(new D(amount), currency))).toBe(expected);
  });

  const amount = fc
    .tuple(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.integer({ min: 0, max: 10 }))
    .map(([units, scale]) => new D(units.toString()).div(new D(10).pow(scale)));
  const currencyCode = fc.constantFrom('EUR', 'JPY', 'KWD');

  test('keeps at most the minor-unit digits, within half a unit, idempotently', () => {
    fc.assert(
      fc.property(amount, currencyCode, (x, currency) => {
        const rounded = roundMoney(x, currency);
        const half = new D(10).pow(-minorUnits(currency)).div(2);
        expect(rounded.decimalPlaces()).toBeLessThanOrEqual(minorUnits(currency));
        expect(rounded.minus(x).abs().lte(half)).toBe(true);
        expect(roundMoney(rounded, currency).eq(rounded)).toBe(true);
      }),
    );
  });

  test('is symmetric: a credit rounds to minus the rounded charge', () => {
    fc.assert(
      fc.property(amount, currencyCode, (x, currency) => {
        expect(roundMoney(x.neg(), currency).eq(roundMoney(x, currency).neg())).toBe(true);
      }),
    );
  });

  test('rounds an exact tie away from zero', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), currencyCode, (units, currency) => {
        const unit = new D(10).pow(-minorUnits(currency));
        const tie = new D(units.toString()).plus(new D('0.5')).times(unit);
        expect(roundMoney(tie, currency).eq(tie.plus(unit.div(2)))).toBe(true);
      }),
    );
  });

  test('is monotone', () => {
    fc.assert(
      fc.property(amount, amount, currencyCode, (a, b, currency) => {
        const [low, high] = a.lte(b) ? [a, b] : [b, a];
        expect(roundMoney(low, currency).lte(roundMoney(high, currency))).toBe(true);
      }),
    );
  });
});

describe('wire form', () => {
  test.each([
    [new D('1e-7'), '0.0000001'],
    [new D('1e21'), '1000000000000000000000'],
    [new D('12.50'), '12.5'],
    [new D(-0), '0'],
    [new D(-1).times(0), '0'],
  ])('toWire(%p) is %p', (value, expected) => {
    expect(toWire(value)).toBe(expected);
  });

  test.each([
    ['12.5', 'EUR', '12.50'],
    ['12.345', 'EUR', '12.35'],
    ['-0.001', 'EUR', '0.00'],
    ['1234.5', 'JPY', '1235'],
    ['1', 'BHD', '1.000'],
  ])('toWireMoney(%s, %s) is %s', (value, currency, expected) => {
    expect(toWireMoney(new D(value), currency)).toBe(expected);
  });
});
