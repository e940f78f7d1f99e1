import type { PurchaseRecord } from '../../../shared/ingest/domain/purchase';
import { billedForPeriod, collectingMonth, completedElsewhere } from '../../../shared/billing/domain/period-rows';
import { journalKeyMonth, partitionOf, proratedTo, rowsDigest, toCycleRow, toRatedRow } from '../../../shared/billing/use-cases/rows';

/** A rated purchase of C1, priced per purchase. */
function record(overrides: Partial<PurchaseRecord> = {}): PurchaseRecord {
  return {
    reference: 'r-1',
    productLabel: 'voice-min',
    customerCode: 'E1',
    quantity: '30',
    purchaseDate: '2026-10-10',
    endDate: null,
    metadata: { msisdn: '316' },
    status: 'rated',
    reason: null,
    customer: 'E1',
    billedTo: 'C1',
    productCluster: 'voice',
    routingRule: 'x',
    priceRule: 'voice-eur',
    amount: '1.311',
    currency: 'EUR',
    pricing: 'purchase',
    ratingError: null,
    accountId: 'a',
    contentHash: 'h',
    invoice: null,
    chunkId: 'c',
    receivedAt: '2026-10-10T00:00:00Z',
    updatedAt: '2026-10-10T00:00:00Z',
    version: 3,
    ...overrides,
  };
}

const OCTOBER = { start: '2026-10-01', end: '2026-11-01' };

describe('cycle rows', () => {
  test('a row is the payer-side invoice row of the period, prorated, with the version to mark it by', () => {
    // Prepare: 30 days from 16 September, half of them in October
    const spanning = record({ purchaseDate: '2026-09-16', endDate: '2026-10-16' });
    // Act
    const row = toCycleRow(spanning, OCTOBER);
    // Assess
    expect(row).toMatchObject({
      reference: 'r-1',
      customerCode: 'C1',
      usedBy: 'E1',
      quantity: '15',
      amount: '0.6555',
      version: 3,
      status: 'rated',
      currency: 'EUR',
    });
    expect(row.held).toBeUndefined();
    expect(toRatedRow(row).amount!.toString()).toBe('0.6555');
  });

  test("a stub payer's invoice bills its own period's share of a purchase with an endDate, not the cycle's", () => {
    // Prepare: 30 days from 20 September (30 minutes, 1.311); the cycle [15 Sep, 15 Oct) holds 25 of them,
    // a customer whose billing day moved to the 15th has the stub [1 Oct, 15 Oct): 14 days
    const spanning = record({ purchaseDate: '2026-09-20', endDate: '2026-10-20' });
    const row = toCycleRow(spanning, { start: '2026-09-15', end: '2026-10-15' });
    // Act
    const stub = proratedTo(row, { start: '2026-10-01', end: '2026-10-15' });
    // Assess
    expect(row).toMatchObject({ quantity: '25', amount: '1.0925', whole: { quantity: '30', amount: '1.311' } });
    expect(stub).toMatchObject({ quantity: '14', amount: '0.6118' });
    expect(proratedTo(row, { start: '2026-09-15', end: '2026-10-15' })).toMatchObject({ quantity: '25', amount: '1.0925' });
    const single = toCycleRow(record(), OCTOBER);
    expect(single.whole).toBeUndefined();
    expect(proratedTo(single, { start: '2026-10-01', end: '2026-10-15' })).toBe(single);
  });

  test("a held payer's priced purchase is flagged held", () => {
    expect(toCycleRow(record({ status: 'not-invoiced', reason: 'on-hold' }), OCTOBER).held).toBe(true);
  });

  test('the digest ignores status, invoice and order, not the versions read nor what the invoice is built from', () => {
    const a = toCycleRow(record(), OCTOBER);
    const b = toCycleRow(record({ reference: 'r-2', quantity: '2', amount: '0.0874' }), OCTOBER);
    const marked = { ...a, status: 'invoiced' as const, invoice: 'inv_x' };
    expect(rowsDigest([a, b])).toBe(rowsDigest([b, marked]));
    // the same content read at another version: the draft's rows must name the version now stored
    expect(rowsDigest([a, b])).not.toBe(rowsDigest([{ ...a, version: a.version + 2 }, b]));
    expect(rowsDigest([a, b])).not.toBe(rowsDigest([a, { ...b, amount: '0.0875' }]));
  });

  test('a purchase spanning months is collected from one journal month only', () => {
    expect(collectingMonth({ purchaseDate: '2026-09-16' }, OCTOBER)).toBe('2026-10');
    expect(collectingMonth({ purchaseDate: '2026-10-20' }, OCTOBER)).toBe('2026-10');
    expect(collectingMonth({ purchaseDate: '2026-11-20' }, { start: '2026-10-15', end: '2026-12-15' })).toBe('2026-11');
    expect(journalKeyMonth('journal/acct/2026-10/0abc-x.jsonl')).toBe('2026-10');
  });

  test('partitions are stable and spread customers over all of them', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`C${i}`, 8)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(partitionOf('C42', 8)).toBe(partitionOf('C42', 8));
    expect(partitionOf('C42', 1)).toBe(0);
  });
});

describe('a purchase completed on another invoice', () => {
  const october = { start: '2026-10-01', end: '2026-11-01' };
  const november = { start: '2026-11-01', end: '2026-12-01' };

  test('is the other invoice only when completed on an invoice other than the draft', () => {
    expect(completedElsewhere({ status: 'completed', invoice: 'inv_a' }, 'inv_b')).toBe('inv_a');
    expect(completedElsewhere({ status: 'completed', invoice: 'inv_b' }, 'inv_b')).toBeNull();
    expect(completedElsewhere({ status: 'rated', invoice: null }, 'inv_b')).toBeNull();
    expect(completedElsewhere({ status: 'invoiced', invoice: 'inv_a' }, 'inv_b')).toBeNull();
  });

  test('without an endDate it was billed, whatever the periods', () => {
    expect(billedForPeriod({ endDate: null }, november, october)).toBe(true);
    expect(billedForPeriod({ endDate: null }, november, null)).toBe(true);
  });

  test("with an endDate it owes the share of every period its invoice's period does not overlap", () => {
    const spanning = { endDate: '2026-12-01' };
    expect(billedForPeriod(spanning, november, october)).toBe(false);
    expect(billedForPeriod(spanning, october, october)).toBe(true);
    // a stub period inside October overlaps it: October's share is billed
    expect(billedForPeriod(spanning, { start: '2026-10-15', end: '2026-11-01' }, october)).toBe(true);
    // an unreadable invoice counts as billed: nothing twice
    expect(billedForPeriod(spanning, november, null)).toBe(true);
  });
});
