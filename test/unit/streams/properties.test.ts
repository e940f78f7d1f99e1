import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import type Decimal from 'decimal.js';
import { D } from '../../../shared/kernel/money';
import { BATCH_CSV_PARSE_OPTIONS, BatchReader, BatchWriter } from '../../../shared/streams/domain/batch-format';
import type { Column, Row, Value } from '../../../shared/streams/domain/columns';
import { runPipeline } from '../../../shared/streams/domain/pipeline';
import { parseLookupTable } from '../../../shared/streams/domain/tables';
import { eurUsd, modelRater, row, stream, wire } from './builders';

/** Row values as they arrive: mostly good, sometimes empty or wrong, so that stages fail on some rows. */
const decimalValue = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .integer({ min: -1_000_000, max: 1_000_000 })
      .chain((n) => fc.integer({ min: 0, max: 6 }).map((s) => new D(n).div(10 ** s) as Value)),
  },
  { weight: 1, arbitrary: fc.constantFrom<Value>(null, 'n/a', '12.5', true) },
);

const inputRow = fc.record({
  productLabel: fc.constantFrom<Value>('voice', 'data', 'sms', null, 'VOICE-EU'),
  quantity: decimalValue,
  purchaseDate: fc.constantFrom<Value>('2026-03-01', '2026-03-15T23:59:59Z', '2026-03-16', '2025-12-31', 'soon', null),
  amount: decimalValue,
  currency: fc.constantFrom<Value>('EUR', 'USD', 'GBP', null),
  'meta.reseller': fc.constantFrom<Value>('R1', 'R2', null),
  'meta.country': fc.constantFrom<Value>('NL', 'DE', 'FI', 'US', null),
});

/** Every non-aggregating stage, in shapes that can fail on some rows. */
const STAGE_POOL: unknown[] = [
  { type: 'rate' },
  { type: 'copy', columns: { customerCode: 'meta.reseller', cost: 'amount' } },
  { type: 'split', column: 'productLabel', pattern: '^([a-z]+)$', into: ['family'] },
  { type: 'formula', column: 'amount', expression: 'markup(amount, 20)' },
  { type: 'formula', column: 'perUnit', expression: 'amount / quantity' },
  { type: 'filter', keep: 'quantity >= 0' },
  { type: 'filter', drop: "currency == 'GBP'" },
  { type: 'convert-currency', columns: ['amount'], to: 'USD' },
  { type: 'lookup', table: 'products', key: 'productLabel', columns: ['name'] },
  { type: 'lookup', table: 'products', key: 'productLabel', columns: ['name'], optional: true },
  { type: 'vat', country: 'meta.country', into: 'vatRate' },
];

const deps = {
  rater: modelRater({
    voice: { type: 'standard', unitPrice: '0.01' },
    data: {
      type: 'graduated',
      tiers: [
        { upTo: '10', unitPrice: '1' },
        { upTo: null, unitPrice: '0.5' },
      ],
    },
  }),
  exchangeRates: eurUsd([
    ['2026-01-01', '1.08'],
    ['2026-03-16', '1.10'],
  ]),
  lookupTables: {
    products: parseLookupTable({
      key: 'productLabel',
      rows: [
        { productLabel: 'voice', name: 'Voice' },
        { productLabel: 'data', name: 'Data' },
      ],
    }),
  },
};

describe('pipeline properties', () => {
  test('never loses a row: every input row comes out once, as a row, an error row or a counted filter drop', () => {
    fc.assert(
      fc.property(
        fc.array(inputRow, { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: STAGE_POOL.length - 1 }), { maxLength: 8 }),
        (inputs, picks) => {
          // Prepare
          const rows = inputs.map((r, i) => row({ ...r, reference: `ref-${i}` }));
          const stages = stream(picks.map((i) => STAGE_POOL[i])).stages;

          // Act
          const result = runPipeline(stages, rows, deps);

          // Assess
          const seen = [...result.rows, ...result.errors.map((e) => e.row)].map((r) => r.reference as string);
          expect(new Set(seen).size).toBe(seen.length);
          expect(seen.length + result.stats.filtered).toBe(rows.length);
          expect(result.stats).toMatchObject({ input: rows.length, output: result.rows.length, errors: result.errors.length });
          for (const error of result.errors) {
            expect(error.reason.length).toBeGreaterThan(0);
            expect(stages[error.stage]!.type).toBe(error.type);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('aggregate conserves amounts: per currency, the groups sum to what went in', () => {
    fc.assert(
      fc.property(fc.array(inputRow, { maxLength: 60 }), (inputs) => {
        const rows = inputs.map((r, i) => row({ ...r, reference: `ref-${i}` }));
        const result = runPipeline(stream([{ type: 'aggregate', groupBy: ['meta.reseller'], sum: ['amount'] }]).stages, rows);

        const expected = new Map<string, Decimal>();
        const failed = new Set(result.errors.map((e) => e.row.reference));
        for (const r of rows) {
          if (failed.has(r.reference) || r.amount === null) continue;
          const key = String(r.currency);
          expected.set(key, (expected.get(key) ?? new D(0)).plus(new D(r.amount as Decimal | string)));
        }
        const actual = new Map<string, Decimal>();
        for (const g of result.rows) actual.set(String(g.currency), (actual.get(String(g.currency)) ?? new D(0)).plus(g.amount as Decimal));
        for (const [currency, sum] of actual) expect(sum.eq(expected.get(currency) ?? new D(0))).toBe(true);
        expect(result.stats.input).toBe(result.stats.aggregated + result.stats.errors);
      }),
      { numRuns: 200 },
    );
  });

  test('batch CSV round trip: any typed rows read back equal', () => {
    const columns: Column[] = [
      { name: 'text', type: 'string' },
      { name: 'amount', type: 'decimal' },
      { name: 'flag', type: 'boolean' },
      { name: 'day', type: 'date' },
      { name: 'currency', type: 'string' },
    ];
    const typedRow = fc.record({
      text: fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: null }),
      amount: fc.option(
        fc
          .tuple(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), fc.integer({ min: 0, max: 12 }))
          .map(([n, s]) => new D(n.toString()).div(10 ** s) as Value),
        { nil: null },
      ),
      flag: fc.option(fc.boolean(), { nil: null }),
      day: fc.option(fc.constantFrom('2026-01-31', '2024-02-29', '2026-03-10T10:00:00Z', '2026-03-10T10:00:00.123+02:00'), { nil: null }),
      currency: fc.constantFrom('EUR', 'USD'),
    });

    fc.assert(
      fc.property(fc.array(typedRow, { maxLength: 30 }), (rows: Row[]) => {
        const writer = new BatchWriter(columns, { currency: 'EUR' });
        const csv = [...writer.lines(rows)].join('');
        const reader = new BatchReader();
        const back: Row[] = [];
        for (const record of parse(csv, BATCH_CSV_PARSE_OPTIONS) as (string | null)[][]) {
          const result = reader.read(record);
          if (result === null) continue;
          if (!result.ok) throw new Error(result.reason);
          back.push(result.row);
        }
        expect(back.map(wire)).toEqual(rows.map(wire));
        expect(writer.describe().rows).toBe(rows.length);
      }),
      { numRuns: 200 },
    );
  });
});
