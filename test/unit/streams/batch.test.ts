import {
  batchView,
  derivedBatchId,
  inboundId,
  inboundView,
  newBatchId,
  runningBatch,
  type BatchRecord,
  type InboundRecord,
} from '../../../shared/streams/domain/batch';

/** A published billing batch of stream `resell` for March 2026. */
function batch(overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    id: 'bat_20260401080000000_a1b2c3d4e5',
    accountId: 'vendor',
    stream: 'resell',
    kind: 'billing',
    status: 'published',
    periodStart: '2026-03-01',
    periodEnd: '2026-04-01',
    source: { purchases: true },
    definition: { kind: 'billing', type: 'simple', source: { purchases: true }, stages: [{ type: 'rate' }], currency: 'EUR' },
    rows: 120,
    errors: 3,
    filtered: 7,
    totals: { EUR: '1234.5678', USD: '10' },
    columns: [
      { name: 'customerCode', type: 'string' },
      { name: 'amount', type: 'decimal' },
    ],
    checksum: 'sha256-abc',
    failure: null,
    createdAt: '2026-04-01T08:00:00.000Z',
    updatedAt: '2026-04-01T09:00:00.000Z',
    publishedAt: '2026-04-01T09:00:00.000Z',
    ...overrides,
  };
}

function inbound(overrides: Partial<InboundRecord> = {}): InboundRecord {
  return {
    id: 'in_0123456789ab_20260401080000000_a1b2c3d4e5',
    accountId: 'distributor',
    fromAccount: 'vendor',
    stream: 'resell',
    batch: 'bat_20260401080000000_a1b2c3d4e5',
    kind: 'billing',
    currency: 'EUR',
    periodStart: '2026-03-01',
    periodEnd: '2026-04-01',
    rows: 40,
    totals: { EUR: '400.1' },
    columns: [{ name: 'amount', type: 'decimal' }],
    checksum: 'sha256-def',
    sharedAt: '2026-04-01T09:00:01.000Z',
    ...overrides,
  };
}

