import { useState } from 'preact/hooks';
import { ApiError, fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { ErrorBox, Field, HeaderRow, LineRow, money, Notice, Pager, Select, usePaged, WriteForm } from '../ui';

type Rule = Schemas['PriceRule'];

interface Draft {
  id: string;
  productCluster: string;
  customerCluster: string;
  currency: string;
  validFrom: string;
  validTo: string;
  priority: string;
  condition: string;
  scope: string;
  model: string;
}

const toDraft = (r: Rule | null): Draft => ({
  id: r?.id ?? '',
  productCluster: r?.productCluster ?? '',
  customerCluster: r?.customerCluster ?? '',
  currency: r?.currency ?? 'EUR',
  validFrom: r?.validFrom ?? '',
  validTo: r?.validTo ?? '',
  priority: String(r?.priority ?? 0),
  condition: r?.condition ?? '',
  scope: r?.scope ?? 'purchase',
  model: JSON.stringify(r?.model ?? { type: 'standard', unitPrice: '1.00' }, null, 2),
});

/** Edits one price rule; the API's 400 details and 409s show next to the fields they name. */
function RuleEditor({ ctx, rule, saved }: { ctx: Ctx; rule: Rule | null; saved: (id: string) => void }) {
  const [d, setD] = useState<Draft>(toDraft(rule));
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof Draft) => (v: string) => setD({ ...d, [k]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let model: Rule['model'];
    try {
      model = JSON.parse(d.model) as Rule['model'];
    } catch {
      setError(new ApiError(400, 'invalid_input', 'The model is not JSON', ['model: not valid JSON']));
      return;
    }
    try {
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/price-rules/{id}', {
          params: { path: { a: ctx.a, id: d.id } },
          body: {
            productCluster: d.productCluster,
            customerCluster: d.customerCluster || null,
            currency: d.currency,
            validFrom: d.validFrom,
            validTo: d.validTo || null,
            priority: Number(d.priority || 0),
            condition: d.condition || null,
            scope: d.scope as Rule['scope'],
            model,
          },
        }),
      );
      saved(d.id);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  const modelError = Object.entries(errors)
    .filter(([k]) => k === 'model' || k.startsWith('model.'))
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label={rule ? `Edit price rule ${rule.id}` : 'New price rule'}>
      <h2>{rule ? `Price rule ${rule.id}` : 'New price rule'}</h2>
      {!rule && <Field label="Rule id" name="rule-id" value={d.id} onInput={set('id')} error={errors.id} required />}
      <Field
        label="Product cluster"
        name="rule-product-cluster"
        value={d.productCluster}
        onInput={set('productCluster')}
        error={errors.productCluster}
        required
      />
      <Field
        label="Customer cluster (empty: every customer)"
        name="rule-customer-cluster"
        value={d.customerCluster}
        onInput={set('customerCluster')}
        error={errors.customerCluster}
      />
      <Field label="Currency" name="rule-currency" value={d.currency} onInput={set('currency')} error={errors.currency} required />
      <Field label="Valid from" name="rule-valid-from" value={d.validFrom} onInput={set('validFrom')} error={errors.validFrom} required />
      <Field label="Valid to (exclusive, empty: open)" name="rule-valid-to" value={d.validTo} onInput={set('validTo')} error={errors.validTo} />
      <Field label="Priority (lower wins)" name="rule-priority" value={d.priority} onInput={set('priority')} error={errors.priority} />
      <Field label="Condition" name="rule-condition" value={d.condition} onInput={set('condition')} error={errors.condition} />
      <Select label="Scope" name="rule-scope" value={d.scope} options={['purchase', 'period']} onInput={set('scope')} />
      <Field label="Model (JSON)" name="rule-model" value={d.model} onInput={set('model')} error={modelError || undefined} multiline />
      {canWrite(ctx.session) && <button type="submit">Save price rule</button>}
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** The API's usage preview: what a customer's period would be billed now, with what is not billable yet. */
function UsagePreview({ ctx }: { ctx: Ctx }) {
  const [customer, setCustomer] = useState('');
  const [periodStart, setPeriodStart] = useState('');
  const [periodEnd, setPeriodEnd] = useState('');
  const [usage, setUsage] = useState<Schemas['Usage'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const query = { periodStart, periodEnd };
      setUsage(ok(await ctx.client.GET('/v1/accounts/{a}/customers/{code}/usage', { params: { path: { a: ctx.a, code: customer }, query } })));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="preview-h" class="card">
      <h2 id="preview-h">Price preview (usage of a customer’s period)</h2>
      <form class="filters" onSubmit={submit} aria-label="Price preview">
        <Field label="Customer code" name="preview-customer" value={customer} onInput={setCustomer} required />
        <Field label="Period start" name="preview-start" type="date" value={periodStart} onInput={setPeriodStart} required />
        <Field label="Period end" name="preview-end" type="date" value={periodEnd} onInput={setPeriodEnd} required />
        <button type="submit">Preview</button>
      </form>
      <ErrorBox error={error} />
      {usage && (
        <div data-testid="preview">
          <p>
            {usage.customer}, {usage.periodStart} → {usage.periodEnd}: {usage.purchases} purchase(s), subtotal {usage.subtotal} {usage.currency}
          </p>
          <table>
            <thead>
              <HeaderRow columns={['Line', 'Product cluster', 'Quantity', 'Unit price', 'Amount']} />
            </thead>
            <tbody>
              {(usage.lines ?? []).map((l, i) => (
                <LineRow key={i} line={l} />
              ))}
            </tbody>
          </table>
          {Object.keys(usage.notBillable ?? {}).length > 0 && (
            <p>
              Not billable yet:{' '}
              {Object.entries(usage.notBillable ?? {})
                .map(([r, n]) => `${r} ${n}`)
                .join(', ')}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/**
 * "Price this purchase" (`POST /price-preview`): the rule the pipeline would price one purchase with now, its
 * amount, who pays, and every price rule with why it won or lost. Nothing is stored, so a viewer may use it.
 */
function PurchasePreview({ ctx }: { ctx: Ctx }) {
  const [f, setF] = useState({ productLabel: '', customerCode: '', quantity: '1', purchaseDate: '', metadata: '' });
  const [result, setResult] = useState<Schemas['PricePreview'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    let metadata: Record<string, string | number | boolean> | undefined;
    if (f.metadata.trim()) {
      try {
        metadata = JSON.parse(f.metadata) as typeof metadata;
      } catch {
        setError(new ApiError(400, 'invalid_input', 'The metadata is not JSON', ['metadata: not valid JSON']));
        return;
      }
    }
    try {
      const body = { productLabel: f.productLabel, customerCode: f.customerCode, quantity: f.quantity, purchaseDate: f.purchaseDate, metadata };
      setResult(ok(await ctx.client.POST('/v1/accounts/{a}/price-preview', { params: { path: { a: ctx.a } }, body })));
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  const winner = result?.candidates.find((c) => c.outcome === 'wins');
  return (
    <section aria-labelledby="price-purchase-h" class="card">
      <h2 id="price-purchase-h">Price this purchase</h2>
      <form class="filters" onSubmit={submit} aria-label="Price this purchase">
        <Field label="Product label" name="pp-product" value={f.productLabel} onInput={set('productLabel')} error={errors.productLabel} required />
        <Field
          label="Customer (who used it)"
          name="pp-customer"
          value={f.customerCode}
          onInput={set('customerCode')}
          error={errors.customerCode}
          required
        />
        <Field label="Quantity" name="pp-quantity" value={f.quantity} onInput={set('quantity')} error={errors.quantity} required />
        <Field
          label="Purchase date"
          name="pp-date"
          value={f.purchaseDate}
          onInput={set('purchaseDate')}
          error={errors.purchaseDate}
          placeholder="2026-10-10"
          required
        />
        <Field
          label="Metadata (JSON, optional)"
          name="pp-metadata"
          value={f.metadata}
          onInput={set('metadata')}
          error={
            Object.entries(errors)
              .filter(([k]) => k === 'metadata' || k.startsWith('metadata.'))
              .map(([k, v]) => `${k}: ${v}`)
              .join('; ') || undefined
          }
          placeholder='{"roaming": true}'
        />
        <button type="submit">Price it</button>
      </form>
      <ErrorBox error={error} />
      {result && (
        <div data-testid="price-result" class="price-result">
          <p>
            {result.priceRule ? (
              <>
                Priced by <strong data-testid="winning-rule">{result.priceRule}</strong>:{' '}
                {result.amount === null ? 'per period (the invoice prices the sum)' : money(result.amount, result.currency)}
              </>
            ) : (
              <>
                Not priced: <strong>{result.reason ?? result.status}</strong>
                {result.ratingError ? ` (${result.ratingError})` : ''}
              </>
            )}
            {result.priceRule && result.reason ? ` (${result.status}: ${result.reason})` : ''}
          </p>
          <p>
            Used by {result.customer ?? '—'}, paid by {result.billedTo ?? '—'}
            {result.routingRule ? ` (routing rule ${result.routingRule})` : ''}; product cluster {result.productCluster ?? '—'}.
          </p>
          {winner && <p class="hint">{winner.why}</p>}
          <table>
            <caption>Every price rule, and why it won or lost</caption>
            <thead>
              <HeaderRow columns={['Price rule', 'Outcome', 'Why']} />
            </thead>
            <tbody>
              {result.candidates.map((c) => (
                <tr key={c.priceRule} data-testid={`candidate-${c.priceRule}`}>
                  <td>{c.priceRule}</td>
                  <td>
                    <span class={`outcome ${c.outcome}`}>{c.outcome}</span>
                  </td>
                  <td>{c.why}</td>
                </tr>
              ))}
              {result.candidates.length === 0 && (
                <tr>
                  <td colSpan={3}>No rule was judged: the purchase does not map to a customer and a product cluster.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function PriceRules({ ctx }: { ctx: Ctx }) {
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const list = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/price-rules', { params: { path: { a: ctx.a }, query: { limit: 100, cursor } } })),
    [ctx.a],
  );
  return (
    <section aria-labelledby="rules-h">
      <h1 id="rules-h">Price rules</h1>
      {canWrite(ctx.session) && (
        <button type="button" onClick={() => setEditing('new')}>
          New price rule
        </button>
      )}
      {message && <Notice>{message}</Notice>}
      <ErrorBox error={list.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Id', 'Product cluster', 'Customer cluster', 'Currency', 'Valid', 'Priority', 'Model', '']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((r) => (
            <tr key={r.id}>
              <td>{r.id}</td>
              <td>{r.productCluster}</td>
              <td>{r.customerCluster ?? 'every customer'}</td>
              <td>{r.currency}</td>
              <td>
                {r.validFrom} → {r.validTo ?? 'open'}
              </td>
              <td class="num">{r.priority}</td>
              <td>
                <code>{JSON.stringify(r.model)}</code>
              </td>
              <td>
                <button type="button" onClick={() => setEditing(r)} aria-label={`${canWrite(ctx.session) ? 'Edit' : 'View'} price rule ${r.id}`}>
                  {canWrite(ctx.session) ? 'Edit' : 'View'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager list={list} label="Pages of price rules" />
      {editing && (
        <RuleEditor
          key={editing === 'new' ? 'new' : editing.id}
          ctx={ctx}
          rule={editing === 'new' ? null : editing}
          saved={(id) => {
            setEditing(null);
            setMessage(`Price rule ${id} saved: purchases it prices are evaluated again.`);
            list.reload();
          }}
        />
      )}
      <PurchasePreview ctx={ctx} />
      <UsagePreview ctx={ctx} />
    </section>
  );
}
