import Decimal from 'decimal.js';
import fc from 'fast-check';
import { D, toWire } from '../../../shared/kernel/money';
import { ExpressionError, ExpressionEvaluationError } from '../../../shared/pricing/domain/errors';
import { compileExpression, EXPRESSION_FUNCTIONS, parseExpression, type Scope, type Value } from '../../../shared/pricing/domain/expression';
import { dec } from './builders';
import { compileError, purchase, run } from './expression-builders';

describe('arithmetic and precedence', () => {
  test.each<[string, string]>([
    ['1 + 2 * 3', '7'],
    ['(1 + 2) * 3', '9'],
    ['10 - 4 - 3', '3'],
    ['100 / 10 / 5', '2'],
    ['7 % 3', '1'],
    ['-7 % 3', '-1'],
    ['-2 * 3', '-6'],
    ['- -2', '2'],
    ['2 - -2', '4'],
    ['0.1 + 0.2', '0.3'],
    ['1 / 4 * 4', '1'],
    ['1 / 3 * 3', `0.${'9'.repeat(40)}`], // 40 significant digits, not symbolic fractions
    ['10 / 4', '2.5'],
    ['.5 + 5.', '5.5'],
    ['0.0004 * 1000000', '400'],
    ['123456789012345678901234567890 + 1', '123456789012345678901234567891'],
  ])('%s = %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  test('literals are read straight into decimals, never through a JS number', () => {
    expect(run('0.1000000000000000055511151231257827')).toBe('0.1000000000000000055511151231257827');
  });

  test('numeric strings (CSV metadata) count as numbers where a number is expected', () => {
    expect(run('metadata.minutes * 2', purchase)).toBe('180');
  });

  test('the purchase example of docs/product.md', () => {
    const compiled = compileExpression('quantity * 0.05 + if(metadata.roaming, 1.5, 0)');
    expect(toWire(compiled.evaluateDecimal({ quantity: dec(10), 'metadata.roaming': 'yes' }))).toBe('2');
    expect(toWire(compiled.evaluateDecimal({ quantity: dec(10) }))).toBe('0.5');
  });
});

describe('names', () => {
  test('dotted names are looked up as they are written', () => {
    expect(run('meta.reseller', purchase)).toBe('R1');
    expect(run('metadata.country', purchase)).toBe('NL');
  });

  test('unknown names are null', () => {
    expect(run('metadata.absent', purchase)).toBeNull();
    expect(run('nothing')).toBeNull();
  });

  test('a Map scope works like a plain object scope', () => {
    expect(run('quantity * 2', new Map([['quantity', dec(4)]]))).toBe('8');
    expect(run('missing', new Map())).toBeNull();
  });

  test('only own properties of a plain-object scope are visible', () => {
    // Prepare: a scope inheriting a value
    const scope = Object.create({ secret: 'inherited' }) as Record<string, Value>;
    scope.visible = 'own';

    // Act / Assess
    expect(run('visible', scope)).toBe('own');
    expect(run('secret', scope)).toBeNull();
    expect(run('toString', scope)).toBeNull();
    expect(run('hasOwnProperty', {})).toBeNull();
  });

  test('a decimal of another decimal.js clone is computed with our precision', () => {
    expect(run('x / 3', { x: new Decimal(1) })).toBe(`0.${'3'.repeat(40)}`);
  });

  test('JS numbers in the scope are read as decimals', () => {
    expect(run('billingDay + 1', { billingDay: 25 })).toBe('26');
  });

  test.each<[string, unknown]>([
    ['a function', () => 'pwned'],
    ['an object', { nested: true }],
    ['NaN', Number.NaN],
  ])('a scope value that is %s is refused at evaluation', (_name, value) => {
    const act = () => run('x', { x: value } as unknown as Scope);
    expect(act).toThrow(ExpressionEvaluationError);
    expect(act).toThrow("'x' holds a value expressions cannot use");
  });

  test('identifiers lists the names read, once each, in order of first use', () => {
    expect(compileExpression('b + a * b + if(c, a, d.e)').identifiers).toEqual(['b', 'a', 'c', 'd.e']);
  });
});

