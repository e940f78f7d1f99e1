import { Cron } from 'croner';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { Resolver } from './intrinsics';
import { LOCAL_ACCOUNT, LOCAL_REGION, props, resourcesOfType, type CfnTemplate } from './template';

export interface LocalSchedule {
  readonly logicalId: string;
  readonly expression: string;
  readonly timezone: string;
  readonly functionId: string;
  /** Builds the event of one firing. */
  readonly payload: (at: Date) => unknown;
}

/** EventBridge rules with a ScheduleExpression, and EventBridge Scheduler schedules, that target a function. */
export function readSchedules(
  template: CfnTemplate,
  resolver: Resolver,
  functionByArn: ReadonlyMap<string, string>,
  log: (line: string) => void,
): LocalSchedule[] {
  const schedules: LocalSchedule[] = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const p = props(resource);
    if (!p.ScheduleExpression || (p.State !== undefined && p.State !== 'ENABLED')) continue;
    const expression = resolver.resolveString(p.ScheduleExpression, `${id}.ScheduleExpression`);
    const ruleArn = resolver.resolveString({ 'Fn::GetAtt': [id, 'Arn'] }, id);
    for (const [i, target] of ((p.Targets as Array<Record<string, unknown>> | undefined) ?? []).entries()) {
      const arn = resolver.resolveString(target.Arn, `${id}.Targets[${i}].Arn`);
      const functionId = functionByArn.get(arn);
      if (!functionId) {
        log(`${id}: target ${arn} is not a local function; skipped`);
        continue;
      }
      if (target.InputPath || target.InputTransformer) throw new Error(`${id}: InputPath/InputTransformer are not supported locally`);
      const input = target.Input === undefined ? undefined : JSON.parse(resolver.resolveString(target.Input, `${id}.Targets[${i}].Input`));
      schedules.push({
        logicalId: id,
        expression,
        timezone: 'UTC',
        functionId,
        payload: (at) =>
          input ?? {
            version: '0',
            id: randomUUID(),
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account: LOCAL_ACCOUNT,
            time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
            region: LOCAL_REGION,
            resources: [ruleArn],
            detail: {},
          },
      });
    }
  }
  for (const [id, resource] of resourcesOfType(template, 'AWS::Scheduler::Schedule')) {
    const p = props(resource);
    if (p.State !== undefined && p.State !== 'ENABLED') continue;
    const target = p.Target as Record<string, unknown>;
    const arn = resolver.resolveString(target.Arn, `${id}.Target.Arn`);
    const functionId = functionByArn.get(arn);
    if (!functionId) {
      log(`${id}: target ${arn} is not a local function; skipped`);
      continue;
    }
    const input = target.Input === undefined ? {} : JSON.parse(resolver.resolveString(target.Input, `${id}.Target.Input`));
    schedules.push({
      logicalId: id,
      expression: resolver.resolveString(p.ScheduleExpression, `${id}.ScheduleExpression`),
      timezone: p.ScheduleExpressionTimezone ? resolver.resolveString(p.ScheduleExpressionTimezone, id) : 'UTC',
      functionId,
      payload: () => input,
    });
  }
  return schedules;
}

const RATE_UNITS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** The interval of a `rate(n unit)` expression in ms (`rate(1 minute)`, `rate(5 minutes)`, …), or null for cron/at. */
export function rateMs(expression: string): number | null {
  const rate = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!rate) return null;
  const ms = Number(rate[1]) * RATE_UNITS[rate[2]!]!;
  if (!(ms > 0)) throw new Error(`invalid schedule ${expression}`);
  return ms;
}

/**
 * Whether a schedule fires once right after a start. A `rate(...)` schedule always does: on AWS its phase is
 * not ours to know, and what it runs is a sweep (the reconciler, the ingest recovery) that must look at work
 * a crash cut short at once, not up to an interval later. A cron schedule does when one of its times passed
 * between its last firing (`last`, from the state file) and `now`, i.e. while the stack was down (a daily
 * rule missed overnight runs at boot); `at(...)` never (it fired or will fire by its own timer).
 */
export function dueAtStart(expression: string, timezone: string, last: Date | null, now: Date): boolean {
  if (rateMs(expression) !== null) return true;
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron || last === null) return false;
  const { pattern, years } = awsCronToCroner(cron[1]!);
  const next = new Cron(pattern, { timezone, legacyMode: true, paused: true }).nextRun(last);
  return next !== null && next.getTime() <= now.getTime() && (!years || years(next.getUTCFullYear()));
}

export interface ScheduleRunnerOptions {
  /** JSON file remembering each schedule's last firing (e.g. `<dataDir>/schedules.json`), so a restart catches up. */
  readonly stateFile: string;
  /** Fires one schedule (an asynchronous invocation of its function). */
  readonly fire: (schedule: LocalSchedule, at: Date) => void;
  readonly log: (line: string) => void;
  /** Catch-up firings wait this long after start (default 3 s), so that the stack is listening first. */
  readonly bootDelayMs?: number;
  /**
   * Every `rate(...)` schedule fires this often instead (seconds). Tests use it to see a once-a-minute
   * function at work in seconds; default `$BILLSTREAM_LOCAL_RATE_SECONDS`, unset: the template's rate.
   */
  readonly rateSeconds?: number;
}

