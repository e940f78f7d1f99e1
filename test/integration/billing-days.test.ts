import { monthDay } from '../../shared/kernel/dates';
import { api, newAccount, type Account } from './harness';

/** POST /customers/{code}/billing-day over HTTP on the local stack; dates are relative to today (UTC). */

interface Customer {
  code: string;
  name: string;
  billingDay: number;
  billingDays: { from: string | null; billingDay: number }[];
  updatedAt: string;
}

const today = new Date().toISOString().slice(0, 10);
const [year, month, dayOfMonth] = today.split('-').map(Number) as [number, number, number];
/** The first day of the month `n` months after this one (the end of the current period for billing day 1 when n = 1). */
const firstOf = (n: number) => monthDay(year, month + n, 1);

describe('billing days: POST /customers/{code}/billing-day', () => {
  let acct: Account;
  const path = (p: string, account = acct) => `/v1/accounts/${account.id}${p}`;
  const customer = async (code: string, body: Record<string, unknown> = {}, account = acct) => {
    const res = await api('PUT', path(`/customers/${code}`, account), { name: code, cluster: 'all', currency: 'EUR', ...body }, account.key);
    expect([200, 201]).toContain(res.status);
    return res.body as Customer;
  };
  const change = (code: string, body: unknown, key: string | null = acct.key) => api('POST', path(`/customers/${code}/billing-day`), body, key);
  const read = async (code: string) => (await api('GET', path(`/customers/${code}`), undefined, acct.key)).body as Customer;
  const detailsOf = (res: { body: unknown }) => (res.body as { error: { details: string[] } }).error.details;

  beforeAll(async () => {
    acct = await newAccount();
    expect((await api('PUT', path('/customer-clusters/all'), { name: 'All' }, acct.key)).status).toBe(201);
  });

  test('a new customer has a one-entry history; by default a change applies from the end of the current period', async () => {
    expect(await customer('D1')).toMatchObject({ billingDay: 1, billingDays: [{ from: null, billingDay: 1 }] });
    const res = await change('D1', { billingDay: 15 });
    expect(res.status).toBe(200);
    const expected = [
      { from: null, billingDay: 1 },
      { from: firstOf(1), billingDay: 15 },
    ];
    // today is in the period [1st, 1st of next month): the day in force today is still 1
    expect(res.body).toMatchObject({ code: 'D1', billingDay: 1, billingDays: expected });
    expect(res.body).not.toHaveProperty('version');
    expect(await read('D1')).toMatchObject({ billingDay: 1, billingDays: expected });
    const listed = (await api('GET', path('/customers?limit=100'), undefined, acct.key)).body as { items: Customer[] };
    expect(listed.items.find((c) => c.code === 'D1')).toMatchObject({ billingDays: expected });
  });

  test('an explicit date: today cuts the current period and is in force at once; a later date is scheduled', async () => {
    await customer('D2');
    const now = await change('D2', { billingDay: 20, effectiveDate: today });
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({
      billingDay: 20,
      billingDays: [
        { from: null, billingDay: 1 },
        { from: today, billingDay: 20 },
      ],
    });
    await customer('D3', { billingDay: 10 });
    const later = monthDay(year, month + 3, 17);
    const scheduled = await change('D3', { billingDay: 5, effectiveDate: later });
    expect(scheduled.body).toMatchObject({
      billingDay: 10,
      billingDays: [
        { from: null, billingDay: 10 },
        { from: later, billingDay: 5 },
      ],
    });
  });

  test('the day in force is 200 unchanged (nothing written); an effectiveDate before the current period is a 400', async () => {
    const before = await customer('D4', { billingDay: 5 });
    const same = await change('D4', { billingDay: 5 });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(before);
    // the current period for day 5 starts on the 5th of this month or, before the 5th, of last month
    const periodStart = dayOfMonth >= 5 ? monthDay(year, month, 5) : monthDay(year, month - 1, 5);
    const past = monthDay(year, month - 2, 5);
    const refused = await change('D4', { billingDay: 9, effectiveDate: past });
    expect(refused.status).toBe(400);
    expect(detailsOf(refused)).toEqual([
      expect.stringContaining(`effectiveDate: must not be before the start of the current billing period (${periodStart})`),
    ]);
    // the start of the current period itself is still allowed (it re-cuts the current period only)
    expect((await change('D4', { billingDay: 9, effectiveDate: periodStart })).status).toBe(200);
  });

  test('bad input is a 400 naming the field', async () => {
    await customer('D5');
    for (const billingDay of [0, 29, 1.5, '5', null]) {
      const res = await change('D5', { billingDay });
      expect(res.status).toBe(400);
      expect(detailsOf(res)).toEqual([expect.stringMatching(/^billingDay: /)]);
    }
    expect(detailsOf(await change('D5', {}))).toEqual([expect.stringMatching(/^billingDay: /)]);
    for (const effectiveDate of ['2026-02-30', 'tomorrow', '2026-13-01', 20260101, '2026-06-01T00:00:00Z']) {
      const res = await change('D5', { billingDay: 3, effectiveDate });
      expect(res.status).toBe(400);
      expect(detailsOf(res)).toEqual([expect.stringMatching(/^effectiveDate: /)]);
    }
    expect(detailsOf(await change('D5', { billingDay: 3, when: 'now' }))).toEqual([expect.stringContaining("'when'")]);
    expect((await change('D5', '[1]')).status).toBe(400);
    expect((await read('D5')).billingDays).toEqual([{ from: null, billingDay: 1 }]);
  });

  test('concurrent changes on different dates and a concurrent PUT: every one is kept', async () => {
    await customer('D6');
    const dates = [2, 3, 4, 5, 6, 7].map((n) => firstOf(n));
    const days = [11, 12, 13, 14, 15, 16];
    const results = await Promise.all([
      ...dates.map((effectiveDate, i) => change('D6', { billingDay: days[i], effectiveDate })),
      api('PUT', path('/customers/D6'), { name: 'Renamed', cluster: 'all', currency: 'EUR', billingDay: 1 }, acct.key),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    const after = await read('D6');
    expect(after.name).toBe('Renamed');
    expect(after.billingDays).toEqual([{ from: null, billingDay: 1 }, ...dates.map((from, i) => ({ from, billingDay: days[i] }))]);
  });

  test('a PUT keeps the history; a PUT with another day applies from the end of the current period', async () => {
    await customer('D7');
    const later = firstOf(4);
    await change('D7', { billingDay: 22, effectiveDate: later });
    const renamed = await customer('D7', { name: 'Seven', billingDay: 1 });
    expect(renamed).toMatchObject({
      name: 'Seven',
      billingDay: 1,
      billingDays: [
        { from: null, billingDay: 1 },
        { from: later, billingDay: 22 },
      ],
    });
    const moved = await customer('D7', { name: 'Seven', billingDay: 8 });
    expect(moved).toMatchObject({
      billingDay: 1,
      billingDays: [
        { from: null, billingDay: 1 },
        { from: firstOf(1), billingDay: 8 },
        { from: later, billingDay: 22 },
      ],
    });
  });

  test('roles and tenants: a viewer reads but cannot change (403); another account sees no such customer (404)', async () => {
    await customer('D8');
    const viewer = ((await api('POST', `/v1/accounts/${acct.id}/keys`, { role: 'viewer' }, acct.key)).body as { key: string }).key;
    expect((await change('D8', { billingDay: 3 }, viewer)).status).toBe(403);
    expect((await api('GET', path('/customers/D8'), undefined, viewer)).status).toBe(200);
    expect((await change('D404', { billingDay: 3 })).status).toBe(404);

    const other = await newAccount();
    expect((await api('POST', path('/customers/D8/billing-day'), { billingDay: 3 }, other.key)).status).toBe(404);
    expect((await api('POST', path('/customers/D8/billing-day', other), { billingDay: 3 }, other.key)).status).toBe(404);
    // the same code in the other account is another customer
    await api('PUT', path('/customer-clusters/all', other), { name: 'All' }, other.key);
    await customer('D8', {}, other);
    expect((await api('POST', path('/customers/D8/billing-day', other), { billingDay: 3 }, other.key)).status).toBe(200);
    expect((await read('D8')).billingDays).toEqual([{ from: null, billingDay: 1 }]);
    expect((await change('D8', { billingDay: 3 }, null)).status).toBe(401);
  });
});
