import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { CustomerField } from '../customer-field';
import { ErrorBox, Field, Notice, Pager, Select, useLoad, usePaged, WriteForm } from '../ui';

type Cluster = { id: string; name: string; parent?: string | null };
type Customer = Schemas['Customer'];
type CustomerInput = Schemas['CustomerInput'];
type ProductCluster = Schemas['ProductCluster'];

/** A tree of clusters (by `parent`), each node with its `actions` and what `leaves` puts under it. */
function Tree({
  clusters,
  leaves,
  actions,
  parent = null,
}: {
  clusters: readonly Cluster[];
  leaves: (id: string) => ComponentChildren;
  actions?: (cluster: Cluster) => ComponentChildren;
  parent?: string | null;
}) {
  const children = clusters.filter((c) => (c.parent ?? null) === parent);
  if (!children.length) return null;
  return (
    <ul class="tree">
      {children.map((c) => (
        <li key={c.id}>
          <span class="node">
            {c.name} <code>{c.id}</code>
          </span>
          {actions?.(c)}
          {leaves(c.id)}
          <Tree clusters={clusters} leaves={leaves} actions={actions} parent={c.id} />
        </li>
      ))}
    </ul>
  );
}

/** A PUT replaces the customer whole: the body of a stored customer as it is (its billing day in force keeps its history). */
const inputOf = (c: Customer): CustomerInput => ({
  name: c.name,
  cluster: c.cluster,
  currency: c.currency,
  partnerAccount: c.partnerAccount,
  billingDay: c.billingDay,
  onHold: c.onHold,
  taxRate: c.taxRate,
  country: c.country,
  parent: c.parent,
  invoicing: c.invoicing,
  legalName: c.legalName,
  address: c.address,
  vatId: c.vatId,
  email: c.email,
  paymentTermsDays: c.paymentTermsDays,
});

interface CustomerDraft {
  code: string;
  name: string;
  cluster: string;
  currency: string;
  billingDay: string;
  taxRate: string;
  country: string;
  partnerAccount: string;
  parent: string;
  invoicing: string;
  legalName: string;
  vatId: string;
  email: string;
  paymentTermsDays: string;
  line1: string;
  line2: string;
  postalCode: string;
  city: string;
  addressCountry: string;
}

const toCustomerDraft = (c: Customer | null, cluster: string): CustomerDraft => ({
  code: c?.code ?? '',
  name: c?.name ?? '',
  cluster: c?.cluster ?? cluster,
  currency: c?.currency ?? 'EUR',
  billingDay: String(c?.billingDay ?? 1),
  taxRate: c?.taxRate ?? '',
  country: c?.country ?? '',
  partnerAccount: c?.partnerAccount ?? '',
  parent: c?.parent ?? '',
  invoicing: c?.invoicing ?? 'self',
  legalName: c?.legalName ?? '',
  vatId: c?.vatId ?? '',
  email: c?.email ?? '',
  paymentTermsDays: String(c?.paymentTermsDays ?? 30),
  line1: c?.address?.line1 ?? '',
  line2: c?.address?.line2 ?? '',
  postalCode: c?.address?.postalCode ?? '',
  city: c?.address?.city ?? '',
  addressCountry: c?.address?.country ?? '',
});

/** A number typed in a field; what is not one goes as NaN (JSON null), which the API's 400 names at the field. */
const wholeNumber = (text: string): number => Number(text.trim() || Number.NaN);
const orNull = (text: string) => text.trim() || null;

/**
 * The parents a node (a cluster, a customer) may take: '' for none, then every other node but those under it
 * (a loop the API would refuse), and its parent now even when the list does not hold it.
 */
function parentChoices(nodes: readonly { id: string; parent?: string | null }[], self: string | null, current: string): string[] {
  const under = new Set(self ? [self] : []);
  for (let grew = true; grew; ) {
    grew = false;
    for (const n of nodes) {
      if (n.parent && under.has(n.parent) && !under.has(n.id)) {
        under.add(n.id);
        grew = true;
      }
    }
  }
  const ids = nodes.map((n) => n.id).filter((id) => !under.has(id));
  return ['', ...(current && !ids.includes(current) ? [current] : []), ...ids];
}

