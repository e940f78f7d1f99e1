import { ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { ErrorBox, money, useLoad } from '../ui';

const REASONS = ['unknown-customer', 'unknown-product', 'no-price-rule', 'on-hold', 'future-date'] as const;
const STATUSES = ['unmapped', 'not-invoiced'] as const;
const LIMIT = 1000;

/** Exact counts of the purchases that wait, by status and reason, from the API's counts endpoint (one pass over its sparse indexes, any volume). */
async function purchaseCounts(ctx: Ctx): Promise<Schemas['PurchaseCounts']> {
  return ok(await ctx.client.GET('/v1/accounts/{a}/purchase-counts', { params: { path: { a: ctx.a } } }));
}

/** A small horizontal bar chart (SVG) of the purchases that need attention, by reason. */
function ReasonChart({ byReason }: { byReason: Record<string, number> }) {
  const entries = REASONS.map((r) => [r, byReason[r] ?? 0] as const);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const rowHeight = 26;
  return (
    <svg class="chart" role="img" aria-labelledby="chart-title" width="100%" viewBox={`0 0 400 ${entries.length * rowHeight + 8}`}>
      <title id="chart-title">Purchases needing attention, by reason</title>
      {entries.map(([reason, n], i) => (
        <g key={reason} transform={`translate(0 ${i * rowHeight + 4})`}>
          <text x="150" y="16" text-anchor="end" class="chart-label">
            {reason}
          </text>
          <rect x="160" y="3" height="18" width={Math.max(2, (n / max) * 200)} class={n ? 'bar' : 'bar empty'} />
          <text x={Math.max(2, (n / max) * 200) + 166} y="16" class="chart-value">
            {n}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function Overview({ ctx }: { ctx: Ctx }) {
  const counts = useLoad(() => purchaseCounts(ctx), [ctx.a]);
  const cycles = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/billing-cycles', { params: { path: { a: ctx.a }, query: { limit: 5 } } })),
    [ctx.a],
  );
  const invoices = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/invoices', { params: { path: { a: ctx.a }, query: { limit: LIMIT } } })),
    [ctx.a],
  );
  const drafts = (invoices.data?.items ?? []).filter((i) => i.status === 'draft');
  const totals = new Map<string, { draft: number; approved: number; amount: Record<string, string[]> }>();
  for (const inv of invoices.data?.items ?? []) {
    const t = totals.get(inv.currency ?? '?') ?? { draft: 0, approved: 0, amount: { draft: [], approved: [] } };
    const status = inv.status === 'approved' ? 'approved' : 'draft';
    t[status] += 1;
    t.amount[status]!.push(inv.total ?? '0');
    totals.set(inv.currency ?? '?', t);
  }
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">What needs attention</h1>
      <div class="cards">
        <section class="card" aria-labelledby="purchases-title">
          <h2 id="purchases-title">Purchases waiting</h2>
          <ErrorBox error={counts.error} />
          {counts.data && (
            <>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Count</th>
                  </tr>
                </thead>
                <tbody>
                  {STATUSES.map((s) => (
                    <tr key={s}>
                      <th scope="row">
                        <a href={`#/purchases/${s}`}>{s}</a>
                      </th>
                      <td class="num" data-testid={`count-${s}`}>
                        {counts.data!.byStatus[s] ?? 0}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p data-testid="count-total">{counts.data.total} purchase(s) waiting</p>
              <p class="hint">
                Rated purchases wait for nothing: the <a href="#/purchases/rated">purchases explorer</a> lists them, and each cycle's report counts
                what it invoiced.
              </p>
              <h3>By reason</h3>
              <ReasonChart byReason={counts.data.byReason} />
            </>
          )}
        </section>
        <section class="card" aria-labelledby="cycles-title">
          <h2 id="cycles-title">Last billing cycles</h2>
          <ErrorBox error={cycles.error} />
          <ul>
            {(cycles.data?.items ?? []).map((c: Schemas['BillingCycle']) => (
              <li key={c.id}>
                <a href={`#/cycles/${c.id}`}>
                  {c.periodStart} → {c.periodEnd}
                </a>{' '}
                <span class={`status ${c.status}`}>{c.status}</span> {c.report?.invoices ?? 0} invoice(s)
              </li>
            ))}
            {cycles.data?.items.length === 0 && <li>No cycle yet.</li>}
          </ul>
        </section>
        <section class="card" aria-labelledby="drafts-title">
          <h2 id="drafts-title">Drafts waiting for approval</h2>
          <ErrorBox error={invoices.error} />
          <p>
            <a href="#/invoices" data-testid="drafts-count">
              {drafts.length} draft invoice(s)
            </a>
          </p>
          <h3>Totals per currency</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">Currency</th>
                <th scope="col">Draft</th>
                <th scope="col">Approved</th>
              </tr>
            </thead>
            <tbody>
              {[...totals].map(([currency, t]) => (
                <tr key={currency}>
                  <th scope="row">{currency}</th>
                  <td>
                    {t.draft} · {money(sum(t.amount.draft!), currency)}
                  </td>
                  <td>
                    {t.approved} · {money(sum(t.amount.approved!), currency)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </section>
  );
}

/** Sums decimal strings exactly (integer minor units over the longest fraction): no floating point on money. */
export function sum(values: readonly string[]): string {
  const digits = Math.max(0, ...values.map((v) => (v.split('.')[1] ?? '').length));
  let total = 0n;
  for (const v of values) {
    const negative = v.startsWith('-');
    const [int, frac = ''] = v.replace(/^-/, '').split('.');
    const units = BigInt(int! + frac.padEnd(digits, '0'));
    total += negative ? -units : units;
  }
  const negative = total < 0n;
  const s = (negative ? -total : total).toString().padStart(digits + 1, '0');
  const out = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return negative ? `-${out}` : out;
}
