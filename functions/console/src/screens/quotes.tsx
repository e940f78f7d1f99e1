import { useState } from 'preact/hooks';
import { download, fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { CustomerField } from '../customer-field';
import { ErrorBox, Field, HeaderRow, Notice, Pager, Select, money, useLoad, usePaged, useReloadOnReturn, WriteForm } from '../ui';

type Quote = Schemas['Quote'];
type Status = Quote['status'];
type LineInput = Schemas['QuoteInput']['lines'][number];

const STATUSES: readonly (Status | '')[] = ['', 'draft', 'pending-approval', 'approved', 'accepted', 'declined', 'expired'];

interface LineDraft {
  charge: string;
  quantity: string;
  discount: string;
  unitPrice: string;
}

interface QuoteDraft {
  id: string;
  customer: string;
  offer: string;
  validUntil: string;
  notes: string;
  lines: LineDraft[];
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const emptyLine = (quantity = '1'): LineDraft => ({ charge: '', quantity, discount: '', unitPrice: '' });

/**
 * A quote's next version starts from its latest one, each line with its discount; a discount of four
 * decimals is one the API rounded from a given unit price, so that line keeps its exact unit price instead.
 */
const toDraft = (q: Quote | null): QuoteDraft => ({
  id: q?.id ?? '',
  customer: q?.customer ?? '',
  offer: q?.offer ?? '',
  validUntil: q?.validUntil ?? inDays(30),
  notes: q?.notes ?? '',
  lines: q
    ? q.lines.map((l) => {
        const rounded = /\.\d{4}$/.test(l.discount);
        const discount = l.discount === '0' || rounded ? '' : l.discount;
        return { charge: l.charge, quantity: l.quantity, discount, unitPrice: rounded ? l.unitPrice : '' };
      })
    : [emptyLine()],
});

const toLine = (l: LineDraft): LineInput => ({
  charge: l.charge,
  quantity: l.quantity,
  ...(l.discount.trim() ? { discount: l.discount.trim() } : {}),
  ...(l.unitPrice.trim() ? { unitPrice: l.unitPrice.trim() } : {}),
});

/** Makes a quote or its next version; each 400 detail shows on the line and field it names (`lines.1.charge`). */
function QuoteEditor({ ctx, quote, saved }: { ctx: Ctx; quote: Quote | null; saved: (q: Quote) => void }) {
  const [d, setD] = useState<QuoteDraft>(toDraft(quote));
  const [error, setError] = useState<unknown>(null);
  const set = (k: 'id' | 'customer' | 'offer' | 'validUntil' | 'notes') => (v: string) => setD({ ...d, [k]: v });
  const setLine = (i: number, k: keyof LineDraft) => (v: string) => setD({ ...d, lines: d.lines.map((l, n) => (n === i ? { ...l, [k]: v } : l)) });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body = { customer: d.customer, offer: d.offer, validUntil: d.validUntil, notes: d.notes || null, lines: d.lines.map(toLine) };
      saved(ok(await ctx.client.PUT('/v1/accounts/{a}/quotes/{id}', { params: { path: { a: ctx.a, id: d.id } }, body })));
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="editor quote-editor" onSubmit={submit} label={quote ? `New version of quote ${quote.id}` : 'New quote'}>
      <h2>{quote ? `Quote ${quote.id}: a new version` : 'New quote'}</h2>
      {!quote && <Field label="Quote id" name="quote-id" value={d.id} onInput={set('id')} error={errors.id} required />}
      <CustomerField
        client={ctx.client}
        account={ctx.a}
        label="Customer"
        name="quote-customer"
        value={d.customer}
        onInput={set('customer')}
        error={errors.customer}
        required
      />
      <Field label="Offer" name="quote-offer" value={d.offer} onInput={set('offer')} error={errors.offer} required />
      <Field
        label="Valid until"
        name="quote-valid-until"
        type="date"
        value={d.validUntil}
        onInput={set('validUntil')}
        error={errors.validUntil}
        required
      />
      <Field label="Notes" name="quote-notes" value={d.notes} onInput={set('notes')} error={errors.notes} multiline />
      <fieldset class="quote-lines">
        <legend>Lines (recurring and one-off charges of the offer; one quantity for all)</legend>
        {errors.lines && <p class="field-error">lines: {errors.lines}</p>}
        {d.lines.map((l, i) => (
          <fieldset class="quote-line" key={i}>
            <legend>Line {i + 1}</legend>
            <div class="filters">
              <Field
                label={`Line ${i + 1} charge`}
                name={`line-${i}-charge`}
                value={l.charge}
                onInput={setLine(i, 'charge')}
                error={errors[`lines.${i}.charge`]}
                required
              />
              <Field
                label={`Line ${i + 1} quantity`}
                name={`line-${i}-quantity`}
                value={l.quantity}
                onInput={setLine(i, 'quantity')}
                error={errors[`lines.${i}.quantity`]}
                required
              />
              <Field
                label={`Line ${i + 1} discount (%)`}
                name={`line-${i}-discount`}
                value={l.discount}
                onInput={setLine(i, 'discount')}
                error={errors[`lines.${i}.discount`]}
              />
              <Field
                label={`Line ${i + 1} unit price`}
                name={`line-${i}-unit-price`}
                value={l.unitPrice}
                onInput={setLine(i, 'unitPrice')}
                error={errors[`lines.${i}.unitPrice`]}
              />
              {d.lines.length > 1 && (
                <button type="button" onClick={() => setD({ ...d, lines: d.lines.filter((_, n) => n !== i) })}>
                  Remove line {i + 1}
                </button>
              )}
            </div>
            {errors[`lines.${i}`] && <p class="field-error">{errors[`lines.${i}`]}</p>}
          </fieldset>
        ))}
        <button type="button" onClick={() => setD({ ...d, lines: [...d.lines, emptyLine(d.lines[0]?.quantity)] })}>
          Add line
        </button>
      </fieldset>
      <button type="submit">Save quote</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

function LinesTable({ quote }: { quote: Quote }) {
  return (
    <table data-testid="quote-lines">
      <thead>
        <HeaderRow columns={['Charge', 'Quantity', 'List price', 'Discount (%)', 'Unit price', 'Amount']} />
      </thead>
      <tbody>
        {quote.lines.map((l) => (
          <tr key={l.charge}>
            <td>{l.charge}</td>
            <td class="num">{l.quantity}</td>
            <td class="num">{l.listPrice}</td>
            <td class="num">{l.discount}</td>
            <td class="num">{l.unitPrice}</td>
            <td class="num">{l.amount}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={5}>
            Total
          </th>
          <td class="num" data-testid="quote-total">
            {money(quote.total, quote.currency)}
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

/** The versions, read again whenever the latest one changes (a new version, or its status). */
function Versions({ ctx, id, latest }: { ctx: Ctx; id: string; latest: string }) {
  const versions = usePaged(
    async (cursor) =>
      ok(await ctx.client.GET('/v1/accounts/{a}/quotes/{id}/versions', { params: { path: { a: ctx.a, id }, query: { limit: 20, cursor } } })),
    [ctx.a, id, latest],
  );
  return (
    <>
      <h3>Versions</h3>
      <ErrorBox error={versions.error} />
      <table data-testid="quote-versions">
        <thead>
          <HeaderRow columns={['Version', 'Status', 'Lines', 'Total', 'Made']} />
        </thead>
        <tbody>
          {(versions.page?.items ?? []).map((v) => (
            <tr key={v.version}>
              <td class="num">{v.version}</td>
              <td>
                <span class={`status ${v.status}`}>{v.status}</span>
              </td>
              <td>{v.lines.map((l) => `${l.charge} ${l.quantity} × ${l.unitPrice}`).join(', ')}</td>
              <td class="num">{money(v.total, v.currency)}</td>
              <td>{v.createdAt}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager list={versions} label="Pages of versions" />
    </>
  );
}

/** Accepting makes the subscription, with the quoted unit prices; the console then opens it. */
function Accept({ ctx, quote, accepted }: { ctx: Ctx; quote: Quote; accepted: (subscription: string) => void }) {
  const [startDate, setStartDate] = useState(inDays(0));
  const [subscription, setSubscription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body = { startDate, ...(subscription ? { subscription } : {}) };
      const created = ok(await ctx.client.POST('/v1/accounts/{a}/quotes/{id}/accept', { params: { path: { a: ctx.a, id: quote.id } }, body }));
      accepted(created.id);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="inline-form filters" onSubmit={submit} label="Accept the quote">
      <Field
        label="Subscription start date"
        name="accept-start"
        type="date"
        value={startDate}
        onInput={setStartDate}
        error={errors.startDate}
        required
      />
      <Field
        label="Subscription id (default: the quote’s)"
        name="accept-subscription"
        value={subscription}
        onInput={setSubscription}
        error={errors.subscription}
      />
      <button type="submit">Accept quote</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

function QuoteDetail({ ctx, id, changed }: { ctx: Ctx; id: string; changed: () => void }) {
  const loaded = useLoad(async () => ok(await ctx.client.GET('/v1/accounts/{a}/quotes/{id}', { params: { path: { a: ctx.a, id } } })), [ctx.a, id]);
  const [latest, setLatest] = useState<Quote | null>(null);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const q = latest ?? loaded.data;
  const writer = canWrite(ctx.session);
  const admin = ctx.session.role === 'admin';
  const updated = (after: Quote, said: string) => {
    setLatest(after);
    setMessage(said);
    changed();
  };
  const act = (action: 'submit' | 'approve' | 'decline') => async () => {
    setError(null);
    setMessage(null);
    const params = { params: { path: { a: ctx.a, id } } };
    try {
      const after = ok(
        action === 'submit'
          ? await ctx.client.POST('/v1/accounts/{a}/quotes/{id}/submit', params)
          : action === 'approve'
            ? await ctx.client.POST('/v1/accounts/{a}/quotes/{id}/approve', params)
            : await ctx.client.POST('/v1/accounts/{a}/quotes/{id}/decline', params),
      );
      updated(after, `Quote ${id} version ${after.version}: ${after.status}.`);
    } catch (err) {
      setError(err);
    }
  };
  const pdf = async () => {
    setError(null);
    try {
      await download(
        ctx.baseUrl,
        ctx.session.key,
        `/v1/accounts/${encodeURIComponent(ctx.a)}/quotes/${encodeURIComponent(id)}/document?format=pdf`,
        `${id}.pdf`,
      );
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  const lineProblems = Object.entries(errors).filter(([field]) => field.startsWith('lines.'));
  return (
    <section aria-labelledby="quote-h" class="card" data-testid="quote-detail">
      <h2 id="quote-h">Quote {id}</h2>
      <ErrorBox error={loaded.error ?? error} />
      {lineProblems.length > 0 && (
        <ul class="field-error" aria-label="Lines refused">
          {lineProblems.map(([field, problem]) => (
            <li key={field}>
              Line {Number(field.split('.')[1]) + 1}: {problem}
            </li>
          ))}
        </ul>
      )}
      {message && <Notice>{message}</Notice>}
      {q && (
        <>
          <dl class="facts">
            <dt>Customer</dt>
            <dd>{q.customer}</dd>
            <dt>Offer</dt>
            <dd>
              <a href={`#/offers/${q.offer}`}>{q.offer}</a>
            </dd>
            <dt>Version</dt>
            <dd data-testid="quote-version">{q.version}</dd>
            <dt>Status today</dt>
            <dd>
              <span class={`status ${q.status}`} data-testid="quote-status">
                {q.status}
              </span>
            </dd>
            <dt>Valid until</dt>
            <dd>{q.validUntil}</dd>
            <dt>Notes</dt>
            <dd>{q.notes ?? ''}</dd>
            {q.subscription && (
              <>
                <dt>Subscription</dt>
                <dd>
                  <a href={`#/subscriptions/${q.subscription}`}>{q.subscription}</a>
                </dd>
              </>
            )}
          </dl>
          <LinesTable quote={q} />
          <div class="actions">
            {writer && q.status !== 'accepted' && (
              <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
                Edit quote
              </button>
            )}
            {writer && q.status === 'draft' && (
              <button type="button" onClick={act('submit')}>
                Submit quote
              </button>
            )}
            {/* Approving and declining are an admin's (the API answers any other key 403). */}
            {admin && q.status === 'pending-approval' && (
              <button type="button" onClick={act('approve')}>
                Approve quote
              </button>
            )}
            {admin && !['accepted', 'declined', 'expired'].includes(q.status) && (
              <button type="button" onClick={act('decline')}>
                Decline quote
              </button>
            )}
            <button type="button" onClick={pdf}>
              Download quote PDF
            </button>
          </div>
          {writer && q.status === 'approved' && <Accept ctx={ctx} quote={q} accepted={(subscription) => ctx.go(`subscriptions/${subscription}`)} />}
          {editing && (
            <QuoteEditor
              key={q.version}
              ctx={ctx}
              quote={q}
              saved={(after) => {
                setEditing(false);
                updated(after, `Quote ${id} saved as version ${after.version} (${after.status}).`);
              }}
            />
          )}
          <Versions ctx={ctx} id={id} latest={`${q.version} ${q.status}`} />
        </>
      )}
    </section>
  );
}

export function Quotes({ ctx, param }: { ctx: Ctx; param: string }) {
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
      return ok(await ctx.client.GET('/v1/accounts/{a}/quotes', { params: { path: { a: ctx.a }, query: q } }));
    },
    [ctx.a, filters],
  );
  useReloadOnReturn('quotes', list.reload);
  return (
    <section aria-labelledby="quotes-h">
      <h1 id="quotes-h">Quotes</h1>
      <form
        class="filters"
        aria-label="Quote filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ customer, status });
        }}
      >
        <CustomerField client={ctx.client} account={ctx.a} label="Customer" name="quotes-customer" value={customer} onInput={setCustomer} />
        <Select label="Status today" name="quotes-status" value={status} options={STATUSES} onInput={setStatus} />
        <button type="submit">Filter</button>
      </form>
      {canWrite(ctx.session) ? (
        <button type="button" onClick={() => setCreating(true)}>
          New quote
        </button>
      ) : (
        <Notice>Read-only: this key’s role is viewer.</Notice>
      )}
      <ErrorBox error={list.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Quote', 'Customer', 'Offer', 'Version', 'Status', 'Valid until', 'Total']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((q) => (
            <tr key={q.id}>
              <td>
                <a href={`#/quotes/${q.id}`}>{q.id}</a>
              </td>
              <td>{q.customer}</td>
              <td>{q.offer}</td>
              <td class="num">{q.version}</td>
              <td>
                <span class={`status ${q.status}`}>{q.status}</span>
              </td>
              <td>{q.validUntil}</td>
              <td class="num">{money(q.total, q.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.page?.items.length === 0 && <p>No quote matches.</p>}
      <Pager list={list} label="Pages of quotes" />
      {creating && (
        <QuoteEditor
          ctx={ctx}
          quote={null}
          saved={(q) => {
            setCreating(false);
            list.reload();
            ctx.go(`quotes/${q.id}`);
          }}
        />
      )}
      {id && <QuoteDetail ctx={ctx} id={id} key={id} changed={list.reload} />}
    </section>
  );
}