describe('batch ids', () => {
  test('a new id carries the UTC creation time to the millisecond', () => {
    expect(newBatchId(new Date('2026-04-01T08:09:10.123Z'))).toMatch(/^bat_20260401080910123_[0-9a-f]{10}$/);
  });

  test('new ids sort by creation time, across seconds, days and years', () => {
    // Prepare
    const times = [
      '2025-12-31T23:59:59.999Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.001Z',
      '2026-01-01T00:00:01.000Z',
      '2026-02-01T00:00:00.000Z',
      '2026-10-01T00:00:00.000Z',
    ];

    // Act
    const ids = times.map((t) => newBatchId(new Date(t)));

    // Assess
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  test('two batches created in the same millisecond still get different ids', () => {
    // Prepare
    const at = new Date('2026-04-01T08:00:00.000Z');

    // Act
    const ids = new Set(Array.from({ length: 50 }, () => newBatchId(at)));

    // Assess
    expect(ids.size).toBe(50);
  });

  test('a derived batch id is the same however often the share is redelivered', () => {
    // Prepare
    const sharedAt = new Date('2026-04-01T09:00:01.000Z');

    // Act
    const first = derivedBatchId('in_0123456789ab_x', 'resell-down', sharedAt);
    const again = derivedBatchId('in_0123456789ab_x', 'resell-down', new Date(sharedAt.getTime()));

    // Assess
    expect(first).toBe(again);
    expect(first).toMatch(/^bat_20260401090001000_[0-9a-f]{10}$/);
  });

  test('a derived batch id differs per downstream stream and per inbound batch', () => {
    // Prepare
    const sharedAt = new Date('2026-04-01T09:00:01.000Z');

    // Act
    const a = derivedBatchId('in_1', 'stream-a', sharedAt);
    const b = derivedBatchId('in_1', 'stream-b', sharedAt);
    const other = derivedBatchId('in_2', 'stream-a', sharedAt);

    // Assess
    expect(new Set([a, b, other]).size).toBe(3);
  });

  test('the inbound id and the stream are kept apart in a derived id (no ambiguous concatenation)', () => {
    const sharedAt = new Date('2026-04-01T09:00:01.000Z');
    expect(derivedBatchId('in_a', 'bc', sharedAt)).not.toBe(derivedBatchId('in_ab', 'c', sharedAt));
  });

  test('a derived id sorts by the time of the share, like new ids', () => {
    // Act
    const earlier = derivedBatchId('in_z', 'down', new Date('2026-04-01T09:00:00.000Z'));
    const later = derivedBatchId('in_a', 'down', new Date('2026-04-01T09:00:00.001Z'));

    // Assess
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });

  test("an inbound id is deterministic per partner and upstream batch, and ends with the batch's own part", () => {
    // Act
    const id = inboundId('vendor', 'bat_20260401080000000_a1b2c3d4e5');

    // Assess
    expect(id).toBe(inboundId('vendor', 'bat_20260401080000000_a1b2c3d4e5'));
    expect(id).toMatch(/^in_20260401080000000_a1b2c3d4e5_[0-9a-f]{12}$/);
  });

  test('an inbound id differs per sharing account and per batch', () => {
    // Act
    const ids = [inboundId('vendor', 'bat_1_x'), inboundId('other-vendor', 'bat_1_x'), inboundId('vendor', 'bat_2_x')];

    // Assess
    expect(new Set(ids).size).toBe(3);
  });
});

describe('wire views', () => {
  test('GET /batches/{id}: the batch without its account, stored definition or bookkeeping', () => {
    // Act
    const view = batchView(batch());

    // Assess
    expect(view).toEqual({
      id: 'bat_20260401080000000_a1b2c3d4e5',
      stream: 'resell',
      kind: 'billing',
      status: 'published',
      periodStart: '2026-03-01',
      periodEnd: '2026-04-01',
      source: { purchases: true },
      rows: 120,
      errors: 3,
      filtered: 7,
      totals: { EUR: '1234.5678', USD: '10' },
      columns: [
        { name: 'customerCode', type: 'string' },
        { name: 'amount', type: 'decimal' },
      ],
      checksum: 'sha256-abc',
      failure: null,
      createdAt: '2026-04-01T08:00:00.000Z',
      publishedAt: '2026-04-01T09:00:00.000Z',
    });
    expect(view).not.toHaveProperty('accountId');
    expect(view).not.toHaveProperty('definition');
  });

  test('a failed batch shows why; a running one has no checksum or publication yet', () => {
    // Act
    const failed = batchView(batch({ status: 'failed', failure: 'lookup table skus not found', checksum: null, publishedAt: null }));
    const running = batchView(
      batch({ status: 'running', rows: 0, errors: 0, filtered: 0, totals: {}, columns: [], checksum: null, publishedAt: null }),
    );

    // Assess
    expect(failed).toMatchObject({ status: 'failed', failure: 'lookup table skus not found', publishedAt: null });
    expect(running).toMatchObject({ status: 'running', rows: 0, totals: {}, columns: [], checksum: null, publishedAt: null });
  });

  test("an inbound batch's source shows where its rows came from", () => {
    // Prepare
    const source = { inbound: 'in_0123456789ab_x', account: 'vendor', stream: 'resell', batch: 'bat_1_x' };

    // Act / Assess
    expect(batchView(batch({ source })).source).toEqual(source);
  });

  test('GET /inbound-batches: the sharing account as `account`, without the receiving account', () => {
    // Act
    const view = inboundView(inbound());

    // Assess
    expect(view).toEqual({
      id: 'in_0123456789ab_20260401080000000_a1b2c3d4e5',
      account: 'vendor',
      stream: 'resell',
      batch: 'bat_20260401080000000_a1b2c3d4e5',
      kind: 'billing',
      currency: 'EUR',
      periodStart: '2026-03-01',
      periodEnd: '2026-04-01',
      rows: 40,
      totals: { EUR: '400.1' },
      columns: [{ name: 'amount', type: 'decimal' }],
      checksum: 'sha256-def',
      sharedAt: '2026-04-01T09:00:01.000Z',
    });
    expect(view).not.toHaveProperty('accountId');
    expect(view).not.toHaveProperty('fromAccount');
  });
});

describe('runningBatch', () => {
  test('a new run counts nothing yet and takes its kind from the definition it snapshots', () => {
    // Arrange
    const definition = { kind: 'pricing' as const, type: 'simple' as const, source: { upload: true as const }, stages: [], currency: 'EUR' };

    // Act
    const record = runningBatch({
      id: 'bat_1_x',
      accountId: 'a1',
      stream: 'prices',
      definition,
      period: { start: '2026-10-01', end: '2026-11-01' },
      source: { upload: true },
      at: '2026-11-22T10:00:00.000Z',
    });

    // Assess
    expect(record).toMatchObject({
      status: 'running',
      kind: 'pricing',
      periodStart: '2026-10-01',
      periodEnd: '2026-11-01',
      rows: 0,
      errors: 0,
      filtered: 0,
      totals: {},
      columns: [],
      checksum: null,
      publishedAt: null,
    });
    expect(record.definition).toBe(definition);
    expect(record.createdAt).toBe(record.updatedAt);
  });
});
