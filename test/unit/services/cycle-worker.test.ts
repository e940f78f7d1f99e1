import { invoiceId } from '../../../shared/kernel/periods';
import type { BillingMessage } from '../../../shared/billing/ports';
import { loadRows } from '../../../shared/billing/use-cases/documents';
import { customer, memoryHouse, OCTOBER, purchase, rowsOf, seedCatalog, type MemoryHouse } from '../../support/house';

/**
 * The billing cycle on in-memory ports: every message of a run (plan, collect, invoice) delivered twice,
 * at once, or after a newer run started, and invoices approved while a run goes.
 */

/** 120 small customers (one purchase each, one request) and 12 requests of one purchase: 13 journal objects, 2 collectors, 2 partitions. */
const EXTRA = 120;
const xCode = (i: number) => `X${String(i).padStart(3, '0')}`;

async function preparedHouse(): Promise<MemoryHouse> {
  const house = memoryHouse();
  await seedCatalog(house);
  for (let i = 0; i < EXTRA; i++) await house.catalog.putCustomer('acme', customer(xCode(i)));
  await house.ingest.accept('acme', rowsOf(...Array.from({ length: EXTRA }, (_, i) => purchase(`x-${i}`, xCode(i), '1'))), 'api');
  const singles = [
    purchase('c1-v1', 'C1', '7'),
    purchase('c1-v2', 'C1', '11', { purchaseDate: '2026-10-20T10:00:00Z' }),
    purchase('c1-d1', 'C1', '2', { productLabel: 'data-gb' }),
    purchase('c1-sep', 'C1', '100', { purchaseDate: '2026-09-30' }), // another period
    purchase('c2-v1', 'C2', '10'),
    purchase('c2-v2', 'C2', '5'),
    purchase('c3-v1', 'C3', '3'),
    purchase('c3-v2', 'C3', '4'),
    purchase('zz-v1', 'ZZ', '1'), // unknown customer
    purchase('c1-fax', 'C1', '1', { productLabel: 'fax-page' }), // unknown product
    purchase('c2-v3', 'C2', '1'),
    purchase('c1-v3', 'C1', '13', { purchaseDate: '2026-10-31T23:59:59Z' }),
  ];
  for (const p of singles) await house.ingest.accept('acme', rowsOf(p), 'api');
  return house;
}

/** The drafts whose rows hold each purchase (a cycle writes nothing on the purchases themselves). */
async function draftsHolding(house: MemoryHouse): Promise<Map<string, string[]>> {
  const holding = new Map<string, string[]>();
  for (const stored of await allInvoices(house)) {
    for (const row of await loadRows(house.files, stored)) holding.set(row.reference, [...(holding.get(row.reference) ?? []), stored.record.id]);
  }
  return holding;
}

const allInvoices = async (house: MemoryHouse) => (await house.invoices.list('acme', {}, { limit: 1000 })).items;
const idOf = (code: string, currency = 'EUR') => invoiceId('acme', OCTOBER, code, currency);
/** Everything a run can change: invoices, purchases, objects. */
const snapshot = async (house: MemoryHouse) =>
  JSON.stringify({
    invoices: await allInvoices(house),
    purchases: [...house.purchases.items].sort(),
    objects: [...house.files.objects.keys()].sort(),
  });

