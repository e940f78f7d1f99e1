import { AmbiguousPriceRulesError } from '../../../shared/pricing/domain/errors';
import { compilePipeline, outputColumns, runPipeline, type PipelineDeps } from '../../../shared/streams/domain/pipeline';
import { PURCHASE_COLUMNS } from '../../../shared/streams/domain/rows';
import type { Rater } from '../../../shared/streams/domain/stages/types';
import { ExchangeRateTable, parseExchangeRate, parseLookupTable } from '../../../shared/streams/domain/tables';
import { EU_MEMBER_STATES, EU_STANDARD_VAT_RATES } from '../../../shared/streams/domain/vat-rates';
import { dec, detailsOf, eurUsd, modelRater, reasons, row, stream, wire } from './builders';

function run(stages: unknown[], rows: Record<string, unknown>[], deps: PipelineDeps = {}) {
  return runPipeline(stream(stages).stages, rows as never, deps);
}

const rater = modelRater({
  voice: { type: 'standard', unitPrice: '0.0437' },
  data: {
    type: 'graduated',
    tiers: [
      { upTo: '10', unitPrice: '1', flatFee: '2' },
      { upTo: null, unitPrice: '0.5' },
    ],
  },
});

describe('rate', () => {
  test('prices each row with the injected rater and writes unitPrice, amount, currency, priceRule', () => {
    // Prepare
    const rows = [row({ reference: 'a', quantity: dec('12.5') }), row({ reference: 'b', productLabel: 'data', quantity: dec('25') })];

    // Act
    const result = run([{ type: 'rate' }], rows, { rater });

    // Assess
    expect(result.errors).toEqual([]);
    expect(
      result.rows.map(wire).map(({ reference, unitPrice, amount, currency, priceRule }) => ({ reference, unitPrice, amount, currency, priceRule })),
    ).toEqual([
      { reference: 'a', unitPrice: '0.0437', amount: '0.54625', currency: 'EUR', priceRule: 'rule-voice' },
      // graduated: 10 × 1 + 2 (fee) + 15 × 0.5
      { reference: 'b', unitPrice: null, amount: '19.5', currency: 'EUR', priceRule: 'rule-data' },
    ]);
  });

  test('reads the product, customer, quantity and date columns the stage names', () => {
    const seen: unknown[] = [];
    const spy: Rater = (request) => {
      seen.push({ product: request.product, customer: request.customer, quantity: request.quantity.toFixed(), date: request.date });
      return rater(request);
    };

    run(
      [{ type: 'rate', product: 'meta.sku', customer: 'usedBy', quantity: 'meta.minutes', date: 'endDate' }],
      [row({ 'meta.sku': 'voice', 'meta.minutes': '3', endDate: '2026-03-31' })],
      { rater: spy },
    );

    expect(seen).toEqual([{ product: 'voice', customer: 'END-1', quantity: '3', date: '2026-03-31' }]);
  });

  test('a row the rater cannot price, or cannot even ask about, is an error row with the reason, unchanged', () => {
    const rows = [
      row({ reference: 'unknown', productLabel: 'sms' }),
      row({ reference: 'bad-qty', quantity: 'lots' }),
      row({ reference: 'no-date', purchaseDate: null }),
      row({ reference: 'bad-date', purchaseDate: '2026-02-30' }),
      row({ reference: 'no-product', productLabel: null }),
      row({ reference: 'ok' }),
    ];

    const result = run([{ type: 'rate' }], rows, { rater });

    expect(result.rows.map((r) => r.reference)).toEqual(['ok']);
    expect(reasons(result.errors)).toEqual([
      [0, 'rate', "no-price-rule: nothing prices product 'sms'"],
      [0, 'rate', "quantity: not a decimal: 'lots'"],
      [0, 'rate', 'purchaseDate is empty'],
      [0, 'rate', "purchaseDate: not an ISO date: '2026-02-30'"],
      [0, 'rate', 'productLabel is empty'],
    ]);
    expect(result.errors[0]!.row).toEqual(rows[0]);
  });

  test("a pricing error thrown by the rater (ambiguous rules) is that row's error; a defect fails the run", () => {
    const ambiguous: Rater = () => {
      throw new AmbiguousPriceRulesError(['a', 'b']);
    };
    const broken: Rater = () => {
      throw new TypeError('boom');
    };

    expect(reasons(run([{ type: 'rate' }], [row()], { rater: ambiguous }).errors)).toEqual([
      [0, 'rate', "price rules 'a' and 'b' are equally specific"],
    ]);
    expect(() => run([{ type: 'rate' }], [row()], { rater: broken })).toThrow('boom');
  });
});