describe('comparisons and logic', () => {
  test.each<[string, boolean]>([
    ['1 < 2', true],
    ['2 <= 2', true],
    ['3 > 2.5', true],
    ['2 >= 2.0001', false],
    ['1 == 1.000', true],
    ['1 != 1', false],
    ["'10' > '9'", true],
    ["'10' == 10", true],
    ['metadata.minutes > 60', true],
    ["'abc' < 'abd'", true],
    ["'NL' == 'NL'", true],
    ["'NL' == 'nl'", false],
    ["'2026-01-31' < '2026-02-01'", true],
    ["purchaseDate >= '2026-03-01'", true],
    ["date(purchaseDate) == '2026-03-15'", true],
    ['null == null', true],
    ['metadata.absent == null', true],
    ["metadata.absent == 'x'", false],
    ['metadata.absent > 5', false],
    ['metadata.absent < 5', false],
    ['metadata.absent != 5', true],
    ["1 == 'one'", false],
    ["true == 'true'", false],
    ['true == true', true],
    ['true and false', false],
    ['true && 1', true],
    ['false or 0', false],
    ["false || 'x'", true],
    ['not 0', true],
    ['!1', false],
    ['not quantity > 20', true],
    ['not metadata.roaming and quantity > 1', false],
    ['1 < 2 and 2 < 3 or false', true],
    ['false and 1 / 0', false],
    ['true or 1 / 0', true],
  ])('%s is %p', (source, expected) => {
    expect(run(source, purchase)).toBe(expected);
  });

  test.each<[string, string]>([
    ["1 < 'abc'", "'<' cannot compare number with text"],
    ['true > false', "'>' cannot compare boolean with boolean"],
    ["'2026-01-01' >= 5", "'>=' cannot compare text with number"],
  ])('%s cannot be ordered', (source, message) => {
    expect(() => run(source)).toThrow(ExpressionEvaluationError);
    expect(() => run(source)).toThrow(message);
  });

  test.each<[Value, boolean]>([
    [null, false],
    [false, false],
    ['', false],
    [dec(0), false],
    [dec('-0'), false],
    [dec('0.000'), false],
    [true, true],
    ['0', true],
    ['no', true],
    [dec('0.0001'), true],
    [dec(-1), true],
  ])('truthiness of %p is %p', (value, expected) => {
    expect(compileExpression('x').evaluateBoolean({ x: value })).toBe(expected);
    expect(run('if(x, true, false)', { x: value })).toBe(expected);
  });
});

