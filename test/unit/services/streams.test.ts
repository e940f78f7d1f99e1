import { objects } from '../../../shared/storage/keys';
import type { StreamMessage } from '../../../shared/streams/ports';
import { customer, memoryHouse, OCTOBER, purchase, rowsOf, seedCatalog, type MemoryHouse } from '../../support/house';

/** StreamService and StreamRunner on in-memory ports: saving, running, redelivered and superseded runs, sharing. */

const PERIOD = { periodStart: OCTOBER.start, periodEnd: OCTOBER.end };
const upload = (stages: unknown[] = []) => ({ kind: 'billing', type: 'simple', source: { upload: true }, currency: 'EUR', stages });
const PRICES = [
  { type: 'lookup', table: 'skus', key: 'sku', columns: ['name', 'cost'] },
  { type: 'formula', column: 'amount', expression: 'round(quantity * cost, 2)' },
  { type: 'filter', keep: 'quantity > 0' },
];
/** A,3 → 6.00; B,0 filtered; Z has no sku → error; A,x is no decimal → error; "B,2" has too few fields → error. */
const PRICES_CSV = 'sku,quantity,customerCode\nA,3,C1\nB,0,C1\nZ,1,C2\nA,x,C3\nB,2\n';

async function pricesStream(house: MemoryHouse) {
  await house.tables.putLookupTable('acme', 'skus', {
    key: 'sku',
    rows: [
      { sku: 'A', name: 'Alpha', cost: '2' },
      { sku: 'B', name: 'Beta', cost: '3' },
    ],
  });
  await house.streamService.putStream('acme', 'prices', upload(PRICES));
  await house.streamService.upload('acme', 'prices', PRICES_CSV);
}

const runMessages = (house: MemoryHouse) =>
  house.streamBus.pending.map((p) => p.message).filter((m): m is Extract<StreamMessage, { type: 'stream-run' }> => m.type === 'stream-run');

