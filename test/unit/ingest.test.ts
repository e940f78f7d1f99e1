import { checkRows, settleAgainstStored } from '../../shared/ingest/domain/ingest';
import { checkPurchase, contentHash } from '../../shared/ingest/domain/purchase';

const row = (reference: string, quantity = '1') => ({ reference, productLabel: 'p', customerCode: 'c', quantity, purchaseDate: '2026-10-01' });
const rows = (...raws: unknown[]) => raws.map((raw, at) => ({ at, raw }));

function hashOf(raw: unknown): string {
  const check = checkPurchase(raw);
  if (!check.ok) throw new Error('invalid test row');
  return contentHash(check.purchase);
}

describe('triage of a batch', () => {
  test('a reference repeated with the same content is a duplicate, with other content a conflict', () => {
    // Act
    const triage = checkRows(rows(row('a'), row('a'), row('a', '2'), row('b')));
    // Assess
    expect(triage.accepted.map((p) => p.reference)).toEqual(['a', 'b']);
    expect(triage.duplicates).toEqual(['a']);
    expect(triage.rejected).toEqual([
      { at: 2, reference: 'a', code: 'duplicate_conflict', errors: ['reference: duplicate_conflict: repeated in this batch with different content'] },
    ]);
  });

  test('invalid rows are rejected with their position and reference, the rest go on', () => {
    const triage = checkRows(rows(row('a'), { ...row('b'), quantity: 'x' }, 'not an object'));
    expect(triage.accepted.map((p) => p.reference)).toEqual(['a']);
    expect(triage.rejected.map((r) => [r.at, r.reference, r.code])).toEqual([
      [1, 'b', 'invalid'],
      [2, null, 'invalid'],
    ]);
  });

  test('what is stored decides: same hash is a duplicate, another hash is rejected, never overwritten', () => {
    // Prepare
    const checked = checkRows(rows(row('new'), row('same'), row('changed', '5')));
    const stored = new Map([
      ['same', hashOf(row('same'))],
      ['changed', hashOf(row('changed', '4'))],
    ]);
    // Act
    const settled = settleAgainstStored(checked, stored);
    // Assess
    expect(settled.accepted.map((p) => p.reference)).toEqual(['new']);
    expect(settled.duplicates).toEqual(['same']);
    expect(settled.rejected).toEqual([
      { at: 2, reference: 'changed', code: 'duplicate_conflict', errors: ['reference: duplicate_conflict: already stored with different content'] },
    ]);
  });
});
