import { Readable } from 'node:stream';
import type { DropResult } from '../../shared/ingest/domain/drop';
import type { AccountStore } from '../../shared/platform/ports';
import type { DropFiles, DropLedger, OpenDrop } from '../../shared/ingest/ports';
import { DropService } from '../../shared/ingest/use-cases/drop';
import { IngestService } from '../../shared/ingest/use-cases/ingest';
import { MemoryChunks, MemoryPurchases, MemoryReevaluationCount, rater } from '../support/memory-ports';

class MemoryLedger implements DropLedger {
  readonly markers = new Map<string, { startedAt: string; progressAt: string; accountId: string; key: string; etag: string; done?: DropResult }>();
  async begin(accountId: string, key: string, etag: string, at: string) {
    const marker = this.markers.get(`${key}#${etag}`);
    if (marker?.done) return null;
    const startedAt = marker?.startedAt ?? at;
    this.markers.set(`${key}#${etag}`, { accountId, key, etag, startedAt, progressAt: at });
    return { startedAt };
  }
  async progress(_: string, key: string, etag: string, at: string) {
    const marker = this.markers.get(`${key}#${etag}`);
    if (marker && !marker.done) marker.progressAt = at;
  }
  async markDone(accountId: string, key: string, etag: string, result: DropResult) {
    const marker = this.markers.get(`${key}#${etag}`) ?? { accountId, key, etag, startedAt: '', progressAt: '' };
    this.markers.set(`${key}#${etag}`, { ...marker, done: result });
  }
  async open(): Promise<OpenDrop[]> {
    return [...this.markers.values()].filter((m) => !m.done).map(({ accountId, key, etag, progressAt }) => ({ accountId, key, etag, progressAt }));
  }
}

const csv = (rows: number) =>
  [
    'reference,productLabel,customerCode,quantity,purchaseDate',
    ...Array.from({ length: rows }, (_, i) => `d${i},voice-min,C1,${i + 1},2026-10-03`),
  ].join('\n');

function setup(file: string) {
  const chunks = new MemoryChunks();
  const purchases = new MemoryPurchases();
  const results = new Map<string, DropResult>();
  const files: DropFiles = {
    open: async () => Readable.from([file]),
    writeResult: async (_, name, result) => void results.set(name, result),
  };
  const ledger = new MemoryLedger();
  const accounts = { get: async (id: string) => ({ id }) } as unknown as AccountStore;
  const drops = new DropService(
    new IngestService({ purchases, chunks, rating: rater, reevaluations: new MemoryReevaluationCount() }),
    files,
    ledger,
    accounts,
  );
  return { chunks, purchases, results, ledger, drops };
}

describe('a drop stopped half-way is run again by the recovery', () => {
  test('the second run counts what the first one claimed as accepted, and the result is the whole file', async () => {
    // Prepare: 2,500 rows are three chunks; the machine dies while the second chunk journals
    const { chunks, purchases, results, ledger, drops } = setup(csv(2500));
    let journalWrites = 0;
    const putJournal = chunks.putJournal.bind(chunks);
    chunks.putJournal = async (...args) => {
      if (++journalWrites === 2) throw new Error('the machine died');
      return putJournal(...args);
    };
    await expect(drops.process('drops/acme/october.csv', 'etag-1')).rejects.toThrow('the machine died');
    expect(results.size).toBe(0);
    expect(await ledger.open()).toHaveLength(1);
    // Act
    const fresh = await drops.recoverStale(60_000);
    const resumed = await drops.recoverStale(-1);
    // Assess
    expect(fresh).toBe(0);
    expect(resumed).toBe(1);
    expect(results.get('october')).toMatchObject({ rows: 2500, accepted: 2500, duplicates: 0, rejectedCount: 0 });
    expect(purchases.items.size).toBe(2500);
    expect(new Set(chunks.journaled()).size).toBe(2500);
    expect(chunks.journaled()).toHaveLength(2500);
    expect(await ledger.open()).toEqual([]);
    expect(chunks.inflight.size).toBe(0);
  });

  test('a finished drop delivered again does nothing; another file with the same rows reports duplicates', async () => {
    const { results, drops } = setup(csv(3));
    await drops.process('drops/acme/a.csv', 'e1');
    expect(await drops.process('drops/acme/a.csv', 'e1')).toBeNull();
    const other = await drops.process('drops/acme/b.csv', 'e2');
    expect(results.get('a')).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(other).toMatchObject({ accepted: 0, duplicates: 3 });
  });
});