describe('StreamService: saving a stream', () => {
  test('a PUT creates the stream, the next one replaces it; both read back as saved', async () => {
    const house = memoryHouse();
    const first = await house.streamService.putStream('acme', 's1', upload());
    house.clock.advance(1000);
    const second = await house.streamService.putStream('acme', 's1', upload([{ type: 'filter', keep: 'quantity > 0' }]));
    expect(first).toMatchObject({ created: true, record: { id: 's1', stages: [] } });
    expect(second).toMatchObject({
      created: false,
      record: { id: 's1', stages: [{ type: 'filter', keep: 'quantity > 0' }], updatedAt: '2026-11-05T08:00:01.000Z' },
    });
    expect(await house.streamService.getStream('acme', 's1')).toEqual(second.record);
    expect((await house.streamService.listStreams('acme', { limit: 10 })).items).toEqual([second.record]);
  });

  test('a stream that could not run is refused at save, naming the field, and nothing is stored', async () => {
    const house = memoryHouse();
    const refusals = [
      house.streamService.putStream('acme', 's1', upload([{ type: 'lookup', table: 'missing', key: 'sku', columns: ['name'] }])),
      house.streamService.putStream('acme', 's1', {
        kind: 'billing',
        type: 'computed',
        source: { account: 'acme', stream: 'other' },
        currency: 'EUR',
        stages: [],
      }),
      house.streamService.putStream('acme', 's1', {
        ...upload([
          { type: 'filter', keep: 'quantity > 0' },
          { type: 'split', column: 'nope', pattern: '(.*)-(.*)', into: ['a', 'b'] },
        ]),
        source: { purchases: true },
      }),
    ];
    const errors = await Promise.all(
      refusals.map((r) =>
        r.then(
          () => null,
          (error: unknown) => error as { name: string; details: string[] },
        ),
      ),
    );
    expect(errors.map((e) => e?.name)).toEqual(['ValidationError', 'ValidationError', 'ValidationError']);
    expect(errors[0]!.details).toEqual(["stages.0.table: lookup table 'missing' does not exist"]);
    expect(errors[1]!.details.join(' ')).toMatch(/^source\.account: /);
    expect(errors[2]!.details.join(' ')).toMatch(/stages\.1\.column/);
    await expect(house.streamService.getStream('acme', 's1')).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describe('StreamService and StreamRunner: a run', () => {
  test('a run needs its input: 409 without an upload, 404 for an unknown stream; then one message carrying the running batch', async () => {
    const house = memoryHouse();
    await house.streamService.putStream('acme', 'prices', upload());
    await expect(house.streamService.startRun('acme', 'prices', PERIOD)).rejects.toMatchObject({ name: 'ConflictError', code: 'no_upload' });
    await expect(house.streamService.startRun('acme', 'nope', PERIOD)).rejects.toMatchObject({ name: 'NotFoundError' });
    await house.streamService.upload('acme', 'prices', 'sku,quantity\nA,1\n');
    // Act
    const { batch } = await house.streamService.startRun('acme', 'prices', PERIOD);
    // Assess
    expect(await house.streamService.getBatch('acme', batch)).toMatchObject({
      status: 'running',
      stream: 'prices',
      periodStart: '2026-10-01',
      source: { upload: true },
    });
    expect(runMessages(house)).toEqual([
      expect.objectContaining({
        type: 'stream-run',
        accountId: 'acme',
        batchId: batch,
        batch: expect.objectContaining({ id: batch, status: 'running' }),
      }),
    ]);
    await expect(house.streamService.rowsCsv('acme', batch)).rejects.toMatchObject({ code: 'batch_running' });
  });

  test('an uploaded CSV runs through lookup, formula and filter into a draft; rows and errors read back; publishing works once', async () => {
    const house = memoryHouse();
    await pricesStream(house);
    const { batch } = await house.streamService.startRun('acme', 'prices', PERIOD);
    // Act
    await house.drainStreams();
    // Assess
    expect(await house.streamService.getBatch('acme', batch)).toMatchObject({
      status: 'draft',
      rows: 1,
      errors: 3,
      filtered: 1,
      totals: { EUR: '6' },
    });
    const csv = await house.streamService.rowsCsv('acme', batch);
    expect(csv.split('\n').slice(0, 2)).toEqual([
      'sku:string,quantity:decimal,customerCode:string,name:string,cost:string,amount:decimal',
      'A,3,C1,Alpha,2,6',
    ]);
    expect((await house.streamService.rowsJson('acme', batch, { limit: 10 })).items).toEqual([
      { sku: 'A', quantity: '3', customerCode: 'C1', name: 'Alpha', cost: '2', amount: '6' },
    ]);
    const errors = (await house.streamService.errors('acme', batch, { limit: 2 })) as { items: { reason: string }[]; next: string | null };
    expect(errors.items).toHaveLength(2);
    expect(errors.next).toBe('2');
    expect((await house.streamService.errors('acme', batch, { limit: 2, cursor: '2' })).items).toHaveLength(1);

    const published = await house.streamService.publish('acme', batch);
    expect(published).toMatchObject({ status: 'published', publishedAt: '2026-11-05T08:00:00.000Z' });
    expect(house.streamBus.pending.map((p) => p.message)).toEqual([{ type: 'batch-share', accountId: 'acme', batchId: batch }]);
    await expect(house.streamService.publish('acme', batch)).rejects.toMatchObject({ name: 'ConflictError', code: 'batch_not_draft' });
    expect(house.streamBus.pending).toHaveLength(1);
  });

  test("a purchase stream's rows are the period's mapped purchases, a spanning purchase by its share of days", async () => {
    const house = memoryHouse();
    await seedCatalog(house);
    await house.ingest.accept(
      'acme',
      rowsOf(
        purchase('span-1', 'C1', '30', { purchaseDate: '2026-10-17', endDate: '2026-11-16' }),
        purchase('nov-1', 'C1', '5', { purchaseDate: '2026-11-02' }),
        purchase('lost-1', 'NOBODY', '5', { purchaseDate: '2026-10-02' }),
        purchase('oct-1', 'C2', '10'),
      ),
      'api',
    );
    await house.streamService.putStream('acme', 'usage', {
      kind: 'billing',
      type: 'simple',
      source: { purchases: true },
      currency: 'EUR',
      stages: [],
    });
    const { batch } = await house.streamService.startRun('acme', 'usage', PERIOD);
    // Act
    await house.drainStreams();
    // Assess: 15 of its 30 days fall in October
    const rows = (await house.streamService.rowsJson('acme', batch, { limit: 10 })).items;
    expect(rows.map((r) => [r.reference, r.customerCode, r.quantity, r.amount, r.unitPrice])).toEqual([
      ['oct-1', 'C2', '10', '0.437', '0.0437'],
      ['span-1', 'C1', '15', '0.6555', '0.0437'],
    ]);
    expect(await house.streamService.getBatch('acme', batch)).toMatchObject({ status: 'draft', rows: 2, totals: { EUR: '1.0925' } });
  });

  test('a redelivered run message finds the batch finished and changes nothing', async () => {
    const house = memoryHouse();
    await pricesStream(house);
    const { batch } = await house.streamService.startRun('acme', 'prices', PERIOD);
    const [message] = await house.drainStreams();
    const before = { batch: await house.streams.getBatch('acme', batch), objects: new Map(house.files.objects) };
    house.clock.advance(60_000);
    // Act
    await house.handleStream(message!);
    // Assess
    expect(await house.streams.getBatch('acme', batch)).toEqual(before.batch);
    expect(house.files.objects).toEqual(before.objects);
  });
});

describe('a superseded stream run', () => {
  /** The reconciler, an hour later, re-drives the run as its next attempt. */
  async function redrive(house: MemoryHouse) {
    const outcome = await house
      .streamReconciler({ staleAfterMs: 60_000, maxResumes: 5 })
      .reconcile(new Date(house.clock.now().getTime() + 3_600_000));
    expect(outcome).toEqual({ resumed: 1, failed: 0 });
  }

  test('the message of attempt 1, delivered after the run was re-driven as attempt 2, does nothing; attempt 2 finishes the batch', async () => {
    // Prepare
    const house = memoryHouse();
    await pricesStream(house);
    const { batch } = await house.streamService.startRun('acme', 'prices', PERIOD);
    const [first] = house.streamBus.take();
    await redrive(house);
    const [second] = house.streamBus.take();
    expect(second).toMatchObject({ type: 'stream-run', batchId: batch, attempt: 2 });
    // Act
    await house.handleStream(first!);
    // Assess: attempt 1 wrote nothing
    expect(await house.streams.getBatch('acme', batch)).toMatchObject({ status: 'running', attempt: 2, rows: 0 });
    expect(await house.files.list(`batches/acme/`)).toEqual([]);
    // and attempt 2 runs it
    await house.handleStream(second!);
    expect(await house.streams.getBatch('acme', batch)).toMatchObject({ status: 'draft', attempt: 2, rows: 1 });
    expect(await house.files.size(objects.batchFile('acme', batch, 'rows.csv', 2))).toBeGreaterThan(0);
    expect(await house.files.size(objects.batchFile('acme', batch, 'rows.csv', 1))).toBeNull();
    await house.handleStream(first!);
    expect(await house.streams.getBatch('acme', batch)).toMatchObject({ status: 'draft', attempt: 2, rows: 1 });
  });

  test('a slow attempt 1 that finishes after attempt 2 took over neither finishes the batch nor replaces what attempt 2 wrote', async () => {
    // Prepare: attempt 1 is re-driven while it reads its input, and the upload changes before attempt 2 runs
    const house = memoryHouse();
    await pricesStream(house);
    const { batch } = await house.streamService.startRun('acme', 'prices', PERIOD);
    const [first] = house.streamBus.take();
    const open = house.files.open.bind(house.files);
    let overtaken = false;
    house.files.open = async (key) => {
      const bytes = await open(key);
      if (!overtaken && key === objects.streamUpload('acme', 'prices')) {
        overtaken = true;
        await redrive(house);
        await house.streamService.upload('acme', 'prices', 'sku,quantity,customerCode\nB,2,C2\nA,1,C2\n');
      }
      return bytes;
    };
    // Act
    await house.handleStream(first!);
    // Assess: attempt 1 ran to its end, and the batch is still attempt 2's to finish
    expect(overtaken).toBe(true);
    expect(await house.streams.getBatch('acme', batch)).toMatchObject({ status: 'running', attempt: 2, rows: 0 });
    expect(house.files.text(objects.batchFile('acme', batch, 'rows.csv', 1))).toMatch(/^sku:string.*\nA,3,C1,Alpha,2,6\n$/s);
    await house.drainStreams();
    expect(await house.streams.getBatch('acme', batch)).toMatchObject({ status: 'draft', attempt: 2, rows: 2, errors: 0, totals: { EUR: '8' } });
    expect((await house.streamService.rowsJson('acme', batch, { limit: 10 })).items.map((r) => [r.sku, r.amount])).toEqual([
      ['B', '6'],
      ['A', '2'],
    ]);
  });
});

describe('sharing a published batch', () => {
  test("a redelivered share gives the partner one inbound batch and runs the partner's computed stream once", async () => {
    // Prepare: C2's rows belong to partner account `p1`, which computes on acme's `prices`
    const house = memoryHouse();
    await house.accounts.create({ id: 'p1', name: 'Partner', roles: ['reseller'], currency: 'EUR', createdAt: '2026-01-01T00:00:00.000Z' });
    await house.catalog.putCustomer('acme', customer('C2', { partnerAccount: 'p1' }));
    await house.streamService.putStream('p1', 'resale', {
      kind: 'billing',
      type: 'computed',
      source: { account: 'acme', stream: 'prices' },
      currency: 'EUR',
      stages: [],
    });
    await pricesStream(house);
    await house.streamService.upload('acme', 'prices', 'sku,quantity,customerCode\nA,3,C1\nB,2,C2\nA,1,C2\n');
    const { batch } = await house.streamService.startRun('acme', 'prices', PERIOD);
    await house.drainStreams();
    await house.streamService.publish('acme', batch);
    const [share] = house.streamBus.take();
    // Act
    await house.handleStream(share!);
    await house.handleStream(share!);
    await house.drainStreams();
    // Assess
    const inbound = (await house.streamService.inbound('p1', { limit: 10 })).items;
    expect(inbound).toEqual([expect.objectContaining({ account: 'acme', stream: 'prices', batch, rows: 2, totals: { EUR: '8' } })]);
    const runs = (await house.streamService.streamBatches('p1', 'resale', { limit: 10 })).items;
    expect(runs).toEqual([expect.objectContaining({ status: 'draft', rows: 2, source: expect.objectContaining({ inbound: inbound[0]!.id }) })]);
    expect(await house.streams.getWork('acme', batch)).toBeNull(); // the share is done
  });
});
