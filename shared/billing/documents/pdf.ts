import PDFDocument from 'pdfkit';
import { DomainError } from '../../kernel/errors';
import { toWire, toWireMoney } from '../../kernel/money';
import { dayNumber, dayToDate } from '../../kernel/dates';
import type { Invoice } from '../domain/invoice';

/**
 * The PDF of an invoice or credit note (docs/product.md §7: "a PDF for people"), rendered with pdfkit's
 * built-in Helvetica, so no font file is embedded and the output is deterministic for a given invoice.
 *
 * ## Bundling: pdfkit's font metrics must ship next to the bundle
 *
 * pdfkit 0.17 reads the metrics of its 14 standard fonts at runtime with
 * `fs.readFileSync(__dirname + '/data/<Font>.afm')`; it has no API to hand it those metrics (a font
 * given as a path or Buffer goes to fontkit, which reads TrueType/OpenType, not AFM). Unbundled,
 * `__dirname` is `node_modules/pdfkit/js`. Once esbuild inlines pdfkit into `index.js` (CommonJS,
 * `__dirname` kept as the runtime value), it is the bundle's own directory: `/var/task` on Lambda,
 * the asset folder in `cdk.out` locally. So every function bundle that renders PDFs must contain
 * `data/Helvetica.afm` and `data/Helvetica-Bold.afm` beside `index.js`, e.g.
 * `commandHooks.afterBundling: (inputDir, outputDir) => [\`cp -R "${inputDir}/node_modules/pdfkit/js/data" "${outputDir}/data"\`]`.
 * test/unit/invoicing/pdf-bundle.test.ts bundles this module the way the stack does and checks it.
 * When the files are missing, rendering fails with `PdfFontsMissingError` naming the path and this fix;
 * call `checkPdfFonts()` at cold start to fail there instead of on the first document.
 */

export interface PdfParty {
  readonly name: string;
  /** Address, tax id, contact: one printed line each. */
  readonly lines?: readonly string[];
}

export interface PdfParties {
  readonly seller: PdfParty;
  readonly customer: PdfParty;
}

/** pdfkit's AFM font metrics are not where pdfkit reads them (see the module comment). */
export class PdfFontsMissingError extends DomainError {
  readonly kind = 'failed';
  readonly code = 'pdf_fonts_missing';
  constructor(readonly path: string) {
    super(
      `pdfkit font metrics missing at ${path}: the function bundle must contain pdfkit's js/data folder as 'data/' next to index.js ` +
        `(copy node_modules/pdfkit/js/data in commandHooks.afterBundling)`,
    );
    this.name = 'PdfFontsMissingError';
  }
}

const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const FONTS = [REGULAR, BOLD] as const;

const MARGIN = 50;
const ROW = 14;
const FOOTER = 30;
const GREY = '#666666';

/** Column layout of the lines table; widths add up to the A4 text width (495 pt). */
const COLUMNS = [
  { title: 'Description', width: 185, align: 'left' },
  { title: 'Group', width: 90, align: 'left' },
  { title: 'Quantity', width: 70, align: 'right' },
  { title: 'Unit price', width: 70, align: 'right' },
  { title: 'Amount', width: 80, align: 'right' },
] as const;
const CELL_GAP = 6;

type Doc = PDFKit.PDFDocument;

function isMissingFontFile(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException;
  return e?.code === 'ENOENT' && typeof e.path === 'string' && e.path.endsWith('.afm');
}

/** A document with both fonts loaded (pdfkit loads a standard font's metrics on first use). */
function openDocument(options: PDFKit.PDFDocumentOptions): Doc {
  try {
    const doc = new PDFDocument(options);
    for (const font of FONTS) doc.font(font);
    return doc;
  } catch (error) {
    if (isMissingFontFile(error)) throw new PdfFontsMissingError(error.path!);
    throw error;
  }
}

/** Loads the fonts once; throws PdfFontsMissingError when the bundle lacks them. Cheap: call it at cold start. */
export function checkPdfFonts(): void {
  openDocument({ autoFirstPage: false });
}

/**
 * Standard PDF fonts encode WinAnsi (Latin-1 plus € „ … – — and a few more) only. Anything else is
 * shown as '?' rather than as a wrong glyph; control characters become spaces.
 */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
