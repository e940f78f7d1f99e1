import { csvHeaderProblems, csvRecordToPurchase, parseDropKey } from '../../shared/domain/drop';

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
    expect(csvRecordToPurchase({ reference: 'r', quantity: '2', endDate: '', 'meta.msisdn': '316', 'meta.vm': '' })).toEqual({ reference: 'r', quantity: '2', metadata: { msisdn: '316' } });
  });
});
