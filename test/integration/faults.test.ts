import { concurrencyScenario } from '../../bench/chaos/concurrency';
import { Client } from '../../bench/chaos/http';
import { replayScenario } from '../../bench/chaos/replay';
import type { ScenarioResult } from '../../bench/chaos/result';
import type { ChaosContext } from '../../bench/chaos/scenario';
import { adminKey, baseUrl } from './harness';

/**
 * The fault suite's scenarios that fit in `npm test` (bench/chaos, `npm run chaos` runs them all at full
 * scale, SIGKILLs included, and writes docs/reliability.md): a client's immediate replays with changed
 * resends, and concurrent cycle starts, approvals and overlapping saves, over HTTP on the shared stack.
 */
describe('faults a client causes', () => {
  let client: Client;
  let ctx: ChaosContext;
  const lines: string[] = [];

  beforeAll(() => {
    client = new Client(baseUrl());
    ctx = { client, adminKey: adminKey(), log: (line) => lines.push(line) };
  });
  afterAll(() => client.close());

  /** The promises a scenario found broken, with what it measured (an empty list when all held). */
  const broken = (r: ScenarioResult) => [
    ...(r.error ? [`stopped: ${r.error}`] : []),
    ...r.checks.filter((c) => !c.ok).map((c) => `${c.promise}: ${c.measured}`),
  ];

  test('3 requests of 200 purchases sent 3 times at once, 50 resent changed: each accepted once, stored as first accepted, billed once', async () => {
    const result = await replayScenario(ctx, {
      requests: 3,
      perRequest: 200,
      copies: 3,
      changed: 50,
      customers: 10,
      settleTimeoutMs: 30_000,
      cycleTimeoutMs: 30_000,
    });
    expect(broken(result)).toEqual([]);
    expect(result.checks.map((c) => c.promise)).toEqual(
      expect.arrayContaining([
        'each reference is reported accepted exactly once over all copies',
        'every changed resend is rejected with duplicate_conflict',
        'one invoice per customer, billing exactly the first-accepted content',
      ]),
    );
    expect(result.tally).toMatchObject({ lost: 0, duplicated: 0, overwritten: 0, invoicesMissing: 0, invoicesDuplicated: 0, serverErrors: 0 });
  });

  test('concurrent cycle starts make one cycle, concurrent approvals one 200, overlapping saves at most one rule or alias', async () => {
    const result = await concurrencyScenario(ctx, { racers: 6, rounds: 3, customers: 3, cycleTimeoutMs: 30_000 });
    expect(broken(result)).toEqual([]);
    expect(result.checks.map((c) => c.promise)).toEqual(
      expect.arrayContaining([
        'concurrent approvals: exactly one 200, the others 409',
        'of two ambiguous price rules saved at once, at most one is accepted',
      ]),
    );
    expect(result.tally.serverErrors).toBe(0);
  });
});
