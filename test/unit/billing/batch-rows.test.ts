import Decimal from 'decimal.js';
import { D } from '../../../shared/kernel/money';
import type { BatchRecord } from '../../../shared/streams/domain/batch';
import type { Row } from '../../../shared/streams/domain/columns';
import { batchCycleRow, rowsDigest, toRatedRow } from '../../../shared/billing/use-cases/rows';

/** A draft batch of billing stream `resell`, in EUR. */
const BATCH: Pick<BatchRecord, 'id' | 'definition'> = {
  id: 'bat_20260401080000000_a1b2c3d4e5',
  definition: { kind: 'billing', type: 'simple', source: { purchases: true }, stages: [{ type: 'rate' }], currency: 'EUR' },
};

/** Product label → product cluster of the invoicing account. */
const CLUSTERS = new Map([
  ['voice-min', 'voice'],
  ['gb', 'data'],
]);

const dec = (value: string) => new D(value);

/** A priced batch row, as a `rate` stage leaves it. */
function row(overrides: Row = {}): Row {
  return {
    reference: 'r-1',
    productLabel: 'voice-min',
    customerCode: 'RESELLER-X',
    usedBy: 'END-1',
    quantity: dec('120'),
    purchaseDate: '2026-03-10',
    endDate: null,
    unitPrice: dec('0.05'),
    amount: dec('6.0000'),
    currency: 'EUR',
    ...overrides,
  };
}

describe('a batch row as a cycle row', () => {
  test('a priced row becomes a rated cycle row of the batch, decimals as exact strings', () => {
    // Act
    const cycleRow = batchCycleRow(row(), BATCH, 4, CLUSTERS);

    // Assess
    expect(cycleRow).toEqual({
      reference: 'r-1',
      version: 0,
      status: 'rated',
      invoice: null,
      productLabel: 'voice-min',
      customerCode: 'RESELLER-X',
      usedBy: 'END-1',
      quantity: '120',
      purchaseDate: '2026-03-10',
      endDate: null,
      amount: '6',
      currency: 'EUR',
      productCluster: 'voice',
      priceRule: null,
      metadata: {},
      batch: 'bat_20260401080000000_a1b2c3d4e5',
      rowKey: 'bat_20260401080000000_a1b2c3d4e5:4',
    });
  });

  test('without a reference column the reference is `<batch>:<index>`; the row key always is', () => {
    // Act
    const withReference = batchCycleRow(row({ reference: 'agg-1' }), BATCH, 0, CLUSTERS)!;
    const withoutReference = batchCycleRow(row({ reference: null }), BATCH, 7, CLUSTERS)!;
    const emptyReference = batchCycleRow(row({ reference: '' }), BATCH, 8, CLUSTERS)!;

    // Assess
    expect([withReference.reference, withReference.rowKey]).toEqual(['agg-1', `${BATCH.id}:0`]);
    expect([withoutReference.reference, withoutReference.rowKey]).toEqual([`${BATCH.id}:7`, `${BATCH.id}:7`]);
    expect(emptyReference.reference).toBe(`${BATCH.id}:8`);
  });

  test('rows sharing a reference (an aggregate of another stream) stay apart by their row key', () => {
    // Act
    const a = batchCycleRow(row({ reference: 'same' }), BATCH, 0, CLUSTERS)!;
    const b = batchCycleRow(row({ reference: 'same' }), BATCH, 1, CLUSTERS)!;

    // Assess
    expect(a.reference).toBe(b.reference);
    expect(a.rowKey).not.toBe(b.rowKey);
  });

  test('a row without customerCode or amount has nothing to invoice', () => {
    expect(batchCycleRow(row({ customerCode: null }), BATCH, 0, CLUSTERS)).toBeNull();
    expect(batchCycleRow(row({ customerCode: '' }), BATCH, 0, CLUSTERS)).toBeNull();
    expect(batchCycleRow(row({ amount: null }), BATCH, 0, CLUSTERS)).toBeNull();
    expect(batchCycleRow(row({ amount: '' }), BATCH, 0, CLUSTERS)).toBeNull();
    const { amount: _omitted, ...noAmountColumn } = row();
    expect(batchCycleRow(noAmountColumn, BATCH, 0, CLUSTERS)).toBeNull();
  });

  test('a zero amount is still invoiced (a free line is not a missing one)', () => {
    expect(batchCycleRow(row({ amount: dec('0') }), BATCH, 0, CLUSTERS)).toMatchObject({ amount: '0' });
  });

  test('decimals held as text (untyped columns) are read exactly', () => {
    // Act
    const cycleRow = batchCycleRow(row({ quantity: '0.5', amount: '1.0437000000000000000001' }), BATCH, 0, CLUSTERS)!;

    // Assess
    expect(cycleRow).toMatchObject({ quantity: '0.5', amount: '1.0437000000000000000001' });
  });

  test('an amount or quantity that is not a decimal leaves the row out instead of failing the cycle', () => {
    expect(batchCycleRow(row({ amount: 'n/a' }), BATCH, 0, CLUSTERS)).toBeNull();
    expect(batchCycleRow(row({ quantity: 'lots' }), BATCH, 0, CLUSTERS)).toBeNull();
    expect(batchCycleRow(row({ amount: true }), BATCH, 0, CLUSTERS)).toBeNull();
  });

  test('a Decimal of another decimal.js clone is read exactly, every digit kept', () => {
    // Prepare: more significant digits than plain decimal.js computes with (20)
    const amount = new Decimal('12345678901234567890.123456789');

    // Act / Assess
    expect(batchCycleRow(row({ amount }), BATCH, 0, CLUSTERS)!.amount).toBe('12345678901234567890.123456789');
  });

  test('no quantity counts as one', () => {
    expect(batchCycleRow(row({ quantity: null }), BATCH, 0, CLUSTERS)!.quantity).toBe('1');
  });

  test('usedBy defaults to the customer; dates are taken as they are', () => {
    // Act
    const cycleRow = batchCycleRow(row({ usedBy: null, purchaseDate: '2026-03-01', endDate: '2026-04-01' }), BATCH, 0, CLUSTERS)!;

    // Assess
    expect(cycleRow).toMatchObject({ customerCode: 'RESELLER-X', usedBy: 'RESELLER-X', purchaseDate: '2026-03-01', endDate: '2026-04-01' });
  });

  test("the currency is the row's, else the stream definition's", () => {
    // Prepare
    const usdStream = { ...BATCH, definition: { ...BATCH.definition, currency: 'USD' } };

    // Act / Assess
    expect(batchCycleRow(row({ currency: 'GBP' }), usdStream, 0, CLUSTERS)!.currency).toBe('GBP');
    expect(batchCycleRow(row({ currency: null }), usdStream, 0, CLUSTERS)!.currency).toBe('USD');
    const { currency: _omitted, ...noCurrencyColumn } = row();
    expect(batchCycleRow(noCurrencyColumn, BATCH, 0, CLUSTERS)!.currency).toBe('EUR');
  });
});

