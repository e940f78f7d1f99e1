import { IngestService } from '../../shared/ingest/use-cases/ingest';
import { MemoryChunks, MemoryPurchases, MemoryReevaluationCount, rater, ratedAt } from '../support/memory-ports';

const purchase = (reference: string, quantity = '10') => ({
  reference,
  productLabel: 'voice-min',
  customerCode: 'C1',
  quantity,
  purchaseDate: '2026-10-03',
});
const rowsOf = (...raws: unknown[]) => raws.map((raw, at) => ({ at, raw }));

function setup() {
  const purchases = new MemoryPurchases();
  const chunks = new MemoryChunks();
  const ingest = new IngestService({ purchases, chunks, rating: rater, reevaluations: new MemoryReevaluationCount() });
  return { purchases, chunks, ingest };
}

describe('acceptance claims each reference before it answers', () => {
  test('three concurrent copies of a request: each reference accepted exactly once, the other copies are duplicates', async () => {
    // Prepare
    const { ingest, purchases, chunks } = setup();
    const request = rowsOf(...Array.from({ length: 50 }, (_, i) => purchase(`r${i}`)));
    // Act
    const answers = await Promise.all([1, 2, 3].map(() => ingest.accept('acme', request, 'api')));
    // Assess
    const accepted = answers.flatMap((a) => a.accepted.map((p) => p.reference));
    const duplicates = answers.flatMap((a) => a.duplicates);
    expect(accepted.sort()).toEqual(request.map(({ raw }) => (raw as { reference: string }).reference).sort());
    expect(duplicates).toHaveLength(100);
    expect(answers.flatMap((a) => a.rejected)).toEqual([]);
    expect(purchases.items.size).toBe(50);
    expect(chunks.journaled().sort()).toEqual(accepted.sort()); // journaled once, by the copy that claimed it
    expect(chunks.inflight.size).toBe(0);
  });

  test('copies of a large request racing each other read before they write once they meet: far fewer write attempts than copies × rows', async () => {
    // Prepare
    const { ingest, purchases } = setup();
    let attempts = 0;
    const insert = purchases.insert.bind(purchases);
    purchases.insert = (record) => {
      attempts += 1;
      return insert(record);
    };
    const request = rowsOf(...Array.from({ length: 1000 }, (_, i) => purchase(`big-${i}`)));
    // Act
    const answers = await Promise.all([1, 2, 3].map(() => ingest.accept('acme', request, 'api')));
    // Assess
    expect(answers.flatMap((a) => a.accepted)).toHaveLength(1000);
    expect(answers.flatMap((a) => a.duplicates)).toHaveLength(2000);
    expect(purchases.items.size).toBe(1000);
    expect(attempts).toBeLessThan(2000);
  });

  test('a resend with other content is rejected with duplicate_conflict and the first content stays stored', async () => {
    const { ingest, purchases } = setup();
    await ingest.accept('acme', rowsOf(purchase('cdr-1', '12')), 'api');
    // Act: concurrently, an identical copy and a changed one
    const [same, changed] = await Promise.all([
      ingest.accept('acme', rowsOf(purchase('cdr-1', '12')), 'api'),
      ingest.accept('acme', rowsOf(purchase('cdr-1', '99')), 'api'),
    ]);
    // Assess
    expect(same).toMatchObject({ accepted: [], duplicates: ['cdr-1'], rejected: [] });
    expect(changed.accepted).toEqual([]);
    expect(changed.rejected).toEqual([
      { at: 0, reference: 'cdr-1', code: 'duplicate_conflict', errors: ['reference: duplicate_conflict: already stored with different content'] },
    ]);
    expect(purchases.items.get('cdr-1')).toMatchObject({ quantity: '12', amount: '0.6', status: 'rated' });
  });

  test('the changed copy racing the first one: whichever claims first is stored, the other is rejected, never both accepted', async () => {
    const { ingest, purchases } = setup();
    const answers = await Promise.all([
      ingest.accept('acme', rowsOf(purchase('cdr-2', '1')), 'api'),
      ingest.accept('acme', rowsOf(purchase('cdr-2', '2')), 'api'),
    ]);
    const winners = answers.filter((a) => a.accepted.length === 1);
    const losers = answers.filter((a) => a.rejected[0]?.code === 'duplicate_conflict');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(purchases.items.get('cdr-2')!.quantity).toBe(winners[0]!.accepted[0]!.quantity);
  });

  test('a purchase reads mapped and rated as soon as the answer names it accepted', async () => {
    const { ingest } = setup();
    await ingest.accept('acme', rowsOf(purchase('cdr-3', '4')), 'api');
    expect(await ingest.get('acme', 'cdr-3')).toMatchObject({ status: 'rated', amount: '0.2', customer: 'C1', billedTo: 'C1' });
  });
});

