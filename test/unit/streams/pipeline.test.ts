import { ValidationError } from '../../../shared/kernel/errors';
import { D } from '../../../shared/kernel/money';
import type { Column } from '../../../shared/streams/domain/columns';
import { compilePipeline, outputColumns, transformRows } from '../../../shared/streams/domain/pipeline';
import { PURCHASE_COLUMNS } from '../../../shared/streams/domain/rows';
import { dec, detailsOf, row, stream, wire } from './builders';

describe('pipeline columns', () => {
  test('declares each stage output type from the source columns', () => {
    const stages = stream([
      { type: 'rate' },
      { type: 'split', column: 'productLabel', pattern: '(\\w+)', into: ['family'] },
      { type: 'formula', column: 'billable', expression: 'amount > 0', columnType: 'boolean' },
      { type: 'vat', country: 'meta.country', into: 'vatRate' },
    ]).stages;
    const input: Column[] = [...PURCHASE_COLUMNS, { name: 'meta.country', type: 'string' }];

    const columns = outputColumns(stages, input);

    expect(columns.slice(PURCHASE_COLUMNS.length)).toEqual([
      { name: 'meta.country', type: 'string' },
      { name: 'priceRule', type: 'string' },
      { name: 'family', type: 'string' },
      { name: 'billable', type: 'boolean' },
      { name: 'vatRate', type: 'decimal' },
    ]);
  });

  test('a stage reading a column that cannot exist is named; meta.* columns may be absent this period', () => {
    const stages = stream([
      { type: 'filter', keep: "meta.roaming == 'yes' or amont > 0" },
      { type: 'copy', columns: { customerCode: 'reseller' } },
      { type: 'convert-currency', columns: ['cost'], to: 'USD', date: 'invoiceDate' },
      { type: 'formula', column: 'cost', expression: 'amount' },
    ]).stages;

    const details = detailsOf(() => outputColumns(stages, PURCHASE_COLUMNS));

    expect(details).toEqual([
      "stages.0.keep: unknown column 'amont'",
      "stages.1.columns.customerCode: unknown column 'reseller'",
      "stages.2.date: unknown column 'invoiceDate'",
      "stages.2.columns.0: unknown column 'cost'",
    ]);
  });

  test('converting a date column is refused when the columns are known', () => {
    expect(() => outputColumns(stream([{ type: 'convert-currency', columns: ['endDate'], to: 'USD' }]).stages, PURCHASE_COLUMNS)).toThrow(
      ValidationError,
    );
  });
});

describe('pipeline mechanics', () => {
  test("the caller's row is never modified; Maps are accepted as rows", () => {
    const input = row({ amount: dec('1') });
    const frozen = Object.freeze({ ...input });
    const pipeline = compilePipeline(stream([{ type: 'formula', column: 'amount', expression: 'amount * 2' }]).stages);

    const fromObject = pipeline.push(frozen);
    const fromMap = pipeline.push(new Map(Object.entries(input)));

    expect(fromObject.kind === 'row' && wire(fromObject.row).amount).toBe('2');
    expect(fromMap.kind === 'row' && wire(fromMap.row).amount).toBe('2');
    expect(frozen.amount).toEqual(new D(1));
  });

  test('transformRows streams outcomes from an async source, then the aggregate groups', async () => {
    async function* source() {
      yield row({ customerCode: 'A', amount: dec(1), currency: 'EUR' });
      yield row({ customerCode: 'A', amount: 'bad', currency: 'EUR' });
      yield row({ customerCode: 'A', amount: dec(2), currency: 'EUR' });
    }
    const pipeline = compilePipeline(stream([{ type: 'aggregate', groupBy: ['customerCode'], sum: ['amount'] }]).stages);

    const kinds: string[] = [];
    for await (const outcome of transformRows(pipeline, source())) kinds.push(outcome.kind === 'row' ? `row ${wire(outcome.row).amount}` : 'error');

    expect(kinds).toEqual(['error', 'row 3']);
  });
});
