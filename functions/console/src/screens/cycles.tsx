import { useEffect, useState } from 'preact/hooks';
import { ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { ErrorBox, Field, HeaderRow, Pager, money, useLoad, usePaged, WriteForm } from '../ui';

type Cycle = Schemas['BillingCycle'];

function Report({ cycle }: { cycle: Cycle }) {
  const r = cycle.report ?? {};
  return (
    <section aria-labelledby="report-h" data-testid="cycle-report">
      <h3 id="report-h">Report</h3>
      <dl class="facts">
        <dt>Customers invoiced</dt>
        <dd>{r.customersInvoiced ?? 0}</dd>
        <dt>Invoices</dt>
        <dd>{r.invoices ?? 0}</dd>
        <dt>Held customers</dt>
        <dd>
          {r.held?.count ?? 0} {r.held?.customers?.length ? `(${r.held.customers.join(', ')})` : ''}
        </dd>
        <dt>Unmapped</dt>
        <dd>
          unknown customer {r.unmapped?.['unknown-customer'] ?? 0}, unknown product {r.unmapped?.['unknown-product'] ?? 0}
        </dd>
        <dt>Not invoiced</dt>
        <dd>
          no price rule {r.notInvoiced?.['no-price-rule'] ?? 0}, on hold {r.notInvoiced?.['on-hold'] ?? 0}, future date{' '}
          {r.notInvoiced?.['future-date'] ?? 0}
        </dd>
        <dt>Errors</dt>
        <dd>{r.errors?.count ?? 0}</dd>
      </dl>
      {(r.errors?.items ?? []).length > 0 && (
        <ul class="errors">
          {(r.errors?.items ?? []).map((e) => (
            <li key={`${e.customer}-${e.code}`}>
              {e.customer ?? 'cycle'}: {e.code} — {e.message}
            </li>
          ))}
        </ul>
      )}
      <table>
        <thead>
          <HeaderRow columns={['Currency', 'Invoices', 'Subtotal', 'Tax', 'Total']} />
        </thead>
        <tbody>
          {Object.entries(r.totals ?? {}).map(([currency, t]) => (
            <tr key={currency}>
              <th scope="row">{currency}</th>
              <td class="num">{t.invoices}</td>
              <td class="num">{money(t.subtotal, currency)}</td>
              <td class="num">{money(t.tax, currency)}</td>
              <td class="num">{money(t.total, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Why a customer's purchases of this cycle were or were not invoiced. */
function Troubleshoot({ ctx, cycle }: { ctx: Ctx; cycle: Cycle }) {
  const [code, setCode] = useState('');
  const [bundle, setBundle] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      setBundle(
        ok(await ctx.client.GET('/v1/accounts/{a}/billing-cycles/{id}/customers/{code}', { params: { path: { a: ctx.a, id: cycle.id!, code } } })),
      );
    } catch (err) {
      setError(err);
    }
  };
  const b = bundle as {
    summary?: { purchases?: number; byStatus?: Record<string, number>; byReason?: Record<string, number> };
    invoices?: Schemas['Invoice'][];
  } | null;
  return (
    <section aria-labelledby="trouble-h" class="card">
      <h3 id="trouble-h">Troubleshoot a customer</h3>
      <form class="filters" onSubmit={submit} aria-label="Troubleshoot a customer">
        <Field label="Customer code" name="trouble-customer" value={code} onInput={setCode} required />
        <button type="submit">Explain</button>
      </form>
      <ErrorBox error={error} />
      {b && (
        <div data-testid="troubleshoot">
          <p>
            {b.summary?.purchases ?? 0} purchase(s); by status{' '}
            {Object.entries(b.summary?.byStatus ?? {})
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'none'}
            ; by reason{' '}
            {Object.entries(b.summary?.byReason ?? {})
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'none'}
          </p>
          <ul>
            {(b.invoices ?? []).map((i) => (
              <li key={i.id}>
                <a href={`#/invoices/${i.id}`}>{i.id}</a> {i.status} {money(i.total, i.currency)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function CycleDetail({ ctx, id, settled }: { ctx: Ctx; id: string; settled: () => void }) {
  const cycle = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/billing-cycles/{id}', { params: { path: { a: ctx.a, id } } })),
    [ctx.a, id],
  );
  // Progress: read again every second while the cycle runs.
  useEffect(() => {
    if (cycle.data && cycle.data.status !== 'running') settled();
    if (cycle.data?.status !== 'running') return;
    const t = setTimeout(cycle.reload, 1000);
    return () => clearTimeout(t);
  }, [cycle.data]);
  const c = cycle.data;
  return (
    <section aria-labelledby="cycle-h" class="card">
      <h2 id="cycle-h">Cycle {id}</h2>
      <ErrorBox error={cycle.error} />
      {c && (
        <>
          <p>
            {c.periodStart} → {c.periodEnd} · run {c.run} ·{' '}
            <span class={`status ${c.status}`} data-testid="cycle-status">
              {c.status}
            </span>
          </p>
          {c.status === 'running' && c.progress && (
            <p>
              <label for="cycle-progress">Progress</label>{' '}
              <progress
                id="cycle-progress"
                max={Math.max(1, (c.progress.collectors ?? 0) + (c.progress.partitions ?? 0))}
                value={(c.progress.collected ?? 0) + (c.progress.invoiced ?? 0)}
              />{' '}
              collected {c.progress.collected}/{c.progress.collectors}, invoiced {c.progress.invoiced}/{c.progress.partitions}
            </p>
          )}
          {c.status !== 'running' && <Report cycle={c} />}
          <p>
            <a href={`#/invoices/?periodStart=${c.periodStart}`}>Invoices of this period</a>
          </p>
          <Troubleshoot ctx={ctx} cycle={c} />
        </>
      )}
    </section>
  );
}

export function Cycles({ ctx, param }: { ctx: Ctx; param: string }) {
  const [periodStart, setPeriodStart] = useState('');
  const [periodEnd, setPeriodEnd] = useState('');
  const [error, setError] = useState<unknown>(null);
  const list = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/billing-cycles', { params: { path: { a: ctx.a }, query: { limit: 20, cursor } } })),
    [ctx.a, param],
  );
  const start = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const started = ok(
        await ctx.client.POST('/v1/accounts/{a}/billing-cycles', { params: { path: { a: ctx.a } }, body: { periodStart, periodEnd } }),
      );
      ctx.go(`cycles/${started.id}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="cycles-h">
      <h1 id="cycles-h">Billing cycles</h1>
      {canWrite(ctx.session) && (
        <WriteForm session={ctx.session} class="filters" onSubmit={start} label="Start a billing cycle">
          <Field label="Period start" name="cycle-start" type="date" value={periodStart} onInput={setPeriodStart} required />
          <Field label="Period end (exclusive)" name="cycle-end" type="date" value={periodEnd} onInput={setPeriodEnd} required />
          <button type="submit">Start cycle</button>
        </WriteForm>
      )}
      <ErrorBox error={error ?? list.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Cycle', 'Period', 'Status', 'Invoices', 'Started']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((c) => (
            <tr key={c.id}>
              <td>
                <a href={`#/cycles/${c.id}`}>{c.id}</a>
              </td>
              <td>
                {c.periodStart} → {c.periodEnd}
              </td>
              <td>
                <span class={`status ${c.status}`}>{c.status}</span>
              </td>
              <td class="num">{c.report?.invoices ?? 0}</td>
              <td>{c.startedAt?.slice(0, 19).replace('T', ' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager list={list} label="Pages of billing cycles" />
      {param && <CycleDetail ctx={ctx} id={param} key={param} settled={list.reload} />}
    </section>
  );
}
