import { checkPdfFonts, printable, renderInvoicePdf, type PdfParties } from '../../../shared/billing/documents/pdf';
import { approve, creditNote } from '../../../shared/billing/domain/invoice';
import { pdfText } from '../../support/pdf-text';
import { dec, invoice, line } from './builders';

const parties: PdfParties = {
  seller: { name: 'Vendor V B.V.', lines: ['Keizersgracht 1', '1015 CJ Amsterdam', 'VAT NL000000000B01'] },
  customer: { name: 'Shop One', lines: ['Main Street 5', 'Utrecht'] },
};

/** Page objects are written uncompressed, so they can be counted without a PDF parser. */
const pages = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length ?? 0;

/** The texts drawn between two texts (exclusive), in drawing order. */
const between = (text: readonly string[], from: string, to: string) => text.slice(text.indexOf(from) + 1, text.indexOf(to, text.indexOf(from)));

describe('renderInvoicePdf', () => {
  test('renders a draft invoice as a one-page PDF', async () => {
    // Act
    const pdf = await renderInvoicePdf(
      invoice({
        lines: [line(), line({ description: 'Data', group: '31600000001', amount: dec('0.40'), unitPrice: dec('0.0004'), quantity: dec(1000) })],
      }),
      parties,
    );

    // Assess
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    expect(pdf.length).toBeGreaterThan(1_500);
    expect(pdf.length).toBeLessThan(50_000);
    expect(pages(pdf)).toBe(1);
    // what it says: the facts, both parties, each line's cells (Voice has no group), the totals, footer and watermark
    const text = pdfText(pdf);
    expect(text.slice(0, 9)).toEqual([
      'INVOICE',
      'Invoice',
      'inv-1',
      'Status',
      'DRAFT',
      'Service period',
      '2026-10-01 to 2026-10-31',
      'Currency',
      'EUR',
    ]);
    expect(between(text, 'FROM', 'Description')).toEqual([
      'Vendor V B.V.',
      'Keizersgracht 1',
      '1015 CJ Amsterdam',
      'VAT NL000000000B01',
      'BILL TO',
      'Shop One',
      'Main Street 5',
      'Utrecht',
      'Customer c-1',
      'NL',
    ]);
    expect(between(text, 'Amount', 'Subtotal')).toEqual(['Voice', '1', '10', '10.00', 'Data', '31600000001', '1000', '0.0004', '0.40']);
    expect(text.slice(text.indexOf('Subtotal'))).toEqual([
      'Subtotal',
      '10.40 EUR',
      'Tax (21 %)',
      '2.18 EUR',
      'Total',
      '12.58 EUR',
      'inv-1  ·  page 1 of 1',
      'DRAFT',
    ]);
  });

  test('500 lines flow over several pages', async () => {
    // Prepare
    const lines = Array.from({ length: 500 }, (_, i) =>
      line({
        description: `Calls to destination ${i} with a rather long description that must be cut to fit`,
        group: `3161${String(i).padStart(7, '0')}`,
        amount: dec('1.25'),
      }),
    );

    // Act
    const pdf = await renderInvoicePdf(invoice({ lines }), parties);

    // Assess: about 45 rows a page
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pages(pdf)).toBeGreaterThanOrEqual(10);
    expect(pages(pdf)).toBeLessThanOrEqual(14);
    expect(pdf.length).toBeGreaterThan(15_000);
    expect(pdf.length).toBeLessThan(2_000_000);
    // every line once, in order, its description cut with an ellipsis and its group whole; the totals once, after the last line
    const text = pdfText(pdf);
    const descriptions = text.filter((t) => t.startsWith('Calls to destination '));
    expect(descriptions).toHaveLength(500);
    for (const [i, d] of descriptions.entries()) expect(d).toMatch(new RegExp(`^Calls to destination ${i} with a rather long.*…$`));
    expect(text.filter((t) => /^3161\d{7}$/.test(t))).toEqual(lines.map((l) => l.group));
    expect(text.slice(text.lastIndexOf('Subtotal'))).toEqual([
      'Subtotal',
      '625.00 EUR',
      'Tax (21 %)',
      '131.25 EUR',
      'Total',
      '756.25 EUR',
      `inv-1  ·  page ${pages(pdf)} of ${pages(pdf)}`,
      'DRAFT',
    ]);
    expect(text.filter((t) => t === 'Subtotal')).toHaveLength(1);
    expect(text.filter((t) => t.startsWith('inv-1  ·  page '))).toEqual(
      Array.from({ length: pages(pdf) }, (_, i) => `inv-1  ·  page ${i + 1} of ${pages(pdf)}`),
    );
  });

  test('the same invoice renders to the same bytes (idempotent document writes)', async () => {
    const approved = approve(invoice(), '2026-11-02T09:00:00Z');

    const [a, b] = await Promise.all([renderInvoicePdf(approved, parties), renderInvoicePdf(approved, parties)]);

    expect(a.equals(b)).toBe(true);
    const text = pdfText(a);
    expect(between(text, 'Status', 'FROM')).toEqual([
      'Approved',
      'Service period',
      '2026-10-01 to 2026-10-31',
      'Currency',
      'EUR',
      'Approved',
      '2026-11-02T09:00:00Z',
    ]);
    expect(text).not.toContain('DRAFT');
  });

  test('renders credit notes, empty invoices, huge numbers and text outside WinAnsi', async () => {
    const approved = approve(
      invoice({ lines: [line({ quantity: dec('123456789012345.123456789'), amount: dec('99999999999.99') })] }),
      '2026-11-02T09:00:00Z',
    );
    const credit = creditNote(approved, 'cn-1', 'Überweisung – “wrong” price €');
    const empty = invoice({ lines: [] });
    const foreign: PdfParties = { seller: { name: '株式会社 ベンダー 🚀' }, customer: { name: 'Клиент\u0000\n' } };

    const pdfs = await Promise.all([renderInvoicePdf(credit, parties), renderInvoicePdf(empty, foreign)]);

    for (const pdf of pdfs) expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const [creditText, emptyText] = pdfs.map(pdfText);
    expect(creditText!.slice(0, 3)).toEqual(['CREDIT NOTE', 'Credit note', 'cn-1']);
    expect(between(creditText!, 'Currency', 'FROM')).toEqual(['EUR', 'Credits invoice', 'inv-1', 'Reason', 'Überweisung – “wrong” price €']);
    // numbers are never cut: every digit is printed, in order (a number too long for its cell goes on over two text runs)
    expect(between(creditText!, 'Amount', 'Subtotal').join('')).toBe('Voice-123456789012345.12345678910-99999999999.99');
    expect(between(creditText!, 'Subtotal', 'Total')).toEqual(['-99999999999.99 EUR', 'Tax (21 %)', '-21000000000.00 EUR']);
    expect(between(creditText!, 'Total', 'cn-1  ·  page 1 of 1').join('')).toBe('-120999999999.99 EUR');
    expect(between(emptyText!, 'FROM', 'Description')).toEqual(['???? ???? ?', 'BILL TO', '??????  ', 'Customer c-1', 'NL']);
    expect(between(emptyText!, 'Amount', 'Total')).toEqual(['No charges in this period.', 'Subtotal', '0.00 EUR', 'Tax (21 %)', '0.00 EUR']);
  });
});

describe('fonts', () => {
  test('the standard fonts are found (unbundled: in node_modules/pdfkit/js/data)', () => {
    expect(() => checkPdfFonts()).not.toThrow();
  });

  test('text outside WinAnsi prints as ?, control characters as spaces', () => {
    expect(printable('Café – 5 € “ok”')).toBe('Café – 5 € “ok”');
    expect(printable('株式\u0007x🚀')).toBe('?? x?');
  });
});
