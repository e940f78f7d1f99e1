import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { ValidationError } from '../../../shared/kernel/errors';
import {
  BATCH_CSV_PARSE_OPTIONS,
  BatchFormatError,
  BatchReader,
  BatchWriter,
  errorLine,
  parseHeader,
  type ReadResult,
} from '../../../shared/streams/domain/batch-format';
import { rowToWire, type Column, type Row } from '../../../shared/streams/domain/columns';
import { dec, detailsOf, wire } from './builders';

const columns: Column[] = [
  { name: 'reference', type: 'string' },
  { name: 'quantity', type: 'decimal' },
  { name: 'amount', type: 'decimal' },
  { name: 'currency', type: 'string' },
  { name: 'purchaseDate', type: 'date' },
  { name: 'meta.roaming', type: 'boolean' },
  { name: 'meta.note', type: 'string' },
];

const rows: Row[] = [
  {
    reference: 'r1',
    quantity: dec('12.5'),
    amount: dec('0.54625'),
    currency: 'EUR',
    purchaseDate: '2026-03-10',
    'meta.roaming': true,
    'meta.note': 'plain',
  },
  {
    reference: 'r2',
    quantity: dec('-3'),
    amount: dec('0.0000000004'),
    currency: 'EUR',
    purchaseDate: '2026-03-10T10:00:00Z',
    'meta.roaming': false,
    'meta.note': 'comma, "quotes"\nand a newline',
  },
  { reference: 'r3', quantity: dec('1e20'), amount: dec('7'), currency: 'USD', purchaseDate: '2026-03-11', 'meta.roaming': null, 'meta.note': '' },
  { reference: 'r4', quantity: dec('0'), amount: null, currency: 'JPY', purchaseDate: '2026-03-12', 'meta.roaming': null, 'meta.note': null },
  {
    reference: ' spaced ',
    quantity: null,
    amount: dec('1.5'),
    currency: null,
    purchaseDate: '2026-03-12',
    'meta.roaming': true,
    'meta.note': 'ünïcødé €',
  },
];

function write(input: readonly Row[], cols: readonly Column[] = columns) {
  const writer = new BatchWriter(cols, { currency: 'EUR' });
  const csv = [...writer.lines(input)].join('');
  return { csv, description: writer.describe() };
}

function read(csv: string): { columns: readonly Column[]; results: ReadResult[] } {
  const reader = new BatchReader();
  const results: ReadResult[] = [];
  for (const record of parse(csv, BATCH_CSV_PARSE_OPTIONS) as (string | null)[][]) {
    const result = reader.read(record);
    if (result !== null) results.push(result);
  }
  return { columns: reader.columns, results };
}

