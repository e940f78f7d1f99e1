import fc from 'fast-check';
import { D } from '../../../shared/kernel/money';
import {
  customerReport,
  emptyReport,
  errorReport,
  fromWireReport,
  heldReport,
  mergeAll,
  mergeReports,
  REPORT_LIST_CAP,
  toWireReport,
  type CycleReport,
} from '../../../shared/billing/domain/report';
import { customer, invoice, line } from './builders';

const eur = invoice({ lines: [line({ amount: new D('10.00') })] });
const usd = invoice({
  id: 'inv-2',
  currency: 'USD',
  customer: customer({ taxRate: null, currency: 'USD' }),
  lines: [line({ amount: new D('5.25') })],
});

describe('cycle report', () => {
  test('a customer with invoices in two currencies counts once, with totals per currency', () => {
    // Act
    const report = customerReport({ invoices: [eur, usd], unmapped: { 'unknown-product': 2 }, notInvoiced: { 'future-date': 1 } });

    // Assess
    expect(toWireReport(report)).toEqual({
      customersInvoiced: 1,
      invoices: 2,
      totals: {
        EUR: { invoices: 1, subtotal: '10.00', tax: '2.10', total: '12.10' },
        USD: { invoices: 1, subtotal: '5.25', tax: '0.00', total: '5.25' },
      },
      held: { count: 0, customers: [] },
      unmapped: { 'unknown-customer': 0, 'unknown-product': 2 },
      notInvoiced: { 'future-date': 1, 'no-price-rule': 0, 'on-hold': 0 },
      errors: { count: 0, items: [] },
    });
  });

  test('merging chunk reports adds counts and totals and lists held customers', () => {
    // Prepare
    const chunks = [
      customerReport({ invoices: [eur] }),
      heldReport('shop-b', 7),
      customerReport({ invoices: [eur] }),
      errorReport({ customer: 'shop-c', code: 'rating_failed', message: 'boom' }),
    ];

    // Act
    const report = toWireReport(mergeAll(chunks));

    // Assess
    expect(report).toMatchObject({
      customersInvoiced: 2,
      invoices: 2,
      totals: { EUR: { invoices: 2, subtotal: '20.00', tax: '4.20', total: '24.20' } },
      held: { count: 1, customers: ['shop-b'] },
      notInvoiced: { 'on-hold': 7 },
      errors: { count: 1, items: [{ customer: 'shop-c', code: 'rating_failed', message: 'boom' }] },
    });
  });

  test('lists are capped but counted', () => {
    const errors = Array.from({ length: REPORT_LIST_CAP + 50 }, (_, i) =>
      errorReport({ customer: `c-${String(i).padStart(3, '0')}`, code: 'x', message: 'y'.repeat(2000) }),
    );

    const report = mergeAll(errors.reverse());

    expect(report.errors.count).toBe(150);
    expect(report.errors.items).toHaveLength(REPORT_LIST_CAP);
    expect(report.errors.items[0]!.customer).toBe('c-000');
    expect(report.errors.items[0]!.message).toHaveLength(500);
  });

  test('a stored partial report reads back to the same report', () => {
    const report = mergeAll([customerReport({ invoices: [eur, usd] }), heldReport('h'), errorReport({ customer: null, code: 'c', message: 'm' })]);

    const back = fromWireReport(JSON.parse(JSON.stringify(toWireReport(report))));

    expect(toWireReport(back)).toEqual(toWireReport(report));
  });
});

describe('mergeReports properties', () => {
  const cents = fc.bigInt({ min: -(10n ** 10n), max: 10n ** 10n }).map((n) => new D(n.toString()).div(100));
  const totals = fc.dictionary(fc.constantFrom('EUR', 'USD', 'JPY'), fc.record({ invoices: fc.nat(50), subtotal: cents, tax: cents, total: cents }), {
    maxKeys: 3,
  });
  const codes = fc.array(fc.string({ maxLength: 4 }), { maxLength: REPORT_LIST_CAP + 20 });
  const report: fc.Arbitrary<CycleReport> = fc
    .record({
      customersInvoiced: fc.nat(1000),
      invoices: fc.nat(1000),
      totals,
      held: codes,
      unknownCustomer: fc.nat(100),
      noPriceRule: fc.nat(100),
      errors: fc.array(
        fc.record({ customer: fc.option(fc.string({ maxLength: 3 })), code: fc.constantFrom('a', 'b'), message: fc.string({ maxLength: 3 }) }),
        { maxLength: REPORT_LIST_CAP + 20 },
      ),
    })
    .map((r) => {
      // a partial report as chunks build it: from single outcomes, merged
      const parts = [
        { ...emptyReport(), customersInvoiced: r.customersInvoiced, invoices: r.invoices, totals: r.totals },
        ...r.held.map((code) => heldReport(code)),
        ...r.errors.map((e) => errorReport(e)),
        {
          ...emptyReport(),
          unmapped: { 'unknown-customer': r.unknownCustomer, 'unknown-product': 0 },
          notInvoiced: { 'future-date': 0, 'no-price-rule': r.noPriceRule, 'on-hold': 0 },
        },
      ];
      return mergeAll(parts);
    });
  const same = (a: CycleReport, b: CycleReport) => expect(toWireReport(a)).toEqual(toWireReport(b));

  test('associative', () => {
    fc.assert(fc.property(report, report, report, (a, b, c) => same(mergeReports(a, mergeReports(b, c)), mergeReports(mergeReports(a, b), c))));
  });

  test('commutative', () => {
    fc.assert(fc.property(report, report, (a, b) => same(mergeReports(a, b), mergeReports(b, a))));
  });

  test('the empty report is the identity', () => {
    fc.assert(fc.property(report, (a) => same(mergeReports(emptyReport(), a), a)));
  });
});