describe('the product cluster of a batch row', () => {
  test("the row's productCluster column wins over its label's cluster", () => {
    expect(batchCycleRow(row({ productLabel: 'voice-min', productCluster: 'wholesale-voice' }), BATCH, 0, CLUSTERS)).toMatchObject({
      productLabel: 'voice-min',
      productCluster: 'wholesale-voice',
    });
  });

  test("else the cluster of its product label in the invoicing account's aliases", () => {
    expect(batchCycleRow(row({ productLabel: 'gb' }), BATCH, 0, CLUSTERS)).toMatchObject({ productLabel: 'gb', productCluster: 'data' });
  });

  test('else the label itself', () => {
    expect(batchCycleRow(row({ productLabel: 'sms' }), BATCH, 0, CLUSTERS)).toMatchObject({ productLabel: 'sms', productCluster: 'sms' });
  });

  test('a row with a productCluster but no label uses the cluster as its label', () => {
    expect(batchCycleRow(row({ productLabel: null, productCluster: 'data' }), BATCH, 0, CLUSTERS)).toMatchObject({
      productLabel: 'data',
      productCluster: 'data',
    });
  });
});

describe('the metadata of a batch row', () => {
  test('meta.<key> columns become metadata <key>; other columns do not', () => {
    // Act
    const cycleRow = batchCycleRow(
      row({ 'meta.reseller': 'RESELLER-X', 'meta.roaming': true, 'meta.vm-name': 'web-1', family: 'voice', metadata: 'x' }),
      BATCH,
      0,
      CLUSTERS,
    )!;

    // Assess
    expect(cycleRow.metadata).toEqual({ reseller: 'RESELLER-X', roaming: true, 'vm-name': 'web-1' });
  });

  test('a decimal meta column is kept as decimal text, like a number in purchase metadata', () => {
    expect(batchCycleRow(row({ 'meta.minutes': dec('12.50') }), BATCH, 0, CLUSTERS)!.metadata).toEqual({ minutes: '12.5' });
  });

  test('an empty meta column is left out', () => {
    expect(batchCycleRow(row({ 'meta.reseller': null }), BATCH, 0, CLUSTERS)!.metadata).toEqual({});
  });
});

describe('batch rows on the invoice', () => {
  test('a batch cycle row reads back as the invoice row with the same amount and no price rule', () => {
    // Act
    const rated = toRatedRow(batchCycleRow(row({ amount: dec('6.125') }), BATCH, 0, CLUSTERS)!);

    // Assess
    expect(rated).toMatchObject({
      reference: 'r-1',
      customerCode: 'RESELLER-X',
      productCluster: 'voice',
      priceRule: null,
      unitPrice: null,
      currency: 'EUR',
    });
    expect(rated.amount!.equals(dec('6.125'))).toBe(true);
    expect(rated.quantity.equals(dec('120'))).toBe(true);
  });

  test('the same batch rows give the same digest; a changed amount does not', () => {
    // Prepare
    const rows = [batchCycleRow(row(), BATCH, 0, CLUSTERS)!, batchCycleRow(row({ reference: 'r-2' }), BATCH, 1, CLUSTERS)!];
    const changed = [rows[0]!, batchCycleRow(row({ reference: 'r-2', amount: dec('6.01') }), BATCH, 1, CLUSTERS)!];

    // Act / Assess
    expect(rowsDigest([...rows].reverse())).toBe(rowsDigest(rows));
    expect(rowsDigest(changed)).not.toBe(rowsDigest(rows));
  });
});