/** What the period's invoicing must come to, however often its messages are delivered. */
async function expectOneDraftPerCustomerAndCurrency(house: MemoryHouse, cycleId: string) {
  const cycle = (await house.cycles.get('acme', cycleId))!;
  expect(cycle).toMatchObject({ status: 'completed', run: 1, collected: [0, 1], invoiced: [0, 1], plan: { collectors: 2, partitions: 2 } });
  expect(cycle.report).toMatchObject({
    customersInvoiced: EXTRA + 3,
    invoices: EXTRA + 3,
    totals: {
      // C1: data 2 × 2 = 4.00, voice 31 × 0.0437 = 1.35, 21 % tax 1.12; C2: 16 × 0.0437 = 0.70; X…: 0.04 each
      EUR: { invoices: EXTRA + 2, subtotal: '10.85', tax: '1.12', total: '11.97' },
      USD: { invoices: 1, subtotal: '0.35', tax: '0.00', total: '0.35' },
    },
    unmapped: { 'unknown-customer': 1, 'unknown-product': 1 },
    errors: { count: 0, items: [] },
  });
  const invoices = await allInvoices(house);
  expect(invoices).toHaveLength(EXTRA + 3);
  expect(new Set(invoices.map((s) => `${s.record.customer.code}/${s.record.currency}`)).size).toBe(EXTRA + 3);
  expect(invoices.every((s) => s.revision === 1 && s.record.status === 'draft' && s.cycleId === cycleId)).toBe(true);
  expect(house.invoices.saves).toBe(EXTRA + 3);
  expect(invoices.find((s) => s.record.id === idOf('C1'))!.record).toMatchObject({
    subtotal: '5.35',
    tax: '1.12',
    total: '6.47',
    lines: [
      { description: 'Data', quantity: '2', amount: '4.00' },
      { description: 'Voice', quantity: '31', amount: '1.35' },
    ],
  });
  // every billable purchase of the period reads as on its draft, and on exactly that one; the cycle wrote
  // nothing on the purchases (still as inserted, version 1)
  const stored = house.purchases.of('acme');
  const holding = await draftsHolding(house);
  expect([...holding.keys()]).toHaveLength(EXTRA + 9);
  for (const [reference, payer, currency] of [
    ['c1-v1', 'C1', 'EUR'],
    ['c1-d1', 'C1', 'EUR'],
    ['c2-v3', 'C2', 'EUR'],
    ['c3-v2', 'C3', 'USD'],
    ['x-7', 'X007', 'EUR'],
  ]) {
    expect(await house.ingest.get('acme', reference!)).toMatchObject({ status: 'invoiced', invoice: idOf(payer!, currency) });
    expect(stored.get(reference!)).toMatchObject({ status: 'rated', invoice: null, version: 1 });
    expect(holding.get(reference!)).toEqual([idOf(payer!, currency)]);
  }
  expect(await house.ingest.get('acme', 'c1-sep')).toMatchObject({ status: 'rated', invoice: null });
  expect(holding.has('c1-sep')).toBe(false);
  expect(await house.ingest.get('acme', 'zz-v1')).toMatchObject({ status: 'unmapped', invoice: null });
  for (const [reference, ids] of holding) expect([reference, ids.length]).toEqual([reference, 1]);
}

describe('a redelivered cycle message', () => {
  test('every plan, collect and invoice message delivered twice in a row: one draft per customer and currency, each purchase on one', async () => {
    // Prepare
    const house = await preparedHouse();
    // Act
    const { cycle } = await house.starter.start('acme', OCTOBER);
    await house.drainBilling({ times: 2 });
    // Assess
    await expectOneDraftPerCustomerAndCurrency(house, cycle.id);
  });

  test('two consumers handling each message at the same time: the same invoices, each purchase on one', async () => {
    const house = await preparedHouse();
    const { cycle } = await house.starter.start('acme', OCTOBER);
    await house.drainBilling({ times: 2, concurrent: true });
    await expectOneDraftPerCustomerAndCurrency(house, cycle.id);
  });

  test('a message of the finished run delivered again changes nothing and sends nothing', async () => {
    const house = await preparedHouse();
    const { cycle } = await house.starter.start('acme', OCTOBER);
    const delivered = await house.drainBilling();
    const before = await snapshot(house);
    const sent = house.billingBus.sent.length;
    // Act
    for (const message of delivered) await house.handleBilling(message);
    // Assess
    expect(await snapshot(house)).toBe(before);
    expect(house.billingBus.sent).toHaveLength(sent);
    expect(await house.cycles.get('acme', cycle.id)).toMatchObject({ status: 'completed', run: 1 });
  });
});