describe('batch CSV', () => {
  test('writes a typed header and one line per row, nulls unquoted-empty and empty text quoted', () => {
    const { csv } = write(rows);

    expect(csv.split('\n')[0]).toBe(
      'reference:string,quantity:decimal,amount:decimal,currency:string,purchaseDate:date,meta.roaming:boolean,meta.note:string',
    );
    expect(csv.split('\n')[1]).toBe('r1,12.5,0.54625,EUR,2026-03-10,true,plain');
    expect(csv).toContain('r3,100000000000000000000,7,USD,2026-03-11,,""\n');
    expect(csv).toContain('r4,0,,JPY,2026-03-12,,\n');
    expect(csv).toContain('" spaced ",,1.5,,2026-03-12,true,ünïcødé €\n');
  });

  test('round trip: reading what was written gives the same typed rows', () => {
    const { csv } = write(rows);

    const back = read(csv);

    expect(back.columns).toEqual(columns);
    expect(back.results.every((r) => r.ok)).toBe(true);
    expect(back.results.map((r) => (r.ok ? wire(r.row) : null))).toEqual(rows.map(wire));
    // types, not only texts
    const first = back.results[0]!;
    expect(first.ok && first.row.amount).toEqual(dec('0.54625'));
    expect(first.ok && typeof first.row['meta.roaming']).toBe('boolean');
  });

  test('the description: columns, counts, totals of amount per currency, checksum of the file', () => {
    const writer = new BatchWriter(columns, { currency: 'EUR' });
    const csv = [...writer.lines(rows)].join('');
    const errors = writer.error({ row: rows[0]!, stage: 2, type: 'convert-currency', reason: 'no exchange rate EUR-GBP valid on 2026-03-10' });

    const description = writer.describe();

    expect(description).toEqual({
      columns,
      rows: 5,
      errors: 1,
      // r5 has no currency: it counts under the stream's currency; r4's empty amount counts nothing
      totals: { EUR: '2.0462500004', USD: '7' },
      checksum: createHash('sha256').update(csv, 'utf8').digest('hex'),
    });
    expect(JSON.parse(errors)).toEqual({
      stage: 2,
      type: 'convert-currency',
      reason: 'no exchange rate EUR-GBP valid on 2026-03-10',
      row: {
        reference: 'r1',
        quantity: '12.5',
        amount: '0.54625',
        currency: 'EUR',
        purchaseDate: '2026-03-10',
        'meta.roaming': true,
        'meta.note': 'plain',
      },
    });
  });

  test('the checksum is stable for the same content and changes with any byte', () => {
    const a = write(rows).description.checksum;
    const b = write(rows.map((r) => ({ ...r }))).description.checksum;
    const c = write([...rows.slice(0, 4), { ...rows[4]!, amount: dec('1.50') }]).description.checksum;
    const d = write([...rows.slice(0, 4), { ...rows[4]!, amount: dec('1.51') }]).description.checksum;

    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
    expect(c).toBe(a); // 1.50 and 1.5 are the same decimal, written the same way
    expect(d).not.toBe(a);
  });

  test('an empty batch still has a header, a checksum and empty totals', () => {
    const writer = new BatchWriter(columns, { currency: 'EUR' });

    const description = writer.describe();

    expect(description).toMatchObject({ rows: 0, errors: 0, totals: {} });
    expect(description.checksum).toBe(
      createHash('sha256')
        .update(`${columns.map((c) => `${c.name}:${c.type}`).join(',')}\n`)
        .digest('hex'),
    );
  });

  test('a value that does not fit its column type is refused by the writer', () => {
    const writer = new BatchWriter(columns, { currency: 'EUR' });
    writer.header();

    expect(() => writer.row({ ...rows[0]!, amount: 'lots' })).toThrow(BatchFormatError);
    expect(() => writer.row({ ...rows[0]!, purchaseDate: 'tomorrow' })).toThrow("column purchaseDate (date) cannot hold 'tomorrow'");
    expect(() => writer.row({ ...rows[0]!, 'meta.roaming': 'yes' })).toThrow(BatchFormatError);
    expect(writer.describe().rows).toBe(0);
  });

  test("a bad line is that row's error and the reader goes on", () => {
    const csv =
      'reference:string,amount:decimal,day:date,flag:boolean\nok,1,2026-01-01,true\nbad,abc,2026-01-01,false\nshort,1\nbad-day,1,2026-13-01,\nbad-flag,1,,maybe\nlast,2.5,,FALSE\n';

    const { results } = read(csv);

    expect(results.map((r) => (r.ok ? `ok ${r.row.reference}` : `${r.record}: ${r.reason}`))).toEqual([
      'ok ok',
      "2: amount: not a decimal: 'abc'",
      '3: expected 4 fields, found 2',
      "4: day: not an ISO date: '2026-13-01'",
      "5: flag: not true or false: 'maybe'",
      'ok last',
    ]);
  });

  test('headers: typed for batch files; bare names allowed for uploads, typed by the standard columns', () => {
    expect(parseHeader(['reference', 'quantity', 'purchaseDate', 'meta.x', 'amount:string'], { untyped: true })).toEqual([
      { name: 'reference', type: 'string' },
      { name: 'quantity', type: 'decimal' },
      { name: 'purchaseDate', type: 'date' },
      { name: 'meta.x', type: 'string' },
      { name: 'amount', type: 'string' },
    ]);
    expect(detailsOf(() => parseHeader(['reference', 'amount:money', 'a:string', 'a:decimal', '__proto__:string']))).toEqual([
      "header.0: 'reference' has no type (name:string|decimal|boolean|date)",
      "header.1: unknown type 'money' (string, decimal, boolean, date)",
      "header.3: column 'a' appears twice",
      "header.4: '__proto__' is reserved",
    ]);
    expect(() => new BatchReader().read([])).toThrow(ValidationError);
  });

  test('rows go to JSON with the batch columns, decimals as strings', () => {
    expect(rowToWire(rows[1]!, columns.slice(0, 3))).toEqual({ reference: 'r2', quantity: '-3', amount: '0.0000000004' });
    expect(errorLine({ row: { amount: null }, stage: 0, type: 'rate', reason: 'x' })).toBe(
      '{"stage":0,"type":"rate","reason":"x","row":{"amount":null}}',
    );
  });
});