describe('copy', () => {
  test('copies and renames columns; all reads happen before the writes, so columns can swap', () => {
    const result = run(
      [{ type: 'copy', columns: { customerCode: 'meta.reseller', usedBy: 'customerCode', a: 'b', b: 'a' } }],
      [row({ 'meta.reseller': 'R1', a: '1', b: '2' })],
    );

    expect(wire(result.rows[0]!)).toMatchObject({ customerCode: 'R1', usedBy: 'DIST', a: '2', b: '1', 'meta.reseller': 'R1' });
  });

  test('a missing meta column copies as null', () => {
    const result = run([{ type: 'copy', columns: { customerCode: 'meta.reseller' } }], [row()]);

    expect(result.rows[0]!.customerCode).toBeNull();
  });

  test('the target takes the source column type', () => {
    const columns = outputColumns(stream([{ type: 'copy', columns: { cost: 'amount', who: 'meta.reseller' } }]).stages, PURCHASE_COLUMNS);

    expect(columns.slice(-2)).toEqual([
      { name: 'cost', type: 'decimal' },
      { name: 'who', type: 'string' },
    ]);
  });
});

describe('split', () => {
  const split = { type: 'split', column: 'sku', pattern: '^([A-Z]+)-([A-Z]+)(?:-(\\d+))?$', into: ['family', 'region', 'size'] };

  test('splits a column into several by the capture groups; an unmatched optional group is null', () => {
    const result = run([split], [row({ sku: 'VOICE-EU-5' }), row({ sku: 'DATA-US' })]);

    expect(result.rows.map((r) => [r.family, r.region, r.size])).toEqual([
      ['VOICE', 'EU', '5'],
      ['DATA', 'US', null],
    ]);
  });

  test('a value that does not match, an empty value and an over-long value are error rows', () => {
    const result = run([split], [row({ sku: 'voice' }), row({ sku: null }), row({ sku: `A-${'B'.repeat(300)}` })]);

    expect(reasons(result.errors)).toEqual([
      [0, 'split', "sku 'voice' does not match the pattern"],
      [0, 'split', 'sku is empty'],
      [0, 'split', 'sku is longer than 256 characters; split does not read it'],
    ]);
  });

  test('the classic (.*)-(.*) of docs/api.md', () => {
    const result = run([{ type: 'split', column: 'sku', pattern: '(.*)-(.*)', into: ['family', 'size'] }], [row({ sku: 'voice-xl' })]);

    expect(result.rows[0]).toMatchObject({ family: 'voice', size: 'xl' });
  });
});