/** The words of a parent picker's options: the empty one says what no parent means. */
const parentWords =
  (none: string, names: ReadonlyMap<string, string> = new Map()) =>
  (id: string) =>
    id === '' ? none : names.has(id) ? `${id} — ${names.get(id)}` : id;

/**
 * Creates or edits a customer. The billing day of a stored customer changes through its own operation
 * (from a date, see BillingDayForm), so the PUT sends the day in force and keeps the history.
 */
function CustomerEditor({
  ctx,
  customer,
  clusters,
  saved,
}: {
  ctx: Ctx;
  customer: Customer | null;
  clusters: readonly string[];
  saved: (message: string) => void;
}) {
  const [d, setD] = useState<CustomerDraft>(toCustomerDraft(customer, clusters[0] ?? ''));
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof CustomerDraft) => (v: string) => setD({ ...d, [k]: v });
  const address = [d.line1, d.line2, d.postalCode, d.city, d.addressCountry].some((p) => p.trim())
    ? { line1: d.line1, line2: orNull(d.line2), postalCode: d.postalCode, city: d.city, country: d.addressCountry }
    : null;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const code = customer?.code ?? d.code.trim();
    const body: CustomerInput = {
      name: d.name,
      cluster: d.cluster || clusters[0] || '',
      currency: d.currency.trim(),
      partnerAccount: orNull(d.partnerAccount),
      billingDay: customer ? customer.billingDay : wholeNumber(d.billingDay),
      onHold: customer?.onHold ?? false,
      taxRate: orNull(d.taxRate),
      country: orNull(d.country),
      parent: orNull(d.parent),
      invoicing: d.invoicing as CustomerInput['invoicing'],
      legalName: orNull(d.legalName),
      address,
      vatId: orNull(d.vatId),
      email: orNull(d.email),
      paymentTermsDays: wholeNumber(d.paymentTermsDays || '30'),
    };
    try {
      ok(await ctx.client.PUT('/v1/accounts/{a}/customers/{code}', { params: { path: { a: ctx.a, code } }, body }));
      saved(`Customer ${code} saved: its purchases are evaluated again.`);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  const title = customer ? `Edit customer ${customer.code}` : 'New customer';
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label={title}>
      <h2>{title}</h2>
      {!customer && <Field label="Customer code" name="cust-code" value={d.code} onInput={set('code')} error={errors.code} required />}
      <Field label="Customer name" name="cust-name" value={d.name} onInput={set('name')} error={errors.name} required />
      <Select label="Customer cluster" name="cust-cluster" value={d.cluster} options={clusters} onInput={set('cluster')} />
      {errors.cluster && <p class="field-error">cluster: {errors.cluster}</p>}
      <Field label="Currency" name="cust-currency" value={d.currency} onInput={set('currency')} error={errors.currency} required />
      {!customer && (
        <Field label="Billing day (1–28)" name="cust-billing-day" value={d.billingDay} onInput={set('billingDay')} error={errors.billingDay} />
      )}
      <Field label="Tax rate (percent)" name="cust-tax" value={d.taxRate} onInput={set('taxRate')} error={errors.taxRate} />
      <Field label="Country (ISO 3166-1 alpha-2)" name="cust-country" value={d.country} onInput={set('country')} error={errors.country} />
      <Field
        label="Partner account (empty: none)"
        name="cust-partner"
        value={d.partnerAccount}
        onInput={set('partnerAccount')}
        error={errors.partnerAccount}
      />
      <CustomerField
        client={ctx.client}
        account={ctx.a}
        label="Parent customer (empty: none)"
        name="cust-parent"
        value={d.parent}
        notUnder={customer?.code}
        onInput={set('parent')}
        error={errors.parent}
      />
      <Select label="Invoicing" name="cust-invoicing" value={d.invoicing} options={['self', 'parent']} onInput={set('invoicing')} />
      {errors.invoicing && <p class="field-error">invoicing: {errors.invoicing}</p>}
      <fieldset>
        <legend>Legal data (printed on invoices)</legend>
        <Field label="Legal name" name="cust-legal-name" value={d.legalName} onInput={set('legalName')} error={errors.legalName} />
        <Field label="VAT id" name="cust-vat" value={d.vatId} onInput={set('vatId')} error={errors.vatId} />
        <Field label="E-mail" name="cust-email" value={d.email} onInput={set('email')} error={errors.email} />
        <Field
          label="Payment terms (days)"
          name="cust-terms"
          value={d.paymentTermsDays}
          onInput={set('paymentTermsDays')}
          error={errors.paymentTermsDays}
        />
        <Field label="Address line 1" name="cust-line1" value={d.line1} onInput={set('line1')} error={errors['address.line1'] ?? errors.address} />
        <Field label="Address line 2" name="cust-line2" value={d.line2} onInput={set('line2')} error={errors['address.line2']} />
        <Field label="Postal code" name="cust-postal" value={d.postalCode} onInput={set('postalCode')} error={errors['address.postalCode']} />
        <Field label="City" name="cust-city" value={d.city} onInput={set('city')} error={errors['address.city']} />
        <Field
          label="Address country"
          name="cust-address-country"
          value={d.addressCountry}
          onInput={set('addressCountry')}
          error={errors['address.country']}
        />
      </fieldset>
      <button type="submit">{customer ? 'Save customer' : 'Create customer'}</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** `POST /customers/{code}/billing-day`: the new day applies from a date (default: the end of the current period). */
function BillingDayForm({ ctx, customer, saved }: { ctx: Ctx; customer: Customer; saved: (message: string) => void }) {
  const [day, setDay] = useState(String(customer.billingDay));
  const [effectiveDate, setEffectiveDate] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body = { billingDay: wholeNumber(day), ...(effectiveDate ? { effectiveDate } : {}) };
      const changed = ok(
        await ctx.client.POST('/v1/accounts/{a}/customers/{code}/billing-day', { params: { path: { a: ctx.a, code: customer.code } }, body }),
      );
      const last = changed.billingDays[changed.billingDays.length - 1];
      saved(`Billing day of ${customer.code}: ${last?.billingDay}${last?.from ? ` from ${last.from}` : ''}.`);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label={`Billing day of ${customer.code}`}>
      <h3>Billing day of {customer.code}</h3>
      <p>
        History:{' '}
        {customer.billingDays.map((b) => `${b.from ? `from ${b.from}` : 'first'}: day ${b.billingDay}`).join('; ') || `day ${customer.billingDay}`}
      </p>
      <Field label="New billing day (1–28)" name="bd-day" value={day} onInput={setDay} error={errors.billingDay} required />
      <Field
        label="Effective date (empty: end of the current period)"
        name="bd-date"
        type="date"
        value={effectiveDate}
        onInput={setEffectiveDate}
        error={errors.effectiveDate}
      />
      <button type="submit">Change billing day</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** Creates or edits a customer cluster (name, parent); a parent that would close a loop is a 409 shown at the field. */
function CustomerClusterEditor({
  ctx,
  cluster,
  clusters,
  saved,
}: {
  ctx: Ctx;
  cluster: Cluster | null;
  clusters: readonly Cluster[];
  saved: (message: string) => void;
}) {
  const [id, setId] = useState(cluster?.id ?? '');
  const [name, setName] = useState(cluster?.name ?? '');
  const [parent, setParent] = useState(cluster?.parent ?? '');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const target = cluster?.id ?? id.trim();
    try {
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/customer-clusters/{id}', {
          params: { path: { a: ctx.a, id: target } },
          body: { name, parent: orNull(parent) },
        }),
      );
      saved(`Customer cluster ${target} saved.`);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  const title = cluster ? `Edit customer cluster ${cluster.id}` : 'New customer cluster';
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label={title}>
      <h2>{title}</h2>
      {!cluster && <Field label="Customer cluster id" name="cc-id" value={id} onInput={setId} error={errors.id} required />}
      <Field label="Customer cluster name" name="cc-name" value={name} onInput={setName} error={errors.name} required />
      <Select
        label="Parent cluster"
        name="cc-parent"
        value={parent}
        options={parentChoices(clusters, cluster?.id ?? null, parent)}
        optionLabel={parentWords('(no parent: top level)', new Map(clusters.map((c) => [c.id, c.name])))}
        onInput={setParent}
        error={errors.parent}
      />
      <button type="submit">{cluster ? 'Save customer cluster' : 'Create customer cluster'}</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

const aliasList = (text: string) =>
  text
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);

