import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dueAtStart, rateMs, startSchedules, type LocalSchedule } from '../../../infra/local/schedules';

const at = (iso: string) => new Date(iso);

describe('local schedules: rates, and what fires once after a start', () => {
  test('rate() in minutes, hours and days, singular or plural (CDK renders one minute as "rate(1 minute)")', () => {
    expect(rateMs('rate(1 minute)')).toBe(60_000);
    expect(rateMs('rate(5 minutes)')).toBe(300_000);
    expect(rateMs('rate(2 hours)')).toBe(7_200_000);
    expect(rateMs('rate(1 day)')).toBe(86_400_000);
    expect(rateMs('cron(0 1 * * ? *)')).toBeNull();
  });

  test('a rate schedule (a sweep) fires at every start, whenever it last fired', () => {
    expect(dueAtStart('rate(1 minute)', 'UTC', null, at('2026-11-02T10:00:00Z'))).toBe(true);
    expect(dueAtStart('rate(1 minute)', 'UTC', at('2026-11-02T09:59:57Z'), at('2026-11-02T10:00:00Z'))).toBe(true);
    expect(dueAtStart('rate(1 day)', 'UTC', at('2026-11-02T09:58:00Z'), at('2026-11-02T10:00:00Z'))).toBe(true);
  });

  test('a cron schedule is due only when one of its times passed since its last firing', () => {
    const daily = 'cron(0 1 * * ? *)';
    expect(dueAtStart(daily, 'UTC', at('2026-11-01T01:00:00Z'), at('2026-11-02T00:30:00Z'))).toBe(false);
    expect(dueAtStart(daily, 'UTC', at('2026-11-01T01:00:00Z'), at('2026-11-02T01:30:00Z'))).toBe(true);
    expect(dueAtStart(daily, 'UTC', null, at('2026-11-02T01:30:00Z'))).toBe(false); // never fired here: nothing to catch up
    expect(dueAtStart('at(2026-11-02T00:00:00)', 'UTC', null, at('2026-11-02T01:30:00Z'))).toBe(false);
  });

  test('after start, every rate schedule and each missed cron schedule fires once (and is recorded); the others wait for their time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-schedules-'));
    const stateFile = path.join(dir, 'schedules.json');
    const recent = new Date(Date.now() - 10_000).toISOString();
    const lastNight = new Date(Date.now() - 26 * 3_600_000).toISOString();
    fs.writeFileSync(
      stateFile,
      JSON.stringify({ Fresh: recent, Stale: new Date(Date.now() - 120_000).toISOString(), Missed: lastNight, Daily: recent }),
    );
    const schedule = (logicalId: string, expression: string): LocalSchedule => ({
      logicalId,
      expression,
      timezone: 'UTC',
      functionId: `${logicalId}Fn`,
      payload: () => ({}),
    });
    const fired: string[] = [];
    const timer = startSchedules(
      [
        schedule('Fresh', 'rate(1 minute)'),
        schedule('Stale', 'rate(1 minute)'),
        schedule('Never', 'rate(5 minutes)'),
        schedule('Daily', 'cron(0 1 * * ? *)'),
        schedule('Missed', 'cron(0 1 * * ? *)'),
      ],
      {
        stateFile,
        fire: (s) => fired.push(s.logicalId),
        log: () => undefined,
        bootDelayMs: 10,
      },
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fired.sort()).toEqual(['Fresh', 'Missed', 'Never', 'Stale']);
      const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Record<string, string>;
      expect(state.Daily).toBe(recent);
      expect(Date.now() - Date.parse(state.Fresh!)).toBeLessThan(5_000);
      expect(Date.now() - Date.parse(state.Stale!)).toBeLessThan(5_000);
      expect(Date.now() - Date.parse(state.Never!)).toBeLessThan(5_000);
    } finally {
      timer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rateSeconds (BILLSTREAM_LOCAL_RATE_SECONDS) makes every rate schedule fire that often, for tests', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-schedules-'));
    const fired: string[] = [];
    const timer = startSchedules([{ logicalId: 'Minutely', expression: 'rate(1 minute)', timezone: 'UTC', functionId: 'F', payload: () => ({}) }], {
      stateFile: path.join(dir, 'schedules.json'),
      fire: (s) => fired.push(s.logicalId),
      log: () => undefined,
      bootDelayMs: 60_000,
      rateSeconds: 0.05,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(fired.length).toBeGreaterThanOrEqual(3);
    } finally {
      timer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