describe('functions', () => {
  test.each<[string, string | boolean | null]>([
    ['if(quantity > 10, 1, 2)', '1'],
    ['if(metadata.absent, 1, 2)', '2'],
    ['round(2.5)', '3'],
    ['round(-2.5)', '-3'],
    ['round(1.005, 2)', '1.01'],
    ['round(1.2345, 3)', '1.235'],
    ['floor(-1.5)', '-2'],
    ['ceil(1.0001)', '2'],
    ['abs(-3.2)', '3.2'],
    ['min(3, 1.5, 2)', '1.5'],
    ['max(3, 1.5, 2)', '3'],
    ["max('7', 3)", '7'],
    ['markup(100, 20)', '120'],
    ['markup(amount, 12.5)', '112.5'],
    ['margin(120, 100)', '16.66666666666666666666666666666666666667'],
    ['margin(0, 100)', '0'],
    ['coalesce(metadata.absent, metadata.country, 1)', 'NL'],
    ['coalesce(metadata.absent, null)', null],
    ["number('12.50') + 1", '13.5'],
    ['number(metadata.absent)', null],
    ['number(2)', '2'],
    ["contains(metadata.msisdn, '1234')", true],
    ["contains(metadata.absent, 'x')", false],
    ['contains(12345, 234)', true],
    ["startsWith(metadata.msisdn, '06')", true],
    ["startsWith(metadata.msisdn, '07')", false],
    ["date('2026-11-01')", '2026-11-01'],
    ["date('2026-11-01T10:00:00Z')", '2026-11-01'],
    ["date('2026-11-01T23:30:00-02:00')", '2026-11-02'],
    ['date(metadata.absent)', null],
    ["days('2026-01-01', '2026-03-01')", '59'],
    ["days('2026-03-01', '2026-01-01')", '-59'],
    ["days('2026-01-01', purchaseDate)", '73'],
    ["days(metadata.absent, '2026-01-01')", null],
    ["concat('MSISDN ', metadata.msisdn, ': ', quantity, ' min, roaming=', true, metadata.absent)", 'MSISDN 0612345678: 12.5 min, roaming=true'],
  ])('%s → %p', (source, expected) => {
    expect(run(source, purchase)).toBe(expected);
  });

  test('if is lazy: the branch not taken is not evaluated', () => {
    expect(run('if(true, 1, 1 / 0)')).toBe('1');
    expect(run('if(false, 1 / 0, 2)')).toBe('2');
    expect(run('coalesce(1, 1 / 0)')).toBe('1');
  });

  test.each<[string, string]>([
    ['round(1, 41)', 'round: decimal places must be a whole number from 0 to 40'],
    ['round(1, 1.5)', 'round: decimal places must be a whole number from 0 to 40'],
    ["round('x')", "round expects a number, got text 'x'"],
    ['abs(null)', 'abs expects a number, got null'],
    ["number('abc')", "number: text 'abc' is not a decimal"],
    ["number('0x1F')", "number: text '0x1F' is not a decimal"],
    ['number(true)', 'number expects text or a number, got boolean true'],
    ["date('yesterday')", "date: text 'yesterday' is not an ISO date"],
    ["date('2026-02-30')", "date: text '2026-02-30' is not an ISO date"],
    ['date(5)', 'date expects an ISO date, got number 5'],
    ["contains(true, 'x')", 'contains expects text, got boolean true'],
    ['markup(null, 20)', 'markup expects a number, got null'],
  ])('%s fails with %p', (source, message) => {
    expect(() => run(source, purchase)).toThrow(ExpressionEvaluationError);
    expect(() => run(source, purchase)).toThrow(message);
  });

  test('the function table is closed', () => {
    expect([...EXPRESSION_FUNCTIONS].sort()).toEqual(
      [
        'abs',
        'ceil',
        'coalesce',
        'concat',
        'contains',
        'date',
        'days',
        'floor',
        'if',
        'margin',
        'markup',
        'max',
        'min',
        'number',
        'round',
        'startsWith',
      ].sort(),
    );
  });
});

describe('evaluation results', () => {
  test('evaluateDecimal accepts numbers and numeric text, nothing else', () => {
    expect(toWire(compileExpression("'2.50'").evaluateDecimal({}))).toBe('2.5');
    expect(() => compileExpression("'gold'").evaluateDecimal({})).toThrow("expression must produce a number, got text 'gold'");
    expect(() => compileExpression('metadata.absent').evaluateDecimal({})).toThrow('expression must produce a number, got null');
    expect(() => compileExpression('1 < 2').evaluateDecimal({})).toThrow('expression must produce a number, got boolean true');
  });

  test('division by zero is an evaluation error (the expression compiles)', () => {
    // Prepare
    const compiled = compileExpression('quantity / metadata.count');

    // Act
    const act = () => compiled.evaluate({ quantity: dec(1), 'metadata.count': '0' });

    // Assess
    expect(act).toThrow(ExpressionEvaluationError);
    expect(act).toThrow('division by zero at 9');
    expect(() => compileExpression('1 / 0')).not.toThrow();
    expect(() => compileExpression('1 / 0').evaluate({})).toThrow('division by zero');
    expect(() => compileExpression('5 % 0').evaluate({})).toThrow('division by zero');
  });

  test('evaluation errors are ExpressionErrors with their own code and the position of the operator', () => {
    try {
      compileExpression("quantity + 'x'").evaluate({ quantity: dec(1) });
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(ExpressionError);
      expect((error as ExpressionError).code).toBe('expression_evaluation_failed');
      expect((error as ExpressionError).position).toBe(9);
      expect((error as Error).message).toBe("'+' expects a number, got text 'x'");
    }
  });

  test('a compiled expression is reusable and immutable', () => {
    const compiled = compileExpression('quantity * 2');
    expect(Object.isFrozen(compiled)).toBe(true);
    for (let i = 0; i < 100; i++) expect(toWire(compiled.evaluateDecimal({ quantity: dec(i) }))).toBe(String(i * 2));
  });
});