export function printable(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    const code = char.codePointAt(0)!;
    if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(char)) out += char;
    else out += code < 0x20 || code === 0x7f ? ' ' : '?';
  }
  return out;
}

/** Text cut with an ellipsis to fit `width` at the current font and size. */
function fit(doc: Doc, text: string, width: number): string {
  const clean = printable(text);
  if (doc.widthOfString(clean) <= width) return clean;
  let low = 0;
  let high = clean.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (doc.widthOfString(`${clean.slice(0, mid)}…`) <= width) low = mid;
    else high = mid - 1;
  }
  return `${clean.slice(0, low)}…`;
}

/** Numbers are never cut: a long one is printed smaller instead. */
function numberSize(doc: Doc, text: string, width: number, size: number): number {
  let fitted = size;
  while (fitted > 5 && doc.fontSize(fitted).widthOfString(text) > width) fitted -= 0.5;
  doc.fontSize(size);
  return fitted;
}

const lastDay = (end: string) => dayToDate(dayNumber(end) - 1);

function header(doc: Doc, invoice: Invoice, parties: PdfParties): void {
  const isCredit = invoice.creditOf !== null;
  const left = MARGIN;
  const top = MARGIN;
  doc
    .font(BOLD)
    .fontSize(20)
    .fillColor('black')
    .text(isCredit ? 'CREDIT NOTE' : 'INVOICE', left, top, { lineBreak: false });

  const status = invoice.status === 'draft' ? 'DRAFT' : invoice.status === 'voided' ? 'VOID' : 'Approved';
  const facts: [string, string][] = [];
  if (invoice.number) facts.push([isCredit ? 'Credit note no.' : 'Invoice no.', invoice.number]);
  facts.push([invoice.number ? 'Reference' : isCredit ? 'Credit note' : 'Invoice', invoice.id], ['Status', status]);
  if (invoice.issueDate) facts.push(['Issue date', invoice.issueDate]);
  if (invoice.dueDate) facts.push(['Due date', invoice.dueDate]);
  facts.push(['Service period', `${invoice.periodStart} to ${lastDay(invoice.periodEnd)}`], ['Currency', invoice.currency]);
  if (invoice.approvedAt && !invoice.issueDate) facts.push(['Approved', invoice.approvedAt]);
  if (invoice.voidedAt) facts.push(['Voided', invoice.voidedAt]);
  if (invoice.creditOf) facts.push(['Credits invoice', invoice.creditOf]);
  if (invoice.reason) facts.push(['Reason', invoice.reason]);
  let y = top;
  for (const [label, value] of facts) {
    doc.font(REGULAR).fontSize(9).fillColor(GREY).text(label, 320, y, { width: 80, lineBreak: false });
    doc
      .font(BOLD)
      .fillColor('black')
      .text(fit(doc, value, 145), 400, y, { width: 145, lineBreak: false });
    y += 13;
  }

  let partyBottom = y;
  const party = (title: string, p: PdfParty, x: number, extra: readonly string[]) => {
    let py = Math.max(y, top + 40) + 15;
    doc.font(REGULAR).fontSize(8).fillColor(GREY).text(title, x, py, { lineBreak: false });
    py += 12;
    doc
      .font(BOLD)
      .fontSize(10)
      .fillColor('black')
      .text(fit(doc, p.name, 230), x, py, { lineBreak: false });
    py += 13;
    doc.font(REGULAR).fontSize(9);
    for (const line of [...(p.lines ?? []), ...extra].slice(0, 9)) {
      doc.text(fit(doc, line, 230), x, py, { lineBreak: false });
      py += 11;
    }
    partyBottom = Math.max(partyBottom, py);
  };
  party('FROM', parties.seller, left, []);
  const customerExtra = [
    `Customer ${invoice.customer.code}`,
    ...(invoice.customer.country && !invoice.customer.address ? [invoice.customer.country] : []),
  ];
  party('BILL TO', parties.customer, 320, customerExtra);
  doc.y = partyBottom + 20;
}

