import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import {
  csvField,
  csvLine,
  exportInvoicesCsv,
  exportInvoicesJsonLines,
  exportLinesCsv,
  exportLinesJsonLines,
  guardFormula,
  renderInvoiceCsv,
  streamInvoiceCsv,
  streamLinesCsv,
} from '../../../shared/billing/documents/csv';
import { approve, creditNote } from '../../../shared/billing/domain/invoice';
import { buildLines } from '../../../shared/billing/domain/lines';
import { dec, invoice, line, row, rule, rules } from './builders';

const parseCsv = (text: string): string[][] => parse(text, { relax_column_count: false });

describe('CSV fields', () => {
  test.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r\nlf', '"cr\r\nlf"'],
    [' padded ', '" padded "'],
    ['', ''],
  ])('%j is written %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  test.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+cmd|calc', "'+cmd|calc"],
    ['-2+3', "'-2+3"],
    ['@SUM(1)', "'@SUM(1)"],
    ['\t=1', "'\t=1"],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
  ])('formula %j is neutralised as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  test.each(['-5', '-0.0004', '+31612345678', '12.50', '1e3', 'a=b', 'x-1'])('%j is left alone (a number, or not a formula start)', (value) => {
    expect(guardFormula(value)).toBe(value);
  });

  test('any text reads back from a CSV parser as written, formula starts prefixed (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '1', '-', '=', '+', '@', ',', '"', '\n', '\r', ' ', 'é', '\t'), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 6 }), (fields) => {
        const [parsed] = parseCsv(csvLine(fields));
        expect(parsed).toEqual(fields.map(guardFormula));
      }),
    );
  });
});

