import { invoiceId } from '../../../shared/kernel/periods';
import { customer, memoryHouse, OCTOBER, purchase, rowsOf, seedCatalog, type MemoryHouse } from '../../support/house';

/** Approval on in-memory ports: twice, at once, interrupted, and of a draft a cycle rewrote or removed meanwhile. */

const idOf = (code: string) => invoiceId('acme', OCTOBER, code, 'EUR');
const C1_PURCHASES = ['c1-v1', 'c1-v2', 'c1-d1'];

/** Account acme with October drafts for C1 (EUR, 21 % tax) and C2 (EUR). */
async function drafted(): Promise<{ house: MemoryHouse; cycleId: string }> {
  const house = memoryHouse();
  await seedCatalog(house);
  await house.ingest.accept(
    'acme',
    rowsOf(
      purchase('c1-v1', 'C1', '7'),
      purchase('c1-v2', 'C1', '11'),
      purchase('c1-d1', 'C1', '2', { productLabel: 'data-gb' }),
      purchase('c2-v1', 'C2', '10'),
    ),
    'api',
  );
  const { cycle } = await house.starter.start('acme', OCTOBER);
  await house.drainBilling();
  return { house, cycleId: cycle.id };
}

const stored = async (house: MemoryHouse, id: string) => (await house.invoices.get('acme', id))!;
const pdfsOf = (house: MemoryHouse, id: string) => [...house.files.objects.keys()].filter((k) => k.includes(id) && k.endsWith('.pdf'));

describe('InvoiceService.approve', () => {
  test('approves the draft: its own PDF, the draft PDF removed, every purchase on it completed', async () => {
    // Prepare
    const { house } = await drafted();
    const draft = await stored(house, idOf('C1'));
    house.clock.advance(3_600_000);
    // Act
    const view = await house.invoicing.approve('acme', idOf('C1'));
    // Assess
    expect(view).toMatchObject({
      id: idOf('C1'),
      status: 'approved',
      approvedAt: '2026-11-05T09:00:00.000Z',
      subtotal: '4.79',
      tax: '1.01',
      total: '5.80',
    });
    const approved = await stored(house, idOf('C1'));
    expect(approved).toMatchObject({ revision: 2, completion: 'done', record: { status: 'approved', lines: draft.record.lines } });
    expect(pdfsOf(house, idOf('C1'))).toEqual([approved.documents.pdf]);
    expect(approved.documents.pdf).not.toBe(draft.documents.pdf);
    for (const reference of C1_PURCHASES)
      expect(house.purchases.of('acme').get(reference)).toMatchObject({ status: 'completed', invoice: idOf('C1'), version: 2 });
    // C2's draft is not approved: its purchase is as stored (the cycle writes nothing on purchases), read as on the draft
    expect(house.purchases.of('acme').get('c2-v1')).toMatchObject({ status: 'rated', invoice: null, version: 1 });
    expect(await house.ingest.get('acme', 'c2-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('C2') });
  });

  test('approving it again is 409 invoice_approved and changes nothing', async () => {
    const { house } = await drafted();
    await house.invoicing.approve('acme', idOf('C1'));
    const after = await stored(house, idOf('C1'));
    const purchases = JSON.stringify([...house.purchases.items]);
    house.clock.advance(60_000);
    // Act
    const again = house.invoicing.approve('acme', idOf('C1'));
    // Assess
    await expect(again).rejects.toMatchObject({
      name: 'ConflictError',
      code: 'invoice_approved',
      details: ['approvedAt: 2026-11-05T08:00:00.000Z', 'number: ACME-2026-000001'],
    });
    expect(await stored(house, idOf('C1'))).toEqual(after);
    expect(JSON.stringify([...house.purchases.items])).toBe(purchases);
    expect(pdfsOf(house, idOf('C1'))).toEqual([after.documents.pdf]);
  });

  test('two approvals at once: one approves, the other is 409; each purchase completed once', async () => {
    const { house } = await drafted();
    const completions: [string, boolean][] = [];
    const complete = house.marks.complete.bind(house.marks);
    house.marks.complete = async (accountId, reference, id, version, at) => {
      const done = await complete(accountId, reference, id, version, at);
      completions.push([reference, done]);
      return done;
    };
    // Act
    const outcomes = await Promise.allSettled([house.invoicing.approve('acme', idOf('C1')), house.invoicing.approve('acme', idOf('C1'))]);
    // Assess
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason)).toEqual([
      expect.objectContaining({ code: 'invoice_approved' }),
    ]);
    const approved = await stored(house, idOf('C1'));
    expect(approved).toMatchObject({ revision: 2, completion: 'done' });
    expect(pdfsOf(house, idOf('C1'))).toEqual([approved.documents.pdf]); // the losing approval's PDF is removed
    // one write each (insert, complete); the loser, finding the completion pending, may complete again: a no-op that holds
    for (const reference of C1_PURCHASES) expect(house.purchases.of('acme').get(reference)).toMatchObject({ status: 'completed', version: 2 });
    expect(new Set(completions.map(([reference]) => reference))).toEqual(new Set(C1_PURCHASES));
    expect(completions.every(([, done]) => done)).toBe(true);
  });

  test('an approval stopped before its purchases were completed is finished by the next approval (which answers 409)', async () => {
    const { house } = await drafted();
    const complete = house.marks.complete.bind(house.marks);
    let failNext = true;
    house.marks.complete = async (...args) => {
      if (failNext) {
        failNext = false;
        throw new Error('the machine died');
      }
      return complete(...args);
    };
    await expect(house.invoicing.approve('acme', idOf('C1'))).rejects.toThrow('the machine died');
    expect(await stored(house, idOf('C1'))).toMatchObject({ completion: 'pending', record: { status: 'approved' } });
    // Act
    await expect(house.invoicing.approve('acme', idOf('C1'))).rejects.toMatchObject({ code: 'invoice_approved' });
    // Assess
    expect(await stored(house, idOf('C1'))).toMatchObject({ completion: 'done' });
    for (const reference of C1_PURCHASES) expect(house.purchases.of('acme').get(reference)).toMatchObject({ status: 'completed' });
  });
});

