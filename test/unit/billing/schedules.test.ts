import { CycleStarter } from '../../../shared/billing/use-cases/cycles';
import { ScheduleService } from '../../../shared/billing/use-cases/schedules';
import type { BillingBus, BillingMessage, BillingSchedule, CycleRecord, CycleStore, ScheduleStore } from '../../../shared/billing/ports';
import type { CustomerRecord } from '../../../shared/catalog/ports';

/** In-memory stores: just enough of the ports for the scheduler's decisions. */
class MemorySchedules implements ScheduleStore {
  readonly schedules = new Map<string, BillingSchedule>();
  async get(accountId: string) {
    return this.schedules.get(accountId) ?? null;
  }
  async put(accountId: string, schedule: BillingSchedule, previous: BillingSchedule | null) {
    if ((this.schedules.get(accountId)?.updatedAt ?? null) !== (previous?.updatedAt ?? null)) return false;
    this.schedules.set(accountId, schedule);
    return true;
  }
  async delete(accountId: string) {
    return this.schedules.delete(accountId);
  }
  async *accountsOnDay(day: number) {
    yield [...this.schedules].filter(([, s]) => s.dayOfMonth === day).map(([a]) => a);
  }
}

class MemoryCycles implements Pick<CycleStore, 'create'> {
  readonly cycles = new Map<string, CycleRecord>();
  async create(cycle: CycleRecord) {
    const existing = this.cycles.get(`${cycle.accountId}/${cycle.id}`);
    if (existing) return { created: false, cycle: existing };
    this.cycles.set(`${cycle.accountId}/${cycle.id}`, cycle);
    return { created: true, cycle };
  }
}

/** Customers by account, as the catalog lists them (a page of everything). */
class MemoryCustomers {
  constructor(private readonly byAccount: Record<string, { billingDay: number; billingDays?: { from: string | null; billingDay: number }[] }[]>) {}
  async listCustomers(accountId: string) {
    const items = (this.byAccount[accountId] ?? []).map((c, i) => ({ code: `c${i}`, ...c }));
    return { items: items as unknown as CustomerRecord[], next: null };
  }
}

function setup(customers?: MemoryCustomers) {
  const schedules = new MemorySchedules();
  const cycles = new MemoryCycles();
  const sent: BillingMessage[] = [];
  const bus: BillingBus = { send: async (messages) => void sent.push(...messages) };
  const now = () => new Date('2026-11-15T01:00:00Z');
  const service = new ScheduleService(schedules, new CycleStarter(cycles as unknown as CycleStore, bus, now), now, customers);
  return { schedules, cycles, sent, service };
}

describe('billing schedule', () => {
  test('the daily run starts the month that ended today for the accounts billed today, once', async () => {
    // Prepare
    const { service, sent, cycles } = setup();
    await service.put('a1', { dayOfMonth: 15 });
    await service.put('a2', { dayOfMonth: 15 });
    await service.put('a3', { dayOfMonth: 1 });
    // Act
    const first = await service.runDay(new Date('2026-11-15T01:00:00Z'));
    const retried = await service.runDay(new Date('2026-11-15T01:00:07Z'));
    // Assess
    expect(first).toEqual({ day: 15, periodStart: '2026-10-15', periodEnd: '2026-11-15', started: 2, existing: 0 });
    expect(retried).toMatchObject({ started: 0, existing: 2 });
    expect([...cycles.cycles.values()].map((c) => [c.accountId, c.periodStart, c.periodEnd]).sort()).toEqual([
      ['a1', '2026-10-15', '2026-11-15'],
      ['a2', '2026-10-15', '2026-11-15'],
    ]);
    expect(sent.map((m) => m.type)).toEqual(['cycle-start', 'cycle-start']);
  });

  test('days 29 to 31 start nothing (billing days are 1 to 28)', async () => {
    const { service, sent } = setup();
    await service.put('a1', { dayOfMonth: 28 });
    expect(await service.runDay(new Date('2026-10-31T01:00:00Z'))).toMatchObject({ started: 0, existing: 0 });
    expect(sent).toEqual([]);
  });

  test('a schedule is a day from 1 to 28; PUT reports whether it was created', async () => {
    const { service } = setup();
    expect(await service.put('a1', { dayOfMonth: 3 })).toMatchObject({ created: true, schedule: { dayOfMonth: 3 } });
    expect(await service.put('a1', { dayOfMonth: 4 })).toMatchObject({ created: false, schedule: { dayOfMonth: 4 } });
    await expect(service.put('a1', { dayOfMonth: 0 })).rejects.toMatchObject({
      kind: 'invalid',
      details: ['dayOfMonth: must be from 1 to 28'],
    });
    await expect(service.put('a1', { dayOfMonth: 'monthly' })).rejects.toMatchObject({
      kind: 'invalid',
      details: ["dayOfMonth: must be a whole number from 1 to 28, or 'customers'"],
    });
    expect(await service.put('a1', { dayOfMonth: 'customers' })).toMatchObject({ created: false, schedule: { dayOfMonth: 'customers' } });
    await expect(service.put('a1', { dayOfMonth: 2.5 })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(service.put('a1', { dayOfMonth: 5, extra: 1 })).rejects.toMatchObject({ kind: 'invalid' });
  });

  test("'customers': the daily run starts an account's cycle only on days one of its customers' billing periods ends", async () => {
    const customers = new MemoryCustomers({
      a1: [{ billingDay: 1 }, { billingDay: 15 }],
      // billing day 10 until 20 November, then 20: a stub [10 Nov, 20 Nov) ends on the 20th
      a2: [
        {
          billingDay: 10,
          billingDays: [
            { from: null, billingDay: 10 },
            { from: '2026-11-20', billingDay: 20 },
          ],
        },
      ],
    });
    const { service, cycles } = setup(customers);
    await service.put('a1', { dayOfMonth: 'customers' });
    await service.put('a2', { dayOfMonth: 'customers' });
    const days = ['2026-11-01', '2026-11-10', '2026-11-15', '2026-11-16', '2026-11-20', '2026-12-10', '2026-12-20'];
    const started = [];
    for (const day of days) started.push([day, (await service.runDay(new Date(`${day}T01:00:00Z`))).started]);
    expect(started).toEqual([
      ['2026-11-01', 1],
      ['2026-11-10', 1],
      ['2026-11-15', 1],
      ['2026-11-16', 0],
      ['2026-11-20', 1],
      ['2026-12-10', 0],
      ['2026-12-20', 1],
    ]);
    expect([...cycles.cycles.values()].map((c) => [c.accountId, c.periodStart, c.periodEnd])).toEqual([
      ['a1', '2026-10-01', '2026-11-01'],
      ['a2', '2026-10-10', '2026-11-10'],
      ['a1', '2026-10-15', '2026-11-15'],
      ['a2', '2026-10-20', '2026-11-20'],
      ['a2', '2026-11-20', '2026-12-20'],
    ]);
  });
});
