import { useState } from 'preact/hooks';
import { ApiError, fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { ErrorBox, Field, HeaderRow, Notice, Pager, usePaged, WriteForm } from '../ui';

type Rule = Schemas['RoutingRule'];

interface Draft {
  id: string;
  customerCluster: string;
  productCluster: string;
  targetCustomer: string;
}

const toDraft = (r: Rule | null): Draft => ({
  id: r?.id ?? '',
  customerCluster: r?.customerCluster ?? '',
  productCluster: r?.productCluster ?? '',
  targetCustomer: r?.targetCustomer ?? '',
});

/** The rule a 409 `routing_overlap` names (its details say `overlaps: routing rule '<id>'`), or null. */
function overlappedRule(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.code !== 'routing_overlap') return null;
  for (const d of error.details) {
    const match = /^overlaps: routing rule '(.*)'$/.exec(String(d));
    if (match) return match[1]!;
  }
  return null;
}

/**
 * Creates or edits one routing rule. A 400 names its fields next to them; a 409 `routing_overlap` is shown
 * on both cluster fields, naming the rule it overlaps, with a button that opens that rule.
 */
function RoutingEditor({ ctx, rule, saved, open }: { ctx: Ctx; rule: Rule | null; saved: (id: string) => void; open: (id: string) => void }) {
  const [d, setD] = useState<Draft>(toDraft(rule));
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof Draft) => (v: string) => setD({ ...d, [k]: v });
  const writable = canWrite(ctx.session);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/routing-rules/{id}', {
          params: { path: { a: ctx.a, id: d.id } },
          body: { customerCluster: d.customerCluster, productCluster: d.productCluster, targetCustomer: d.targetCustomer },
        }),
      );
      saved(d.id);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  const overlap = overlappedRule(error);
  const overlapMessage = overlap === null ? undefined : `overlaps routing rule '${overlap}': its clusters are on the same ancestor lines`;
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label={rule ? `Edit routing rule ${rule.id}` : 'New routing rule'}>
      <h2>{rule ? `Routing rule ${rule.id}` : 'New routing rule'}</h2>
      {!rule && <Field label="Rule id" name="routing-id" value={d.id} onInput={set('id')} error={errors.id} required />}
      <Field
        label="Customer cluster (whose purchases)"
        name="routing-customer-cluster"
        value={d.customerCluster}
        onInput={set('customerCluster')}
        error={errors.customerCluster ?? overlapMessage}
        required
      />
      <Field
        label="Product cluster (of which products)"
        name="routing-product-cluster"
        value={d.productCluster}
        onInput={set('productCluster')}
        error={errors.productCluster ?? overlapMessage}
        required
      />
      <Field
        label="Target customer (who pays)"
        name="routing-target"
        value={d.targetCustomer}
        onInput={set('targetCustomer')}
        error={errors.targetCustomer}
        required
      />
      {overlap !== null && (
        <p class="routing-overlap">
          <button type="button" onClick={() => open(overlap)}>
            Open routing rule {overlap}
          </button>
        </p>
      )}
      {writable && <button type="submit">Save routing rule</button>}
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** Routing rules: who pays for whose purchases (docs/product.md §4), paged with the API's cursors. */
export function RoutingRules({ ctx }: { ctx: Ctx }) {
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [openError, setOpenError] = useState<unknown>(null);
  const list = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/routing-rules', { params: { path: { a: ctx.a }, query: { limit: 100, cursor } } })),
    [ctx.a],
  );
  const open = async (id: string) => {
    setOpenError(null);
    try {
      setEditing(ok(await ctx.client.GET('/v1/accounts/{a}/routing-rules/{id}', { params: { path: { a: ctx.a, id } } })));
    } catch (err) {
      setOpenError(err);
    }
  };
  const writable = canWrite(ctx.session);
  return (
    <section aria-labelledby="routing-h">
      <h1 id="routing-h">Routing rules</h1>
      <p class="hint">
        Purchases of customers under a customer cluster, for products under a product cluster, are paid by the target customer. Two rules may not
        overlap.
      </p>
      {writable && (
        <button type="button" onClick={() => setEditing('new')}>
          New routing rule
        </button>
      )}
      {message && <Notice>{message}</Notice>}
      <ErrorBox error={list.error} />
      <ErrorBox error={openError} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Id', 'Customer cluster', 'Product cluster', 'Paid by', '']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((r) => (
            <tr key={r.id}>
              <td>{r.id}</td>
              <td>{r.customerCluster}</td>
              <td>{r.productCluster}</td>
              <td>{r.targetCustomer}</td>
              <td>
                <button type="button" onClick={() => setEditing(r)} aria-label={`${writable ? 'Edit' : 'View'} routing rule ${r.id}`}>
                  {writable ? 'Edit' : 'View'}
                </button>
              </td>
            </tr>
          ))}
          {list.page?.items.length === 0 && (
            <tr>
              <td colSpan={5}>No routing rule: every customer pays for its own purchases.</td>
            </tr>
          )}
        </tbody>
      </table>
      <Pager list={list} label="Pages of routing rules" />
      {editing && (
        <RoutingEditor
          key={editing === 'new' ? 'new' : editing.id}
          ctx={ctx}
          rule={editing === 'new' ? null : editing}
          open={open}
          saved={(id) => {
            setEditing(null);
            setMessage(`Routing rule ${id} saved: the open purchases it can affect are routed again.`);
            list.reload();
          }}
        />
      )}
    </section>
  );
}