/** Creates or edits a product cluster; an alias another cluster holds is the API's 409 `alias_taken`, shown at the aliases. */
function ProductClusterEditor({
  ctx,
  cluster,
  clusters,
  saved,
}: {
  ctx: Ctx;
  cluster: ProductCluster | null;
  clusters: readonly Cluster[];
  saved: (message: string) => void;
}) {
  const [id, setId] = useState(cluster?.id ?? '');
  const [name, setName] = useState(cluster?.name ?? '');
  const [parent, setParent] = useState(cluster?.parent ?? '');
  const [aliases, setAliases] = useState((cluster?.aliases ?? []).join(', '));
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const target = cluster?.id ?? id.trim();
    try {
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/product-clusters/{id}', {
          params: { path: { a: ctx.a, id: target } },
          body: { name, parent: orNull(parent), aliases: aliasList(aliases) },
        }),
      );
      saved(`Product cluster ${target} saved: purchases its aliases name are evaluated again.`);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  const aliasError = errors.aliases ?? (error instanceof ApiError && error.code === 'alias_taken' ? error.message : undefined);
  const title = cluster ? `Edit product cluster ${cluster.id}` : 'New product cluster';
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label={title}>
      <h2>{title}</h2>
      {!cluster && <Field label="Product cluster id" name="pc-id" value={id} onInput={setId} error={errors.id} required />}
      <Field label="Product cluster name" name="pc-name" value={name} onInput={setName} error={errors.name} required />
      <Select
        label="Parent product cluster"
        name="pc-parent"
        value={parent}
        options={parentChoices(clusters, cluster?.id ?? null, parent)}
        optionLabel={parentWords('(no parent: top level)', new Map(clusters.map((c) => [c.id, c.name])))}
        onInput={setParent}
        error={errors.parent}
      />
      <Field label="Aliases (product labels, comma-separated)" name="pc-aliases" value={aliases} onInput={setAliases} error={aliasError} />
      <button type="submit">{cluster ? 'Save product cluster' : 'Create product cluster'}</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