describe('formula', () => {
  test('computes a decimal column (default type) with markup, margin, round and if', () => {
    const stages = [
      { type: 'formula', column: 'cost', expression: 'amount' },
      { type: 'formula', column: 'amount', expression: 'markup(amount, 20)' },
      { type: 'formula', column: 'margin', expression: 'round(margin(amount, cost), 2)' },
      { type: 'formula', column: 'fee', expression: "if(meta.roaming == 'yes', 1.5, 0)" },
    ];

    const result = run(stages, [row({ amount: dec('0.54625'), 'meta.roaming': 'yes' })]);

    expect(wire(result.rows[0]!)).toMatchObject({ cost: '0.54625', amount: '0.6555', margin: '16.67', fee: '1.5' });
  });

  test('writes string, boolean and date columns; a null result stays null', () => {
    const stages = [
      { type: 'formula', column: 'label', expression: "concat(productLabel, ' x', quantity)", columnType: 'string' },
      { type: 'formula', column: 'big', expression: 'quantity > 5', columnType: 'boolean' },
      { type: 'formula', column: 'day', expression: 'date(purchaseDate)', columnType: 'date' },
      { type: 'formula', column: 'maybe', expression: 'if(quantity > 100, quantity, null)' },
    ];

    const result = run(stages, [row({ purchaseDate: '2026-03-10T23:30:00Z' })]);

    expect(result.rows[0]).toMatchObject({ label: 'voice x10', big: true, day: '2026-03-10', maybe: null });
  });

  test('a formula that fails on a row is an error row naming the column', () => {
    const stages = [{ type: 'formula', column: 'amount', expression: 'amount / quantity' }];

    const result = run(stages, [
      row({ amount: dec(1), quantity: dec(0) }),
      row({ amount: dec(1), quantity: 'ten' }),
      row({ amount: dec(3), quantity: dec(2) }),
    ]);

    expect(reasons(result.errors)).toEqual([
      [0, 'formula', 'amount: division by zero at 7'],
      [0, 'formula', "amount: '/' expects a number, got text 'ten'"],
    ]);
    expect(result.rows.map((r) => wire(r).amount)).toEqual(['1.5']);
  });

  test('a result of the wrong type for the column is an error row', () => {
    const result = run(
      [
        { type: 'formula', column: 'amount', expression: 'productLabel' },
        { type: 'formula', column: 'day', expression: 'productLabel', columnType: 'date' },
      ],
      [row(), row({ productLabel: '12.5' })],
    );

    expect(reasons(result.errors)).toEqual([
      [0, 'formula', "amount: not a decimal: 'voice'"],
      [1, 'formula', "day: expression must produce an ISO date, got '12.5'"],
    ]);
  });
});

describe('filter', () => {
  test('keep keeps rows where the condition holds; drop drops them; both are counted, not errors', () => {
    const rows = [row({ quantity: dec(0) }), row({ quantity: dec(5) }), row({ quantity: dec(-1) })];

    const kept = run([{ type: 'filter', keep: 'quantity > 0' }], rows);
    const dropped = run([{ type: 'filter', drop: 'quantity == 0' }], rows);

    expect(kept.rows.map((r) => wire(r).quantity)).toEqual(['5']);
    expect(kept.stats).toMatchObject({ input: 3, output: 1, filtered: 2, errors: 0 });
    expect(dropped.rows.map((r) => wire(r).quantity)).toEqual(['5', '-1']);
  });

  test('a condition that fails on a row keeps the row, as an error row', () => {
    const result = run([{ type: 'filter', keep: 'quantity / amount > 1' }], [row({ amount: dec(0) })]);

    expect(reasons(result.errors)).toEqual([[0, 'filter', 'keep: division by zero at 9']]);
    expect(result.stats).toMatchObject({ input: 1, output: 0, filtered: 0, errors: 1 });
  });
});

