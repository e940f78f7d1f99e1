import { PayerMoves } from '../../../shared/billing/use-cases/payer-moves';
import { payerMoves } from '../../../shared/catalog/use-cases/customer-records';
import { invoiceId } from '../../../shared/kernel/periods';
import { customer, memoryHouse, OCTOBER, purchase, rowsOf, seedCatalog } from '../../support/house';

const idOf = (code: string) => invoiceId('acme', OCTOBER, code, 'EUR');

describe('payerMoves: the writes that change who a customer is invoiced to', () => {
  test('only a change of the parent its charges go to counts', () => {
    const k = customer('K', { parent: 'P', invoicing: 'parent' });
    expect(payerMoves([{ previous: k, record: { ...k, invoicing: 'self' } }])).toEqual([
      { code: 'K', previous: { parent: 'P', invoicing: 'parent' } },
    ]);
    expect(payerMoves([{ previous: k, record: { ...k, parent: 'Q' } }])).toEqual([{ code: 'K', previous: { parent: 'P', invoicing: 'parent' } }]);
    const self = customer('S', { parent: 'P' });
    expect(payerMoves([{ previous: self, record: { ...self, invoicing: 'parent' } }])).toEqual([
      { code: 'S', previous: { parent: 'P', invoicing: 'self' } },
    ]);
    // a self-invoicing customer's new parent, a new customer, a rename: nobody else pays
    expect(payerMoves([{ previous: self, record: { ...self, parent: 'Q' } }])).toEqual([]);
    expect(payerMoves([{ previous: null, record: k }])).toEqual([]);
    expect(payerMoves([{ previous: k, record: { ...k, name: 'renamed' } }])).toEqual([]);
  });
});

describe('PayerMoves: the cycles of the drafts a payer-link change concerns are regenerated', () => {
  test("a child off its parent: the parent's draft loses its section and the child gets its own", async () => {
    const house = memoryHouse();
    await seedCatalog(house);
    await house.catalog.putCustomer('acme', customer('K1', { parent: 'C1', invoicing: 'parent' }));
    await house.ingest.accept('acme', rowsOf(purchase('c1-v1', 'C1', '7'), purchase('k1-v1', 'K1', '20'), purchase('c2-v1', 'C2', '10')), 'api');
    const { cycle } = await house.starter.start('acme', OCTOBER);
    await house.drainBilling();
    expect((await house.invoices.get('acme', idOf('C1')))!.record.lines.map((l) => l.customer ?? null)).toEqual([null, 'K1']);

    await house.catalog.putCustomer('acme', customer('K1', { parent: 'C1', invoicing: 'self' }));
    const moves = new PayerMoves({ catalog: house.catalog, invoices: house.invoices, bus: house.billingBus });
    await moves.notice('acme', [{ code: 'K1', previous: { parent: 'C1', invoicing: 'parent' } }]);
    // one regeneration of October's cycle (C1's draft is in it); C2 was not asked about
    expect(house.billingBus.pending.map((p) => p.message)).toEqual([expect.objectContaining({ type: 'cycle-late', cycleId: cycle.id })]);
    await house.drainBilling();
    expect((await house.invoices.get('acme', idOf('C1')))!.record.lines.map((l) => l.customer ?? null)).toEqual([null]);
    expect((await house.invoices.get('acme', idOf('K1')))!.record.status).toBe('draft');
    expect(await house.ingest.get('acme', 'k1-v1')).toMatchObject({ status: 'invoiced', invoice: idOf('K1') });
  });

  test('no open draft of the former payer or the customer: nothing to regenerate', async () => {
    const house = memoryHouse();
    await seedCatalog(house);
    const moves = new PayerMoves({ catalog: house.catalog, invoices: house.invoices, bus: house.billingBus });
    await moves.notice('acme', [{ code: 'K9', previous: { parent: 'C1', invoicing: 'parent' } }]);
    expect(house.billingBus.pending).toEqual([]);
  });
});
