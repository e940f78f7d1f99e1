import { reissuedInvoiceId } from '../../../shared/billing/domain/invoice';
import { loadRows } from '../../../shared/billing/use-cases/documents';
import { DraftedPurchases } from '../../../shared/billing/use-cases/drafted';
import { invoiceId } from '../../../shared/kernel/periods';
import type { PurchaseStatus } from '../../../shared/ingest/domain/purchase';
import { parsePriceRule, toWirePriceRule } from '../../../shared/pricing/domain/rules';
import { customer, memoryHouse, OCTOBER, purchase, rowsOf, seedCatalog, type MemoryHouse } from '../../support/house';

/**
 * Which draft a purchase reads as on (DraftedPurchases through IngestService.get and list). A cycle writes
 * nothing on the purchases it drafts: a stored `rated` purchase reads `invoiced` exactly while a draft of its
 * payer, in its currency and of a period it falls in, names it at its current version in its rows file.
 */

const SEPTEMBER = { start: '2026-09-01', end: '2026-10-01' };
const idOf = (code: string, currency = 'EUR', period = OCTOBER) => invoiceId('acme', period, code, currency);

/**
 * Account acme (seedCatalog) plus H1 (on hold), K1 (EUR) and K2 (USD), both invoiced to their parent C1, and
 * October's cycle run: C1 has an EUR draft (its own and K1's purchases) and a USD one (K2's), C2 and C3 one each.
 */
async function afterOctober(): Promise<{ house: MemoryHouse; cycleId: string }> {
  const house = memoryHouse();
  await seedCatalog(house);
  await house.catalog.putCustomer('acme', customer('H1', { onHold: true }));
  await house.catalog.putCustomer('acme', customer('K1', { parent: 'C1', invoicing: 'parent' }));
  await house.catalog.putCustomer('acme', customer('K2', { parent: 'C1', invoicing: 'parent', currency: 'USD' }));
  await house.ingest.accept(
    'acme',
    rowsOf(
      purchase('c1-v1', 'C1', '7'),
      purchase('c1-sep', 'C1', '100', { purchaseDate: '2026-09-30' }), // September: no cycle of its period
      purchase('c2-v1', 'C2', '10'),
      purchase('c3-v1', 'C3', '3'),
      purchase('k1-v1', 'K1', '20'),
      purchase('k2-v1', 'K2', '40'),
      purchase('h1-v1', 'H1', '4'),
      purchase('zz-v1', 'ZZ', '1'), // unknown customer
    ),
    'api',
  );
  const { cycle } = await house.starter.start('acme', OCTOBER);
  await house.drainBilling();
  return { house, cycleId: cycle.id };
}

const DRAFTED = { 'c1-v1': idOf('C1'), 'c2-v1': idOf('C2'), 'c3-v1': idOf('C3', 'USD'), 'k1-v1': idOf('C1'), 'k2-v1': idOf('C1', 'USD') };

/** Every purchase of the account as `GET /purchases?status=…` pages through it, two at a time (so that cursors are crossed). */
async function listed(house: MemoryHouse, status?: PurchaseStatus): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  let cursor: string | undefined;
  do {
    const page = await house.ingest.list('acme', status ? { status } : {}, { limit: 2, cursor });
    for (const p of page.items) out[p.reference] = `${p.status} ${p.invoice}`;
    cursor = page.next ?? undefined;
  } while (cursor);
  return out;
}

const read = (house: MemoryHouse, reference: string) => house.ingest.get('acme', reference);
const stored = (house: MemoryHouse, reference: string) => house.purchases.of('acme').get(reference)!;

/** voice-eur at another unit price: what a `PUT /price-rules/voice-eur` stores (its re-evaluation is run by the test). */
async function repriceVoice(house: MemoryHouse, unitPrice: string): Promise<void> {
  const wire = toWirePriceRule(
    parsePriceRule('voice-eur', { productCluster: 'voice', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice } }),
  );
  expect(await house.rules.savePriceRule('acme', wire, await house.rules.version('acme'))).toBe(true);
}

