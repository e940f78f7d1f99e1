import { type ComponentChildren, Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { download, fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { CustomerField } from '../customer-field';
import { ErrorBox, Field, HeaderRow, Notice, Pager, Select, money, useLoad, usePaged, WriteForm } from '../ui';

type Invoice = Schemas['Invoice'];
type Line = NonNullable<Invoice['lines']>[number];

const isCreditNote = (i: Invoice) => !!i.creditOf;
const invoiceLink = (id: string) => <a href={`#/invoices/${id}`}>{id}</a>;

/**
 * One invoice line. Lines of a subscription carry their kind and service period, lines of a linked child on
 * its parent's consolidated invoice the child's code: the columns say so only when the invoice has such lines.
 */
function InvoiceLineRow({ line, withCustomer, withSubscription }: { line: Line; withCustomer: boolean; withSubscription: boolean }) {
  return (
    <tr>
      {withCustomer && <td>{line.customer ?? ''}</td>}
      <td>{line.description}</td>
      {withSubscription && <td>{line.kind ?? ''}</td>}
      {withSubscription && <td>{line.servicePeriod ? `${line.servicePeriod.start} → ${line.servicePeriod.end}` : ''}</td>}
      <td>{line.productCluster}</td>
      <td class="num">{line.quantity}</td>
      <td class="num">{line.unitPrice}</td>
      <td class="num">{line.amount}</td>
    </tr>
  );
}

/** The legal data of an invoice: what its PDF prints as the document's identity. */
function LegalFacts({ i }: { i: Invoice }) {
  const facts: Array<[string, ComponentChildren]> = [
    ['Customer', i.customer],
    ['Service period', `${i.periodStart} → ${i.periodEnd} (end exclusive)`],
    ['Number', i.number ?? 'none until approved'],
    ['Issue date', i.issueDate ?? '—'],
    ['Due date', i.dueDate ?? '—'],
    ['Tax rate', i.taxRate == null ? '—' : `${i.taxRate} %`],
  ];
  if (i.approvedAt) facts.push(['Approved at', i.approvedAt]);
  if (i.voidedAt) facts.push(['Voided at', i.voidedAt]);
  if (i.creditOf) facts.push(['Credit note of', invoiceLink(i.creditOf)]);
  if (i.reason) facts.push(['Reason', i.reason]);
  if (i.creditedBy) facts.push(['Credited by', invoiceLink(i.creditedBy)]);
  return (
    <dl class="facts" data-testid="invoice-legal">
      {facts.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** The PDF shown in the page: fetched with the key through the typed client, shown from a blob URL (the key never goes in a URL). */
function PdfPreview({ ctx, id }: { ctx: Ctx; id: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    let made: string | null = null;
    ctx.client
      .GET('/v1/accounts/{a}/invoices/{id}/document', { params: { path: { a: ctx.a, id }, query: { format: 'pdf' } }, parseAs: 'blob' })
      .then((reply) => {
        const blob = ok(reply) as unknown as Blob;
        made = URL.createObjectURL(blob.type === 'application/pdf' ? blob : new Blob([blob], { type: 'application/pdf' }));
        if (live) setUrl(made);
        else URL.revokeObjectURL(made);
      })
      .catch((err: unknown) => live && setError(err));
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [ctx.a, id]);
  return (
    <section class="pdf-preview" aria-label={`PDF preview of ${id}`}>
      <ErrorBox error={error} />
      {!url && !error && <p>Loading the PDF…</p>}
      {url && <iframe title={`PDF of invoice ${id}`} src={url} data-testid="pdf-preview" />}
    </section>
  );
}

/** Credits an approved invoice in full: a draft credit note with its reason, approved (and numbered) later. */
function CreditNoteForm({ ctx, id, issued }: { ctx: Ctx; id: string; issued: (note: Invoice) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      issued(
        ok(
          await ctx.client.POST('/v1/accounts/{a}/invoices/{id}/credit-notes', {
            params: { path: { a: ctx.a, id } },
            body: { reason },
          }),
        ),
      );
    } catch (err) {
      setError(err);
    }
  };
  return (
    <WriteForm session={ctx.session} class="inline-form" onSubmit={submit} label={`Credit note for ${id}`}>
      <Field label="Reason for the credit note" name="credit-reason" value={reason} onInput={setReason} error={fieldErrors(error).reason} required />
      <button type="submit">Issue credit note</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** The credit note a void or a credit issued, read whole: its number says whether it is approved yet. */
function CreditNoteSummary({ ctx, id }: { ctx: Ctx; id: string }) {
  const note = useLoad(async () => ok(await ctx.client.GET('/v1/accounts/{a}/invoices/{id}', { params: { path: { a: ctx.a, id } } })), [ctx.a, id]);
  const n = note.data;
  return (
    <div class="credit-note" data-testid="credit-note">
      <ErrorBox error={note.error} />
      {n && (
        <p>
          Credit note {invoiceLink(id)} · <span class={`status ${n.status}`}>{n.status}</span>
          {n.number ? ` · ${n.number}` : ''} · {money(n.total, n.currency)}
        </p>
      )}
    </div>
  );
}

type Pending = 'credit' | 'void' | null;

function InvoiceDetail({ ctx, id, changed }: { ctx: Ctx; id: string; changed: () => void }) {
  const invoice = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/invoices/{id}', { params: { path: { a: ctx.a, id } } })),
    [ctx.a, id],
  );
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [preview, setPreview] = useState(false);
  const act = async (what: () => Promise<string>) => {
    setError(null);
    try {
      setMessage(await what());
      setPending(null);
      invoice.reload();
      changed();
    } catch (err) {
      setError(err);
    }
  };
  const approve = () =>
    act(async () => {
      const approved = ok(await ctx.client.POST('/v1/accounts/{a}/invoices/{id}/approve', { params: { path: { a: ctx.a, id } } }));
      return `Invoice approved${approved.number ? ` as ${approved.number}` : ''}.`;
    });
  const voidIt = () =>
    act(async () => {
      const voided = ok(await ctx.client.POST('/v1/accounts/{a}/invoices/{id}/void', { params: { path: { a: ctx.a, id } } }));
      return `Invoice voided: its credit note ${voided.creditedBy ?? ''} is issued and its purchases are open again.`;
    });
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
  const lines = i?.lines ?? [];
  const withCustomer = lines.some((l) => l.customer);
  const withSubscription = lines.some((l) => l.kind || l.servicePeriod);
  const columns = [
    ...(withCustomer ? ['Customer'] : []),
    'Description',
    ...(withSubscription ? ['Kind', 'Service period'] : []),
    'Product cluster',
    'Quantity',
    'Unit price',
    'Amount',
  ];
  const writer = canWrite(ctx.session);
  const approvedInvoice = i?.status === 'approved' && !isCreditNote(i);
  return (
    <section aria-labelledby="invoice-h" class="card" data-testid="invoice-detail">
      <h2 id="invoice-h">
        {i && isCreditNote(i) ? 'Credit note' : 'Invoice'} {id}
      </h2>
      <ErrorBox error={invoice.error ?? error} />
      {message && <Notice>{message}</Notice>}
      {i && (
        <>
          <p>
            {i.customer} · {i.periodStart} → {i.periodEnd} ·{' '}
            <span class={`status ${i.status}`} data-testid="invoice-status">
              {i.status}
            </span>
            {i.number ? ` · ${i.number}` : ''}
          </p>
          <LegalFacts i={i} />
          <table>
            <thead>
              <HeaderRow columns={columns} />
            </thead>
            <tbody>
              {lines.map((l, n) => (
                <InvoiceLineRow key={n} line={l} withCustomer={withCustomer} withSubscription={withSubscription} />
              ))}
            </tbody>
            <tfoot>
              {(
                [
                  ['Subtotal', i.subtotal, undefined],
                  ['Tax', i.tax, undefined],
                  ['Total', i.total, 'invoice-total'],
                ] as const
              ).map(([label, amount, testId]) => (
                <tr key={label}>
                  <th scope="row" colSpan={columns.length - 1}>
                    {label}
                  </th>
                  <td class="num" data-testid={testId}>
                    {money(amount, i.currency)}
                  </td>
                </tr>
              ))}
            </tfoot>
          </table>
          {i.creditedBy && <CreditNoteSummary ctx={ctx} id={i.creditedBy} key={`${i.creditedBy}-${i.status}`} />}
          <div class="actions">
            {writer && i.status === 'draft' && (
              <button type="button" onClick={approve}>
                {isCreditNote(i) ? 'Approve credit note' : 'Approve invoice'}
              </button>
            )}
            {writer && approvedInvoice && !i.creditedBy && (
              <button type="button" aria-expanded={pending === 'credit'} onClick={() => setPending(pending === 'credit' ? null : 'credit')}>
                Credit note…
              </button>
            )}
            {writer && approvedInvoice && (
              <button type="button" aria-expanded={pending === 'void'} onClick={() => setPending(pending === 'void' ? null : 'void')}>
                Void invoice…
              </button>
            )}
            <button type="button" aria-expanded={preview} onClick={() => setPreview(!preview)}>
              {preview ? 'Hide PDF preview' : 'Preview PDF'}
            </button>
            <button type="button" onClick={() => get('pdf')}>
              Download PDF
            </button>
            <button type="button" onClick={() => get('csv')}>
              Download CSV
            </button>
          </div>
          {writer && pending === 'credit' && (
            <CreditNoteForm
              ctx={ctx}
              id={id}
              issued={(note) =>
                act(async () => `Credit note ${note.id} issued as a draft for ${money(note.total, note.currency)}: approve it to number it.`)
              }
            />
          )}
          {writer && pending === 'void' && (
            <fieldset class="confirm">
              <legend>
                Void {i.number ?? id}? It keeps its number; its full credit note is issued and approved, and its purchases go back to open for the
                next cycle.
              </legend>
              <button type="button" class="danger" onClick={voidIt}>
                Confirm void
              </button>
              <button type="button" onClick={() => setPending(null)}>
                Keep the invoice
              </button>
            </fieldset>
          )}
          {preview && <PdfPreview ctx={ctx} id={id} key={`${id}-${i.status}`} />}
        </>
      )}
    </section>
  );
}

const STATUSES = ['', 'draft', 'approved', 'voided'] as const;
const KINDS = ['', 'invoice', 'credit-note'] as const;
type Status = (typeof STATUSES)[number];
type Kind = (typeof KINDS)[number];
const KIND_WORDS: Record<Kind, string> = { '': '(any)', invoice: 'Invoices', 'credit-note': 'Credit notes' };
/** A filter preset from the URL, if it is one of the values the API takes (else no filter). */
const oneOf = <T extends string>(values: readonly T[], value: string | null): T => values.find((v) => v === value) ?? values[0]!;

/**
 * The invoice list, filtered by customer, period, status and kind as the API filters it. A filtered page may
 * hold fewer than its limit (even none) while a next page follows: the Pager goes on with the API's cursor.
 */
export function Invoices({ ctx, param }: { ctx: Ctx; param: string }) {
  const [id, query] = param.split('?');
  const preset = new URLSearchParams(query ?? '');
  const [customer, setCustomer] = useState(preset.get('customer') ?? '');
  const [periodStart, setPeriodStart] = useState(preset.get('periodStart') ?? '');
  const [status, setStatus] = useState(oneOf(STATUSES, preset.get('status')));
  const [kind, setKind] = useState(oneOf(KINDS, preset.get('kind')));
  const [filters, setFilters] = useState({ customer, periodStart, status, kind });
  const list = usePaged(
    async (cursor) => {
      const q = {
        limit: 50,
        cursor,
        ...(filters.customer ? { customer: filters.customer } : {}),
        ...(filters.periodStart ? { periodStart: filters.periodStart } : {}),
        ...(filters.status ? { status: filters.status } : {}),
        ...(filters.kind ? { kind: filters.kind } : {}),
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
          setFilters({ customer: customer.trim(), periodStart, status, kind });
        }}
      >
        <CustomerField client={ctx.client} account={ctx.a} label="Customer" name="invoice-customer" value={customer} onInput={setCustomer} />
        <Field label="Period start" name="invoice-period" type="date" value={periodStart} onInput={setPeriodStart} />
        <Select label="Status" name="invoice-status" value={status} options={STATUSES} onInput={(v) => setStatus(v as Status)} />
        <Select
          label="Kind"
          name="invoice-kind"
          value={kind}
          options={KINDS}
          optionLabel={(o) => KIND_WORDS[o as Kind]}
          onInput={(v) => setKind(v as Kind)}
        />
        <button type="submit">Filter</button>
      </form>
      {!canWrite(ctx.session) && <Notice>Read-only: this key’s role is viewer.</Notice>}
      <ErrorBox error={list.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Invoice', 'Number', 'Customer', 'Period', 'Status', 'Total']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((i) => (
            <tr key={i.id}>
              <td>{invoiceLink(i.id!)}</td>
              <td>{i.number ?? '—'}</td>
              <td>{i.customer}</td>
              <td>
                {i.periodStart} → {i.periodEnd}
              </td>
              <td>
                <span class={`status ${i.status}`}>{i.status}</span>
                {i.creditOf ? ' credit note' : ''}
              </td>
              <td class="num">{money(i.total, i.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.page?.items.length === 0 && (list.page.next ? <p>None on this page matches: the next page reads on.</p> : <p>No invoice matches.</p>)}
      <Pager list={list} label="Pages of invoices" />
      {id && <InvoiceDetail ctx={ctx} id={id} key={id} changed={list.reload} />}
    </section>
  );
}