describe('itemised specification', () => {
  const lookup = rules({
    bundle: rule({ productCluster: 'sms', scope: 'period', groupBy: 'msisdn', model: { type: 'standard', unitPrice: '0.07' } }),
  });
  const purchases = [
    row({ reference: 'cdr-1', quantity: dec(3), amount: dec('0.0012'), metadata: { vm: 'web, "prod"', cell: '=1+1' } }),
    row({ reference: 'cdr-2', endDate: '2026-10-06', metadata: { vm: 'db' } }),
    row({
      reference: 'sms-1',
      productCluster: 'sms',
      productLabel: 'sms-out',
      priceRule: 'bundle',
      amount: null,
      unitPrice: null,
      quantity: dec(5),
      metadata: { msisdn: '+31611111111' },
    }),
  ];
  const draft = invoice({ lines: buildLines({ customerCode: 'c-1', currency: 'EUR', rows: purchases, rules: lookup }) });

  test('one row per purchase, one meta column per key seen (sorted), escaped and guarded', () => {
    // Act
    const csv = renderInvoiceCsv(draft, purchases, { rules: lookup });

    // Assess
    expect(parseCsv(csv)).toEqual([
      [
        'reference',
        'purchaseDate',
        'endDate',
        'productLabel',
        'productCluster',
        'usedBy',
        'quantity',
        'unitPrice',
        'amount',
        'currency',
        'group',
        'meta.cell',
        'meta.msisdn',
        'meta.vm',
      ],
      ['cdr-1', '2026-10-05', '', 'voice-out', 'voice', 'c-1', '3', '0.0004', '0.0012', 'EUR', '', "'=1+1", '', 'web, "prod"'],
      ['cdr-2', '2026-10-05', '2026-10-06', 'voice-out', 'voice', 'c-1', '1', '0.0004', '0.0004', 'EUR', '', '', '', 'db'],
      ['sms-1', '2026-10-05', '', 'sms-out', 'sms', 'c-1', '5', '', '', 'EUR', '+31611111111', '', '+31611111111', ''],
    ]);
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  test('streams line by line, with the metadata keys given up front for a one-shot source', () => {
    function* once() {
      yield* purchases;
    }

    const lines = [...streamInvoiceCsv(draft, once(), { rules: lookup, metadataKeys: ['vm'] })];

    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('reference,purchaseDate,endDate,productLabel,productCluster,usedBy,quantity,unitPrice,amount,currency,group,meta.vm\r\n');
  });

  test('a credit note negates quantities and amounts', () => {
    const credit = creditNote(approve(draft, '2026-11-02T00:00:00Z'), 'cn-1', 'dispute');

    const [, first] = parseCsv(renderInvoiceCsv(credit, purchases.slice(0, 1), { rules: lookup }));

    expect(first!.slice(6, 9)).toEqual(['-3', '0.0004', '-0.0012']);
  });

  test('a purchase of another customer is refused', () => {
    expect(() => renderInvoiceCsv(draft, [row({ customerCode: 'other' })], { rules: lookup })).toThrow(
      expect.objectContaining({ code: 'invoice_row_mismatch' }),
    );
  });
});

describe('ERP / BI exports', () => {
  const first = invoice({
    lines: [line({ amount: dec('10.00') }), line({ description: '=cmd', group: '31600000001', amount: dec('0.40'), unitPrice: dec('0.4') })],
  });
  const second = approve(
    invoice({
      id: 'inv-2',
      currency: 'JPY',
      customer: { code: 'c-2', name: 'Ninja, K.K.', taxRate: '10', currency: 'JPY', country: 'JP' },
      lines: [line({ amount: dec('1001') })],
    }),
    { at: '2026-11-02T00:00:00Z', number: 'NJ-2026-000001', issueDate: '2026-11-02', dueDate: '2026-12-02' },
  );

  test('invoices as CSV: a header and one row per invoice', () => {
    expect(parseCsv(exportInvoicesCsv([first, second]))).toEqual([
      [
        'id',
        'issuedBy',
        'customer',
        'customerName',
        'country',
        'periodStart',
        'periodEnd',
        'currency',
        'status',
        'lines',
        'subtotal',
        'taxRate',
        'tax',
        'total',
        'approvedAt',
        'creditOf',
        'reason',
        'number',
        'issueDate',
        'dueDate',
        'voidedAt',
      ],
      [
        'inv-1',
        'acc-v',
        'c-1',
        'Shop One',
        'NL',
        '2026-10-01',
        '2026-11-01',
        'EUR',
        'draft',
        '2',
        '10.40',
        '21',
        '2.18',
        '12.58',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        'inv-2',
        'acc-v',
        'c-2',
        'Ninja, K.K.',
        'JP',
        '2026-10-01',
        '2026-11-01',
        'JPY',
        'approved',
        '1',
        '1001',
        '10',
        '100',
        '1101',
        '2026-11-02T00:00:00Z',
        '',
        '',
        'NJ-2026-000001',
        '2026-11-02',
        '2026-12-02',
        '',
      ],
    ]);
  });

  test('invoices as JSON Lines: one object per line, decimals as strings', () => {
    const lines = exportInvoicesJsonLines([first, second])
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));

    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      id: 'inv-2',
      currency: 'JPY',
      subtotal: '1001',
      tax: '100',
      total: '1101',
      lines: 1,
      approvedAt: '2026-11-02T00:00:00Z',
    });
  });

  test('lines as CSV and JSON Lines: one row per invoice line, numbered', () => {
    const csv = parseCsv(exportLinesCsv([first, second]));
    const json = exportLinesJsonLines([first, second])
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));

    expect(csv).toHaveLength(4);
    expect(csv[0]).toEqual([
      'invoiceId',
      'issuedBy',
      'customer',
      'periodStart',
      'periodEnd',
      'currency',
      'status',
      'creditOf',
      'line',
      'description',
      'productCluster',
      'group',
      'quantity',
      'unitPrice',
      'amount',
      'priceRule',
      'kind',
      'subscription',
      'charge',
      'serviceStart',
      'serviceEnd',
    ]);
    expect(csv[2]).toEqual([
      'inv-1',
      'acc-v',
      'c-1',
      '2026-10-01',
      '2026-11-01',
      'EUR',
      'draft',
      '',
      '2',
      "'=cmd",
      'voice',
      '31600000001',
      '1',
      '0.4',
      '0.40',
      'per-cdr',
      '',
      '',
      '',
      '',
      '',
    ]);
    expect(json[1]).toMatchObject({ invoiceId: 'inv-1', line: 2, description: '=cmd', amount: '0.40', group: '31600000001' });
    expect(json[2]).toMatchObject({ invoiceId: 'inv-2', line: 1, amount: '1001' });
  });

  test('the generators yield one line at a time', () => {
    const generator = streamLinesCsv([first]);

    expect(generator.next().value).toMatch(/^invoiceId,/);
    expect(generator.next().value).toMatch(/^inv-1,.*\r\n$/);
  });
});