describe('syntax errors', () => {
  test.each<[string, string, number]>([
    ['quantity * (1+)', "unexpected token ')' at 14", 14],
    ['exec(1)', "unknown function 'exec'", 0],
    ['1 +', 'unexpected end of expression at 3', 3],
    ['(1 + 2', "expected ')' at 6, found end of expression", 6],
    ['1 2', "unexpected token '2' at 2", 2],
    ['quantity = 1', "unexpected character '=' at 9 (use '==' to compare)", 9],
    ['a & b', "unexpected character '&' at 2 (use '&&' or 'and')", 2],
    ['a | b', "unexpected character '|' at 2 (use '||' or 'or')", 2],
    ['1e5', "malformed number '1e5' at 0", 0],
    ['1.2.3', "malformed number '1.2.3' at 0", 0],
    ['12abc', "malformed number '12abc' at 0", 0],
    ["'open", 'unterminated string starting at 0', 0],
    ["'a\\x'", "unknown escape '\\x' at 2", 2],
    ['a < b < c', "comparisons cannot be chained: '<' at 6 (combine them with 'and')", 6],
    ['a == b != c', "comparisons cannot be chained: '!=' at 7 (combine them with 'and')", 7],
    ['round(1, 2, 3)', "function 'round' takes 1 to 2 arguments, got 3", 0],
    ['if(true, 1)', "function 'if' takes 3 arguments, got 2", 0],
    ['min()', "function 'min' takes at least 1 argument, got 0", 0],
    ['round(1 2)', "expected ',' or ')' at 8, found '2'", 8],
    ['a.', "unexpected character '.' at 1", 1],
    ['a..b', "unexpected character '.' at 1", 1],
    ['`x`', "unexpected character '`' at 0", 0],
    ['a[0]', "unexpected character '[' at 1", 1],
    ['', 'expression is empty', 0],
    ['   ', 'expression is empty', 0],
    ['x ; y', "unexpected character ';' at 2", 2],
    ['ROUND(1)', "unknown function 'ROUND'", 0],
  ])('%p fails with %p', (source, message, position) => {
    // Act
    const error = compileError(source);

    // Assess
    expect(error.message).toBe(message);
    expect(error.position).toBe(position);
    expect(error.code).toBe('invalid_expression');
    expect(error).not.toBeInstanceOf(ExpressionEvaluationError);
  });

  test('string escapes', () => {
    expect(run("'it\\'s'")).toBe("it's");
    expect(run('"say \\"hi\\""')).toBe('say "hi"');
    expect(run("'a\\nb\\tc\\\\'")).toBe('a\nb\tc\\');
  });

  test('a non-string source is refused', () => {
    expect(() => compileExpression(42 as unknown as string)).toThrow('expression must be a string');
  });
});
describe('properties', () => {
  const decimal = fc
    .tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 8 }))
    .map(([units, scale]) => new D(units.toString()).div(new D(10).pow(scale)));

  test('decimal arithmetic is exact: (a + b) - b == a, and a * 100 / 100 == a', () => {
    const compiled = compileExpression('(a + b) - b == a and a * 100 / 100 == a');
    fc.assert(fc.property(decimal, decimal, (a, b) => expect(compiled.evaluate({ a, b })).toBe(true)));
  });

  test('markup then margin gives back the percentage', () => {
    const compiled = compileExpression('round(margin(markup(cost, pct), cost), 10)');
    fc.assert(
      fc.property(
        decimal.filter((d) => d.gt(0)),
        fc.integer({ min: 1, max: 500 }),
        (cost, pct) => {
          const expected = new D(pct).div(new D(pct).plus(100)).times(100).toDecimalPlaces(10);
          expect(toWire(compiled.evaluateDecimal({ cost, pct: new D(pct) }))).toBe(toWire(expected));
        },
      ),
    );
  });

  test('round(x, n) agrees with half-up rounding', () => {
    const compiled = compileExpression('round(x, n)');
    fc.assert(
      fc.property(decimal, fc.integer({ min: 0, max: 6 }), (x, n) => {
        expect(compiled.evaluateDecimal({ x, n: new D(n) }).eq(x.toDecimalPlaces(n, Decimal.ROUND_HALF_UP))).toBe(true);
      }),
    );
  });

  test('parseExpression exposes the AST with its depth', () => {
    const ast = parseExpression('1 + 2 * x');
    expect(ast.kind).toBe('binary');
    expect(ast.depth).toBe(3);
  });
});