describe('convert-currency', () => {
  const rates = eurUsd([
    ['2026-01-01', '1.0850'],
    ['2026-03-16', '1.0987'],
  ]);
  const convert = { type: 'convert-currency', columns: ['unitPrice', 'amount'], to: 'USD' };

  test('converts with the latest rate valid at the row date and sets the currency', () => {
    const rows = [
      row({ reference: 'before', purchaseDate: '2026-03-15T23:59:59Z', unitPrice: dec('0.06'), amount: dec('6'), currency: 'EUR' }),
      row({ reference: 'after', purchaseDate: '2026-03-16', unitPrice: dec('0.06'), amount: dec('6'), currency: 'EUR' }),
    ];

    const result = run([convert], rows, { exchangeRates: rates });

    expect(result.rows.map(wire).map(({ reference, unitPrice, amount, currency }) => ({ reference, unitPrice, amount, currency }))).toEqual([
      { reference: 'before', unitPrice: '0.0651', amount: '6.51', currency: 'USD' },
      { reference: 'after', unitPrice: '0.065922', amount: '6.5922', currency: 'USD' },
    ]);
  });

  test('rows already in the target currency pass untouched; empty amounts stay empty', () => {
    const result = run([convert], [row({ amount: dec('5'), currency: 'USD' }), row({ amount: null, currency: 'EUR' })], { exchangeRates: rates });

    expect(result.rows.map(wire).map((r) => [r.amount, r.unitPrice, r.currency])).toEqual([
      ['5', null, 'USD'],
      [null, null, 'USD'],
    ]);
  });

  test('a missing rate, a date before the first rate, a missing currency and a bad amount are error rows; the row is untouched', () => {
    const rows = [
      row({ reference: 'gbp', amount: dec(1), currency: 'GBP' }),
      row({ reference: 'early', amount: dec(1), currency: 'EUR', purchaseDate: '2025-12-31' }),
      row({ reference: 'none', amount: dec(1), currency: null }),
      row({ reference: 'bad', unitPrice: dec('0.1'), amount: 'n/a', currency: 'EUR' }),
    ];

    const result = run([convert], rows, { exchangeRates: rates });

    expect(reasons(result.errors)).toEqual([
      [0, 'convert-currency', 'no exchange rate GBP-USD valid on 2026-03-10'],
      [0, 'convert-currency', 'no exchange rate EUR-USD valid on 2025-12-31'],
      [0, 'convert-currency', 'currency is empty'],
      [0, 'convert-currency', "amount: not a decimal: 'n/a'"],
    ]);
    // atomic: unitPrice was convertible but is not converted when amount fails
    expect(wire(result.errors[3]!.row)).toMatchObject({ unitPrice: '0.1', currency: 'EUR' });
  });

  test('rates saved through the API shape work the same, and a later save for the same day replaces', () => {
    const table = new ExchangeRateTable([
      parseExchangeRate('EUR-USD', { rate: '1.5', validFrom: '2026-01-01' }),
      parseExchangeRate('EUR-USD', { rate: 2, validFrom: '2026-01-01' }),
    ]);

    const result = run([convert], [row({ amount: dec(3), currency: 'EUR' })], { exchangeRates: table });

    expect(wire(result.rows[0]!).amount).toBe('6');
    expect(detailsOf(() => parseExchangeRate('EUR-USD', { rate: '0', validFrom: '2026-01-01' }))).toEqual(['rate: must be greater than 0']);
    expect(detailsOf(() => parseExchangeRate('EURUSD', { rate: '1', validFrom: '2026-01-01' }))[0]).toContain('pair:');
  });
});

describe('lookup', () => {
  const skus = parseLookupTable({
    key: 'sku',
    rows: [
      { sku: 'voice', name: 'Voice minutes', weight: 2, bundled: true },
      { sku: 'data', name: 'Mobile data', weight: 0.5, bundled: false },
      { sku: '42', name: 'Numbered', weight: null, bundled: false },
    ],
  });
  const lookup = { type: 'lookup', table: 'skus', key: 'productLabel', columns: ['name', 'weight', 'bundled'] };

  test('enriches rows by key with typed values (numbers are decimals)', () => {
    const result = run([lookup], [row(), row({ productLabel: dec(42) })], { lookupTables: { skus } });

    expect(result.rows.map(wire).map((r) => [r.name, r.weight, r.bundled])).toEqual([
      ['Voice minutes', '2', true],
      ['Numbered', null, false],
    ]);
    expect(outputColumns(stream([lookup]).stages, PURCHASE_COLUMNS, { lookupTables: { skus } }).slice(-3)).toEqual([
      { name: 'name', type: 'string' },
      { name: 'weight', type: 'decimal' },
      { name: 'bundled', type: 'boolean' },
    ]);
  });

  test('a missing key is an error row, unless the stage is optional', () => {
    const rows = [row({ productLabel: 'sms' }), row({ productLabel: null })];

    const strict = run([lookup], rows, { lookupTables: new Map([['skus', skus]]) });
    const optional = run([{ ...lookup, optional: true }], rows, { lookupTables: { skus } });

    expect(reasons(strict.errors)).toEqual([
      [0, 'lookup', "productLabel 'sms' is not in lookup table 'skus'"],
      [0, 'lookup', 'productLabel is empty'],
    ]);
    expect(optional.rows.map((r) => [r.name, r.weight])).toEqual([
      [null, null],
      [null, null],
    ]);
  });

  test('an unknown table or a column the table does not have fails the run before any row', () => {
    expect(detailsOf(() => compilePipeline(stream([lookup]).stages, {}))).toEqual(["stages.0.table: unknown lookup table 'skus'"]);
    expect(detailsOf(() => compilePipeline(stream([{ ...lookup, columns: ['price'] }]).stages, { lookupTables: { skus } }))).toEqual([
      "stages.0.columns.0: lookup table 'skus' has no column 'price'",
    ]);
  });

  test('tables are validated when saved: unique, non-empty keys', () => {
    expect(detailsOf(() => parseLookupTable({ key: 'sku', rows: [{ sku: 'a' }, { sku: 'a' }, { name: 'x' }] }))).toEqual([
      "rows.1.sku: duplicate key 'a'",
      'rows.2.sku: the key column is required in every row',
    ]);
  });
});

