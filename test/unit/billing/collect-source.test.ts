import { parseBillingMessage } from '../../../shared/billing/messages';
import type { CycleRecord } from '../../../shared/billing/ports';
import { resumeMessages } from '../../../shared/billing/use-cases/cycle-recovery';
import { collectSource, readPlanFile, writePlanFile } from '../../../shared/billing/use-cases/cycle/plan-file';
import { objects } from '../../../shared/storage/keys';

/**
 * A collect message says which kind of source its keys are; a message queued before it did (still in the
 * queue during an upgrade) is read as before: keys in the batches' folder are batch rows files.
 */
const ref = { accountId: 'acme', cycleId: 'cyc_20261001_20261101_x', run: 2 };
const journalKey = objects.journal('acme', '2026-10', 'chk_1');
const batchKey = objects.batchFile('acme', 'bat_1', 'rows.csv', 2);

describe('the source of a collector', () => {
  test('a message that says its source is taken at its word', () => {
    expect(collectSource({ keys: [journalKey], source: 'journal' })).toBe('journal');
    expect(collectSource({ keys: [batchKey], source: 'batches' })).toBe('batches');
  });

  test('a message queued before messages said it: the keys’ folder decides, as it used to', () => {
    expect(collectSource({ keys: [journalKey, objects.journal('acme', '2026-11', 'chk_2')] })).toBe('journal');
    expect(collectSource({ keys: [batchKey] })).toBe('batches');
    expect(collectSource({ keys: [] })).toBe('journal');
  });

  test('the queue accepts collect messages with and without a source, and no other source', () => {
    const old = { type: 'cycle-collect', ...ref, collector: 0, keys: [journalKey] };
    expect(parseBillingMessage(JSON.stringify(old))).toEqual(old);
    expect(parseBillingMessage(JSON.stringify({ ...old, source: 'batches', keys: [batchKey] }))).toEqual({
      ...old,
      source: 'batches',
      keys: [batchKey],
    });
    expect(() => parseBillingMessage(JSON.stringify({ ...old, source: 'lookup' }))).toThrow();
  });
});

describe('the plan file', () => {
  const files = new Map<string, string>();
  const store = {
    put: async (key: string, body: string | Buffer) => void files.set(key, body.toString()),
    getText: async (key: string) => files.get(key) ?? null,
  };
  const cycle = { accountId: 'acme', id: ref.cycleId, run: 2, plan: { planId: 'p1', collectors: 1, partitions: 1 } } as Pick<
    CycleRecord,
    'accountId' | 'id' | 'run' | 'plan'
  >;

  test('keeps the source with the slices and notes, and reads an older file without one', async () => {
    await writePlanFile(store, cycle, 'p1', { slices: [[batchKey]], notes: ['stream s: missing'], source: 'batches', links: { kid: 'mum' } });
    expect(await readPlanFile(store, cycle)).toEqual({
      slices: [[batchKey]],
      notes: ['stream s: missing'],
      source: 'batches',
      links: { kid: 'mum' },
    });
    files.set(objects.cyclePlan('acme', ref.cycleId, 2, 'p1'), JSON.stringify({ slices: [[journalKey]] }));
    expect(await readPlanFile(store, cycle)).toStrictEqual({ slices: [[journalKey]], notes: [], links: {} });
    expect(await readPlanFile(store, { ...cycle, plan: { planId: 'gone', collectors: 1, partitions: 1 } })).toBeNull();
  });

  test('the reconciler resends a collector with the source its plan file names, and without one when it names none', () => {
    const c = {
      ...cycle,
      periodStart: '2026-10-01',
      periodEnd: '2026-11-01',
      status: 'running',
      collected: [],
      invoiced: [],
    } as unknown as CycleRecord;
    expect(resumeMessages(c, { step: 'collect', collectors: [0] }, [[batchKey]], 'batches')).toStrictEqual([
      { type: 'cycle-collect', ...ref, collector: 0, keys: [batchKey], source: 'batches' },
    ]);
    expect(resumeMessages(c, { step: 'collect', collectors: [0] }, [[journalKey]])).toStrictEqual([
      { type: 'cycle-collect', ...ref, collector: 0, keys: [journalKey] },
    ]);
  });
});
