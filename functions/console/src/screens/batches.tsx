import { useEffect, useState } from 'preact/hooks';
import { download, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { ErrorBox, HeaderRow, Notice, Pager, money, useLoad, usePaged } from '../ui';

type Batch = Schemas['Batch'];
type Row = Schemas['BatchRow'];
type Column = Schemas['Column'];
type Applied = Schemas['PriceRulesApplied'];

/** Sums of amount per currency, as "16 EUR, 19.8 USD". */
export function Totals({ totals }: { totals: Record<string, string> | undefined }) {
  const entries = Object.entries(totals ?? {});
  return <>{entries.length ? entries.map(([currency, amount]) => money(amount, currency)).join(', ') : '—'}</>;
}

const cell = (v: Row[string] | undefined) => (v === null || v === undefined ? '' : String(v));

/** A page of rows under the batch's columns (name and type in the header). */
function RowsTable({ label, columns, rows }: { label: string; columns: readonly Column[]; rows: readonly Row[] }) {
  const names = columns.length > 0 ? columns.map((c) => c.name) : Object.keys(rows[0] ?? {});
  return (
    <div class="scroll">
      <table aria-label={label}>
        <thead>
          <HeaderRow columns={columns.length > 0 ? columns.map((c) => `${c.name} (${c.type})`) : names} />
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {names.map((n) => (
                <td key={n} class={columns.find((c) => c.name === n)?.type === 'decimal' ? 'num' : undefined}>
                  {cell(r[n])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const ROWS_PER_PAGE = 20;

/** A batch's rows page by page with the API's cursors, under the batch's columns; the heading says which rows are shown. */
function RowsPreview(props: {
  label: string;
  heading: 'h3' | 'h4';
  count: number;
  columns: readonly Column[];
  load: (cursor: string | undefined) => Promise<{ items: Row[]; next: string | null }>;
  deps: readonly unknown[];
}) {
  const list = usePaged(props.load, props.deps);
  const Heading = props.heading;
  const first = (list.pageNumber - 1) * ROWS_PER_PAGE;
  const shown = list.page?.items.length ?? 0;
  return (
    <section data-testid="rows-preview">
      <Heading>Rows {shown > 0 ? `${first + 1}–${first + shown} of ${props.count}` : `(${props.count})`}</Heading>
      <ErrorBox error={list.error} />
      {list.page && <RowsTable label={props.label} columns={props.columns} rows={list.page.items} />}
      <Pager list={list} label={`${props.label}, page by page`} />
    </section>
  );
}

/**
 * The rows a stage could not process: stage, reason and the row as the stage received it. A line the run could
 * not read as a row at all comes with `stage: null`, type `input` and its raw `fields` instead of a row.
 */
function ErrorRows({ ctx, id }: { ctx: Ctx; id: string }) {
  const list = usePaged(
    async (cursor) =>
      ok(await ctx.client.GET('/v1/accounts/{a}/batches/{id}/errors', { params: { path: { a: ctx.a, id }, query: { limit: 20, cursor } } })),
    [ctx.a, id],
  );
  return (
    <section aria-labelledby="batch-errors-h">
      <h4 id="batch-errors-h">Error file</h4>
      <ErrorBox error={list.error} />
      <table data-testid="batch-errors">
        <thead>
          <HeaderRow columns={['Stage', 'Reason', 'Row']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((e, i) => (
            <tr key={i}>
              <td>{e.type === 'input' ? 'reading the file (input)' : `${e.stage + 1} (${e.type})`}</td>
              <td>{e.reason}</td>
              <td>
                <code>{JSON.stringify(e.type === 'input' ? e.fields : e.row)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager list={list} label="Pages of the error file" />
    </section>
  );
}

const appliedText = (a: Applied) =>
  `${(a.rules ?? []).length} price rule(s) saved: ${(a.rules ?? []).map((r) => `${r.id}${r.created ? ' (new)' : ' (replaced)'}`).join(', ')}.`;

/**
 * One batch of this account: followed every second while it runs; then its counts, totals and columns, the
 * first page of its rows, its CSV and its error file; publish (confirmed first) and, for pricing, apply.
 */
export function BatchDetail({ ctx, id, changed }: { ctx: Ctx; id: string; changed: () => void }) {
  const batch = useLoad(async () => ok(await ctx.client.GET('/v1/accounts/{a}/batches/{id}', { params: { path: { a: ctx.a, id } } })), [ctx.a, id]);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const b: Batch | null = batch.data;
  const finished = b?.status === 'draft' || b?.status === 'published';
  useEffect(() => {
    if (!b) return;
    if (b.status !== 'running') {
      changed();
      return;
    }
    const t = setTimeout(batch.reload, 1000);
    return () => clearTimeout(t);
  }, [b]);
  const act = async (what: () => Promise<void>) => {
    setError(null);
    setMessage(null);
    try {
      await what();
    } catch (err) {
      setError(err);
    }
  };
  const publish = () =>
    act(async () => {
      ok(await ctx.client.POST('/v1/accounts/{a}/batches/{id}/publish', { params: { path: { a: ctx.a, id } } }));
      setConfirming(false);
      setMessage(`Batch ${id} published: rows of partner customers are shared with their accounts.`);
      batch.reload();
    });
  const apply = () =>
    act(async () =>
      setMessage(appliedText(ok(await ctx.client.POST('/v1/accounts/{a}/batches/{id}/apply', { params: { path: { a: ctx.a, id } } })))),
    );
  const csv = () => act(() => download(ctx.baseUrl, ctx.session.key, `/v1/accounts/${ctx.a}/batches/${id}/rows?format=csv`, `${id}.csv`));
  const writable = canWrite(ctx.session);
  return (
    <section aria-labelledby="batch-h" class="card">
      <h3 id="batch-h">Batch {id}</h3>
      <ErrorBox error={batch.error} />
      {b && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <span class={`status ${b.status}`} data-testid="batch-status">
                {b.status}
              </span>
              {b.failure ? ` — ${b.failure}` : ''}
            </dd>
            <dt>Stream</dt>
            <dd>
              {b.stream} ({b.kind})
            </dd>
            <dt>Period</dt>
            <dd>
              {b.periodStart} → {b.periodEnd}
            </dd>
            <dt>Source</dt>
            <dd>
              {b.source && 'inbound' in b.source
                ? `shared by ${b.source.account} (${b.source.stream}, batch ${b.source.batch})`
                : b.source && 'upload' in b.source
                  ? 'upload'
                  : 'purchases'}
            </dd>
            <dt>Rows</dt>
            <dd data-testid="batch-rows">{b.rows ?? 0}</dd>
            <dt>Errors</dt>
            <dd data-testid="batch-errors-count">{b.errors ?? 0}</dd>
            <dt>Filtered</dt>
            <dd>{b.filtered ?? 0}</dd>
            <dt>Totals</dt>
            <dd data-testid="batch-totals">
              <Totals totals={b.totals} />
            </dd>
            <dt>Columns</dt>
            <dd>{(b.columns ?? []).map((c) => `${c.name}:${c.type}`).join(', ') || '—'}</dd>
            {b.publishedAt && (
              <>
                <dt>Published</dt>
                <dd>{b.publishedAt.slice(0, 19).replace('T', ' ')}</dd>
              </>
            )}
          </dl>
          {finished && (
            <div class="actions">
              <button type="button" onClick={csv}>
                Download CSV
              </button>
              {writable && b.status === 'draft' && !confirming && (
                <button type="button" onClick={() => setConfirming(true)}>
                  Publish batch
                </button>
              )}
              {writable && b.kind === 'pricing' && (
                <button type="button" onClick={apply}>
                  Apply as price rules
                </button>
              )}
            </div>
          )}
          {confirming && (
            <fieldset class="confirm">
              <legend>Publish batch {id}?</legend>
              <p>
                Rows whose customer is a partner account are shared with that account, and its computed streams run on them. A published batch cannot
                be changed.
              </p>
              <div class="actions">
                <button type="button" onClick={publish}>
                  Confirm publish
                </button>
                <button type="button" class="secondary" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </fieldset>
          )}
          {message && <Notice>{message}</Notice>}
          <ErrorBox error={error} />
          {finished && (
            <RowsPreview
              label={`Rows of batch ${id}`}
              heading="h4"
              count={b.rows ?? 0}
              columns={b.columns ?? []}
              load={async (cursor) => {
                const page = ok(
                  await ctx.client.GET('/v1/accounts/{a}/batches/{id}/rows', {
                    params: { path: { a: ctx.a, id }, query: { format: 'json', limit: ROWS_PER_PAGE, cursor } },
                  }),
                );
                // format=json answers a page; the CSV alternative of the same route is typed here too
                return typeof page === 'string' ? { items: [], next: null } : page;
              }}
              deps={[ctx.a, id, b.status]}
            />
          )}
          {finished && (b.errors ?? 0) > 0 && <ErrorRows ctx={ctx} id={id} />}
        </>
      )}
    </section>
  );
}

type Inbound = Schemas['InboundBatch'];

/** One shared batch, read by its id (so a link opens it whatever page of the list it is on): its rows page by page, and apply for pricing rows. */
function InboundDetail({ ctx, id }: { ctx: Ctx; id: string }) {
  const loaded = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/inbound-batches/{id}', { params: { path: { a: ctx.a, id } } })),
    [ctx.a, id],
  );
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const inbound: Inbound | null = loaded.data;
  const apply = async () => {
    setError(null);
    setMessage(null);
    try {
      setMessage(appliedText(ok(await ctx.client.POST('/v1/accounts/{a}/inbound-batches/{id}/apply', { params: { path: { a: ctx.a, id } } }))));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="inbound-h" class="card">
      <h2 id="inbound-h">Inbound batch {id}</h2>
      <ErrorBox error={loaded.error} />
      {inbound && (
        <>
          <p>
            Shared by {inbound.account} from its stream {inbound.stream} (batch {inbound.batch}), {inbound.kind}, {inbound.periodStart} →{' '}
            {inbound.periodEnd}: {inbound.rows ?? 0} row(s), totals <Totals totals={inbound.totals} />.
          </p>
          {canWrite(ctx.session) && inbound.kind === 'pricing' && (
            <button type="button" onClick={apply}>
              Apply as price rules
            </button>
          )}
          {message && <Notice>{message}</Notice>}
          <ErrorBox error={error} />
          <RowsPreview
            label={`Rows of inbound batch ${id}`}
            heading="h3"
            count={inbound.rows ?? 0}
            columns={inbound.columns ?? []}
            load={async (cursor) =>
              ok(
                await ctx.client.GET('/v1/accounts/{a}/inbound-batches/{id}/rows', {
                  params: { path: { a: ctx.a, id }, query: { limit: ROWS_PER_PAGE, cursor } },
                }),
              )
            }
            deps={[ctx.a, id]}
          />
        </>
      )}
    </section>
  );
}

/** What partners shared with this account, oldest first. */
export function InboundBatches({ ctx, param }: { ctx: Ctx; param: string }) {
  const list = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/inbound-batches', { params: { path: { a: ctx.a }, query: { limit: 20, cursor } } })),
    [ctx.a],
  );
  return (
    <section aria-labelledby="inbound-list-h">
      <h1 id="inbound-list-h">Inbound batches</h1>
      <p class="hint">Rows partners published for this account; a computed stream on their stream runs on each by itself.</p>
      <ErrorBox error={list.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Inbound batch', 'From account', 'Stream', 'Kind', 'Period', 'Rows', 'Totals', 'Shared']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((i) => (
            <tr key={i.id}>
              <td>
                <a href={`#/inbound-batches/${i.id}`} aria-current={i.id === param ? 'true' : undefined}>
                  {i.id}
                </a>
              </td>
              <td>{i.account}</td>
              <td>{i.stream}</td>
              <td>{i.kind}</td>
              <td>
                {i.periodStart} → {i.periodEnd}
              </td>
              <td class="num">{i.rows ?? 0}</td>
              <td>
                <Totals totals={i.totals} />
              </td>
              <td>{i.sharedAt?.slice(0, 19).replace('T', ' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.page && list.page.items.length === 0 && <p class="hint">Nothing shared with this account yet.</p>}
      <Pager list={list} label="Pages of inbound batches" />
      {param && <InboundDetail key={param} ctx={ctx} id={param} />}
    </section>
  );
}