describe('approving a superseded draft', () => {
  test('a draft the cycle rewrote while the approval rendered it: the rewritten draft is what gets approved', async () => {
    // Prepare: while the approval of revision 1 is on its way to the store, a late purchase makes run 2 rewrite the draft
    const { house, cycleId } = await drafted();
    const save = house.invoices.saveNumbered.bind(house.invoices);
    let raced = false;
    house.invoices.saveNumbered = async (accountId, invoice, expected, number) => {
      if (!raced && invoice.record.status === 'approved') {
        raced = true;
        house.clock.advance(60_000);
        await house.ingest.accept('acme', rowsOf(purchase('c1-late', 'C1', '100')), 'api');
        await house.drainBilling();
        expect(await stored(house, idOf('C1'))).toMatchObject({ revision: 2, run: 2, record: { status: 'draft' } });
      }
      return save(accountId, invoice, expected, number);
    };
    // Act
    const view = await house.invoicing.approve('acme', idOf('C1'));
    // Assess
    expect(raced).toBe(true);
    expect(view).toMatchObject({
      status: 'approved',
      lines: [{ description: 'Data' }, { description: 'Voice', quantity: '118', amount: '5.16' }],
      total: '11.08',
    });
    const approved = await stored(house, idOf('C1'));
    expect(approved).toMatchObject({ revision: 3, run: 2, completion: 'done', record: { status: 'approved', total: '11.08' } });
    expect(pdfsOf(house, idOf('C1'))).toEqual([approved.documents.pdf]);
    for (const reference of [...C1_PURCHASES, 'c1-late'])
      expect(house.purchases.of('acme').get(reference)).toMatchObject({ status: 'completed', invoice: idOf('C1') });
    expect(await house.cycles.get('acme', cycleId)).toMatchObject({ status: 'completed', run: 2 });
  });

  test('a draft a regeneration removed (its customer went on hold) is not found', async () => {
    const { house, cycleId } = await drafted();
    await house.catalog.putCustomer('acme', customer('C2', { name: 'Two Ltd', onHold: true }));
    await house.starter.regenerate('acme', cycleId);
    await house.drainBilling();
    // Act
    const approval = house.invoicing.approve('acme', idOf('C2'));
    // Assess
    await expect(approval).rejects.toMatchObject({ name: 'NotFoundError', code: 'not_found' });
    expect(await house.invoices.get('acme', idOf('C2'))).toBeNull();
    expect(pdfsOf(house, idOf('C2'))).toEqual([]);
    expect(await house.cycles.get('acme', cycleId)).toMatchObject({ run: 2, report: { held: { count: 1, customers: ['C2'] }, invoices: 1 } });
  });
});