function tableHeader(doc: Doc): void {
  const y = doc.y;
  let x = MARGIN;
  doc.font(BOLD).fontSize(9).fillColor('black');
  for (const column of COLUMNS) {
    doc.text(column.title, x, y, { width: column.width - CELL_GAP, align: column.align, lineBreak: false });
    x += column.width;
  }
  const bottom = y + ROW - 2;
  doc
    .moveTo(MARGIN, bottom)
    .lineTo(MARGIN + textWidth(), bottom)
    .lineWidth(0.7)
    .strokeColor('black')
    .stroke();
  doc.y = y + ROW + 2;
}

const textWidth = () => COLUMNS.reduce((sum, c) => sum + c.width, 0);

function tableRow(doc: Doc, cells: readonly string[], numeric: readonly boolean[]): void {
  const y = doc.y;
  let x = MARGIN;
  doc.font(REGULAR).fillColor('black');
  COLUMNS.forEach((column, i) => {
    const width = column.width - CELL_GAP;
    const text = cells[i] ?? '';
    if (numeric[i]) {
      doc.fontSize(numberSize(doc, text, width, 9)).text(text, x, y, { width, align: column.align, lineBreak: false });
    } else {
      doc.fontSize(9).text(fit(doc, text, width), x, y, { width, align: column.align, lineBreak: false });
    }
    x += column.width;
  });
  doc.fontSize(9);
  doc.y = y + ROW;
}