describe('vat', () => {
  const vat = { type: 'vat', country: 'meta.country', into: 'vatRate' };

  test('adds the standard rate of the row country', () => {
    const rows = ['NL', 'DE', 'HU', 'LU', 'gr', 'EL', 'FI'].map((c) => row({ 'meta.country': c, purchaseDate: '2026-03-01' }));

    const result = run([vat], rows);

    expect(result.rows.map((r) => wire(r).vatRate)).toEqual(['21', '19', '27', '17', '24', '24', '25.5']);
  });

  test('the row date picks the rate in force (changes of 2024–2025); an empty date takes the current rate', () => {
    const rows = [
      row({ 'meta.country': 'EE', purchaseDate: '2025-06-30' }),
      row({ 'meta.country': 'EE', purchaseDate: '2025-07-01' }),
      row({ 'meta.country': 'RO', purchaseDate: '2025-07-31' }),
      row({ 'meta.country': 'RO', purchaseDate: '2025-08-01' }),
      row({ 'meta.country': 'SK', purchaseDate: '2024-12-31' }),
      row({ 'meta.country': 'FI', purchaseDate: '2024-08-31' }),
      row({ 'meta.country': 'FI', purchaseDate: null }),
    ];

    const result = run([vat], rows);

    expect(result.rows.map((r) => wire(r).vatRate)).toEqual(['22', '24', '19', '21', '20', '24', '25.5']);
  });

  test('an unknown or missing country is an error row', () => {
    const result = run([vat], [row({ 'meta.country': 'US' }), row({ 'meta.country': null }), row({ 'meta.country': 'NL', purchaseDate: 'soon' })]);

    expect(reasons(result.errors)).toEqual([
      [0, 'vat', "meta.country: no standard VAT rate for country 'US'"],
      [0, 'vat', 'meta.country is empty'],
      [0, 'vat', "purchaseDate: not an ISO date: 'soon'"],
    ]);
  });

  test('the shipped table covers exactly the 27 member states, with the 2026 standard rates', () => {
    const current = new Map<string, string>();
    for (const entry of EU_STANDARD_VAT_RATES) current.set(entry.country, entry.rate); // entries are in date order per country

    expect(EU_MEMBER_STATES).toHaveLength(27);
    expect([...current.keys()].filter((c) => c !== 'EL').sort()).toEqual([...EU_MEMBER_STATES].sort());
    expect(Object.fromEntries(EU_MEMBER_STATES.map((c) => [c, current.get(c)]))).toEqual({
      AT: '20',
      BE: '21',
      BG: '20',
      HR: '25',
      CY: '19',
      CZ: '21',
      DK: '25',
      EE: '24',
      FI: '25.5',
      FR: '20',
      DE: '19',
      GR: '24',
      HU: '27',
      IE: '23',
      IT: '22',
      LV: '21',
      LT: '21',
      LU: '17',
      MT: '18',
      NL: '21',
      PL: '23',
      PT: '23',
      RO: '21',
      SK: '23',
      SI: '22',
      ES: '21',
      SE: '25',
    });
  });
});

