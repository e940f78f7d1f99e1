import { changeBillingDay, historyOf, replacedBillingDays, setBillingDayFrom } from '../../shared/catalog/domain/billing-days';
import { CatalogService } from '../../shared/catalog/use-cases/catalog';
import type { CustomerInput } from '../../shared/catalog/domain/catalog';
import type { CustomerRecord } from '../../shared/catalog/ports';
import type { ReevaluationWork } from '../../shared/ingest/ports';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/kernel/errors';
import { type BillingDayHistory, customerPeriodContaining } from '../../shared/kernel/proration';
import { MemoryAccounts, MemoryCatalog } from '../support/memory-ports';

const day = (billingDay: number, ...changes: [string, number][]): BillingDayHistory => [
  { from: null, billingDay },
  ...changes.map(([from, d]) => ({ from, billingDay: d })),
];

function detailsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.details];
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('billing-day histories (catalog domain)', () => {
  test('by default a change applies from the end of the current period, leaving a stub up to the new day', () => {
    const history = changeBillingDay(day(1), { billingDay: 15 }, '2026-06-10');
    expect(history).toEqual(day(1, ['2026-07-01', 15]));
    expect(customerPeriodContaining(history, '2026-06-20')).toEqual({ start: '2026-06-01', end: '2026-07-01' });
    expect(customerPeriodContaining(history, '2026-07-05')).toEqual({ start: '2026-07-01', end: '2026-07-15' });
    expect(customerPeriodContaining(history, '2026-07-15')).toEqual({ start: '2026-07-15', end: '2026-08-15' });
  });

  test('an explicit date inside a period cuts it there; one before the current period is refused naming effectiveDate', () => {
    const history = changeBillingDay(day(1), { billingDay: 20, effectiveDate: '2026-06-10' }, '2026-06-05');
    expect(history).toEqual(day(1, ['2026-06-10', 20]));
    expect(customerPeriodContaining(history, '2026-06-05')).toEqual({ start: '2026-06-01', end: '2026-06-10' });
    expect(customerPeriodContaining(history, '2026-06-12')).toEqual({ start: '2026-06-10', end: '2026-06-20' });
    // the start of the current period itself is allowed
    expect(changeBillingDay(day(1), { billingDay: 5, effectiveDate: '2026-06-01' }, '2026-06-05')).toEqual(day(1, ['2026-06-01', 5]));
    expect(detailsOf(() => changeBillingDay(day(1), { billingDay: 5, effectiveDate: '2026-05-31' }, '2026-06-05'))).toEqual([
      expect.stringMatching(/^effectiveDate: must not be before the start of the current billing period \(2026-06-01\)/),
    ]);
  });

  test('the day in force is no change; the same date again replaces; later scheduled changes stay', () => {
    expect(changeBillingDay(day(1), { billingDay: 1 }, '2026-06-10')).toEqual(day(1));
    expect(changeBillingDay(day(1), { billingDay: 1, effectiveDate: '2026-06-20' }, '2026-06-10')).toEqual(day(1));
    const scheduled = day(1, ['2026-07-01', 15]);
    expect(changeBillingDay(scheduled, { billingDay: 20 }, '2026-06-10')).toEqual(day(1, ['2026-07-01', 20]));
    // back to the day before the scheduled change: the change is cancelled
    expect(changeBillingDay(scheduled, { billingDay: 1 }, '2026-06-10')).toEqual(day(1));
    expect(setBillingDayFrom(day(1, ['2026-09-01', 10]), 5, '2026-07-01')).toEqual(day(1, ['2026-07-01', 5], ['2026-09-01', 10]));
    // a later entry that now repeats the day before it only cut a period in two: dropped
    expect(setBillingDayFrom(day(1, ['2026-09-01', 10]), 10, '2026-07-01')).toEqual(day(1, ['2026-07-01', 10]));
  });

  test('two changes on different dates commute (neither is lost, whichever is written first)', () => {
    const a = (h: BillingDayHistory) => changeBillingDay(h, { billingDay: 10, effectiveDate: '2026-07-01' }, '2026-06-10');
    const b = (h: BillingDayHistory) => changeBillingDay(h, { billingDay: 20, effectiveDate: '2026-09-01' }, '2026-06-10');
    expect(a(b(day(1)))).toEqual(b(a(day(1))));
    expect(a(b(day(1)))).toEqual(day(1, ['2026-07-01', 10], ['2026-09-01', 20]));
  });

  test('a PUT with the day in force keeps the history; another day applies from the end of the current period', () => {
    const scheduled = day(1, ['2026-07-01', 15]);
    expect(replacedBillingDays(scheduled, 1, '2026-06-10')).toEqual(scheduled);
    expect(replacedBillingDays(scheduled, 15, '2026-06-10')).toEqual(scheduled);
    expect(replacedBillingDays(day(1), 8, '2026-06-10')).toEqual(day(1, ['2026-07-01', 8]));
    expect(replacedBillingDays(scheduled, 15, '2026-07-02')).toEqual(scheduled);
  });

  test('a record without a history has had its billing day since ever', () => {
    expect(historyOf({ billingDay: 7 })).toEqual(day(7));
    expect(historyOf({ billingDay: 7, billingDays: [...day(1, ['2026-07-01', 7])] })).toEqual(day(1, ['2026-07-01', 7]));
  });
});

