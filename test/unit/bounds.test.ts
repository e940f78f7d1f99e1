import { calendarDate, decimal, isoDate } from '../../shared/kernel/fields';
import { buildLines } from '../../shared/billing/domain/lines';
import { D, parseDecimal, toWire } from '../../shared/kernel/money';
import { parseChargeModel, rate } from '../../shared/pricing/domain/charge-models';
import { InvalidPriceRuleError, RatingError } from '../../shared/pricing/domain/errors';
import { compileExpression } from '../../shared/pricing/domain/expression';
import { parsePriceRule } from '../../shared/pricing/domain/rules';
import { ratePurchase } from '../../shared/ingest/domain/rating';
import { ClusterTree } from '../../shared/catalog/domain/clusters';
import { runPipeline } from '../../shared/streams/domain/pipeline';
import { ExchangeRateTable } from '../../shared/streams/domain/tables';
import { detailsOf as validationDetails } from './streams/builders';
import { dec, invoice, line, row as ratedRow, rule as invoiceRule, rules as invoiceRules } from './invoicing/builders';
import { modelRater, reasons, row, stream, wire } from './streams/builders';

/**
 * Every computed amount is held to the bounds of input decimals (|x| < 10^30, non-zero |x| ≥ 10^-40):
 * what the service computes and stores can always be read back, so one hostile rule or row can never
 * poison an account's later reads, runs or cycles.
 */

const ZEROS_400 = `1${'0'.repeat(400)}`;
const NEAR_MAX = `9${'0'.repeat(28)}`; // 9 × 10^28
const LARGEST = `9${'0'.repeat(29)}`; // 9 × 10^29: in range, twice it is not

describe('literals in expressions', () => {
  test('a number literal beyond the input bounds does not compile', () => {
    expect(() => compileExpression(`quantity * ${ZEROS_400}`)).toThrow(/number 10000000000000000000… \(401 characters\) at 11 is out of range/);
    expect(() => compileExpression(`quantity * 1${'0'.repeat(30)}`)).toThrow(/out of range/);
  });

  test('literals within the bounds still compile and keep their digits', () => {
    expect(toWire(compileExpression(`${NEAR_MAX} + 0.0000000001`).evaluateDecimal({}))).toBe(`${NEAR_MAX}.0000000001`);
  });

  test('a price rule with such a literal is refused at save, naming model.expression', () => {
    const save = () =>
      parsePriceRule('huge', {
        productCluster: 'voice',
        currency: 'EUR',
        validFrom: '2026-01-01',
        model: { type: 'expression', expression: `quantity * ${ZEROS_400}` },
      });
    expect(save).toThrow(InvalidPriceRuleError);
    try {
      save();
    } catch (error) {
      expect((error as InvalidPriceRuleError).issues).toEqual([
        expect.stringMatching(/^model\.expression: number 1\d+… \(401 characters\) at 11 is out of range/),
      ]);
    }
  });
});

describe('charge models', () => {
  test.each<[string, unknown, string]>([
    ['standard', { type: 'standard', unitPrice: NEAR_MAX }, NEAR_MAX],
    [
      'graduated',
      {
        type: 'graduated',
        tiers: [
          { upTo: '1', unitPrice: '1' },
          { upTo: null, unitPrice: NEAR_MAX },
        ],
      },
      NEAR_MAX,
    ],
    ['volume', { type: 'volume', tiers: [{ upTo: null, unitPrice: NEAR_MAX }] }, NEAR_MAX],
    ['package', { type: 'package', packageSize: '0.0001', packagePrice: NEAR_MAX }, '2'],
    ['percentage', { type: 'percentage', rate: NEAR_MAX, base: 'quantity' }, NEAR_MAX],
    ['expression', { type: 'expression', expression: `quantity * ${NEAR_MAX} * ${NEAR_MAX}` }, '1'],
  ])('%s: an amount past the bounds is a RatingError, never a stored 50-digit amount', (_, wireModel, quantity) => {
    const model = parseChargeModel(wireModel);
    expect(() => rate(model, { quantity: new D(quantity) })).toThrow(RatingError);
    expect(() => rate(model, { quantity: new D(quantity) })).toThrow(/^amount \d\.\d{3}e\+\d+ is out of range/);
  });

  test('an amount just inside the bounds is priced exactly', () => {
    expect(toWire(rate(parseChargeModel({ type: 'standard', unitPrice: NEAR_MAX }), { quantity: new D('1.1') }))).toBe(`99${'0'.repeat(27)}`);
  });

  test('a result too small to store (below 10^-40) is refused as well', () => {
    const model = parseChargeModel({ type: 'standard', unitPrice: '0.0000000000000000000000000000000000000001' });
    expect(() => rate(model, { quantity: new D('0.001') })).toThrow(/out of range/);
  });
});

describe('a purchase whose rule computes an amount past the bounds', () => {
  test('is not-invoiced with the reason and the bound in ratingError; its amount stays null', () => {
    // Prepare
    const ctx = {
      customers: new Map([['C1', { code: 'C1', cluster: 'all', currency: 'EUR', onHold: false }]]),
      aliases: new Map([['voice-min', 'voice']]),
      customerTree: new ClusterTree([{ id: 'all' }]),
      productTree: new ClusterTree([{ id: 'voice' }]),
      routingRules: [],
      priceRules: [
        parsePriceRule('huge', {
          productCluster: 'voice',
          currency: 'EUR',
          validFrom: '2026-01-01',
          model: { type: 'expression', expression: `quantity * ${NEAR_MAX} * 1000` },
        }),
      ],
      now: new Date('2026-11-15T00:00:00Z'),
    };
    const purchase = {
      reference: 'r1',
      productLabel: 'voice-min',
      customerCode: 'C1',
      quantity: '100',
      purchaseDate: '2026-10-10',
      endDate: null,
      metadata: {},
    };

    // Act
    const decision = ratePurchase(purchase, ctx);

    // Assess
    expect(decision).toMatchObject({ status: 'not-invoiced', reason: 'no-price-rule', amount: null, priceRule: null });
    expect(decision.ratingError).toMatch(/^amount 9\.000e\+33 is out of range/);
  });
});

