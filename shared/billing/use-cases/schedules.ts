import { ConflictError, NotFoundError } from '../../kernel/errors';
import { scheduledPeriod } from '../../kernel/periods';
import { parseInput } from '../../kernel/validation';
import { logger } from '../../kernel/logger';
import type { BillingSchedule, ScheduleStore } from '../ports';
import { mapLimit } from '../../kernel/concurrency';
import type { CycleStarter } from './cycles';
import { scheduleSchema } from '../domain/requests';
import { historyOf } from '../../catalog/domain/billing-days';
import type { CatalogStore } from '../../catalog/ports';
import { customerPeriodEndingOn } from '../../kernel/proration';

const SAVE_ATTEMPTS = 3;

/**
 * An account's monthly billing day. No AWS schedule per account: one daily rule runs `runDay`, which
 * reads the accounts of that day of the month from their index partition and starts their cycles for
 * the month that ended that day (idempotent by cycle id, so a retried run starts nothing twice). An
 * account scheduled on `'customers'` is run every day on which one of its customers' billing periods ends.
 */
export class ScheduleService {
  private readonly now: () => Date;

  constructor(
    private readonly schedules: ScheduleStore,
    private readonly starter: CycleStarter,
    now?: () => Date,
    /** The customers of accounts scheduled on their customers' billing days; without it those accounts are not run. */
    private readonly customers?: Pick<CatalogStore, 'listCustomers'>,
  ) {
    this.now = now ?? (() => new Date());
  }

  async put(accountId: string, body: unknown): Promise<{ created: boolean; schedule: BillingSchedule }> {
    const { dayOfMonth } = parseInput(scheduleSchema, body);
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const previous = await this.schedules.get(accountId);
      const schedule = { dayOfMonth, updatedAt: this.now().toISOString() };
      if (await this.schedules.put(accountId, schedule, previous)) return { created: previous === null, schedule };
    }
    throw new ConflictError('concurrent_change', 'the billing schedule kept changing while it was saved; try again');
  }

  async get(accountId: string): Promise<BillingSchedule> {
    const schedule = await this.schedules.get(accountId);
    if (!schedule) throw new NotFoundError('this account has no billing schedule');
    return schedule;
  }

  async delete(accountId: string): Promise<void> {
    const schedule = await this.get(accountId);
    if (!(await this.schedules.delete(accountId, schedule)))
      throw new ConflictError('concurrent_change', 'the billing schedule changed meanwhile; try again');
  }

  /** Starts the cycles due on the (UTC) day of `at`. */
  async runDay(at: Date): Promise<{ day: number; periodStart: string; periodEnd: string; started: number; existing: number }> {
    const day = at.getUTCDate();
    // Billing days are 1 to 28, so the 29th to 31st start nothing.
    const period = scheduledPeriod(at.toISOString(), Math.min(day, 28));
    let started = 0;
    let existing = 0;
    let failed = 0;
    if (day <= 28) {
      for await (const accounts of this.accountsDue(day, period.end)) {
        await mapLimit(accounts, 8, async (accountId) => {
          try {
            const { created } = await this.starter.start(accountId, period);
            if (created) started += 1;
            else existing += 1;
          } catch (error) {
            // one account's failure must not keep the others from being billed
            failed += 1;
            logger.error('could not start a scheduled billing cycle', { accountId, error: error as Error });
          }
        });
      }
    }
    // Failing the invocation makes EventBridge retry it; accounts already started are found started.
    if (failed) throw new Error(`${failed} scheduled billing cycle(s) could not be started`);
    return { day, periodStart: period.start, periodEnd: period.end, started, existing };
  }

  /** The accounts billed on `day`, then those following their customers' billing days that have a period ending on `end`. */
  private async *accountsDue(day: number, end: string): AsyncIterable<string[]> {
    yield* this.schedules.accountsOnDay(day);
    if (!this.customers) return;
    for await (const accounts of this.schedules.accountsOnDay('customers')) {
      const due = await mapLimit(accounts, 8, async (accountId) => ((await periodEndsOn(this.customers!, accountId, end)) ? accountId : null));
      yield due.filter((a): a is string => a !== null);
    }
  }
}

/** Whether a billing period of one of the account's customers ends on `end` (reads customers until one does). */
export async function periodEndsOn(catalog: Pick<CatalogStore, 'listCustomers'>, accountId: string, end: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await catalog.listCustomers(accountId, { limit: 1000, ...(cursor ? { cursor } : {}) });
    if (page.items.some((c) => customerPeriodEndingOn(historyOf(c), end) !== null)) return true;
    cursor = page.next ?? undefined;
  } while (cursor);
  return false;
}