describe('a catalogue change racing an acceptance', () => {
  test('counted while the chunk was being claimed: its purchases are rated again after the journal; none: the catalogue is read once', async () => {
    // Prepare
    const purchases = new MemoryPurchases();
    const chunks = new MemoryChunks();
    const count = new MemoryReevaluationCount();
    let price = '0.05';
    let loads = 0;
    const rating = {
      rater: async () => {
        loads++;
        return ratedAt(price);
      },
    };
    const ingest = new IngestService({ purchases, chunks, rating, reevaluations: count });
    await ingest.accept('acme', rowsOf(purchase('quiet', '10')), 'api');
    const quietLoads = loads;
    // Act: a price change lands while the next chunk claims: its data first, then its count, as the catalogue does
    const insert = purchases.insert.bind(purchases);
    purchases.insert = async (record) => {
      const outcome = await insert(record);
      price = '0.07';
      count.count += 1;
      return outcome;
    };
    await ingest.accept('acme', rowsOf(purchase('raced', '10')), 'api');
    // Assess
    expect(quietLoads).toBe(1);
    expect(loads).toBe(3);
    expect(purchases.items.get('quiet')).toMatchObject({ amount: '0.5', version: 1 });
    expect(purchases.items.get('raced')).toMatchObject({ amount: '0.7', version: 2 });
  });
});