/** Accepts one more purchase of C1 in the period, a minute later than anything before (a late CDR). */
async function latePurchase(house: MemoryHouse, reference = 'c1-late') {
  house.clock.advance(60_000);
  const answer = await house.ingest.accept('acme', rowsOf(purchase(reference, 'C1', '100')), 'api');
  expect(answer.accepted.map((p) => p.reference)).toEqual([reference]);
}

describe('a superseded cycle run', () => {
  test("run 1's messages delivered after run 2 started change nothing; run 2 rebuilds the draft the late purchase changed", async () => {
    // Prepare: run 1 is complete; a late purchase asks for run 2
    const house = await preparedHouse();
    const { cycle } = await house.starter.start('acme', OCTOBER);
    const runOne = await house.drainBilling();
    await latePurchase(house);
    const [late, ...rest] = house.billingBus.take();
    expect(late).toMatchObject({ type: 'cycle-late', cycleId: cycle.id });
    expect(rest).toEqual([]);
    await house.handleBilling(late!);
    expect(await house.cycles.get('acme', cycle.id)).toMatchObject({ status: 'running', run: 2, plan: null });
    const before = await snapshot(house);
    // Act: every message of run 1 arrives again before run 2's start
    for (const message of runOne) await house.handleBilling(message);
    // Assess: nothing of run 1 happened again
    expect(await snapshot(house)).toBe(before);
    expect(await house.cycles.get('acme', cycle.id)).toMatchObject({ status: 'running', run: 2, plan: null, collected: [], invoiced: [] });
    expect(house.billingBus.pending.map((p) => p.message)).toEqual([{ type: 'cycle-start', accountId: 'acme', cycleId: cycle.id, run: 2 }]);

    // and run 2 itself rebuilds C1's draft with the late purchase, leaving the unchanged drafts as they were
    await house.drainBilling();
    const invoices = await allInvoices(house);
    const c1 = invoices.find((s) => s.record.id === idOf('C1'))!;
    expect(c1).toMatchObject({
      revision: 2,
      run: 2,
      record: { lines: [{ description: 'Data' }, { description: 'Voice', quantity: '131', amount: '5.72' }] },
    });
    expect(invoices.filter((s) => s.revision === 1)).toHaveLength(EXTRA + 2);
    expect(await house.ingest.get('acme', 'c1-late')).toMatchObject({ status: 'invoiced', invoice: idOf('C1') });
    expect(await house.cycles.get('acme', cycle.id)).toMatchObject({
      status: 'completed',
      run: 2,
      report: { invoices: EXTRA + 3, errors: { count: 0 } },
    });
  });
});

