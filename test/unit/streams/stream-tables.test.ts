import { ValidationError } from '../../../shared/kernel/errors';
import { instant } from '../../../shared/kernel/fields';
import { toWire } from '../../../shared/kernel/money';
import { ExchangeRateTable, type LookupTable } from '../../../shared/streams/domain/tables';
import { keys, objects } from '../../../shared/storage/keys';
import type { ExchangeRateRecord, LookupTableSummary, StreamTablesStore } from '../../../shared/streams/ports';
import type { Page } from '../../../shared/kernel/page';
import { StreamTablesService } from '../../../shared/streams/use-cases/stream-tables';

/** The port in memory, with the adapter's identity: an entry is its pair and the sort key of its validFrom. */
class MemoryTables implements StreamTablesStore {
  readonly rates = new Map<string, Map<string, ExchangeRateRecord>>();
  readonly tables = new Map<string, Map<string, { table: LookupTable; updatedAt: string }>>();

  async putExchangeRate(accountId: string, rate: ExchangeRateRecord) {
    const entries = this.partition(this.rates, accountId);
    const sk = keys.exchangeRateSort(rate.pair, rate.validFrom);
    const created = !entries.has(sk);
    entries.set(sk, rate);
    return { created };
  }
  async exchangeRates(accountId: string) {
    return sorted(this.partition(this.rates, accountId));
  }
  async exchangeRatesOf(accountId: string, pair: string) {
    return sorted(this.partition(this.rates, accountId)).filter((r) => r.pair === pair);
  }
  async listExchangeRates(accountId: string): Promise<Page<ExchangeRateRecord>> {
    return { items: sorted(this.partition(this.rates, accountId)), next: null };
  }
  async putLookupTable(accountId: string, id: string, table: LookupTable, updatedAt: string) {
    const tables = this.partition(this.tables, accountId);
    const created = !tables.has(id);
    tables.set(id, { table, updatedAt });
    return { created };
  }
  async lookupTable(accountId: string, id: string) {
    return this.partition(this.tables, accountId).get(id) ?? null;
  }
  async listLookupTables(accountId: string): Promise<Page<LookupTableSummary>> {
    const items = [...this.partition(this.tables, accountId)].map(([id, t]) => ({
      id,
      key: t.table.key,
      rowCount: t.table.rows.length,
      updatedAt: t.updatedAt,
    }));
    return { items, next: null };
  }

  private partition<T>(map: Map<string, Map<string, T>>, accountId: string): Map<string, T> {
    let partition = map.get(accountId);
    if (partition === undefined) {
      partition = new Map();
      map.set(accountId, partition);
    }
    return partition;
  }
}

