import { renderInvoicePdf, sections } from '../../../shared/billing/documents/pdf';
import {
  approve,
  invoiceNumber,
  invoicePrefixOf,
  legalDates,
  reissuedInvoiceId,
  voidInvoice,
  type Invoice,
} from '../../../shared/billing/domain/invoice';
import { toInvoiceRecord } from '../../../shared/billing/domain/invoice-wire';
import type { StoredInvoice } from '../../../shared/billing/ports';
import { parties } from '../../../shared/billing/use-cases/documents';
import { InvoiceService } from '../../../shared/billing/use-cases/invoices';
import { MemoryInvoices } from '../../support/memory-billing';
import { MemoryFiles } from '../../support/memory-common';
import { MemoryCatalog, MemoryPurchaseInvoicing, MemoryPurchases, MemoryRules } from '../../support/memory-ports';
import { pdfText } from '../../support/pdf-text';
import { customer, invoice, line } from './builders';

describe('invoice numbers', () => {
  test('<prefix>-<year>-<sequence>, the sequence zero-padded to six digits, longer ones kept whole', () => {
    expect(invoiceNumber('ACME', 2026, 1)).toBe('ACME-2026-000001');
    expect(invoiceNumber('AC-EU', 2027, 123456)).toBe('AC-EU-2027-123456');
    expect(invoiceNumber('X', 2026, 1234567)).toBe('X-2026-1234567');
    expect(() => invoiceNumber('X', 2026, 0)).toThrow('invalid invoice number');
    expect(() => invoiceNumber('X', 26, 1)).toThrow('invalid invoice number');
  });

  test("the profile's prefix, else the account id upper-cased and sanitised to at most 12 characters", () => {
    expect(invoicePrefixOf('acme', 'ACM')).toBe('ACM');
    expect(invoicePrefixOf('acme_eu', null)).toBe('ACME-EU');
    expect(invoicePrefixOf('--a..b--', undefined)).toBe('A-B');
    expect(invoicePrefixOf('averyveryverylongaccount', null)).toBe('AVERYVERYVER');
    expect(invoicePrefixOf('abcdefghijk_lmn', null)).toBe('ABCDEFGHIJK');
    expect(invoicePrefixOf('___', null)).toBe('INV');
  });
});

describe('issue and due dates', () => {
  test('issue = the UTC day of approval; due = issue + payment terms (30 when absent), across months, years and leap days', () => {
    expect(legalDates('2026-11-02T09:00:00Z', undefined)).toEqual({ issueDate: '2026-11-02', dueDate: '2026-12-02' });
    expect(legalDates('2026-12-15T23:59:59.999Z', 30)).toEqual({ issueDate: '2026-12-15', dueDate: '2027-01-14' });
    expect(legalDates('2028-02-20T00:00:00Z', 14)).toEqual({ issueDate: '2028-02-20', dueDate: '2028-03-05' });
    expect(legalDates('2028-02-28T12:00:00Z', 1)).toEqual({ issueDate: '2028-02-28', dueDate: '2028-02-29' });
    expect(legalDates('2026-11-02T09:00:00Z', 0)).toEqual({ issueDate: '2026-11-02', dueDate: '2026-11-02' });
    expect(() => legalDates('yesterday', 30)).toThrow('invalid approval');
    expect(() => legalDates('2026-11-02T09:00:00Z', -1)).toThrow('invalid approval');
  });
});

describe('approval and void', () => {
  const approval = { at: '2026-11-02T09:00:00Z', number: 'V-2026-000007', issueDate: '2026-11-02', dueDate: '2026-12-02' };

  test('approval carries the number, the dates and the legal data; a second approval or a void of a draft is refused', () => {
    const approved = approve(invoice(), {
      ...approval,
      seller: { legalName: 'Vendor V B.V.', vatId: 'NL001', address: { line1: 'Kade 1', postalCode: '1011', city: 'Amsterdam', country: 'NL' } },
      customer: { legalName: 'Shop One Ltd', vatId: 'DE999', address: null },
    });
    expect(approved).toMatchObject({ status: 'approved', number: 'V-2026-000007', issueDate: '2026-11-02', dueDate: '2026-12-02' });
    expect(approved.seller).toMatchObject({ id: 'acc-v', name: 'Vendor V', legalName: 'Vendor V B.V.', vatId: 'NL001' });
    expect(approved.customer).toMatchObject({ code: 'c-1', legalName: 'Shop One Ltd', vatId: 'DE999' });
    expect(() => approve(approved, approval)).toThrow(expect.objectContaining({ code: 'invoice_approved' }));
    expect(() => voidInvoice(invoice(), approval.at)).toThrow(expect.objectContaining({ code: 'invoice_not_approved' }));
    const voided = voidInvoice(approved, '2026-11-03T00:00:00Z');
    expect(voided).toMatchObject({ status: 'voided', voidedAt: '2026-11-03T00:00:00Z', number: 'V-2026-000007' });
    expect(() => voidInvoice(voided, approval.at)).toThrow(expect.objectContaining({ code: 'invoice_voided' }));
    expect(() => approve(voided, approval)).toThrow(expect.objectContaining({ code: 'invoice_approved' }));
  });

  test("the PDF shows both parties' legal data, number and dates, and the children's sections after the payer's own lines", async () => {
    const approved = approve(
      invoice({
        lines: [
          line({ description: 'Own voice' }),
          line({ description: 'Kid voice', customer: 'kid-b' }),
          line({ description: 'Kid A data', customer: 'kid-a' }),
        ],
      }),
      {
        ...approval,
        seller: { legalName: 'Vendor V B.V.', vatId: 'NL001', address: { line1: 'Kade 1', postalCode: '1011 AB', city: 'Amsterdam', country: 'NL' } },
        customer: {
          legalName: 'Shop One Ltd',
          vatId: 'DE999',
          address: { line1: 'Weg 2', line2: 'Hof', postalCode: '10115', city: 'Berlin', country: 'DE' },
        },
      },
    );
    expect(sections(approved.lines).map(([child, lines]) => [child, lines.map((l) => l.description)])).toEqual([
      [null, ['Own voice']],
      ['kid-a', ['Kid A data']],
      ['kid-b', ['Kid voice']],
    ]);
    const text = pdfText(await renderInvoicePdf(approved, parties(approved)));
    for (const expected of [
      'V-2026-000007',
      'Issue date',
      '2026-11-02',
      'Due date',
      '2026-12-02',
      'Service period',
      '2026-10-01 to 2026-10-31',
      'Vendor V B.V.',
      'Kade 1',
      '1011 AB Amsterdam',
      'VAT ID NL001',
      'Shop One Ltd',
      'Weg 2',
      'Hof',
      '10115 Berlin',
      'VAT ID DE999',
      'Tax (21 %)',
    ]) {
      expect(text).toContain(expected);
    }
    const at = (s: string) => text.indexOf(s);
    expect(at('Own voice')).toBeLessThan(at('For kid-a'));
    expect(at('For kid-a')).toBeLessThan(at('Kid A data'));
    expect(at('Kid A data')).toBeLessThan(at('For kid-b'));
    expect(at('For kid-b')).toBeLessThan(at('Kid voice'));
    expect(text).not.toContain('DRAFT');
    const voided = pdfText(await renderInvoicePdf(voidInvoice(approved, '2026-11-03T00:00:00Z'), parties(approved)));
    expect(voided).toContain('VOID');
  });
});