describe('an acceptance stopped after its claims is finished by the recovery', () => {
  test('the intent stays, the recovery journals exactly what the chunk claimed, and a retry of the request reads duplicates', async () => {
    // Prepare: another request already holds r1; this one dies after claiming, before its journal
    const { ingest, chunks, purchases } = setup();
    await ingest.accept('acme', rowsOf(purchase('r1')), 'api');
    chunks.failJournal = true;
    await expect(ingest.accept('acme', rowsOf(purchase('r1'), purchase('r2'), purchase('r3')), 'api')).rejects.toThrow('the machine died');
    expect(chunks.inflight.size).toBe(1);
    // Act: the client retries (its answer was lost), then the recovery runs
    const retry = await ingest.accept('acme', rowsOf(purchase('r1'), purchase('r2'), purchase('r3')), 'api');
    const recovered = await ingest.recoverStale(-1);
    // Assess
    expect(retry.duplicates.sort()).toEqual(['r1', 'r2', 'r3']);
    expect(recovered).toBe(1);
    expect(chunks.inflight.size).toBe(0);
    expect(chunks.journaled().sort()).toEqual(['r1', 'r2', 'r3']); // r1 by its own chunk, r2 and r3 by the recovered one
    expect(purchases.items.size).toBe(3);
  });

  test('a fresh intent is left alone: recovery only takes acceptances older than the threshold', async () => {
    const { ingest, chunks } = setup();
    chunks.failJournal = true;
    await expect(ingest.accept('acme', rowsOf(purchase('r9')), 'api')).rejects.toThrow();
    expect(await ingest.recoverStale(60_000)).toBe(0);
    expect(chunks.inflight.size).toBe(1);
    expect(await ingest.recoverStale(-1)).toBe(1);
    expect(chunks.journaled()).toEqual(['r9']);
  });

  describe('a run may wait for intents that are not stale yet', () => {
    /** One intent left by an acceptance that died, written at `writtenAt`; a recovery whose clock reads `startAt`. */
    const deadAcceptance = async (writtenAt: number, startAt: number) => {
      const { chunks, purchases } = setup();
      let clock = startAt;
      const ingest = new IngestService({
        purchases,
        chunks,
        rating: rater,
        reevaluations: new MemoryReevaluationCount(),
        now: () => new Date(clock),
      });
      chunks.failJournal = true;
      await expect(ingest.accept('acme', rowsOf(purchase('w1'), purchase('w2')), 'api')).rejects.toThrow('the machine died');
      const [key] = [...chunks.inflight.keys()];
      chunks.inflight.get(key!)!.writtenAt = new Date(writtenAt);
      const slept: number[] = [];
      const sleep = async (ms: number) => {
        slept.push(ms);
        clock += ms;
      };
      return { ingest, chunks, key: key!, slept, sleep };
    };
    const T0 = Date.parse('2026-11-02T10:00:00Z');

    test('an intent 5 s old is finished once it turns 15 s old (plus the second a store may cut), in the same run', async () => {
      const { ingest, chunks, slept, sleep } = await deadAcceptance(T0, T0 + 5_000);
      const recovered = await ingest.recoverStale(15_000, { waitUpToMs: 30_000, sleep });
      expect(recovered).toBe(1);
      expect(slept).toEqual([11_000]);
      expect(chunks.inflight.size).toBe(0);
      expect(chunks.journaled().sort()).toEqual(['w1', 'w2']);
    });

    test('an intent that would turn stale after the wait is left to the next run, without waiting', async () => {
      const { ingest, chunks, slept, sleep } = await deadAcceptance(T0, T0 + 5_000);
      expect(await ingest.recoverStale(15_000, { waitUpToMs: 10_000, sleep })).toBe(0);
      expect(slept).toEqual([]);
      expect(chunks.inflight.size).toBe(1);
    });

    test('an intent younger than waitForAgeMs is not waited for (a healthy acceptance about to finish)', async () => {
      const { ingest, chunks, slept, sleep } = await deadAcceptance(T0, T0 + 2_000);
      expect(await ingest.recoverStale(15_000, { waitUpToMs: 30_000, waitForAgeMs: 5_000, sleep })).toBe(0);
      expect(slept).toEqual([]);
      expect(chunks.inflight.size).toBe(1);
    });

    test('an acceptance that finishes during the wait is not touched: its intent is gone when the run looks again', async () => {
      const { ingest, chunks, key, slept } = await deadAcceptance(T0, T0 + 1_000);
      const finishes = async (ms: number) => {
        slept.push(ms);
        chunks.inflight.delete(key); // the live acceptance deleted its intent meanwhile
      };
      expect(await ingest.recoverStale(15_000, { waitUpToMs: 30_000, sleep: finishes })).toBe(0);
      expect(slept).toEqual([15_000]);
      expect(chunks.journaled()).toEqual([]);
    });
  });

  test('a chunk run again under its own id counts its earlier claims as accepted (a redelivered drop)', async () => {
    const { ingest, chunks } = setup();
    chunks.failJournal = true;
    await expect(ingest.accept('acme', rowsOf(purchase('d1'), purchase('d2')), 'drop:f', { chunkId: 'chunk-1' })).rejects.toThrow();
    const again = await ingest.accept('acme', rowsOf(purchase('d1'), purchase('d2'), purchase('d3')), 'drop:f', { chunkId: 'chunk-1' });
    expect(again.accepted.map((p) => p.reference).sort()).toEqual(['d1', 'd2', 'd3']);
    expect(again.duplicates).toEqual([]);
    expect(chunks.journaled().sort()).toEqual(['d1', 'd2', 'd3']);
  });
});

