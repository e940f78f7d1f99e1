import { DynamoAccountBudget, accountLimits } from '../../shared/platform/adapters/dynamo/budget';
import { throttled, throttleWith } from '../../shared/edge/throttle';
import { startDynamoTable, type DynamoTable } from './dynamo-table';

/**
 * The per-account request budget on a real DynamoDB Local (docs/api.md "Throttling"): counters shared by every
 * container, a window spent by one account leaves the others untouched, and the edge answers 429 with the
 * window as Retry-After.
 */
describe('account request budget (DynamoDB counter per account and window)', () => {
  let db: DynamoTable;
  beforeAll(async () => {
    db = await startDynamoTable('budget');
  });
  afterAll(async () => {
    throttleWith(null);
    await db?.stop();
  });

  test('concurrent requests of two containers share one budget; another account keeps its own; the next window opens again', async () => {
    const limits = { rate: 5, burst: 10 }; // windows of 2 s, 10 + 5 × 2 = 20 requests each
    const one = new DynamoAccountBudget(db.doc, db.table, limits);
    const two = new DynamoAccountBudget(db.doc, db.table, limits);
    const at = new Date('2026-12-02T10:00:00.500Z');
    const taken = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).take('busy', at)));
    expect(taken.filter(Boolean)).toHaveLength(20);
    expect(await one.take('quiet', at)).toBe(true);
    expect(await two.take('busy', new Date('2026-12-02T10:00:01.900Z'))).toBe(false); // same window
    expect(await two.take('busy', new Date('2026-12-02T10:00:02.000Z'))).toBe(true); // the next one
    expect(one.windowSeconds).toBe(2);
  });

  test('the edge: an account key over budget is ThrottledError (429, Retry-After); the platform key is not throttled', async () => {
    throttleWith(new DynamoAccountBudget(db.doc, db.table, { rate: 1, burst: 2 })); // 2 s windows of 2 + 1 × 2 = 4
    const now = () => new Date('2026-12-02T11:00:00Z');
    const key = { kind: 'account' as const, accountId: 'edge', role: 'admin' as const };
    for (let i = 0; i < 4; i++) await throttled(key, now);
    await expect(throttled(key, now)).rejects.toMatchObject({ kind: 'throttled', code: 'throttled', retryAfterSeconds: 2 });
    await expect(throttled({ kind: 'platform' }, now)).resolves.toBeUndefined();
  });

  test('ACCOUNT_THROTTLE: unset is 200/400, off is none, anything else must be <rate>/<burst>', () => {
    expect(accountLimits(undefined)).toEqual({ rate: 200, burst: 400 });
    expect(accountLimits('off')).toBeNull();
    expect(accountLimits('10/50')).toEqual({ rate: 10, burst: 50 });
    expect(() => accountLimits('fast')).toThrow(/ACCOUNT_THROTTLE/);
  });
});