describe('InvoiceService.document of a draft', () => {
  test('a cycle renders no preview PDF; the first request renders it at the revision’s key and later ones read it', async () => {
    // Prepare
    const { house } = await drafted();
    const draft = await stored(house, idOf('C1'));
    expect(pdfsOf(house, idOf('C1'))).toEqual([]);
    // Act
    const first = await house.invoicing.document('acme', idOf('C1'), 'pdf');
    const again = await house.invoicing.document('acme', idOf('C1'), 'pdf');
    // Assess
    expect(first.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(first.contentType).toBe('application/pdf');
    expect(pdfsOf(house, idOf('C1'))).toEqual([draft.documents.pdf]);
    expect(again.content.equals(first.content)).toBe(true);
  });

  test('a preview rendered for a revision a regeneration replaced meanwhile is removed again', async () => {
    // Prepare
    const { house, cycleId } = await drafted();
    const draft = await stored(house, idOf('C1'));
    await house.ingest.accept('acme', rowsOf(purchase('c1-v9', 'C1', '5')), 'api');
    await house.starter.regenerate('acme', cycleId);
    await house.drainBilling();
    const current = await stored(house, idOf('C1'));
    expect(current.revision).toBe(draft.revision + 1);
    // Act: a request that read the old revision renders its preview after the regeneration
    const pdf = await (house.invoicing as unknown as { draftPdf: (a: string, s: typeof draft) => Promise<Buffer> }).draftPdf('acme', draft);
    // Assess
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdfsOf(house, idOf('C1'))).toEqual([]);
    await house.invoicing.document('acme', idOf('C1'), 'pdf');
    expect(pdfsOf(house, idOf('C1'))).toEqual([current.documents.pdf]);
  });

  test('a cycle writes no CSV either: the first request renders it from the rows and the rules as drafted, the same bytes after approval and after a rule change', async () => {
    // Prepare
    const { house } = await drafted();
    const draft = await stored(house, idOf('C1'));
    expect(await house.files.get(draft.documents.csv)).toBeNull();
    expect(draft.specRules).toBeDefined();
    // Act
    const first = await house.invoicing.document('acme', idOf('C1'), 'csv');
    // Assess: the itemised rows, kept at the revision's key and read from there afterwards
    const text = first.content.toString('utf8');
    expect(first.contentType).toBe('text/csv; charset=utf-8');
    expect(text.split('\n')[0]).toMatch(/^reference,/);
    for (const reference of C1_PURCHASES) expect(text).toContain(`${reference},`);
    expect((await house.files.get(draft.documents.csv))?.equals(first.content)).toBe(true);
    // the rules as drafted, not as they are now: voice priced on the period's sum since (a per-purchase CSV
    // row shows its amount, a period row leaves it empty) changes nothing in this CSV
    expect(text).toContain('c1-v1,2026-10-10,,voice-min,voice,C1,7,,0.3059,EUR,');
    await house.files.delete([draft.documents.csv]);
    const voice = (await house.rules.getPriceRule('acme', 'voice-eur'))!;
    expect(await house.rules.savePriceRule('acme', { ...voice, scope: 'period' }, await house.rules.version('acme'))).toBe(true);
    await house.invoicing.approve('acme', idOf('C1'));
    const after = await house.invoicing.document('acme', idOf('C1'), 'csv');
    expect(after.content.toString('utf8')).toBe(text);
  });

  test('an approved invoice whose PDF is missing is 404, not re-rendered', async () => {
    // Prepare
    const { house } = await drafted();
    const approved = await house.invoicing.approve('acme', idOf('C1'));
    const record = await stored(house, approved.id);
    await house.files.delete([record.documents.pdf]);
    // Act
    const reading = house.invoicing.document('acme', idOf('C1'), 'pdf');
    // Assess
    await expect(reading).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