describe("a request's time is bounded: a slow store gives a partial answer that is the truth", () => {
  test('claims stop at claimUntil: the rest is not_processed and stored nowhere, and a resend of the whole request takes it', async () => {
    // Prepare: a clock that moves one second with every claim batch, a window of five seconds
    const purchases = new MemoryPurchases();
    const chunks = new MemoryChunks();
    let clock = Date.parse('2026-11-03T10:00:00Z');
    const ingest = new IngestService({ purchases, chunks, rating: rater, reevaluations: new MemoryReevaluationCount(), now: () => new Date(clock) });
    const insertMany = purchases.insertMany.bind(purchases);
    purchases.insertMany = async (records) => {
      clock += 1000;
      return insertMany(records);
    };
    const request = rowsOf(...Array.from({ length: 1000 }, (_, i) => purchase(`slow-${i}`)));
    // Act
    const first = await ingest.accept('acme', request, 'api', { claimUntil: clock + 5000 });
    const resend = await ingest.accept('acme', request, 'api', { claimUntil: clock + 5000 });
    const third = await ingest.accept('acme', request, 'api', { claimUntil: clock + 60_000 });
    // Assess: each reference is in exactly one part of each answer; accepted means stored and journaled
    const accepted = first.accepted.map((p) => p.reference);
    const notProcessed = first.rejected.filter((r) => r.code === 'not_processed').map((r) => r.reference);
    expect(accepted.length).toBeGreaterThan(0);
    expect(notProcessed.length).toBeGreaterThan(0);
    expect(accepted.length + notProcessed.length).toBe(1000);
    expect(first.rejected.every((r) => r.code === 'not_processed' && r.errors[0]!.startsWith('reference: not_processed'))).toBe(true);
    expect(first.duplicates).toEqual([]);
    expect(new Set(chunks.journaled().slice(0, accepted.length))).toEqual(new Set(accepted));
    // the resend (same window) meets what the first claimed as duplicates and claims on; the third takes the rest
    expect(resend.duplicates.every((r) => accepted.includes(r))).toBe(true);
    expect(resend.accepted.length + resend.duplicates.length + resend.rejected.length).toBe(1000);
    expect(resend.accepted.length).toBeGreaterThan(0);
    expect(third.rejected).toEqual([]);
    expect(third.duplicates.length + third.accepted.length).toBe(1000);
    const all = [...accepted, ...resend.accepted.map((p) => p.reference), ...third.accepted.map((p) => p.reference)];
    expect(all.sort()).toEqual(request.map(({ raw }) => (raw as { reference: string }).reference).sort());
    expect(new Set(all).size).toBe(1000);
    expect(purchases.items.size).toBe(1000);
    expect(chunks.journaled().sort()).toEqual([...all].sort());
    expect(chunks.inflight.size).toBe(0);
  });

  test('a completion still running at answerBy: the answer leaves, the intent stays until the completion ends', async () => {
    const { ingest, chunks } = setup();
    let release!: () => void;
    const journalHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const putJournal = chunks.putJournal.bind(chunks);
    chunks.putJournal = async (...args) => {
      await journalHeld;
      return putJournal(...args);
    };
    // Act
    const answer = await ingest.accept('acme', rowsOf(purchase('late-1'), purchase('late-2')), 'api', { answerBy: Date.now() + 50 });
    // Assess: answered with both claimed; the intent is still there for the recovery, until the journal lands
    expect(answer.accepted.map((p) => p.reference).sort()).toEqual(['late-1', 'late-2']);
    expect(chunks.inflight.size).toBe(1);
    expect(chunks.journaled()).toEqual([]);
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(chunks.journaled().sort()).toEqual(['late-1', 'late-2']);
    expect(chunks.inflight.size).toBe(0);
  });
});