function sorted(entries: Map<string, ExchangeRateRecord>): ExchangeRateRecord[] {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

function setup() {
  const store = new MemoryTables();
  const service = new StreamTablesService(store, () => new Date('2026-03-01T12:00:00Z'));
  return { store, service };
}

async function detailsOf(action: () => Promise<unknown>): Promise<string[]> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('storage keys of stream tables', () => {
  test('an exchange rate entry is its pair and the UTC instant of its validFrom', () => {
    expect(keys.exchangeRateSort('EUR-USD', '2026-01-01')).toBe('EUR-USD#2026-01-01T00:00:00.000Z');
    expect(keys.exchangeRateSort('EUR-USD', '2026-01-01T00:00:00Z')).toBe(keys.exchangeRateSort('EUR-USD', '2026-01-01'));
    expect(keys.exchangeRateSort('EUR-USD', '2026-01-01T01:00:00+02:00')).toBe('EUR-USD#2025-12-31T23:00:00.000Z');
    expect(keys.exchangeRateSort('EUR-USD')).toBe('EUR-USD#');
  });

  test('entries sort by time whatever zone their validFrom was given in', () => {
    const given = ['2026-01-01T10:00:00Z', '2026-01-01T09:00:00-02:00', '2026-01-01', '2025-12-31T23:30:00'];

    const bySortKey = [...given].sort((a, b) => (keys.exchangeRateSort('EUR-USD', a) < keys.exchangeRateSort('EUR-USD', b) ? -1 : 1));

    expect(bySortKey).toEqual([...given].sort((a, b) => instant(a) - instant(b)));
    expect(bySortKey).toEqual(['2025-12-31T23:30:00', '2026-01-01', '2026-01-01T10:00:00Z', '2026-01-01T09:00:00-02:00']);
  });

  test('a lookup table id never adds a level to its object key', () => {
    expect(objects.lookupTable('acme', 'skus')).toBe('lookup-tables/acme/skus.json');
    expect(objects.lookupTable('acme', '../x/y')).toBe('lookup-tables/acme/%2E%2E%2Fx%2Fy.json');
  });
});

describe('exchange rates', () => {
  test('a PUT stores the entry in wire form: 201 when new, 200 when it replaces the same pair and validFrom', async () => {
    const { service } = setup();

    const created = await service.putExchangeRate('acme', 'EUR-USD', { rate: '1.10', validFrom: '2026-01-01' });
    const replaced = await service.putExchangeRate('acme', 'EUR-USD', { rate: 1.2, validFrom: '2026-01-01T00:00:00Z' });

    expect(created).toEqual({ created: true, record: { pair: 'EUR-USD', from: 'EUR', to: 'USD', rate: '1.10', validFrom: '2026-01-01' } });
    expect(replaced).toEqual({ created: false, record: { pair: 'EUR-USD', from: 'EUR', to: 'USD', rate: '1.2', validFrom: '2026-01-01T00:00:00Z' } });
    expect((await service.getExchangeRates('acme', 'EUR-USD')).rates).toEqual([{ rate: '1.2', validFrom: '2026-01-01T00:00:00Z' }]);
  });

  test('rates keep the digits the client wrote, and are normalised when not plain text', async () => {
    const { service } = setup();

    const rates = await Promise.all(
      ['0.9000', '1e-3', 2, '0.5'].map(
        async (rate, i) => (await service.putExchangeRate('acme', 'EUR-GBP', { rate, validFrom: `2026-0${i + 1}-01` })).record.rate,
      ),
    );

    expect(rates).toEqual(['0.9000', '0.001', '2', '0.5']);
    await expect(service.putExchangeRate('acme', 'EUR-GBP', { rate: ' 0.9 ', validFrom: '2026-06-01' })).rejects.toMatchObject({
      details: ['rate: not a decimal'],
    });
  });

  test('a pair lists one entry per validFrom, oldest first; an unknown pair is not found', async () => {
    const { service } = setup();
    await service.putExchangeRate('acme', 'EUR-USD', { rate: '1.2', validFrom: '2026-02-01' });
    await service.putExchangeRate('acme', 'EUR-USD', { rate: '1.1', validFrom: '2026-01-01' });
    await service.putExchangeRate('acme', 'USD-EUR', { rate: '0.9', validFrom: '2026-01-01' });

    const pair = await service.getExchangeRates('acme', 'EUR-USD');

    expect(pair).toEqual({
      pair: 'EUR-USD',
      from: 'EUR',
      to: 'USD',
      rates: [
        { rate: '1.1', validFrom: '2026-01-01' },
        { rate: '1.2', validFrom: '2026-02-01' },
      ],
    });
    await expect(service.getExchangeRates('acme', 'EUR-GBP')).rejects.toMatchObject({ kind: 'not-found' });
    await expect(service.getExchangeRates('other', 'EUR-USD')).rejects.toMatchObject({ kind: 'not-found' });
  });

  test('bad input is refused naming the field, and nothing is stored', async () => {
    const { service, store } = setup();

    expect(await detailsOf(() => service.putExchangeRate('acme', 'EURUSD', { rate: '1', validFrom: '2026-01-01' }))).toEqual([
      expect.stringMatching(/^pair: 'EURUSD' is not FROM-TO/),
    ]);
    expect(await detailsOf(() => service.putExchangeRate('acme', 'EUR-EUR', { rate: '1', validFrom: '2026-01-01' }))).toEqual([
      'pair: FROM and TO must differ',
    ]);
    expect(await detailsOf(() => service.putExchangeRate('acme', 'EUR-USD', { rate: '-1', validFrom: '2026-01-01' }))).toEqual([
      'rate: must be greater than 0',
    ]);
    expect(await detailsOf(() => service.putExchangeRate('acme', 'EUR-USD', { rate: 'abc', validFrom: '2026-01-01' }))).toEqual([
      expect.stringMatching(/^rate: not a decimal/),
    ]);
    expect(await detailsOf(() => service.putExchangeRate('acme', 'EUR-USD', { rate: '1.1' }))).toEqual(['validFrom: required']);
    expect(await detailsOf(() => service.putExchangeRate('acme', 'EUR-USD', { rate: '1.1', validFrom: '2026-02-30' }))).toEqual([
      expect.stringMatching(/^validFrom: not an ISO date/),
    ]);
    expect(store.rates.size).toBe(0);
  });
});

describe('lookup tables', () => {
  const skus = {
    key: 'sku',
    rows: [
      { sku: 'A', name: 'Alpha', weight: 2 },
      { sku: 'B', name: 'Beta', weight: null },
    ],
  };

  test('a PUT answers the summary (201, then 200); GET gives the rows back; the list shows summaries', async () => {
    const { service } = setup();

    const created = await service.putLookupTable('acme', 'skus', skus);
    const replaced = await service.putLookupTable('acme', 'skus', { key: 'sku', rows: [{ sku: 'C' }] });
    await service.putLookupTable('acme', 'regions', { key: 'code', rows: [] });

    expect(created).toEqual({ created: true, record: { id: 'skus', key: 'sku', rowCount: 2, updatedAt: '2026-03-01T12:00:00.000Z' } });
    expect(replaced).toEqual({ created: false, record: { id: 'skus', key: 'sku', rowCount: 1, updatedAt: '2026-03-01T12:00:00.000Z' } });
    expect(await service.getLookupTable('acme', 'skus')).toEqual({
      id: 'skus',
      key: 'sku',
      rows: [{ sku: 'C' }],
      updatedAt: '2026-03-01T12:00:00.000Z',
    });
    expect((await service.listLookupTables('acme', { limit: 100 })).items.map((t) => [t.id, t.rowCount])).toEqual([
      ['skus', 1],
      ['regions', 0],
    ]);
    await expect(service.getLookupTable('other', 'skus')).rejects.toMatchObject({ kind: 'not-found' });
  });

  test('rows without the key column, or with a duplicate key, are refused naming the row', async () => {
    const { service, store } = setup();

    const details = await detailsOf(() =>
      service.putLookupTable('acme', 'skus', { key: 'sku', rows: [{ sku: 'A' }, { name: 'no key' }, { sku: 'A' }] }),
    );

    expect(details).toEqual(['rows.1.sku: the key column is required in every row', "rows.2.sku: duplicate key 'A'"]);
    expect(await detailsOf(() => service.putLookupTable('acme', 'skus', { rows: [] }))).toEqual([expect.stringMatching(/^key: /)]);
    expect(store.tables.size).toBe(0);
  });
});

describe('tables for a run', () => {
  test('every rate of the account and the named tables that exist; a missing table is simply absent', async () => {
    const { service } = setup();
    await service.putExchangeRate('acme', 'EUR-USD', { rate: '1.1', validFrom: '2026-01-01' });
    await service.putExchangeRate('acme', 'EUR-USD', { rate: '1.2', validFrom: '2026-02-01' });
    await service.putExchangeRate('acme', 'GBP-EUR', { rate: '1.15', validFrom: '2026-01-01' });
    await service.putExchangeRate('other', 'EUR-USD', { rate: '9', validFrom: '2026-01-01' });
    await service.putLookupTable('acme', 'skus', { key: 'sku', rows: [{ sku: 'A', name: 'Alpha' }] });
    await service.putLookupTable('acme', 'unused', { key: 'id', rows: [{ id: 1 }] });

    const tables = await service.forRun('acme', ['skus', 'missing', 'skus']);

    expect(tables.exchangeRates.map((r) => [r.from, r.to, r.rate])).toEqual([
      ['EUR', 'USD', '1.1'],
      ['EUR', 'USD', '1.2'],
      ['GBP', 'EUR', '1.15'],
    ]);
    expect([...tables.lookupTables.keys()]).toEqual(['skus']);
    expect(tables.lookupTables.get('skus')).toEqual({ key: 'sku', rows: [{ sku: 'A', name: 'Alpha' }] });
    const eurUsd = new ExchangeRateTable(tables.exchangeRates).series('EUR', 'USD')!;
    expect([eurUsd.at(instant('2026-01-31')), eurUsd.at(instant('2026-02-01'))].map((r) => r && toWire(r))).toEqual(['1.1', '1.2']);
  });
});