type Editing =
  | { kind: 'customer'; customer: Customer | null }
  | { kind: 'billing-day'; customer: Customer }
  | { kind: 'customer-cluster'; cluster: Cluster | null }
  | { kind: 'product-cluster'; cluster: ProductCluster | null };

const editingKey = (e: Editing) => {
  if (e.kind === 'customer' || e.kind === 'billing-day') return `${e.kind}:${e.customer?.code ?? ''}`;
  return `${e.kind}:${e.cluster?.id ?? ''}`;
};

export function Customers({ ctx }: { ctx: Ctx }) {
  const customerClusters = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/customer-clusters', { params: { path: { a: ctx.a }, query: { limit: 1000 } } })),
    [ctx.a],
  );
  const productClusters = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/product-clusters', { params: { path: { a: ctx.a }, query: { limit: 1000 } } })),
    [ctx.a],
  );
  const customers = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/customers', { params: { path: { a: ctx.a }, query: { limit: 500, cursor } } })),
    [ctx.a],
  );
  const [editing, setEditing] = useState<Editing | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const writer = canWrite(ctx.session);
  const open = (e: Editing) => {
    setMessage(null);
    setError(null);
    setEditing(e);
  };
  const saved = (text: string) => {
    setEditing(null);
    setMessage(text);
    customerClusters.reload();
    productClusters.reload();
    customers.reload();
  };
  const hold = async (c: Customer, onHold: boolean) => {
    setError(null);
    setMessage(null);
    try {
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/customers/{code}', { params: { path: { a: ctx.a, code: c.code } }, body: { ...inputOf(c), onHold } }),
      );
      saved(
        onHold
          ? `Customer ${c.code} is on hold: its purchases wait for the release.`
          : `Customer ${c.code} is released: its purchases are billable again.`,
      );
    } catch (err) {
      setError(err);
    }
  };
  const items: Customer[] = customers.page?.items ?? [];
  const clusterIds = (customerClusters.data?.items ?? []).map((c) => c.id);
  const inCluster = (id: string) => {
    const list = items.filter((c) => c.cluster === id);
    return list.length ? (
      <ul class="leaves">
        {list.map((c) => (
          <li key={c.code}>
            <strong>{c.code}</strong> {c.name} · {c.currency} · billing day {c.billingDay}
            {c.onHold ? <span class="status failed"> on hold</span> : null}
            {c.parent ? ` · parent ${c.parent}` : ''}
            {c.invoicing === 'parent' ? ' (invoiced to its parent)' : ''}
            {writer && (
              <span class="row-actions">
                <button type="button" aria-label={`Edit customer ${c.code}`} onClick={() => open({ kind: 'customer', customer: c })}>
                  Edit
                </button>
                <button type="button" aria-label={`Billing day of ${c.code}`} onClick={() => open({ kind: 'billing-day', customer: c })}>
                  Billing day
                </button>
                <button type="button" aria-label={c.onHold ? `Release ${c.code}` : `Put ${c.code} on hold`} onClick={() => hold(c, !c.onHold)}>
                  {c.onHold ? 'Release' : 'Hold'}
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
    ) : null;
  };
  const products = productClusters.data?.items ?? [];
  const editButton = (label: string, e: Editing) =>
    writer ? (
      <span class="row-actions">
        <button type="button" aria-label={label} onClick={() => open(e)}>
          Edit
        </button>
      </span>
    ) : null;
  return (
    <section aria-labelledby="customers-h">
      <h1 id="customers-h">Customers and clusters</h1>
      {!writer && <Notice>Read-only: this key’s role is viewer.</Notice>}
      {writer && (
        <div class="actions">
          <button type="button" onClick={() => open({ kind: 'customer', customer: null })}>
            New customer
          </button>
          <button type="button" onClick={() => open({ kind: 'customer-cluster', cluster: null })}>
            New customer cluster
          </button>
          <button type="button" onClick={() => open({ kind: 'product-cluster', cluster: null })}>
            New product cluster
          </button>
        </div>
      )}
      {message && <Notice>{message}</Notice>}
      <ErrorBox error={error} />
      {editing && (
        <div key={editingKey(editing)}>
          {editing.kind === 'customer' && <CustomerEditor ctx={ctx} customer={editing.customer} clusters={clusterIds} saved={saved} />}
          {editing.kind === 'billing-day' && <BillingDayForm ctx={ctx} customer={editing.customer} saved={saved} />}
          {editing.kind === 'customer-cluster' && (
            <CustomerClusterEditor ctx={ctx} cluster={editing.cluster} clusters={(customerClusters.data?.items ?? []) as Cluster[]} saved={saved} />
          )}
          {editing.kind === 'product-cluster' && (
            <ProductClusterEditor ctx={ctx} cluster={editing.cluster} clusters={products as Cluster[]} saved={saved} />
          )}
          <button type="button" onClick={() => setEditing(null)}>
            Close the editor
          </button>
        </div>
      )}
      <div class="cards">
        <section class="card" aria-labelledby="cc-h">
          <h2 id="cc-h">Customer clusters and their customers</h2>
          <ErrorBox error={customerClusters.error ?? customers.error} />
          {customerClusters.data && (
            <Tree
              clusters={customerClusters.data.items as Cluster[]}
              leaves={inCluster}
              actions={(c) => editButton(`Edit customer cluster ${c.id}`, { kind: 'customer-cluster', cluster: c })}
            />
          )}
          <Pager list={customers} label="Pages of customers" />
        </section>
        <section class="card" aria-labelledby="pc-h">
          <h2 id="pc-h">Product clusters and aliases</h2>
          <ErrorBox error={productClusters.error} />
          <Tree
            clusters={products as Cluster[]}
            actions={(c) => {
              const cluster = products.find((p) => p.id === c.id) ?? null;
              return cluster && editButton(`Edit product cluster ${c.id}`, { kind: 'product-cluster', cluster });
            }}
            leaves={(id) => {
              const aliases = products.find((p) => p.id === id)?.aliases ?? [];
              return aliases.length ? <p class="aliases">aliases: {aliases.join(', ')}</p> : null;
            }}
          />
        </section>
      </div>
    </section>
  );
}
