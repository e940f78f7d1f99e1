import PDFDocument from 'pdfkit';

/**
 * The PDF of a quote: a header (quote id, version, status, valid until, currency), the customer, the lines
 * (charge, quantity, list price, discount, unit price, amount), the total and the notes. pdfkit's built-in
 * Helvetica, like the invoices (shared/billing/documents/pdf.ts explains why the function bundle carries
 * pdfkit's `data/` font metrics: infra/constructs/quotes.ts ships them the same way).
 */

export interface QuoteDocument {
  id: string;
  version: number;
  status: string;
  validUntil: string;
  currency: string;
  customer: { code: string; name: string };
  offer: string;
  lines: { charge: string; quantity: string; listPrice: string; discount: string; unitPrice: string; amount: string }[];
  total: string;
  notes: string | null;
}

const MARGIN = 50;
const GREY = '#666666';
const COLUMNS = [
  { title: 'Charge', width: 135, align: 'left' },
  { title: 'Quantity', width: 60, align: 'right' },
  { title: 'List price', width: 75, align: 'right' },
  { title: 'Discount', width: 55, align: 'right' },
  { title: 'Unit price', width: 85, align: 'right' },
  { title: 'Amount', width: 85, align: 'right' },
] as const;

/** Standard PDF fonts print WinAnsi only: anything outside Latin-1 is '?', control characters spaces. */
function printable(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    const code = char.codePointAt(0)!;
    out += (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) ? char : code < 0x20 || code === 0x7f ? ' ' : '?';
  }
  return out;
}

const cut = (text: string, max: number) => {
  const clean = printable(text);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
};

export function renderQuotePdf(quote: QuoteDocument): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: `Quote ${cut(quote.id, 80)}`, CreationDate: new Date(0) } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(20).text('QUOTE', MARGIN, MARGIN, { lineBreak: false });
  const facts: [string, string][] = [
    ['Quote', quote.id],
    ['Version', String(quote.version)],
    ['Status', quote.status],
    ['Valid until', quote.validUntil],
    ['Offer', quote.offer],
    ['Currency', quote.currency],
  ];
  let y = MARGIN;
  for (const [label, value] of facts) {
    doc.font('Helvetica').fontSize(9).fillColor(GREY).text(label, 320, y, { width: 80, lineBreak: false });
    doc.font('Helvetica-Bold').fillColor('black').text(cut(value, 30), 400, y, { width: 145, lineBreak: false });
    y += 13;
  }
  y += 10;
  doc.font('Helvetica').fontSize(8).fillColor(GREY).text('FOR', MARGIN, y, { lineBreak: false });
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .fillColor('black')
    .text(cut(quote.customer.name, 60), MARGIN, y + 12, { lineBreak: false });
  doc
    .font('Helvetica')
    .fontSize(9)
    .text(`Customer ${cut(quote.customer.code, 60)}`, MARGIN, y + 25, { lineBreak: false });
  y += 55;

  const row = (cells: readonly string[], bold: boolean) => {
    if (y > 770) {
      doc.addPage();
      y = MARGIN;
    }
    let x = MARGIN;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    for (const [i, column] of COLUMNS.entries()) {
      doc.text(cells[i] ?? '', x, y, { width: column.width - 6, align: column.align, lineBreak: false });
      x += column.width;
    }
    y += 15;
  };
  row(
    COLUMNS.map((c) => c.title),
    true,
  );
  doc
    .moveTo(MARGIN, y - 3)
    .lineTo(MARGIN + 495, y - 3)
    .lineWidth(0.7)
    .stroke();
  for (const line of quote.lines) {
    row([cut(line.charge, 28), line.quantity, line.listPrice, `${line.discount} %`, line.unitPrice, line.amount], false);
  }
  doc
    .moveTo(MARGIN, y)
    .lineTo(MARGIN + 495, y)
    .stroke();
  y += 6;
  row(['Total', '', '', '', quote.currency, quote.total], true);
  doc
    .font('Helvetica')
    .fontSize(8)
    .fillColor(GREY)
    .text('Recurring charges are per period of the charge; unit prices are per unit of the quantity.', MARGIN, y + 4, { width: 495 });
  if (quote.notes) {
    doc.moveDown().fillColor('black').fontSize(9).text(printable(quote.notes).slice(0, 4000), { width: 495 });
  }
  doc.end();
  return done;
}
