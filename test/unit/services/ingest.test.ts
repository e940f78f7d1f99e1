import { invoiceId } from '../../../shared/kernel/periods';
import { memoryHouse, OCTOBER, purchase, rowsOf, seedCatalog } from '../../support/house';

/** IngestService on in-memory ports with the real rating: a chunk delivered again, by a client or by the drop's queue. */

const REQUEST = rowsOf(purchase('r1', 'C1', '7'), purchase('r2', 'C1', '11'), purchase('r3', 'C2', '10'), purchase('r4', 'ZZ', '1'));
const REFERENCES = ['r1', 'r2', 'r3', 'r4'];

async function seeded() {
  const house = memoryHouse();
  await seedCatalog(house);
  return house;
}

const accepted = (answer: { accepted: { reference: string }[] }) => answer.accepted.map((p) => p.reference).sort();

describe('a redelivered ingest chunk', () => {
  test('the same request twice (a client retrying): accepted once, duplicates the second time, journaled once', async () => {
    // Prepare
    const house = await seeded();
    // Act
    const first = await house.ingest.accept('acme', REQUEST, 'api');
    house.clock.advance(1000);
    const second = await house.ingest.accept('acme', REQUEST, 'api');
    // Assess
    expect(accepted(first)).toEqual(REFERENCES);
    expect(first.duplicates).toEqual([]);
    expect(second).toMatchObject({ accepted: [], rejected: [] });
    expect(second.duplicates.sort()).toEqual(REFERENCES);
    expect(house.chunks.journaled().sort()).toEqual(REFERENCES);
    expect(house.chunks.journal.size).toBe(1);
    expect(house.chunks.inflight.size).toBe(0);
    const stored = house.purchases.of('acme');
    expect(stored.size).toBe(4);
    expect(stored.get('r1')).toMatchObject({
      status: 'rated',
      amount: '0.3059',
      currency: 'EUR',
      version: 1,
      receivedAt: '2026-11-05T08:00:00.000Z',
    });
    expect(stored.get('r4')).toMatchObject({ status: 'unmapped', reason: 'unknown-customer', version: 1 });
  });

  test('a drop chunk delivered again under its own id after it finished: its references count as its own, nothing is stored or journaled twice', async () => {
    const house = await seeded();
    const first = await house.ingest.accept('acme', REQUEST, 'drop:october.csv', { chunkId: 'chunk-1' });
    const records = JSON.stringify([...house.purchases.of('acme')]);
    house.clock.advance(1000);
    // Act
    const again = await house.ingest.accept('acme', REQUEST, 'drop:october.csv', { chunkId: 'chunk-1' });
    // Assess: the drop's result counts each reference once, as accepted, whichever delivery answered
    expect(accepted(first)).toEqual(REFERENCES);
    expect(accepted(again)).toEqual(REFERENCES);
    expect(again.duplicates).toEqual([]);
    expect(JSON.stringify([...house.purchases.of('acme')])).toBe(records); // the first records stand (version 1, first receivedAt)
    expect([...house.chunks.journal.keys()]).toHaveLength(1); // the chunk's journal object, written again with the same lines
    expect(house.chunks.journaled().sort()).toEqual(REFERENCES);
    expect(house.chunks.inflight.size).toBe(0);
  });

  test('two deliveries of one chunk at the same time: every reference stored once and journaled once', async () => {
    const house = await seeded();
    const many = rowsOf(...Array.from({ length: 300 }, (_, i) => purchase(`m${i}`, 'C1', '1')));
    // Act
    const answers = await Promise.all([1, 2].map(() => house.ingest.accept('acme', many, 'drop:big.csv', { chunkId: 'chunk-7' })));
    // Assess
    for (const answer of answers) expect(answer).toMatchObject({ duplicates: [], rejected: [] });
    for (const answer of answers) expect(answer.accepted).toHaveLength(300);
    expect(house.purchases.of('acme').size).toBe(300);
    expect([...house.purchases.of('acme').values()].every((p) => p.version === 1 && p.chunkId === 'chunk-7')).toBe(true);
    expect(house.chunks.journaled()).toHaveLength(300);
    expect(new Set(house.chunks.journaled()).size).toBe(300);
  });

  test('a chunk delivered again after its purchases were invoiced leaves them on their draft, and the regeneration it asks for changes no draft', async () => {
    // Prepare: the chunk's purchases are on October's drafts
    const house = await seeded();
    await house.ingest.accept('acme', REQUEST, 'drop:october.csv', { chunkId: 'chunk-1' });
    const { cycle } = await house.starter.start('acme', OCTOBER);
    await house.drainBilling();
    const drafts = (await house.invoices.list('acme', {}, { limit: 10 })).items;
    expect(drafts.map((s) => s.record.customer.code).sort()).toEqual(['C1', 'C2']);
    const records = JSON.stringify([...house.purchases.of('acme')]);
    house.clock.advance(60_000);
    // Act
    await house.ingest.accept('acme', REQUEST, 'drop:october.csv', { chunkId: 'chunk-1' });
    await house.drainBilling();
    // Assess
    expect(JSON.stringify([...house.purchases.of('acme')])).toBe(records);
    expect(await house.ingest.get('acme', 'r1')).toMatchObject({ status: 'invoiced', invoice: invoiceId('acme', OCTOBER, 'C1', 'EUR') });
    expect((await house.invoices.list('acme', {}, { limit: 10 })).items).toEqual(drafts);
    expect(await house.cycles.get('acme', cycle.id)).toMatchObject({ status: 'completed', run: 2 });
  });
});
