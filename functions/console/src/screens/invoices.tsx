import { useState } from 'preact/hooks';
import { download, ok } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { ErrorBox, Field, HeaderRow, LineRow, Notice, Pager, money, useLoad, usePaged } from '../ui';

function InvoiceDetail({ ctx, id, changed }: { ctx: Ctx; id: string; changed: () => void }) {
  const invoice = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/invoices/{id}', { params: { path: { a: ctx.a, id } } })),
    [ctx.a, id],
  );
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const approve = async () => {
    setError(null);
    try {
      const approved = ok(await ctx.client.POST('/v1/accounts/{a}/invoices/{id}/approve', { params: { path: { a: ctx.a, id } } }));
      setMessage(`Invoice approved${(approved as { number?: string | null }).number ? ` as ${(approved as { number?: string }).number}` : ''}.`);
      invoice.reload();
      changed();
    } catch (err) {
      setError(err);
    }
  };
  const get = async (format: 'pdf' | 'csv') => {
    setError(null);
    try {
      await download(
        ctx.baseUrl,
        ctx.session.key,
        `/v1/accounts/${encodeURIComponent(ctx.a)}/invoices/${encodeURIComponent(id)}/document?format=${format}`,
        `${id}.${format}`,
      );
    } catch (err) {
      setError(err);
    }
  };
  const i = invoice.data;
  return (
    <section aria-labelledby="invoice-h" class="card" data-testid="invoice-detail">
      <h2 id="invoice-h">Invoice {id}</h2>
      <ErrorBox error={invoice.error ?? error} />
      {message && <Notice>{message}</Notice>}
      {i && (
        <>
          <p>
            {i.customer} · {i.periodStart} → {i.periodEnd} ·{' '}
            <span class={`status ${i.status}`} data-testid="invoice-status">
              {i.status}
            </span>
            {(i as { number?: string | null }).number ? ` · ${(i as { number?: string }).number}` : ''}
          </p>
          <table>
            <thead>
              <HeaderRow columns={['Description', 'Product cluster', 'Quantity', 'Unit price', 'Amount']} />
            </thead>
            <tbody>
              {(i.lines ?? []).map((l, n) => (
                <LineRow key={n} line={l} />
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={4}>
                  Subtotal
                </th>
                <td class="num">{money(i.subtotal, i.currency)}</td>
              </tr>
              <tr>
                <th scope="row" colSpan={4}>
                  Tax
                </th>
                <td class="num">{money(i.tax, i.currency)}</td>
              </tr>
              <tr>
                <th scope="row" colSpan={4}>
                  Total
                </th>
                <td class="num" data-testid="invoice-total">
                  {money(i.total, i.currency)}
                </td>
              </tr>
            </tfoot>
          </table>
          <div class="actions">
            {canWrite(ctx.session) && i.status === 'draft' && (
              <button type="button" onClick={approve}>
                Approve invoice
              </button>
            )}
            <button type="button" onClick={() => get('pdf')}>
              Download PDF
            </button>
            <button type="button" onClick={() => get('csv')}>
              Download CSV
            </button>
          </div>
        </>
      )}
    </section>
  );
}

export function Invoices({ ctx, param }: { ctx: Ctx; param: string }) {
  const [id, query] = param.split('?');
  const preset = new URLSearchParams(query ?? '');
  const [customer, setCustomer] = useState(preset.get('customer') ?? '');
  const [periodStart, setPeriodStart] = useState(preset.get('periodStart') ?? '');
  const [filters, setFilters] = useState({ customer, periodStart });
  const list = usePaged(
    async (cursor) => {
      const q = {
        limit: 50,
        cursor,
        ...(filters.customer ? { customer: filters.customer } : {}),
        ...(filters.periodStart ? { periodStart: filters.periodStart } : {}),
      };
      return ok(await ctx.client.GET('/v1/accounts/{a}/invoices', { params: { path: { a: ctx.a }, query: q } }));
    },
    [ctx.a, filters],
  );
  return (
    <section aria-labelledby="invoices-h">
      <h1 id="invoices-h">Invoices</h1>
      <form
        class="filters"
        aria-label="Invoice filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ customer, periodStart });
        }}
      >
        <Field label="Customer" name="invoice-customer" value={customer} onInput={setCustomer} />
        <Field label="Period start" name="invoice-period" type="date" value={periodStart} onInput={setPeriodStart} />
        <button type="submit">Filter</button>
      </form>
      {!canWrite(ctx.session) && <Notice>Read-only: this key’s role is viewer.</Notice>}
      <ErrorBox error={list.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Invoice', 'Customer', 'Period', 'Status', 'Total']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((i) => (
            <tr key={i.id}>
              <td>
                <a href={`#/invoices/${i.id}`}>{i.id}</a>
              </td>
              <td>{i.customer}</td>
              <td>
                {i.periodStart} → {i.periodEnd}
              </td>
              <td>
                <span class={`status ${i.status}`}>{i.status}</span>
              </td>
              <td class="num">{money(i.total, i.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.page?.items.length === 0 && <p>No invoice matches.</p>}
      <Pager pageNumber={list.pageNumber} hasNext={!!list.page?.next} next={list.next} previous={list.previous} loading={list.loading} />
      {id && <InvoiceDetail ctx={ctx} id={id} key={id} changed={list.reload} />}
    </section>
  );
}
