import { CycleStarter } from '../../../shared/billing/use-cases/cycles';
import { ScheduleService } from '../../../shared/billing/use-cases/schedules';
import type { BillingBus, BillingMessage, BillingSchedule, CycleRecord, CycleStore, ScheduleStore } from '../../../shared/billing/ports';

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

function setup() {
  const schedules = new MemorySchedules();
  const cycles = new MemoryCycles();
  const sent: BillingMessage[] = [];
  const bus: BillingBus = { send: async (messages) => void sent.push(...messages) };
  const now = () => new Date('2026-11-15T01:00:00Z');
  const service = new ScheduleService(schedules, new CycleStarter(cycles as unknown as CycleStore, bus, now), now);
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
    await expect(service.put('a1', { dayOfMonth: 0 })).rejects.toMatchObject({ kind: 'invalid', details: ['dayOfMonth: must be from 1 to 28'] });
    await expect(service.put('a1', { dayOfMonth: 2.5 })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(service.put('a1', { dayOfMonth: 5, extra: 1 })).rejects.toMatchObject({ kind: 'invalid' });
  });
});
