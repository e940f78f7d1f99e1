import { checkPdfFonts, printable, renderInvoicePdf, type PdfParties } from '../../../shared/billing/documents/pdf';
import { approve, creditNote } from '../../../shared/billing/domain/invoice';
import { dec, invoice, line } from './builders';

const parties: PdfParties = {
  seller: { name: 'Vendor V B.V.', lines: ['Keizersgracht 1', '1015 CJ Amsterdam', 'VAT NL000000000B01'] },
  customer: { name: 'Shop One', lines: ['Main Street 5', 'Utrecht'] },
};

/** Page objects are written uncompressed, so they can be counted without a PDF parser. */
const pages = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page\b/g)?.length ?? 0;

describe('renderInvoicePdf', () => {
  test('renders a draft invoice as a one-page PDF', async () => {
    // Act
    const pdf = await renderInvoicePdf(invoice({ lines: [line(), line({ description: 'Data', group: '31600000001', amount: dec('0.40'), unitPrice: dec('0.0004'), quantity: dec(1000) })] }), parties);

    // Assess
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    expect(pdf.length).toBeGreaterThan(1_500);
    expect(pdf.length).toBeLessThan(50_000);
    expect(pages(pdf)).toBe(1);
  });

  test('500 lines flow over several pages', async () => {
    // Prepare
    const lines = Array.from({ length: 500 }, (_, i) =>
      line({ description: `Calls to destination ${i} with a rather long description that must be cut to fit`, group: `3161${String(i).padStart(7, '0')}`, amount: dec('1.25') }),
    );

    // Act
    const pdf = await renderInvoicePdf(invoice({ lines }), parties);

    // Assess: about 45 rows a page
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pages(pdf)).toBeGreaterThanOrEqual(10);
    expect(pages(pdf)).toBeLessThanOrEqual(14);
    expect(pdf.length).toBeGreaterThan(15_000);
    expect(pdf.length).toBeLessThan(2_000_000);
  });

  test('the same invoice renders to the same bytes (idempotent document writes)', async () => {
    const approved = approve(invoice(), '2026-11-02T09:00:00Z');

    const [a, b] = await Promise.all([renderInvoicePdf(approved, parties), renderInvoicePdf(approved, parties)]);

    expect(a.equals(b)).toBe(true);
  });

  test('renders credit notes, empty invoices, huge numbers and text outside WinAnsi', async () => {
    const approved = approve(invoice({ lines: [line({ quantity: dec('123456789012345.123456789'), amount: dec('99999999999.99') })] }), '2026-11-02T09:00:00Z');
    const credit = creditNote(approved, 'cn-1', 'Überweisung – “wrong” price €');
    const empty = invoice({ lines: [] });
    const foreign: PdfParties = { seller: { name: '株式会社 ベンダー 🚀' }, customer: { name: 'Клиент\u0000\n' } };

    const pdfs = await Promise.all([renderInvoicePdf(credit, parties), renderInvoicePdf(empty, foreign)]);

    for (const pdf of pdfs) expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
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