describe('CatalogService billing days', () => {
  const input: CustomerInput = { name: 'One', cluster: 'all', currency: 'EUR', billingDay: 1, onHold: false, taxRate: null };

  function setup(today = '2026-06-10') {
    const catalog = new MemoryCatalog();
    const works: ReevaluationWork[][] = [];
    let now = new Date(`${today}T12:00:00Z`);
    const service = new CatalogService(
      catalog,
      new MemoryAccounts(),
      {
        start: async (_accountId: string, w: readonly ReevaluationWork[]) => {
          works.push([...w]);
          return [];
        },
      },
      () => now,
    );
    const setToday = (date: string) => {
      now = new Date(`${date}T12:00:00Z`);
    };
    return { catalog, service, works, setToday };
  }

  test('POST changes from the end of the period; GET shows the day in force today and the history; nothing is re-evaluated', async () => {
    const { catalog, service, works, setToday } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '2026-01-01T00:00:00Z' });
    await service.putCustomer('acme', 'C1', input);
    const changed = await service.changeBillingDay('acme', 'C1', { billingDay: 15 });
    expect(changed).toMatchObject({ code: 'C1', billingDay: 1, billingDays: day(1, ['2026-07-01', 15]) });
    expect(changed).not.toHaveProperty('version');
    expect((await catalog.getCustomer('acme', 'C1'))?.version).toBe(2);
    setToday('2026-07-20');
    expect(await service.getCustomer('acme', 'C1')).toMatchObject({ billingDay: 15, billingDays: day(1, ['2026-07-01', 15]) });
    expect((await service.listCustomers('acme', { limit: 10 })).items[0]).toMatchObject({ billingDay: 15 });
    expect(works).toEqual([[{ kind: 'remap', waitingFor: { customer: 'C1' } }]]);
  });

  test('the same day again writes nothing; an unknown customer is not found', async () => {
    const { catalog, service } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '2026-01-01T00:00:00Z' });
    await service.putCustomer('acme', 'C1', input);
    const before = await catalog.getCustomer('acme', 'C1');
    expect(await service.changeBillingDay('acme', 'C1', { billingDay: 1 })).toMatchObject({ billingDays: day(1) });
    expect(await catalog.getCustomer('acme', 'C1')).toEqual(before);
    await expect(service.changeBillingDay('acme', 'C9', { billingDay: 3 })).rejects.toThrow(NotFoundError);
    await expect(service.changeBillingDay('other', 'C1', { billingDay: 3 })).rejects.toThrow(NotFoundError);
  });

  test('a PUT keeps the history: the day in force is no change, another day is scheduled for the next period', async () => {
    const { catalog, service, works } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '2026-01-01T00:00:00Z' });
    await service.putCustomer('acme', 'C1', input);
    await service.changeBillingDay('acme', 'C1', { billingDay: 20, effectiveDate: '2026-09-01' });
    const renamed = await service.putCustomer('acme', 'C1', { ...input, name: 'One Ltd' });
    expect(renamed).toMatchObject({ created: false, record: { name: 'One Ltd', billingDay: 1, billingDays: day(1, ['2026-09-01', 20]) } });
    const moved = await service.putCustomer('acme', 'C1', { ...input, billingDay: 8 });
    expect(moved.record).toMatchObject({ billingDay: 1, billingDays: day(1, ['2026-07-01', 8], ['2026-09-01', 20]) });
    expect(works).toHaveLength(1); // only the create's remap: names and billing days decide no price
  });

  test('a change that loses the race is written again on the fresh read, so neither is lost', async () => {
    const { catalog, service } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '2026-01-01T00:00:00Z' });
    await service.putCustomer('acme', 'C1', input);
    const save = catalog.saveCustomer.bind(catalog);
    let interfered = false;
    catalog.saveCustomer = async (accountId: string, customer: CustomerRecord, expected: number | null) => {
      if (!interfered) {
        interfered = true; // another request writes its change between this one's read and write
        await service.changeBillingDay('acme', 'C1', { billingDay: 10, effectiveDate: '2026-08-01' });
      }
      return save(accountId, customer, expected);
    };
    const result = await service.changeBillingDay('acme', 'C1', { billingDay: 20, effectiveDate: '2026-09-01' });
    expect(result.billingDays).toEqual(day(1, ['2026-08-01', 10], ['2026-09-01', 20]));
    expect((await catalog.getCustomer('acme', 'C1'))?.version).toBe(3);
  });

  test('a customer that never stops changing is a 409 customer_busy, not a lost write', async () => {
    const { catalog, service } = setup();
    await catalog.putCustomerCluster('acme', { id: 'all', name: 'All', parent: null, updatedAt: '2026-01-01T00:00:00Z' });
    await service.putCustomer('acme', 'C1', input);
    catalog.saveCustomer = async () => false;
    await expect(service.changeBillingDay('acme', 'C1', { billingDay: 3 })).rejects.toThrow(ConflictError);
  });

  test('records written before histories and versions are read and changed', async () => {
    const { catalog, service } = setup();
    const legacy: CustomerRecord = {
      code: 'OLD',
      name: 'Old',
      cluster: 'all',
      currency: 'EUR',
      partnerAccount: null,
      billingDay: 5,
      onHold: false,
      taxRate: null,
      country: null,
      updatedAt: '2025-01-01T00:00:00Z',
    };
    await catalog.putCustomer('acme', legacy);
    expect(await service.getCustomer('acme', 'OLD')).toMatchObject({ billingDay: 5, billingDays: day(5) });
    const changed = await service.changeBillingDay('acme', 'OLD', { billingDay: 12 });
    expect(changed.billingDays).toEqual(day(5, ['2026-07-05', 12]));
    expect((await catalog.getCustomer('acme', 'OLD'))?.version).toBe(1);
  });
});