/**
 * Starts every schedule, and fires once, shortly after start, each one `dueAtStart`: every rate schedule
 * (a reconciler on `rate(1 minute)` runs right after a crash and restart, not a minute later) and each cron
 * schedule that EventBridge would have fired while the stack was down. Each firing is recorded in `stateFile`.
 */
export function startSchedules(schedules: readonly LocalSchedule[], opts: ScheduleRunnerOptions): Timer {
  const state = readState(opts.stateFile);
  const record = (schedule: LocalSchedule, at: Date) => {
    state[schedule.logicalId] = at.toISOString();
    try {
      fs.writeFileSync(opts.stateFile, `${JSON.stringify(state, null, 2)}\n`);
    } catch (error) {
      opts.log(`schedules: could not record a firing in ${opts.stateFile}: ${(error as Error).message}`);
    }
  };
  const fire = (schedule: LocalSchedule, at: Date) => {
    record(schedule, at);
    opts.fire(schedule, at);
  };
  const envRate = Number(process.env.BILLSTREAM_LOCAL_RATE_SECONDS);
  const rateSeconds = opts.rateSeconds ?? (Number.isFinite(envRate) && envRate > 0 ? envRate : undefined);
  const timers = schedules.map((schedule) => {
    const expression = rateSeconds !== undefined && rateMs(schedule.expression) !== null ? `every ${rateSeconds} s` : schedule.expression;
    if (expression !== schedule.expression) {
      const interval = setInterval(() => fire(schedule, new Date()), rateSeconds! * 1000);
      interval.unref();
      return { stop: () => clearInterval(interval) };
    }
    return startSchedule(schedule.expression, schedule.timezone, (at) => fire(schedule, at));
  });
  const now = new Date();
  const due = schedules.filter((s) => {
    const last = state[s.logicalId] ? new Date(state[s.logicalId]!) : null;
    return dueAtStart(s.expression, s.timezone, last && !Number.isNaN(last.getTime()) ? last : null, now);
  });
  const boot = setTimeout(() => {
    for (const schedule of due) {
      opts.log(`${schedule.logicalId}: fired once after start`);
      fire(schedule, new Date());
    }
  }, opts.bootDelayMs ?? 3000);
  boot.unref();
  return {
    stop: () => {
      clearTimeout(boot);
      for (const t of timers) t.stop();
    },
  };
}

function readState(file: string): Record<string, string> {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** A started schedule; `stop()` cancels it. */
export interface Timer {
  stop(): void;
}

/**
 * Starts one schedule: `rate(n unit)` fires every n units from now on (like a new rule), `cron(...)` (AWS's
 * six fields) through croner, `at(...)` once.
 */
export function startSchedule(expression: string, timezone: string, fire: (at: Date) => void): Timer {
  const ms = rateMs(expression);
  if (ms !== null) {
    const interval = setInterval(() => fire(new Date()), ms);
    interval.unref();
    return { stop: () => clearInterval(interval) };
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (cron) {
    const { pattern, years } = awsCronToCroner(cron[1]!);
    const job = new Cron(pattern, { timezone, unref: true, legacyMode: true }, () => {
      const now = new Date();
      if (!years || years(now.getUTCFullYear())) fire(now);
    });
    return { stop: () => job.stop() };
  }
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression.trim());
  if (at) {
    const job = new Cron(new Date(`${at[1]}Z`), { timezone, unref: true }, () => fire(new Date()));
    return { stop: () => job.stop() };
  }
  throw new Error(`schedule expression ${expression} is not supported locally (rate, cron or at)`);
}

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * AWS cron: `minutes hours day-of-month month day-of-week year`, day-of-week 1-7 = SUN-SAT, `?` for "any".
 * croner: seconds first, day-of-week 0-6 = SUN-SAT, no year (filtered when firing).
 */
export function awsCronToCroner(fields: string): { pattern: string; years?: (year: number) => boolean } {
  const parts = fields.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`cron(${fields}): AWS cron expressions have six fields`);
  const [minute, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if (/W/.test(dom)) throw new Error(`cron(${fields}): 'W' (nearest weekday) is not supported locally`);
  const dayOfMonth = dom === '?' ? '*' : dom;
  const dayOfWeek =
    dow === '?' || dow === '*'
      ? '*'
      : dow
          .toUpperCase()
          .replace(/(\d)L/g, (_m, d: string) => `${DAY_NAMES[Number(d) - 1]}#L`)
          .replace(/\d+/g, (d, offset: number, whole: string) =>
            whole[offset - 1] === '#' || whole[offset - 1] === '/' ? d : (DAY_NAMES[Number(d) - 1] ?? d),
          );
  let years: ((year: number) => boolean) | undefined;
  if (year !== '*' && year !== '?') {
    const allowed = new Set<number>();
    for (const part of year.split(',')) {
      const [range, step] = part.split('/');
      const [from, to] = range === '*' ? [1970, 2199] : range!.split('-').map(Number);
      for (let y = from!; y <= (to ?? (step ? 2199 : from!)); y += Number(step ?? 1)) allowed.add(y);
    }
    years = (y) => allowed.has(y);
  }
  return { pattern: `0 ${minute} ${hour} ${dayOfMonth} ${month} ${dayOfWeek}`, years };
}