describe('aggregate', () => {
  const aggregate = { type: 'aggregate', groupBy: ['customerCode', 'productLabel'], sum: ['quantity', 'amount'] };

  test('groups rows and sums; currency is always part of the group, so currencies never mix', () => {
    const rows = [
      row({ customerCode: 'A', quantity: dec('1.5'), amount: dec('0.1'), currency: 'EUR' }),
      row({ customerCode: 'B', quantity: dec('2'), amount: dec('0.2'), currency: 'EUR' }),
      row({ customerCode: 'A', quantity: dec('3.25'), amount: dec('0.0004'), currency: 'EUR' }),
      row({ customerCode: 'A', quantity: dec('1'), amount: dec('7'), currency: 'USD' }),
      row({ customerCode: 'A', quantity: dec('1'), amount: null, currency: 'EUR' }),
    ];

    const result = run([aggregate], rows);

    expect(result.rows.map(wire)).toEqual([
      { customerCode: 'A', productLabel: 'voice', currency: 'EUR', quantity: '5.75', amount: '0.1004' },
      { customerCode: 'B', productLabel: 'voice', currency: 'EUR', quantity: '2', amount: '0.2' },
      { customerCode: 'A', productLabel: 'voice', currency: 'USD', quantity: '1', amount: '7' },
    ]);
    expect(result.stats).toMatchObject({ input: 5, aggregated: 5, groups: 3, output: 3, errors: 0 });
  });

  test('push holds rows; finish emits the groups through the stages after the aggregate', () => {
    const pipeline = compilePipeline(
      stream([aggregate, { type: 'formula', column: 'amount', expression: 'round(amount, 2)' }, { type: 'filter', drop: 'amount == 0' }]).stages,
    );

    const outcomes = [
      row({ amount: dec('1.005'), currency: 'EUR' }),
      row({ amount: dec('2'), currency: 'EUR' }),
      row({ customerCode: 'Z', amount: dec('0.001'), currency: 'EUR' }),
    ].map((r) => pipeline.push(r));
    const end = pipeline.finish();

    expect(outcomes.map((o) => o.kind)).toEqual(['held', 'held', 'held']);
    expect(end.rows.map((r) => wire(r).amount)).toEqual(['3.01']);
    expect(pipeline.stats).toMatchObject({ input: 3, aggregated: 3, groups: 2, output: 1, filtered: 1 });
    expect(() => pipeline.finish()).toThrow('already finished');
  });

  test('a value that cannot be summed is an error row and stays out of its group', () => {
    const result = run([aggregate], [row({ amount: dec(1), currency: 'EUR' }), row({ amount: 'x', currency: 'EUR' })]);

    expect(reasons(result.errors)).toEqual([[0, 'aggregate', "amount: not a decimal: 'x'"]]);
    expect(wire(result.rows[0]!).amount).toBe('1');
  });

  test('many rows, few groups: output is one row per group (memory is O(groups))', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) =>
      row({ customerCode: `C${i % 3}`, quantity: dec(1), amount: dec('0.0001'), currency: 'EUR' }),
    );

    const result = run([aggregate], rows);

    expect(result.rows.map(wire).map((r) => [r.customerCode, r.quantity, r.amount])).toEqual([
      ['C0', '6667', '0.6667'],
      ['C1', '6667', '0.6667'],
      ['C2', '6666', '0.6666'],
    ]);
  });

  test('output columns: groupBy, currency, sums', () => {
    expect(outputColumns(stream([aggregate]).stages, PURCHASE_COLUMNS)).toEqual([
      { name: 'customerCode', type: 'string' },
      { name: 'productLabel', type: 'string' },
      { name: 'currency', type: 'string' },
      { name: 'quantity', type: 'decimal' },
      { name: 'amount', type: 'decimal' },
    ]);
  });
});
