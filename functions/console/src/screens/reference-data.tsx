import { useState } from 'preact/hooks';
import { ApiError, fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { ErrorBox, Field, HeaderRow, Notice, Pager, useLoad, usePaged, WriteForm } from '../ui';

type ExchangeRate = Schemas['ExchangeRate'];
type LookupTable = Schemas['LookupTable'];
type LookupRow = NonNullable<LookupTable['rows']>[number];

/** The API's messages under `prefix` (`rows`, `rows.3.sku` …), one `field: message` each, for one input. */
const messagesUnder = (errors: Record<string, string>, prefix: string) =>
  Object.entries(errors)
    .filter(([k]) => k === prefix || k.startsWith(`${prefix}.`))
    .map(([k, v]) => (k === prefix ? v : `${k}: ${v}`))
    .join('; ') || undefined;

const savedWord = (status: number) => (status === 201 ? 'created' : 'replaced');

interface RateDraft {
  from: string;
  to: string;
  rate: string;
  validFrom: string;
}

/** One entry of a pair, created or replaced by its validFrom; a 400 shows at the field it names (`pair` at From and To). */
function ExchangeRateForm({ ctx, draft, setDraft, saved }: { ctx: Ctx; draft: RateDraft; setDraft: (d: RateDraft) => void; saved: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const set = (k: keyof RateDraft) => (v: string) => setDraft({ ...draft, [k]: v });
  const pair = `${draft.from.trim().toUpperCase()}-${draft.to.trim().toUpperCase()}`;
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const reply = await ctx.client.PUT('/v1/accounts/{a}/exchange-rates/{pair}', {
        params: { path: { a: ctx.a, pair } },
        body: { rate: draft.rate.trim(), validFrom: draft.validFrom.trim() },
      });
      const entry = ok(reply);
      setMessage(
        `Exchange rate ${entry.pair} from ${entry.validFrom} ${savedWord(reply.response.status)}: 1 ${entry.from} = ${entry.rate} ${entry.to}.`,
      );
      saved();
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label="Exchange rate">
      <h3>Create or replace an exchange rate</h3>
      <div class="filters">
        <Field label="From currency" name="rate-from" value={draft.from} onInput={set('from')} error={errors.pair} placeholder="EUR" required />
        <Field label="To currency" name="rate-to" value={draft.to} onInput={set('to')} error={errors.pair} placeholder="USD" required />
        <Field
          label="Rate (1 From = rate To)"
          name="rate-rate"
          value={draft.rate}
          onInput={set('rate')}
          error={errors.rate}
          placeholder="1.10"
          required
        />
        <Field
          label="Valid from (date or date-time)"
          name="rate-valid-from"
          value={draft.validFrom}
          onInput={set('validFrom')}
          error={errors.validFrom}
          placeholder="2027-01-01"
          required
        />
      </div>
      <p class="hint">A pair has one entry per valid-from; saving the same pair and valid-from again replaces it.</p>
      <button type="submit">Save exchange rate</button>
      {message && <Notice>{message}</Notice>}
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** Every entry of every pair, by pair then validFrom, page by page; a writer picks one to edit. */
function ExchangeRates({ ctx }: { ctx: Ctx }) {
  const writable = canWrite(ctx.session);
  const [draft, setDraft] = useState<RateDraft>({ from: '', to: '', rate: '', validFrom: '' });
  const list = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/exchange-rates', { params: { path: { a: ctx.a }, query: { limit: 20, cursor } } })),
    [ctx.a],
  );
  const edit = (r: ExchangeRate) => setDraft({ from: r.from ?? '', to: r.to ?? '', rate: r.rate ?? '', validFrom: r.validFrom ?? '' });
  return (
    <section aria-labelledby="rates-h" class="card">
      <h2 id="rates-h">Exchange rates</h2>
      <p class="hint">A convert-currency stage uses the latest entry of the row's pair valid at the row date.</p>
      <ErrorBox error={list.error} />
      <table data-testid="exchange-rates">
        <thead>
          <HeaderRow columns={writable ? ['Pair', 'Valid from', 'Rate', 'Action'] : ['Pair', 'Valid from', 'Rate']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((r) => (
            <tr key={`${r.pair} ${r.validFrom}`}>
              <td>{r.pair}</td>
              <td>{r.validFrom}</td>
              <td class="num">{r.rate}</td>
              {writable && (
                <td>
                  <button type="button" class="secondary" onClick={() => edit(r)} aria-label={`Edit ${r.pair} from ${r.validFrom}`}>
                    Edit
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {list.page && list.page.items.length === 0 && <p class="hint">No exchange rate yet.</p>}
      <Pager list={list} label="Pages of exchange rates" />
      {writable && <ExchangeRateForm ctx={ctx} draft={draft} setDraft={setDraft} saved={list.reload} />}
    </section>
  );
}

/** Rows shown (and offered for editing as JSON) in the console; a larger table is replaced through the API. */
const EDITABLE_ROWS = 1000;
const PREVIEW_ROWS = 50;

interface TableDraft {
  id: string;
  key: string;
  rows: string;
}

const toTableDraft = (t: LookupTable | null): TableDraft => ({
  id: t?.id ?? '',
  key: t?.key ?? '',
  // one row per line: a table reads as rows, not as a tall tree
  rows: t ? `[\n${(t.rows ?? []).map((r) => ` ${JSON.stringify(r)}`).join(',\n')}\n]` : '[\n {"sku": "A", "name": "Alpha"}\n]',
});

/** Creates or replaces a table: its id, key column and rows as a JSON array; a 400 shows at the input it names. */
function LookupTableForm({ ctx, initial, saved }: { ctx: Ctx; initial: LookupTable | null; saved: (id: string, message: string) => void }) {
  const [d, setD] = useState<TableDraft>(toTableDraft(initial));
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof TableDraft) => (v: string) => setD({ ...d, [k]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let rows: LookupRow[];
    try {
      rows = JSON.parse(d.rows) as LookupRow[];
      if (!Array.isArray(rows)) throw new Error('not an array');
    } catch {
      setError(new ApiError(400, 'invalid_input', 'The rows are not JSON', ['rows: not a JSON array of objects']));
      return;
    }
    try {
      const reply = await ctx.client.PUT('/v1/accounts/{a}/lookup-tables/{id}', {
        params: { path: { a: ctx.a, id: d.id.trim() } },
        body: { key: d.key.trim(), rows },
      });
      const summary = ok(reply);
      saved(summary.id ?? d.id, `Lookup table ${summary.id} ${savedWord(reply.response.status)}: ${summary.rowCount} row(s) by ${summary.key}.`);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label="Lookup table">
      <h3>{initial ? `Replace lookup table ${initial.id}` : 'Create a lookup table'}</h3>
      {!initial && <Field label="Table id" name="table-id" value={d.id} onInput={set('id')} error={errors.id} placeholder="skus" required />}
      <Field label="Key column" name="table-key" value={d.key} onInput={set('key')} error={errors.key} placeholder="sku" required />
      <Field
        label="Rows (JSON array of objects)"
        name="table-rows"
        value={d.rows}
        onInput={set('rows')}
        error={messagesUnder(errors, 'rows')}
        multiline
      />
      <p class="hint">Every row needs a unique, non-empty value in the key column; a lookup stage copies the other columns.</p>
      <button type="submit">Save lookup table</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** One table read by its id (so `#/reference-data/<id>` opens it): its first rows, and for a writer its editor. */
function LookupTableDetail({ ctx, id, saved }: { ctx: Ctx; id: string; saved: (message: string) => void }) {
  const table = useLoad(
    async () => ok(await ctx.client.GET('/v1/accounts/{a}/lookup-tables/{id}', { params: { path: { a: ctx.a, id } } })),
    [ctx.a, id],
  );
  const t = table.data;
  const rows = t?.rows ?? [];
  const columns = [...new Set(rows.slice(0, PREVIEW_ROWS).flatMap((r) => Object.keys(r)))];
  return (
    <section aria-labelledby="table-h" class="card">
      <h3 id="table-h">Lookup table {id}</h3>
      <ErrorBox error={table.error} />
      {t && (
        <>
          <p>
            Key column <code>{t.key}</code>, {rows.length} row(s), updated {t.updatedAt?.slice(0, 19).replace('T', ' ')}
            {rows.length > PREVIEW_ROWS ? `; the first ${PREVIEW_ROWS} are shown` : ''}.
          </p>
          <div class="scroll">
            <table aria-label={`Rows of lookup table ${id}`}>
              <thead>
                <HeaderRow columns={columns} />
              </thead>
              <tbody>
                {rows.slice(0, PREVIEW_ROWS).map((r, i) => (
                  <tr key={i}>
                    {columns.map((c) => (
                      <td key={c}>{r[c] === null || r[c] === undefined ? '' : String(r[c])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canWrite(ctx.session) &&
            (rows.length <= EDITABLE_ROWS ? (
              <LookupTableForm
                key={t.updatedAt}
                ctx={ctx}
                initial={t}
                saved={(_, message) => {
                  table.reload();
                  saved(message);
                }}
              />
            ) : (
              <p class="hint">
                More than {EDITABLE_ROWS} rows: replace this table with PUT /lookup-tables/{id}.
              </p>
            ))}
        </>
      )}
    </section>
  );
}

/** The account's lookup tables by id, without their rows; opening one reads it whole. */
function LookupTables({ ctx, opened }: { ctx: Ctx; opened: string }) {
  const writable = canWrite(ctx.session);
  const [creating, setCreating] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const saved = (text: string) => {
    setMessage(text);
    list.reload();
  };
  const list = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/lookup-tables', { params: { path: { a: ctx.a }, query: { limit: 20, cursor } } })),
    [ctx.a],
  );
  return (
    <section aria-labelledby="tables-h" class="card">
      <h2 id="tables-h">Lookup tables</h2>
      <p class="hint">A lookup stage copies columns of the row whose key equals a column of the stream's row.</p>
      <ErrorBox error={list.error} />
      <table data-testid="lookup-tables">
        <thead>
          <HeaderRow columns={['Table', 'Key column', 'Rows', 'Updated']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((t) => (
            <tr key={t.id}>
              <td>
                <a href={`#/reference-data/${t.id}`} aria-current={t.id === opened ? 'true' : undefined}>
                  {t.id}
                </a>
              </td>
              <td>{t.key}</td>
              <td class="num">{t.rowCount}</td>
              <td>{t.updatedAt?.slice(0, 19).replace('T', ' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.page && list.page.items.length === 0 && <p class="hint">No lookup table yet.</p>}
      <Pager list={list} label="Pages of lookup tables" />
      {message && <Notice>{message}</Notice>}
      {writable && !creating && (
        <button
          type="button"
          onClick={() => {
            setMessage(null);
            setCreating(true);
          }}
        >
          New lookup table
        </button>
      )}
      {writable && creating && (
        <LookupTableForm
          ctx={ctx}
          initial={null}
          saved={(id, text) => {
            setCreating(false);
            saved(text);
            ctx.go(`reference-data/${id}`);
          }}
        />
      )}
      {opened && <LookupTableDetail key={opened} ctx={ctx} id={opened} saved={saved} />}
    </section>
  );
}

/** The tables stream stages read: exchange rates (convert-currency) and lookup tables (lookup). */
export function ReferenceData({ ctx, param }: { ctx: Ctx; param: string }) {
  return (
    <section aria-labelledby="reference-h">
      <h1 id="reference-h">Exchange rates and lookup tables</h1>
      <ExchangeRates ctx={ctx} />
      <LookupTables ctx={ctx} opened={param} />
    </section>
  );
}