describe('stream stages', () => {
  const huge = modelRater({ voice: { type: 'standard', unitPrice: NEAR_MAX } });

  test('rate: an amount past the bounds is an error row with the reason', () => {
    const result = runPipeline(stream([{ type: 'rate' }]).stages, [row({ quantity: dec('1000') }), row({ reference: 'ok', quantity: dec('1') })], {
      rater: huge,
    });
    expect(reasons(result.errors)).toEqual([[0, 'rate', expect.stringMatching(/^amount 9\.000e\+31 is out of range/)]]);
    expect(result.rows.map((r) => wire(r).reference)).toEqual(['ok']);
  });

  test('formula: a result past the bounds is an error row', () => {
    const result = runPipeline(stream([{ type: 'formula', column: 'amount', expression: `quantity * ${NEAR_MAX}` }]).stages, [
      row({ quantity: dec('100') }),
    ]);
    expect(reasons(result.errors)).toEqual([[0, 'formula', expect.stringMatching(/^amount: result 9\.000e\+30 is out of range/)]]);
  });

  test('convert-currency: a converted amount past the bounds is an error row', () => {
    const rates = new ExchangeRateTable([{ from: 'EUR', to: 'USD', rate: '1000', validFrom: '2026-01-01' }]);
    const result = runPipeline(
      stream([{ type: 'convert-currency', columns: ['amount'], to: 'USD' }]).stages,
      [row({ amount: dec(NEAR_MAX), currency: 'EUR' })],
      { exchangeRates: rates },
    );
    expect(reasons(result.errors)).toEqual([[0, 'convert-currency', expect.stringMatching(/^amount: result 9\.000e\+31 is out of range/)]]);
  });

  test('aggregate: a row that would take a sum past the bounds is an error row and the group keeps its sum', () => {
    // Prepare: a fits, b would take the sum to 1.8 × 10^30, c fits again
    const rows = [
      row({ reference: 'a', amount: dec(LARGEST) }),
      row({ reference: 'b', amount: dec(LARGEST) }),
      row({ reference: 'c', amount: dec('1') }),
    ].map((r) => ({ ...r, currency: 'EUR' }));

    // Act
    const result = runPipeline(stream([{ type: 'aggregate', groupBy: ['customerCode'], sum: ['amount'] }]).stages, rows);

    // Assess
    expect(reasons(result.errors)).toEqual([[0, 'aggregate', expect.stringMatching(/^sum of amount: result 1\.800e\+30 is out of range/)]]);
    expect(result.errors[0]!.row.reference).toBe('b');
    expect(result.rows.map(wire)).toEqual([{ customerCode: 'DIST', currency: 'EUR', amount: `9${'0'.repeat(28)}1` }]);
  });
});

describe('invoices', () => {
  test('a line amount past the bounds is refused, naming the line', () => {
    expect(validationDetails(() => invoice({ lines: [line(), line({ amount: dec(`1${'0'.repeat(35)}`) })] }))).toEqual([
      'lines.1.amount: 1.000e+35 is out of range (a decimal must be below 10^30 and, unless zero, at least 10^-40 in size)',
    ]);
  });

  test('lines within the bounds whose sum is not: the subtotal and total are refused', () => {
    const big = line({ amount: dec(`${LARGEST}.00`), unitPrice: dec(LARGEST) });
    expect(validationDetails(() => invoice({ lines: [big, big] }))).toEqual([
      expect.stringMatching(/^subtotal: 1\.800e\+30 is out of range/),
      expect.stringMatching(/^total: 2\.178e\+30 is out of range/),
    ]);
  });

  test('a period rule whose sum prices past the bounds is a rating_failed conflict, not a line', () => {
    const rules = invoiceRules({ bundle: invoiceRule({ scope: 'period', model: { type: 'standard', unitPrice: NEAR_MAX } }) });
    let failure: unknown;
    try {
      buildLines({
        customerCode: 'c-1',
        currency: 'EUR',
        rows: [ratedRow({ priceRule: 'bundle', quantity: dec('100'), amount: null, unitPrice: null })],
        rules,
      });
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ code: 'rating_failed', details: [expect.stringMatching(/^amount 9\.000e\+30 is out of range/)] });
  });
});

describe('input decimals and dates', () => {
  test.each([' 1 ', '1 ', ' 1', '1 000', '\u00a01'])('%j is not a decimal', (text) => {
    expect(decimal.safeParse(text).error?.issues[0]?.message).toBe('not a decimal');
    expect(() => parseDecimal(text, 'quantity')).toThrow("quantity: not a decimal: '");
  });

  test.each(['2026-02-30', '2026-13-01', '2026-00-10', '2025-02-29', '2026-04-31'])('%s is not a calendar date, in any date field', (date) => {
    expect(calendarDate.safeParse(date).success).toBe(false);
    expect(isoDate.safeParse(date).success).toBe(false);
    expect(isoDate.safeParse(`${date}T10:00:00Z`).success).toBe(false);
  });

  test('real dates pass; calendarDate takes dates only', () => {
    expect(calendarDate.safeParse('2028-02-29').success).toBe(true);
    expect(calendarDate.safeParse('2026-02-28T10:00:00Z').success).toBe(false);
    expect(isoDate.safeParse('2026-02-28T23:59:59Z').success).toBe(true);
  });
});
