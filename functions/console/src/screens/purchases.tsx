import { useState } from 'preact/hooks';
import { fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { CustomerField } from '../customer-field';
import { ErrorBox, Field, HeaderRow, Notice, Pager, Select, useLoad, usePaged, WriteForm } from '../ui';

type Purchase = Schemas['Purchase'];
const STATUSES = ['', 'received', 'unmapped', 'not-invoiced', 'rated', 'invoiced', 'completed'] as const;

/** Creates the customer an unmapped purchase names (reason unknown-customer). */
function CreateCustomer({ ctx, purchase, done }: { ctx: Ctx; purchase: Purchase; done: (message: string) => void }) {
  const clusters = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/customer-clusters', { params: { path: { a: ctx.a }, query: { limit: 1000 } } })),
    [ctx.a],
  );
  const [name, setName] = useState(purchase.customerCode ?? '');
  const [cluster, setCluster] = useState('');
  const [currency, setCurrency] = useState('EUR');
  const [error, setError] = useState<unknown>(null);
  const options = (clusters.data?.items ?? []).map((c) => c.id);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/customers/{code}', {
          params: { path: { a: ctx.a, code: purchase.customerCode! } },
          body: { name, cluster: cluster || options[0]!, currency, billingDay: 1, onHold: false },
        }),
      );
      done(`Customer ${purchase.customerCode} created: its purchases are evaluated again.`);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="inline-form" onSubmit={submit} label={`Create customer ${purchase.customerCode}`}>
      <h3>Create the missing customer “{purchase.customerCode}”</h3>
      <Field label="Customer name" name="customer-name" value={name} onInput={setName} error={errors.name} required />
      <Select label="Customer cluster" name="customer-cluster" value={cluster || options[0] || ''} options={options} onInput={setCluster} />
      <Field label="Currency" name="customer-currency" value={currency} onInput={setCurrency} error={errors.currency} required />
      <button type="submit">Create customer</button>
      <ErrorBox error={clusters.error ?? error} />
    </WriteForm>
  );
}

/** Adds an unmapped purchase's label as an alias of a product cluster (reason unknown-product). */
function AddAlias({ ctx, purchase, done }: { ctx: Ctx; purchase: Purchase; done: (message: string) => void }) {
  const clusters = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/product-clusters', { params: { path: { a: ctx.a }, query: { limit: 1000 } } })),
    [ctx.a],
  );
  const [cluster, setCluster] = useState('');
  const [error, setError] = useState<unknown>(null);
  const options = (clusters.data?.items ?? []).map((c) => c.id);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const id = cluster || options[0]!;
      const current = ok(await ctx.client.GET('/v1/accounts/{a}/product-clusters/{id}', { params: { path: { a: ctx.a, id } } }));
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/product-clusters/{id}', {
          params: { path: { a: ctx.a, id } },
          body: { name: current.name, parent: current.parent, aliases: [...new Set([...current.aliases, purchase.productLabel!])] },
        }),
      );
      done(`“${purchase.productLabel}” is now an alias of ${id}: its purchases are evaluated again.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <WriteForm session={ctx.session} class="inline-form" onSubmit={submit} label={`Add alias ${purchase.productLabel}`}>
      <h3>Map the label “{purchase.productLabel}” to a product cluster</h3>
      <Select label="Product cluster" name="product-cluster" value={cluster || options[0] || ''} options={options} onInput={setCluster} />
      <button type="submit">Add alias</button>
      <ErrorBox error={clusters.error ?? error} />
    </WriteForm>
  );
}

export function Purchases({ ctx, param }: { ctx: Ctx; param: string }) {
  const [status, setStatus] = useState(param || '');
  const [customer, setCustomer] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [filters, setFilters] = useState({ status: param || '', customer: '', from: '', to: '' });
  const [open, setOpen] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const list = usePaged(
    async (cursor) => {
      const query = {
        limit: 50,
        cursor,
        ...(filters.status ? { status: filters.status as Purchase['status'] } : {}),
        ...(filters.customer ? { customer: filters.customer } : {}),
        ...(filters.from ? { from: filters.from } : {}),
        ...(filters.to ? { to: filters.to } : {}),
      };
      return ok(await ctx.client.GET('/v1/accounts/{a}/purchases', { params: { path: { a: ctx.a }, query } }));
    },
    [ctx.a, filters],
  );
  const done = (m: string) => {
    setOpen(null);
    setMessage(m);
    setTimeout(list.reload, 1500);
  };
  return (
    <section aria-labelledby="purchases-h">
      <h1 id="purchases-h">Purchases</h1>
      <form
        class="filters"
        aria-label="Purchase filters"
        onSubmit={(e) => {
          e.preventDefault();
          setMessage(null);
          setFilters({ status, customer, from, to });
        }}
      >
        <Select label="Status" name="status" value={status} options={STATUSES} onInput={setStatus} />
        <CustomerField client={ctx.client} account={ctx.a} label="Customer" name="customer" value={customer} onInput={setCustomer} />
        <Field label="From" name="from" type="date" value={from} onInput={setFrom} />
        <Field label="To" name="to" type="date" value={to} onInput={setTo} />
        <button type="submit">Filter</button>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </form>
      {message && <Notice>{message}</Notice>}
      <ErrorBox error={list.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Reference', 'Product label', 'Customer', 'Quantity', 'Date', 'Status', 'Reason', 'Amount', 'Invoice', '']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((p) => (
            <>
              <tr key={p.reference} data-reference={p.reference}>
                <td>{p.reference}</td>
                <td>{p.productLabel}</td>
                <td>{p.billedTo ?? p.customerCode}</td>
                <td class="num">{p.quantity}</td>
                <td>{p.purchaseDate?.slice(0, 10)}</td>
                <td>
                  <span class={`status ${p.status}`}>{p.status}</span>
                </td>
                <td>{p.reason ?? (p.ratingError ? `error: ${p.ratingError}` : '')}</td>
                <td class="num">{p.amount ? `${p.amount} ${p.currency ?? ''}` : ''}</td>
                <td>{p.invoice ? <a href={`#/invoices/${p.invoice}`}>{p.invoice}</a> : ''}</td>
                <td>
                  {canWrite(ctx.session) && (p.reason === 'unknown-customer' || p.reason === 'unknown-product') && (
                    <button type="button" aria-expanded={open === p.reference} onClick={() => setOpen(open === p.reference ? null : p.reference!)}>
                      {p.reason === 'unknown-customer' ? 'Create customer' : 'Create alias'}
                    </button>
                  )}
                  {p.reason === 'no-price-rule' && <a href="#/price-rules">Price rules</a>}
                </td>
              </tr>
              {open === p.reference && (
                <tr key={`${p.reference}-fix`}>
                  <td colSpan={10}>
                    {p.reason === 'unknown-customer' ? (
                      <CreateCustomer ctx={ctx} purchase={p} done={done} />
                    ) : (
                      <AddAlias ctx={ctx} purchase={p} done={done} />
                    )}
                  </td>
                </tr>
              )}
            </>
          ))}
        </tbody>
      </table>
      {list.page?.items.length === 0 && <p>No purchase matches.</p>}
      <Pager list={list} label="Pages of purchases" />
    </section>
  );
}