describe('reading purchases after a cycle', () => {
  test('a purchase on a draft reads invoiced on it; the stored record is as accepted; other periods, unmapped and held ones read as stored', async () => {
    // Prepare
    const { house } = await afterOctober();
    // Act / Assess
    for (const [reference, invoice] of Object.entries(DRAFTED)) {
      expect(await read(house, reference)).toMatchObject({ status: 'invoiced', invoice });
      // the cycle wrote nothing on it
      expect(stored(house, reference)).toMatchObject({ status: 'rated', invoice: null, version: 1 });
    }
    expect(await read(house, 'c1-sep')).toMatchObject({ status: 'rated', invoice: null });
    expect(await read(house, 'zz-v1')).toMatchObject({ status: 'unmapped', reason: 'unknown-customer', invoice: null });
    expect(await read(house, 'h1-v1')).toMatchObject({ status: 'not-invoiced', reason: 'on-hold', invoice: null });
    expect(await house.invoices.get('acme', idOf('H1'))).toBeNull();
  });

  test('the list: status=invoiced is exactly the drafted purchases, status=rated excludes them, unfiltered shows each as read', async () => {
    const { house } = await afterOctober();
    const invoiced = Object.fromEntries(Object.entries(DRAFTED).map(([reference, id]) => [reference, `invoiced ${id}`]));
    // Act / Assess
    expect(await listed(house, 'invoiced')).toEqual(invoiced);
    expect(await listed(house, 'rated')).toEqual({ 'c1-sep': 'rated null' });
    expect(await listed(house)).toEqual({
      ...invoiced,
      'c1-sep': 'rated null',
      'h1-v1': 'not-invoiced null',
      'zz-v1': 'unmapped null',
    });
    // a customer filter narrows the invoiced ones to that purchase's own customer (K1's is on C1's draft)
    expect((await house.ingest.list('acme', { status: 'invoiced', customer: 'K1' }, { limit: 10 })).items).toEqual([
      expect.objectContaining({ reference: 'k1-v1', invoice: idOf('C1') }),
    ]);
  });

  test("a linked customer's purchase reads invoiced on its parent's draft of its own currency; the child has no draft", async () => {
    const { house } = await afterOctober();
    expect(await read(house, 'k1-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('C1'), billedTo: 'K1' });
    expect(await read(house, 'k2-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('C1', 'USD'), currency: 'USD' });
    expect(await house.invoices.get('acme', idOf('K1'))).toBeNull();
    expect(await house.invoices.get('acme', idOf('K2', 'USD'))).toBeNull();
  });

  test('a purchase in another currency than the draft that names it is not on it', async () => {
    // Prepare: k2-v1's record says EUR (at the version C1's USD draft names): only C1's EUR draft is of its currency, and that one does not hold it
    const { house } = await afterOctober();
    house.purchases.of('acme').set('k2-v1', { ...stored(house, 'k2-v1'), currency: 'EUR' });
    // Act / Assess
    expect(await read(house, 'k2-v1')).toMatchObject({ status: 'rated', invoice: null });
    expect(await listed(house, 'invoiced')).not.toHaveProperty('k2-v1');
  });

  test('a purchase on drafts of two periods (an endDate across months) reads the latest period’s', async () => {
    // Prepare: 30 days from 16 September, on September's draft and on October's
    const house = memoryHouse();
    await seedCatalog(house);
    await house.ingest.accept('acme', rowsOf(purchase('span', 'C1', '30', { purchaseDate: '2026-09-16', endDate: '2026-10-16' })), 'api');
    await house.starter.start('acme', SEPTEMBER);
    await house.drainBilling();
    expect(await read(house, 'span')).toMatchObject({ status: 'invoiced', invoice: idOf('C1', 'EUR', SEPTEMBER) });
    // Act
    await house.starter.start('acme', OCTOBER);
    await house.drainBilling();
    // Assess
    expect(await read(house, 'span')).toMatchObject({ status: 'invoiced', invoice: idOf('C1') });
    expect(await listed(house, 'invoiced')).toEqual({ span: `invoiced ${idOf('C1')}` });
  });
});

describe('a purchase that changed after its draft was built', () => {
  test('re-rated (a price rule changed): reads rated until the cycle is regenerated, then invoiced on the regenerated draft', async () => {
    // Prepare
    const { house } = await afterOctober();
    const before = (await house.invoices.get('acme', idOf('C1')))!;
    await repriceVoice(house, '0.10');
    // Act: the re-evaluation a rule change starts re-rates it (version 2) and asks billing to regenerate
    expect(await house.ingest.reevaluate('acme', ['c1-v1'])).toBe(1);
    // Assess: the draft as it stands names version 1 of it
    expect(stored(house, 'c1-v1')).toMatchObject({ status: 'rated', amount: '0.7', version: 2 });
    expect(await read(house, 'c1-v1')).toMatchObject({ status: 'rated', invoice: null, amount: '0.7' });
    expect(await listed(house, 'invoiced')).not.toHaveProperty('c1-v1');
    expect(await listed(house, 'rated')).toEqual({ 'c1-sep': 'rated null', 'c1-v1': 'rated null' });
    expect(await read(house, 'k1-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('C1') }); // its neighbour on the draft is unchanged
    expect(house.billingBus.pending.map((p) => p.message.type)).toEqual(['cycle-late']);

    await house.drainBilling();
    const after = (await house.invoices.get('acme', idOf('C1')))!;
    expect(after.revision).toBe(before.revision + 1);
    expect((await loadRows(house.files, after)).find((r) => r.reference === 'c1-v1')).toMatchObject({ version: 2, amount: '0.7' });
    expect(await read(house, 'c1-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('C1'), amount: '0.7' });
    expect(await listed(house, 'rated')).toEqual({ 'c1-sep': 'rated null' });
  });

  test('a record rewritten at the next version is off the draft as it stands', async () => {
    const { house } = await afterOctober();
    house.purchases.of('acme').set('c2-v1', { ...stored(house, 'c2-v1'), version: 2 });
    expect(await read(house, 'c2-v1')).toMatchObject({ status: 'rated', invoice: null });
    expect(await listed(house, 'rated')).toEqual({ 'c1-sep': 'rated null', 'c2-v1': 'rated null' });
  });

  // A regeneration leaves a draft 'unchanged' when its rows digest and record are the same; the digest counts
  // the versions read. A purchase whose rating went A -> B -> A before the regeneration ran (here: its customer
  // put on hold and released again) comes back at version 3 priced as at version 1: a draft kept with rows
  // naming version 1 would leave it reading `rated` for good, and approval would not complete it.
  test('rated A -> B -> A before the regeneration ran: the regenerated draft holds it at its new version', async () => {
    const { house } = await afterOctober();
    await house.catalog.putCustomer('acme', customer('C2', { name: 'Two Ltd', onHold: true }));
    await house.ingest.reevaluate('acme', ['c2-v1']);
    await house.catalog.putCustomer('acme', customer('C2', { name: 'Two Ltd' }));
    await house.ingest.reevaluate('acme', ['c2-v1']);
    expect(stored(house, 'c2-v1')).toMatchObject({ status: 'rated', invoice: null, version: 3 });
    // Act
    await house.drainBilling();
    // Assess
    expect(await read(house, 'c2-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('C2') });
    await house.invoicing.approve('acme', idOf('C2'));
    expect(stored(house, 'c2-v1')).toMatchObject({ status: 'completed', invoice: idOf('C2') });
  });
});

describe('approval and void', () => {
  test('approval completes the purchases on the invoice (stored); void reopens them; the regeneration puts them on the reissued draft', async () => {
    // Prepare
    const { house, cycleId } = await afterOctober();
    // Act: approve C1's EUR draft
    await house.invoicing.approve('acme', idOf('C1'));
    // Assess: completed as stored, at the version after the one collected
    for (const reference of ['c1-v1', 'k1-v1']) {
      expect(stored(house, reference)).toMatchObject({ status: 'completed', invoice: idOf('C1'), version: 2 });
      expect(await read(house, reference)).toMatchObject({ status: 'completed', invoice: idOf('C1') });
    }
    // C1's USD draft is still a draft: k2-v1 still reads on it
    expect(await read(house, 'k2-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('C1', 'USD') });
    expect(stored(house, 'k2-v1')).toMatchObject({ status: 'rated', version: 1 });
    expect(Object.keys(await listed(house, 'completed')).sort()).toEqual(['c1-v1', 'k1-v1']);
    expect(Object.keys(await listed(house, 'invoiced')).sort()).toEqual(['c2-v1', 'c3-v1', 'k2-v1']);

    // Act: void it
    await house.invoicing.void('acme', idOf('C1'));
    // Assess: back to rated on no invoice; the voided invoice is no draft, so nothing reads as on it
    for (const reference of ['c1-v1', 'k1-v1']) {
      expect(stored(house, reference)).toMatchObject({ status: 'rated', invoice: null, version: 3 });
      expect(await read(house, reference)).toMatchObject({ status: 'rated', invoice: null });
    }
    expect(await listed(house, 'rated')).toEqual({ 'c1-sep': 'rated null', 'c1-v1': 'rated null', 'k1-v1': 'rated null' });

    // Act: regenerate: the voided invoice keeps its id, its purchases go on the next one
    await house.starter.regenerate('acme', cycleId);
    await house.drainBilling();
    // Assess
    const reissued = reissuedInvoiceId(idOf('C1'));
    expect(await house.invoices.get('acme', reissued)).toMatchObject({ record: { status: 'draft' } });
    for (const reference of ['c1-v1', 'k1-v1']) expect(await read(house, reference)).toMatchObject({ status: 'invoiced', invoice: reissued });
    expect(Object.keys(await listed(house, 'invoiced')).sort()).toEqual(['c1-v1', 'c2-v1', 'c3-v1', 'k1-v1', 'k2-v1']);
  });
});

describe('what a lookup reads', () => {
  /** Counts the reads of invoices' rows files (what DraftedPurchases reads besides the drafts' items). */
  function countRowsReads(house: MemoryHouse): { reads: string[] } {
    const counted = { reads: [] as string[] };
    const getText = house.files.getText.bind(house.files);
    house.files.getText = async (key: string) => {
      if (key.endsWith('.rows.jsonl')) counted.reads.push(key);
      return getText(key);
    };
    return counted;
  }

  /** The rows file of C1's October draft at revision 1, with c1-v1 re-rated so that the next drain regenerates it. */
  async function aboutToRegenerate(house: MemoryHouse): Promise<string> {
    await repriceVoice(house, '0.10');
    expect(await house.ingest.reevaluate('acme', ['c1-v1'])).toBe(1);
    return (await house.invoices.get('acme', idOf('C1')))!.documents.rows!;
  }

  /** The regeneration lands between a reader's item read and its read of `key`, which it removes. */
  function regenerateOnRead(house: MemoryHouse, key: string): { raced: boolean } {
    const state = { raced: false };
    const getText = house.files.getText.bind(house.files);
    house.files.getText = async (k: string) => {
      if (k === key && !state.raced) {
        state.raced = true;
        await house.drainBilling();
      }
      return getText(k);
    };
    return state;
  }

  test('a draft regenerated between its item read and its rows read: the purchase reads as the new draft says', async () => {
    const { house } = await afterOctober();
    const old = await aboutToRegenerate(house);
    const race = regenerateOnRead(house, old);
    expect(await read(house, 'c1-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('C1'), amount: '0.7' });
    expect(race.raced).toBe(true);
    expect(await house.files.getText(old)).toBeNull();
  });

  test("a draft's CSV asked while it is regenerated is the new revision's", async () => {
    const { house } = await afterOctober();
    const old = await aboutToRegenerate(house);
    const race = regenerateOnRead(house, old);
    const csv = (await house.invoicing.document('acme', idOf('C1'), 'csv')).content.toString();
    expect(race.raced).toBe(true);
    expect(csv).toContain('c1-v1');
    expect(csv).toContain('0.7');
  });

  test('a list over many journal batches reads a draft’s rows file once; a regenerated draft is read at its new key', async () => {
    // Prepare: 450 purchases of C1 on one draft (three batches of the list's journal walk) and one of September
    const house = memoryHouse();
    await seedCatalog(house);
    await house.ingest.accept('acme', rowsOf(...Array.from({ length: 450 }, (_, i) => purchase(`m${i}`, 'C1', '1'))), 'api');
    await house.ingest.accept('acme', rowsOf(purchase('sep', 'C1', '1', { purchaseDate: '2026-09-30' })), 'api');
    await house.starter.start('acme', OCTOBER);
    await house.drainBilling();
    const counted = countRowsReads(house);
    // a purchase of a period no draft of its payer covers reads no rows file
    expect(await read(house, 'sep')).toMatchObject({ status: 'rated' });
    expect(counted.reads).toEqual([]);
    // Act: a page of `rated` walks all 451 (only September's is rated), twice
    for (let i = 0; i < 2; i++)
      expect((await house.ingest.list('acme', { status: 'rated' }, { limit: 50 })).items.map((p) => p.reference)).toEqual(['sep']);
    // Assess
    const first = (await house.invoices.get('acme', idOf('C1')))!;
    expect(counted.reads).toEqual([first.documents.rows]);
    counted.reads.length = 0;

    // Act: m7 re-rated and its draft regenerated (a new rows file, under a new key)
    await repriceVoice(house, '0.10');
    await house.ingest.reevaluate('acme', ['m7']);
    expect(await read(house, 'm7')).toMatchObject({ status: 'rated', invoice: null });
    await house.drainBilling();
    // Assess: read as the regenerated draft says, from its own rows file
    const regenerated = (await house.invoices.get('acme', idOf('C1')))!;
    expect(regenerated.documents.rows).not.toBe(first.documents.rows);
    expect(await read(house, 'm7')).toMatchObject({ status: 'invoiced', invoice: idOf('C1'), amount: '0.1' });
    expect(counted.reads).toEqual([regenerated.documents.rows]);
  });
  test('the rows kept are bounded: past the bound the file used longest ago is dropped and read again when asked', async () => {
    const { house } = await afterOctober();
    const counted = countRowsReads(house);
    // a bound of 2 rows: C1's EUR draft holds 2 (c1-v1, k1-v1), C2's 1
    const drafted = new DraftedPurchases({ catalog: house.catalog, invoices: house.invoices, files: house.files, cachedRows: 2 });
    const on = async (reference: string) => (await drafted.drafted('acme', [stored(house, reference)])).get(reference);
    // Act / Assess
    expect(await on('c1-v1')).toBe(idOf('C1'));
    expect(await on('k1-v1')).toBe(idOf('C1')); // kept
    expect(counted.reads).toHaveLength(1);
    expect(await on('c2-v1')).toBe(idOf('C2')); // 3 rows: C1's is dropped
    expect(await on('c2-v1')).toBe(idOf('C2'));
    expect(counted.reads).toHaveLength(2);
    expect(await on('c1-v1')).toBe(idOf('C1')); // read again
    expect(counted.reads).toHaveLength(3);
  });
});