describe('InvoiceService numbering (in-memory ports)', () => {
  function service(now = () => new Date('2026-11-02T09:00:00Z')) {
    const invoices = new MemoryInvoices();
    const files = new MemoryFiles();
    const catalog = new MemoryCatalog();
    const svc = new InvoiceService(
      { invoices, files, marks: new MemoryPurchaseInvoicing(new MemoryPurchases()), rules: new MemoryRules(), catalog },
      now,
    );
    const draft = async (n: number, overrides: Partial<Invoice['customer']> = {}) => {
      const inv = invoice({ id: `inv_20261001_draft${n}`, customer: customer({ code: `c-${n}`, ...overrides }) });
      const stored: StoredInvoice = {
        record: toInvoiceRecord(inv),
        revision: 1,
        cycleId: null,
        run: 1,
        rowsDigest: null,
        documents: { pdf: `pdf-${n}`, csv: `csv-${n}`, rows: null },
        linesKey: null,
        completion: null,
        creditedBy: null,
        updatedAt: '2026-11-01T00:00:00Z',
      };
      expect(await invoices.save('acc-v', stored, 0)).toBe(true);
      return inv.id;
    };
    return { svc, invoices, catalog, draft };
  }

  test('concurrent approvals take 1..n without gaps; a retried approval keeps its one number; the due date follows the payment terms', async () => {
    const { svc, catalog, draft } = service();
    await catalog.putAccountProfile('acc-v', {
      legalName: 'Vendor V B.V.',
      address: { line1: 'Kade 1', postalCode: '1011', city: 'Amsterdam', country: 'NL' },
      vatId: 'NL001',
      invoicePrefix: 'VV',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => draft(i + 1)));
    const approved = await Promise.all(ids.map((id) => svc.approve('acc-v', id)));
    expect(approved.map((a) => a.number).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `VV-2026-${String(i + 1).padStart(6, '0')}`));
    expect(approved[0]).toMatchObject({ status: 'approved', issueDate: '2026-11-02', dueDate: '2026-12-02' });
    await expect(svc.approve('acc-v', ids[0]!)).rejects.toMatchObject({ code: 'invoice_approved' });
    expect((await svc.get('acc-v', ids[0]!)).number).toBe(approved[0]!.number);
  });

  test('without a profile the prefix is the sanitised account id; a credit note takes the next number of the same sequence', async () => {
    const { svc, draft } = service();
    const id = await draft(1);
    expect((await svc.approve('acc-v', id)).number).toBe('ACC-V-2026-000001');
    const voided = await svc.void('acc-v', id);
    expect(voided).toMatchObject({ status: 'voided', number: 'ACC-V-2026-000001' });
    const note = await svc.get('acc-v', voided.creditedBy!);
    expect(note).toMatchObject({ status: 'approved', number: 'ACC-V-2026-000002', creditOf: id, total: '-12.10' });
    expect(await svc.void('acc-v', id)).toEqual(voided);
    expect((await svc.get('acc-v', voided.creditedBy!)).number).toBe('ACC-V-2026-000002');
    await expect(svc.void('acc-v', voided.creditedBy!)).rejects.toMatchObject({ code: 'credit_note_not_voidable' });
    const other = await draft(2);
    await expect(svc.void('acc-v', other)).rejects.toMatchObject({ code: 'invoice_not_approved' });
    expect((await svc.approve('acc-v', other)).number).toBe('ACC-V-2026-000003');
  });
});

describe('reissued ids', () => {
  test('a voided invoice keeps its id; the next one of the same customer, period and currency is <id>_r2, then _r3', () => {
    const id = 'inv_20261001_abcdefgh-r5_xyz1';
    expect(reissuedInvoiceId(id)).toBe(`${id}_r2`);
    expect(reissuedInvoiceId(`${id}_r2`)).toBe(`${id}_r3`);
    expect(reissuedInvoiceId(`${id}_r9`)).toBe(`${id}_r10`);
    expect(() => reissuedInvoiceId('cn_20261001_x')).toThrow('invalid invoice id');
  });
});