/** A subscription line's service period (last day inclusive), kind, subscription and charge. */
export function servicePeriodText(line: Pick<Invoice['lines'][number], 'servicePeriod' | 'kind' | 'subscription' | 'charge'>): string {
  const { start, end } = line.servicePeriod!;
  const last = new Date(Date.parse(`${end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return `Service period ${start} – ${last} · ${line.kind} · subscription ${line.subscription}, charge ${line.charge}`;
}

/** A small grey line under a table row (a subscription line's service period). */
function detailRow(doc: Doc, text: string): void {
  const y = doc.y - 3;
  doc
    .font(REGULAR)
    .fontSize(7.5)
    .fillColor(GREY)
    .text(fit(doc, text, textWidth() - 12), MARGIN + 8, y, { lineBreak: false });
  doc.fontSize(9).fillColor('black');
  doc.y = y + ROW;
}

/**
 * The lines in sections: the payer's own first (no heading), then one per linked child customer whose
 * charges a parent's consolidated invoice carries (`line.customer`), in code order, each in invoice order.
 */
export function sections(lines: Invoice['lines']): [string | null, Invoice['lines'][number][]][] {
  const own = lines.filter((line) => line.customer === undefined);
  const children = new Map<string, Invoice['lines'][number][]>();
  for (const line of lines) {
    if (line.customer === undefined) continue;
    const list = children.get(line.customer) ?? [];
    list.push(line);
    children.set(line.customer, list);
  }
  const ordered = [...children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [...(own.length || !ordered.length ? [[null, own] as [string | null, Invoice['lines'][number][]]] : []), ...ordered];
}

/** A section heading inside the lines table (a linked child customer's lines). */
function sectionRow(doc: Doc, text: string): void {
  const y = doc.y + 2;
  doc
    .font(BOLD)
    .fontSize(9)
    .fillColor('black')
    .text(fit(doc, text, textWidth()), MARGIN, y, { lineBreak: false });
  doc.y = y + ROW;
}

/** The lowest y a table row or total may start at: above the footer, inside pdfkit's own page bottom. */
const lastRowY = (doc: Doc) => doc.page.height - MARGIN - FOOTER - ROW;

function totals(doc: Doc, invoice: Invoice): void {
  const money = (d: Parameters<typeof toWireMoney>[0]) => `${toWireMoney(d, invoice.currency)} ${invoice.currency}`;
  const rows: [string, string, boolean][] = [
    ['Subtotal', money(invoice.subtotal), false],
    // one rate per invoice (the customer's): the tax per rate is this one row
    [invoice.taxRate === null ? 'Tax' : `Tax (${toWire(invoice.taxRate)} %)`, money(invoice.tax), false],
    ['Total', money(invoice.total), true],
  ];
  if (doc.y + 8 + rows.length * (ROW + 2) > lastRowY(doc) + ROW) {
    doc.addPage();
    doc.y = MARGIN;
  }
  const right = MARGIN + textWidth();
  doc
    .moveTo(right - 230, doc.y + 2)
    .lineTo(right, doc.y + 2)
    .lineWidth(0.7)
    .strokeColor('black')
    .stroke();
  doc.y += 8;
  for (const [label, value, strong] of rows) {
    const y = doc.y;
    doc
      .font(strong ? BOLD : REGULAR)
      .fontSize(strong ? 11 : 9)
      .fillColor('black');
    doc.text(label, right - 230, y, { width: 110, lineBreak: false });
    doc.text(value, right - 120, y, { width: 120 - CELL_GAP, align: 'right', lineBreak: false });
    doc.y = y + ROW + 2;
  }
}

/** Footer and draft watermark on every page, drawn last (pages are buffered) so "page i of n" is known. */
function decoratePages(doc: Doc, invoice: Invoice): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make pdfkit open a new page: lift the margin while we draw.
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const { width, height } = doc.page;
    doc
      .font(REGULAR)
      .fontSize(8)
      .fillColor(GREY)
      .text(`${printable(invoice.number ?? invoice.id)}  ·  page ${i - range.start + 1} of ${range.count}`, MARGIN, height - MARGIN - 10, {
        width: width - 2 * MARGIN,
        align: 'center',
        lineBreak: false,
      });
    if (invoice.status !== 'approved') {
      doc.save();
      doc.rotate(-40, { origin: [width / 2, height / 2] });
      doc
        .font(BOLD)
        .fontSize(120)
        .fillColor('#999999')
        .fillOpacity(0.18)
        .text(invoice.status === 'draft' ? 'DRAFT' : 'VOID', 0, height / 2 - 60, { width, align: 'center', lineBreak: false });
      doc.restore();
    }
    doc.page.margins.bottom = bottomMargin;
  }
}

/**
 * The invoice as a PDF: what an EU invoice must show (docs/product.md §7): seller and buyer legal names,
 * addresses and VAT ids, the number, issue and due dates once approved, the service period (last day
 * inclusive), status (drafts carry a DRAFT watermark on every page, voided invoices VOID), the lines
 * (description, group, quantity, unit price, amount; a consolidated invoice's linked children's lines in a
 * section "For <child>" each, after the payer's own) over
 * as many pages as needed with the table header repeated, subtotal, tax with its rate (one rate per invoice), total.
 * Money is printed from the invoice's Decimals with the currency's digits; no JS number is involved.
 */
export function renderInvoicePdf(invoice: Invoice, parties: PdfParties): Promise<Buffer> {
  const created = new Date(invoice.approvedAt ?? `${invoice.periodEnd}T00:00:00Z`);
  const doc = openDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `${invoice.creditOf === null ? 'Invoice' : 'Credit note'} ${invoice.id}`,
      Author: printable(parties.seller.name),
      Subject: `${invoice.customer.code} ${invoice.periodStart}..${invoice.periodEnd} ${invoice.currency}`,
      Creator: 'Billstream',
      // fixed instead of "now": the same invoice renders to the same bytes (idempotent S3 writes)
      CreationDate: Number.isNaN(created.getTime()) ? new Date(0) : created,
    },
  });
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      header(doc, invoice, parties);
      tableHeader(doc);
      const numeric = [false, false, true, true, true];
      const newPageIfFull = () => {
        if (doc.y > lastRowY(doc)) {
          doc.addPage();
          doc.y = MARGIN;
          tableHeader(doc);
        }
      };
      for (const [child, lines] of sections(invoice.lines)) {
        if (child !== null) {
          newPageIfFull();
          sectionRow(doc, `For ${child}`);
        }
        for (const line of lines) {
          newPageIfFull();
          tableRow(
            doc,
            [line.description, line.group ?? '', toWire(line.quantity), toWire(line.unitPrice), toWireMoney(line.amount, invoice.currency)],
            numeric,
          );
          if (line.servicePeriod) detailRow(doc, servicePeriodText(line));
        }
      }
      if (invoice.lines.length === 0) {
        doc.font(REGULAR).fontSize(9).fillColor(GREY).text('No charges in this period.', MARGIN, doc.y, { lineBreak: false });
        doc.y += ROW;
      }
      totals(doc, invoice);
      decoratePages(doc, invoice);
      doc.end();
    } catch (error) {
      reject(error);
    }
  });
}
