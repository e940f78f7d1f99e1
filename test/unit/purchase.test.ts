import { checkPurchase, contentHash, journalMonths, purchaseMonth, type PurchaseInput } from '../../shared/ingest/domain/purchase';

const valid = (over: Record<string, unknown> = {}) => ({
  reference: 'r-1',
  productLabel: 'voice-min',
  customerCode: 'C1',
  quantity: '12.5',
  purchaseDate: '2026-10-03',
  ...over,
});

function accepted(raw: unknown): PurchaseInput {
  const check = checkPurchase(raw);
  if (!check.ok) throw new Error(`expected valid purchase, got ${check.errors.join('; ')}`);
  return check.purchase;
}

function errorsOf(raw: unknown): string[] {
  const check = checkPurchase(raw);
  if (check.ok) throw new Error('expected the purchase to be rejected');
  return check.errors;
}

describe('purchase validation', () => {
  test('accepts a minimal purchase and normalises the quantity', () => {
    // Act
    const p = accepted(valid({ quantity: 10.5 }));
    // Assess
    expect(p).toEqual({
      reference: 'r-1',
      productLabel: 'voice-min',
      customerCode: 'C1',
      quantity: '10.5',
      purchaseDate: '2026-10-03',
      endDate: null,
      metadata: {},
    });
  });

  test('keeps full precision of decimal strings', () => {
    expect(accepted(valid({ quantity: '0.000000000000000000123456789' })).quantity).toBe('0.000000000000000000123456789');
  });

  test.each([
    [{ quantity: 'ten' }, 'quantity: not a decimal'],
    [{ quantity: '' }, 'quantity: not a decimal'],
    [{ quantity: null }, 'quantity: not a decimal'],
    [{ quantity: ' 1 ' }, 'quantity: not a decimal'],
    [{ quantity: '1 ' }, 'quantity: not a decimal'],
    [{ quantity: '1 000' }, 'quantity: not a decimal'],
    [{ quantity: undefined }, 'quantity: required'],
    [{ purchaseDate: '2026-02-30' }, 'purchaseDate: not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)'],
    [{ purchaseDate: '03/10/2026' }, 'purchaseDate: not an ISO date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ)'],
    [{ reference: '' }, 'reference: must not be empty'],
    [{ reference: 'a#b' }, 'reference: must not contain # or control characters'],
    [{ customerCode: 42 }, 'customerCode: must be a string'],
    [{ endDate: '2026-10-01' }, 'endDate: must not be before purchaseDate'],
    [{ metadata: { 'bad key': 'x' } }, 'metadata.bad key: key must be a letter or _ followed by letters, digits, _ . - (at most 64)'],
    [{ metadata: [1] }, 'metadata: must be an object of string, number or ISO-date values'],
    [{ colour: 'red' }, "unknown field 'colour'"],
  ])('rejects %j with a message naming the field', (over, message) => {
    expect(errorsOf(valid(over))).toContain(message);
  });

  test('names every bad field at once', () => {
    const errors = errorsOf({ reference: 'r', quantity: 'x' });
    expect(errors).toEqual(
      expect.arrayContaining(['productLabel: required', 'customerCode: required', 'quantity: not a decimal', 'purchaseDate: required']),
    );
  });

  test('metadata numbers are kept as decimal strings, keys sorted', () => {
    const p = accepted(valid({ metadata: { vm: 'web-1', amount: 12.25, roaming: true } }));
    expect(Object.entries(p.metadata)).toEqual([
      ['amount', '12.25'],
      ['roaming', true],
      ['vm', 'web-1'],
    ]);
  });
});

describe('content hash', () => {
  test('is the same for the same content however it was written', () => {
    const a = accepted(valid({ quantity: 12.5, metadata: { b: 1, a: 'x' } }));
    const b = accepted(valid({ quantity: '12.50', metadata: { a: 'x', b: '1' } }));
    expect(contentHash(a)).toBe(contentHash(b));
  });

  test('differs when any field differs', () => {
    const base = contentHash(accepted(valid()));
    for (const over of [
      { quantity: '13' },
      { productLabel: 'data' },
      { customerCode: 'C2' },
      { purchaseDate: '2026-10-04' },
      { metadata: { a: '1' } },
    ]) {
      expect(contentHash(accepted(valid(over)))).not.toBe(base);
    }
  });
});

describe('journal month', () => {
  test('a purchase is journaled under the UTC month of its date', () => {
    expect(purchaseMonth({ purchaseDate: '2026-10-31T23:30:00-02:00' })).toBe('2026-11');
    expect(purchaseMonth({ purchaseDate: '2026-10-31' })).toBe('2026-10');
  });
});

describe('journal months of a spanning purchase', () => {
  test('a purchase without endDate lives in its own month', () => {
    expect(journalMonths({ purchaseDate: '2026-10-15', endDate: null })).toEqual(['2026-10']);
  });

  test('[purchaseDate, endDate) covers each month it touches, the end being exclusive', () => {
    expect(journalMonths({ purchaseDate: '2026-10-15', endDate: '2026-12-01' })).toEqual(['2026-10', '2026-11']);
    expect(journalMonths({ purchaseDate: '2026-11-20', endDate: '2027-02-02' })).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(journalMonths({ purchaseDate: '2026-10-15', endDate: '2026-10-15' })).toEqual(['2026-10']);
  });
});