describe('an invoice approved while the cycle goes on', () => {
  async function approvedAfterRunOne() {
    const house = await preparedHouse();
    const { cycle } = await house.starter.start('acme', OCTOBER);
    await house.drainBilling();
    const approved = await house.invoicing.approve('acme', idOf('C1'));
    const stored = (await house.invoices.get('acme', idOf('C1')))!;
    return { house, cycleId: cycle.id, approved, stored };
  }

  test('a regenerate leaves the approved invoice as it was frozen and its purchases completed', async () => {
    // Prepare
    const { house, cycleId, stored } = await approvedAfterRunOne();
    const others = (await allInvoices(house)).filter((s) => s.record.id !== idOf('C1'));
    // Act
    await house.starter.regenerate('acme', cycleId);
    await house.drainBilling();
    // Assess
    expect(await house.invoices.get('acme', idOf('C1'))).toEqual(stored);
    expect(await house.files.get(stored.documents.pdf)).not.toBeNull();
    expect((await allInvoices(house)).filter((s) => s.record.id !== idOf('C1'))).toEqual(others); // unchanged drafts are not rewritten
    for (const reference of ['c1-v1', 'c1-v2', 'c1-v3', 'c1-d1'])
      expect(house.purchases.of('acme').get(reference)).toMatchObject({ status: 'completed', invoice: idOf('C1') });
    expect(await house.cycles.get('acme', cycleId)).toMatchObject({
      status: 'completed',
      run: 2,
      report: { invoices: EXTRA + 3, errors: { count: 0 } },
    });
  });

  test('a late purchase after approval regenerates the cycle, stays off the approved invoice and is named in the report', async () => {
    const { house, cycleId, stored } = await approvedAfterRunOne();
    // Act
    await latePurchase(house);
    const delivered = await house.drainBilling();
    // Assess
    expect(delivered[0]).toMatchObject({ type: 'cycle-late' });
    expect(await house.invoices.get('acme', idOf('C1'))).toEqual(stored);
    expect(house.purchases.of('acme').get('c1-late')).toMatchObject({ status: 'rated', invoice: null, version: 1 });
    const cycle = (await house.cycles.get('acme', cycleId))!;
    expect(cycle).toMatchObject({ status: 'completed', run: 2 });
    expect(cycle.report!.errors.items).toEqual([
      {
        customer: 'C1',
        code: 'invoice_approved',
        message: `1 purchase(s) are not on invoice ${idOf('C1')}, approved before they arrived or changed`,
      },
    ]);
  });

  test('approved between the invoicer reading the draft and writing the new one: the approval stands, the late purchase stays off it', async () => {
    // Prepare: run 1 is complete; a late purchase starts run 2, and C1's draft (run 1) is approved right after run 2's invoicer read it
    const house = await preparedHouse();
    const { cycle } = await house.starter.start('acme', OCTOBER);
    await house.drainBilling();
    const frozenLines = (await house.invoices.get('acme', idOf('C1')))!.record.lines;
    await latePurchase(house);
    const getMany = house.invoices.getMany.bind(house.invoices);
    let approvedMidRun = false;
    house.invoices.getMany = async (accountId, ids) => {
      const read = await getMany(accountId, ids);
      if (!approvedMidRun && ids.includes(idOf('C1'))) {
        approvedMidRun = true;
        await house.invoicing.approve('acme', idOf('C1'));
      }
      return read;
    };
    // Act
    await house.drainBilling();
    // Assess
    expect(approvedMidRun).toBe(true);
    const c1 = (await house.invoices.get('acme', idOf('C1')))!;
    expect(c1).toMatchObject({ revision: 2, run: 1, completion: 'done', record: { status: 'approved', lines: frozenLines, total: '6.47' } });
    expect(await house.files.get(c1.documents.pdf)).not.toBeNull();
    expect(house.purchases.of('acme').get('c1-late')).toMatchObject({ status: 'rated', invoice: null });
    for (const reference of ['c1-v1', 'c1-v2', 'c1-v3', 'c1-d1'])
      expect(house.purchases.of('acme').get(reference)).toMatchObject({ status: 'completed', invoice: idOf('C1') });
    expect(await house.cycles.get('acme', cycle.id)).toMatchObject({ status: 'completed', run: 2 });

    // the next regeneration names the purchase that missed the approved invoice
    await house.starter.regenerate('acme', cycle.id);
    await house.drainBilling();
    expect((await house.invoices.get('acme', idOf('C1')))!).toEqual(c1);
    expect((await house.cycles.get('acme', cycle.id))!.report!.errors.items).toEqual([
      expect.objectContaining({ customer: 'C1', code: 'invoice_approved' }),
    ]);
  });
});

describe('a cycle started twice', () => {
  test('concurrent starts of one period make one cycle and one start message', async () => {
    const house = await preparedHouse();
    const starts = await Promise.all([1, 2, 3].map(() => house.starter.start('acme', OCTOBER)));
    expect(starts.filter((s) => s.created)).toHaveLength(1);
    expect(new Set(starts.map((s) => s.cycle.id)).size).toBe(1);
    expect(house.billingBus.pending.map((p) => p.message.type)).toEqual<BillingMessage['type'][]>(['cycle-start']);
  });
});
