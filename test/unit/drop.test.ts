import { csvHeaderProblems, csvRecordToPurchase, parseDropKey, parseJsonLine } from '../../shared/ingest/domain/drop';

describe('drop objects', () => {
  test('recognises drops and ignores results and sub-folders', () => {
    expect(parseDropKey('drops/acme/october.csv')).toEqual({ accountId: 'acme', name: 'october', format: 'csv' });
    expect(parseDropKey('drops/acme/cdr.2026-10.jsonl')).toEqual({ accountId: 'acme', name: 'cdr.2026-10', format: 'jsonl' });
    expect(parseDropKey('drops/acme/results/october.json')).toBeNull();
    expect(parseDropKey('drops/acme/sub/october.csv')).toBeNull();
    expect(parseDropKey('drops/acme/october.txt')).toBeNull();
  });

  test('a header must name the required columns and nothing unknown', () => {
    expect(csvHeaderProblems(['reference', 'productLabel', 'customerCode', 'quantity', 'purchaseDate', 'endDate', 'meta.msisdn'])).toEqual([]);
    expect(csvHeaderProblems(['reference', 'productLabel', 'quantity', 'purchaseDate', 'colour'])).toEqual([
      "unknown column 'colour' (expected reference, productLabel, customerCode, quantity, purchaseDate, endDate and meta.<key> columns)",
      "missing column 'customerCode'",
    ]);
  });

  test('meta columns become metadata and empty cells are absent', () => {
    expect(csvRecordToPurchase({ reference: 'r', quantity: '2', endDate: '', 'meta.msisdn': '316', 'meta.vm': '' })).toEqual({
      reference: 'r',
      quantity: '2',
      metadata: { msisdn: '316' },
    });
  });

  test('a JSON Lines drop starting with a UTF-8 byte-order mark keeps its first line', () => {
    const first = '\uFEFF{"reference":"r1","quantity":"1"}';
    expect(parseJsonLine(first, 1)).toEqual({ raw: { reference: 'r1', quantity: '1' } });
    expect(parseJsonLine('{"reference":"r2"}', 2)).toEqual({ raw: { reference: 'r2' } });
  });

  test('a byte-order mark is only stripped before the first line; anything unreadable is named', () => {
    expect(parseJsonLine('\uFEFF{"reference":"r2"}', 2)).toEqual({ error: 'line: not valid JSON' });
    expect(parseJsonLine('{"reference":', 3)).toEqual({ error: 'line: not valid JSON' });
  });
});
