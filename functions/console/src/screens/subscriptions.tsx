import { useState } from 'preact/hooks';
import { fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { CustomerField } from '../customer-field';
import { ErrorBox, Field, HeaderRow, Notice, Pager, Select, useLoad, usePaged, useReloadOnReturn, WriteForm } from '../ui';

type Subscription = Schemas['Subscription'];
type HistoryEntry = Subscription['history'][number];
type Status = Subscription['status'];
type Operation = 'change' | 'pause' | 'resume' | 'cancel';
type Policy = 'immediate' | 'end-of-term';

const STATUSES: readonly (Status | '')[] = ['', 'pending', 'trial', 'active', 'paused', 'cancelled', 'ended'];
const OPERATIONS: readonly Operation[] = ['change', 'pause', 'resume', 'cancel'];
const POLICIES: readonly Policy[] = ['immediate', 'end-of-term'];
const VERB: Record<Operation, string> = { change: 'Change', pause: 'Pause', resume: 'Resume', cancel: 'Cancel' };

const today = () => new Date().toISOString().slice(0, 10);

/** What one history entry changed, in words. */
function whatChanged(entry: HistoryEntry): string {
  if (entry.type === 'change') {
    const parts = [entry.offer ? `offer → ${entry.offer}` : '', entry.quantity ? `quantity → ${entry.quantity}` : ''].filter(Boolean);
    return parts.join(', ');
  }
  if (entry.type === 'cancel') return 'service ends';
  return entry.type === 'pause' ? 'no recurring fee while paused' : 'recurring fees again';
}

function SubscriptionForm({ ctx, created }: { ctx: Ctx; created: (s: Subscription) => void }) {
  const [d, setD] = useState({ id: '', customer: '', offer: '', quantity: '1', startDate: today(), endDate: '' });
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof typeof d) => (v: string) => setD({ ...d, [k]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body = {
        customer: d.customer,
        offer: d.offer,
        quantity: d.quantity,
        startDate: d.startDate,
        ...(d.endDate ? { endDate: d.endDate } : {}),
      };
      created(ok(await ctx.client.PUT('/v1/accounts/{a}/subscriptions/{id}', { params: { path: { a: ctx.a, id: d.id } }, body })));
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label="New subscription">
      <h2>New subscription</h2>
      <Field label="Subscription id" name="sub-id" value={d.id} onInput={set('id')} error={errors.id} required />
      <CustomerField
        client={ctx.client}
        account={ctx.a}
        label="Customer"
        name="sub-customer"
        value={d.customer}
        onInput={set('customer')}
        error={errors.customer}
        required
      />
      <Field label="Offer" name="sub-offer" value={d.offer} onInput={set('offer')} error={errors.offer} required />
      <Field label="Quantity" name="sub-quantity" value={d.quantity} onInput={set('quantity')} error={errors.quantity} />
      <Field label="Start date" name="sub-start" type="date" value={d.startDate} onInput={set('startDate')} error={errors.startDate} required />
      <Field label="End date (exclusive, optional)" name="sub-end" type="date" value={d.endDate} onInput={set('endDate')} error={errors.endDate} />
      <button type="submit">Subscribe</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** Change, pause, resume or cancel, each from an effective date; the recorded entry is shown as the result. */
function Operations({ ctx, subscription, done }: { ctx: Ctx; subscription: Subscription; done: (s: Subscription) => void }) {
  const [operation, setOperation] = useState<Operation>('change');
  const [effectiveDate, setEffectiveDate] = useState(today());
  const [policy, setPolicy] = useState<Policy>('immediate');
  const [offer, setOffer] = useState('');
  const [quantity, setQuantity] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    const path = { a: ctx.a, id: subscription.id };
    try {
      let after: Subscription;
      if (operation === 'change') {
        const body = { effectiveDate, policy, ...(offer ? { offer } : {}), ...(quantity ? { quantity } : {}) };
        after = ok(await ctx.client.POST('/v1/accounts/{a}/subscriptions/{id}/changes', { params: { path }, body }));
      } else if (operation === 'cancel') {
        after = ok(await ctx.client.POST('/v1/accounts/{a}/subscriptions/{id}/cancel', { params: { path }, body: { effectiveDate, policy } }));
      } else if (operation === 'pause') {
        after = ok(await ctx.client.POST('/v1/accounts/{a}/subscriptions/{id}/pause', { params: { path }, body: { effectiveDate } }));
      } else {
        after = ok(await ctx.client.POST('/v1/accounts/{a}/subscriptions/{id}/resume', { params: { path }, body: { effectiveDate } }));
      }
      const entry = after.history[after.history.length - 1];
      const applies = entry?.appliesFrom && entry.appliesFrom !== entry.effectiveDate ? `, applies from ${entry.appliesFrom}` : '';
      setResult(
        `${VERB[operation]} recorded, effective ${effectiveDate}${applies}: today ${after.status}, offer ${after.offer}, quantity ${after.quantity}.`,
      );
      setOffer('');
      setQuantity('');
      done(after);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="inline-form operations" onSubmit={submit} label="Subscription operation">
      <h3>Operations</h3>
      <div class="filters">
        <Select label="Operation" name="op-type" value={operation} options={OPERATIONS} onInput={(v) => setOperation(v as Operation)} />
        <Field
          label="Effective date"
          name="op-date"
          type="date"
          value={effectiveDate}
          onInput={setEffectiveDate}
          error={errors.effectiveDate}
          required
        />
        {(operation === 'change' || operation === 'cancel') && (
          <Select label="Policy" name="op-policy" value={policy} options={POLICIES} onInput={(v) => setPolicy(v as Policy)} />
        )}
        {operation === 'change' && (
          <>
            <Field label="New offer (optional)" name="op-offer" value={offer} onInput={setOffer} error={errors.offer} />
            <Field label="New quantity (optional)" name="op-quantity" value={quantity} onInput={setQuantity} error={errors.quantity} />
          </>
        )}
        <button type="submit">{VERB[operation]} subscription</button>
      </div>
      {result && <Notice>{result}</Notice>}
      <ErrorBox error={error} />
    </WriteForm>
  );
}

function SubscriptionDetail({ ctx, id, changed }: { ctx: Ctx; id: string; changed: () => void }) {
  const loaded = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/subscriptions/{id}', { params: { path: { a: ctx.a, id } } })),
    [ctx.a, id],
  );
  const [latest, setLatest] = useState<Subscription | null>(null);
  const s = latest ?? loaded.data;
  const prices = s?.prices ? Object.entries(s.prices) : [];
  return (
    <section aria-labelledby="subscription-h" class="card" data-testid="subscription-detail">
      <h2 id="subscription-h">Subscription {id}</h2>
      <ErrorBox error={loaded.error} />
      {s && (
        <>
          <dl class="facts">
            <dt>Customer</dt>
            <dd>{s.customer}</dd>
            <dt>Offer today</dt>
            <dd>
              <a href={`#/offers/${s.offer}`}>{s.offer}</a>
            </dd>
            <dt>Quantity today</dt>
            <dd data-testid="subscription-quantity">{s.quantity}</dd>
            <dt>Service</dt>
            <dd>
              {s.startDate} → {s.endDate ?? 'open'}
            </dd>
            <dt>Status today</dt>
            <dd>
              <span class={`status ${s.status}`} data-testid="subscription-status">
                {s.status}
              </span>
            </dd>
            <dt>Charged through</dt>
            <dd>{s.chargedThrough ?? 'not charged yet'}</dd>
            <dt>Negotiated prices</dt>
            <dd>{prices.length ? prices.map(([charge, price]) => `${charge} ${price}`).join(', ') : 'the offer’s'}</dd>
          </dl>
          <h3>History</h3>
          {s.history.length === 0 ? (
            <p>No operation yet.</p>
          ) : (
            <table data-testid="subscription-history">
              <thead>
                <HeaderRow columns={['Operation', 'Effective date', 'Applies from', 'Policy', 'What changed', 'Recorded']} />
              </thead>
              <tbody>
                {s.history.map((h, n) => (
                  <tr key={n}>
                    <td>{h.type}</td>
                    <td>{h.effectiveDate}</td>
                    <td>{h.appliesFrom ?? h.effectiveDate}</td>
                    <td>{h.policy ?? ''}</td>
                    <td>{whatChanged(h)}</td>
                    <td>{h.recordedAt}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {canWrite(ctx.session) && (
            <Operations
              ctx={ctx}
              subscription={s}
              done={(after) => {
                setLatest(after);
                changed();
              }}
            />
          )}
        </>
      )}
    </section>
  );
}

export function Subscriptions({ ctx, param }: { ctx: Ctx; param: string }) {
  const [id, query] = param.split('?');
  const preset = new URLSearchParams(query ?? '');
  const [customer, setCustomer] = useState(preset.get('customer') ?? '');
  const [status, setStatus] = useState(preset.get('status') ?? '');
  const [filters, setFilters] = useState({ customer, status });
  const [creating, setCreating] = useState(false);
  const list = usePaged(
    async (cursor) => {
      const q = {
        limit: 50,
        cursor,
        ...(filters.customer ? { customer: filters.customer } : {}),
        ...(filters.status ? { status: filters.status as Status } : {}),
      };
      return ok(await ctx.client.GET('/v1/accounts/{a}/subscriptions', { params: { path: { a: ctx.a }, query: q } }));
    },
    [ctx.a, filters],
  );
  useReloadOnReturn('subscriptions', list.reload);
  return (
    <section aria-labelledby="subscriptions-h">
      <h1 id="subscriptions-h">Subscriptions</h1>
      <form
        class="filters"
        aria-label="Subscription filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ customer, status });
        }}
      >
        <CustomerField client={ctx.client} account={ctx.a} label="Customer" name="subs-customer" value={customer} onInput={setCustomer} />
        <Select label="Status today" name="subs-status" value={status} options={STATUSES} onInput={setStatus} />
        <button type="submit">Filter</button>
      </form>
      {canWrite(ctx.session) ? (
        <button type="button" onClick={() => setCreating(true)}>
          New subscription
        </button>
      ) : (
        <Notice>Read-only: this key’s role is viewer.</Notice>
      )}
      <ErrorBox error={list.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Subscription', 'Customer', 'Offer', 'Quantity', 'Service', 'Status', 'Charged through']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((s) => (
            <tr key={s.id}>
              <td>
                <a href={`#/subscriptions/${s.id}`}>{s.id}</a>
              </td>
              <td>{s.customer}</td>
              <td>{s.offer}</td>
              <td class="num">{s.quantity}</td>
              <td>
                {s.startDate} → {s.endDate ?? 'open'}
              </td>
              <td>
                <span class={`status ${s.status}`}>{s.status}</span>
              </td>
              <td>{s.chargedThrough ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.page?.items.length === 0 && <p>No subscription matches.</p>}
      <Pager list={list} label="Pages of subscriptions" />
      {creating && (
        <SubscriptionForm
          ctx={ctx}
          created={(s) => {
            setCreating(false);
            list.reload();
            ctx.go(`subscriptions/${s.id}`);
          }}
        />
      )}
      {id && <SubscriptionDetail ctx={ctx} id={id} key={id} changed={list.reload} />}
    </section>
  );
}
