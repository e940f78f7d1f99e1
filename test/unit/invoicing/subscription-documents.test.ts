import { parse } from 'csv-parse/sync';
import { renderInvoiceCsv, exportLinesCsv } from '../../../shared/billing/documents/csv';
import { renderInvoicePdf } from '../../../shared/billing/documents/pdf';
import { creditNote, approve } from '../../../shared/billing/domain/invoice';
import { fromInvoiceRecord, toInvoiceRecord, toWireInvoice } from '../../../shared/billing/domain/invoice-wire';
import { subscriptionLines } from '../../../shared/billing/domain/recurring';
import { D } from '../../../shared/kernel/money';
import { pdfText } from '../../support/pdf-text';
import { invoice, line, row, rules } from './builders';

/** Subscription lines on an invoice's wire form, stored record, itemised CSV, line export and PDF. */

const fees = subscriptionLines({
  period: { start: '2026-10-01', end: '2026-11-01' },
  currency: 'EUR',
  billingDays: [{ from: null, billingDay: 1 }],
  charges: [
    {
      subscription: 'sub-1',
      label: 'Basic',
      charge: { type: 'recurring', id: 'base', productCluster: 'plans', price: new D('24.95'), period: 'month', timing: 'in-advance' },
      segments: [{ from: '2026-10-15', to: null, quantity: new D(1), paused: false }],
    },
  ],
  billed: [],
});
const withFees = invoice({ lines: [line()], subscriptionLines: fees });

describe('subscription lines in documents', () => {
  test('the pure lines: the first slice and the coming month, each with its service and charge period', () => {
    expect(fees.map((l) => [l.kind, l.servicePeriod, l.chargePeriod, l.amount.toFixed(2)])).toEqual([
      ['recurring', { start: '2026-10-15', end: '2026-11-01' }, { start: '2026-10-01', end: '2026-11-01' }, '13.68'],
      ['recurring', { start: '2026-11-01', end: '2026-12-01' }, { start: '2026-11-01', end: '2026-12-01' }, '24.95'],
    ]);
  });

  test('the wire form names kind, subscription, charge and service period; purchase lines stay as they were', () => {
    const wire = toWireInvoice(withFees);
    expect(wire.lines[0]).toEqual({
      description: expect.stringContaining('Basic, 2026-10-15 to 2026-10-31'),
      productCluster: 'plans',
      quantity: '1',
      unitPrice: '24.95',
      amount: '13.68',
      group: null,
      kind: 'recurring',
      subscription: 'sub-1',
      charge: 'base',
      servicePeriod: { start: '2026-10-15', end: '2026-11-01' },
    });
    expect(Object.keys(wire.lines[2]!).sort()).toEqual(['amount', 'description', 'group', 'productCluster', 'quantity', 'unitPrice']);
  });

  test('the stored record reads back with the charge period (what later corrections are computed against)', () => {
    const back = fromInvoiceRecord(JSON.parse(JSON.stringify(toInvoiceRecord(withFees))));
    expect(back.lines[0]).toMatchObject({
      kind: 'recurring',
      subscription: 'sub-1',
      charge: 'base',
      servicePeriod: { start: '2026-10-15', end: '2026-11-01' },
      chargePeriod: { start: '2026-10-01', end: '2026-11-01' },
    });
    expect(back.lines[2]!.kind).toBeUndefined();
    expect(back.total.eq(withFees.total)).toBe(true);
  });

  test('the itemised CSV adds the subscription columns and one row per fee after the purchases', () => {
    const purchase = row();
    const csv = parse(renderInvoiceCsv(withFees, [purchase], { rules: rules() })) as string[][];
    expect(csv[0]).toEqual([
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
      'kind',
      'subscription',
      'charge',
      'serviceStart',
      'serviceEnd',
    ]);
    expect(csv[1]!.slice(0, 1)).toEqual([purchase.reference]);
    expect(csv[1]!.slice(11)).toEqual(['', '', '', '', '']);
    expect(csv.slice(2).map((r) => [r[8], ...r.slice(11)])).toEqual([
      ['13.68', 'recurring', 'sub-1', 'base', '2026-10-15', '2026-11-01'],
      ['24.95', 'recurring', 'sub-1', 'base', '2026-11-01', '2026-12-01'],
    ]);
    // a credit note's fee rows are its own (negated) lines
    const credit = creditNote(approve(withFees, '2026-11-02T00:00:00Z'), 'cn-1', 'void');
    const creditCsv = parse(renderInvoiceCsv(credit, [purchase], { rules: rules() })) as string[][];
    expect(creditCsv.slice(2).map((r) => r[8])).toEqual(['-13.68', '-24.95']);
  });

  test('an invoice without subscriptions keeps its CSV columns; the line export always has them (empty for purchases)', () => {
    const plain = parse(renderInvoiceCsv(invoice(), [row()], { rules: rules() })) as string[][];
    expect(plain[0]!.at(-1)).toBe('group');
    const exported = parse(exportLinesCsv([withFees])) as string[][];
    expect(exported[0]!.slice(-5)).toEqual(['kind', 'subscription', 'charge', 'serviceStart', 'serviceEnd']);
    expect(exported[1]!.slice(-5)).toEqual(['recurring', 'sub-1', 'base', '2026-10-15', '2026-11-01']);
    expect(exported[3]!.slice(-5)).toEqual(['', '', '', '', '']);
  });

  test('the PDF shows each fee line with its service period (last day inclusive)', async () => {
    const text = pdfText(await renderInvoicePdf(withFees, { seller: { name: 'Vendor V' }, customer: { name: 'Shop One' } })).join('\n');
    expect(text).toContain('Service period 2026-10-15 – 2026-10-31 · recurring · subscription sub-1, charge base');
    expect(text).toContain('Service period 2026-11-01 – 2026-11-30');
  });
});
