import { useState } from 'preact/hooks';
import { ApiError, fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { ErrorBox, Field, HeaderRow, Notice, Pager, Select, useLoad, usePaged, WriteForm } from '../ui';
import { BatchDetail, Totals } from './batches';

type Stream = Schemas['Stream'];
type Stage = Schemas['Stage'];
type StageType = Stage['type'];
type SourceKind = 'purchases' | 'upload' | 'upstream';

const STAGE_TYPES: readonly StageType[] = ['rate', 'copy', 'split', 'formula', 'filter', 'convert-currency', 'lookup', 'vat', 'aggregate'];

/** What a new stage of each type starts with (docs/api.md, "Stages"): the user edits it from there. */
const STAGE_TEMPLATES: Record<StageType, Record<string, unknown>> = {
  rate: {},
  copy: { columns: { customerCode: 'meta.reseller' } },
  split: { column: 'sku', pattern: '(.*)-(.*)', into: ['family', 'size'] },
  formula: { column: 'amount', expression: 'markup(amount, 20)' },
  filter: { keep: 'quantity > 0' },
  'convert-currency': { columns: ['unitPrice', 'amount'], to: 'USD' },
  lookup: { table: 'skus', key: 'productLabel', columns: ['name'] },
  vat: { country: 'meta.country', into: 'vatRate' },
  aggregate: { groupBy: ['customerCode', 'productLabel'], sum: ['quantity', 'amount'] },
};

/** What each stage type does and which fields it takes (docs/api.md, "Stages"), shown under its editor. */
const STAGE_HINTS: Record<StageType, string> = {
  rate: "prices each row with this account's price rules; optional columns product, customer, quantity, date",
  copy: 'columns: {"target": "source"}, up to 100',
  split: 'column, pattern (RE2, one capture group per column), into: [columns]',
  formula: 'column, expression (markup(x, pct), round(x, n), if(c, a, b), margin(price, cost)); optional columnType',
  filter: 'keep or drop: a condition (exactly one of them)',
  'convert-currency': "columns: [amount columns], to: a currency; from the row's currency at the row date; optional date",
  lookup: 'table (a lookup table of this account), key: the row column, columns: [columns to copy]; optional: true',
  vat: 'country: the column with the country, into: the rate column; optional date',
  aggregate: 'groupBy: [columns], sum: [numeric columns]',
};

/** One stage being edited: its type, and its other fields as JSON; `key` keeps it apart while stages move. */
interface StageDraft {
  readonly key: number;
  readonly type: StageType;
  readonly settings: string;
}

let nextStageKey = 0;
const stageDraft = (type: StageType, fields: Record<string, unknown>): StageDraft => ({
  key: nextStageKey++,
  type,
  settings: JSON.stringify(fields, null, 2),
});
const fromStage = ({ type, ...fields }: Stage): StageDraft => stageDraft(type, fields);

interface StreamDraft {
  id: string;
  kind: string;
  type: string;
  sourceKind: SourceKind;
  upstreamAccount: string;
  upstreamStream: string;
  currency: string;
  stages: StageDraft[];
}

const sourceKindOf = (source: Stream['source'] | undefined): SourceKind =>
  !source || 'purchases' in source ? 'purchases' : 'upload' in source ? 'upload' : 'upstream';

const toDraft = (s: Stream | null): StreamDraft => ({
  id: s?.id ?? '',
  kind: s?.kind ?? 'billing',
  type: s?.type ?? 'simple',
  sourceKind: sourceKindOf(s?.source),
  upstreamAccount: s && 'account' in s.source ? s.source.account : '',
  upstreamStream: s && 'stream' in s.source ? s.source.stream : '',
  currency: s?.currency ?? 'EUR',
  stages: (s?.stages ?? []).map(fromStage),
});

const sourceOf = (d: StreamDraft): Stream['source'] =>
  d.sourceKind === 'purchases'
    ? { purchases: true }
    : d.sourceKind === 'upload'
      ? { upload: true }
      : { account: d.upstreamAccount, stream: d.upstreamStream };

/** The API's messages about stage `index` (`stages.<index>.<field>: …`), as one line per field. */
const stageMessages = (errors: Record<string, string>, index: number) =>
  Object.entries(errors)
    .filter(([k]) => k === `stages.${index}` || k.startsWith(`stages.${index}.`))
    .map(([k, v]) => `${k.slice(`stages.${index}`.length).replace(/^\./, '') || 'stage'}: ${v}`)
    .join('; ');

/** One stage of the editor: its type, its fields as JSON, and moving or removing it. */
function StageEditor(props: {
  index: number;
  count: number;
  stage: StageDraft;
  error: string;
  writable: boolean;
  change: (stage: StageDraft) => void;
  move: (by: -1 | 1) => void;
  remove: () => void;
}) {
  const { index, stage } = props;
  const n = index + 1;
  return (
    <fieldset class="stage" data-testid={`stage-${n}`} aria-invalid={props.error ? true : undefined}>
      <legend>
        Stage {n}: {stage.type}
      </legend>
      <Select
        label={`Stage ${n} type`}
        name={`stage-${stage.key}-type`}
        value={stage.type}
        options={STAGE_TYPES}
        onInput={(type) => props.change(stageDraft(type as StageType, STAGE_TEMPLATES[type as StageType]))}
      />
      <Field
        label={`Stage ${n} fields (JSON)`}
        name={`stage-${stage.key}-settings`}
        value={stage.settings}
        onInput={(settings) => props.change({ ...stage, settings })}
        error={props.error || undefined}
        multiline
      />
      <p class="hint">{STAGE_HINTS[stage.type]}</p>
      {props.writable && (
        <div class="actions">
          <button type="button" onClick={() => props.move(-1)} disabled={index === 0} aria-label={`Move stage ${n} up`}>
            Up
          </button>
          <button type="button" onClick={() => props.move(1)} disabled={index === props.count - 1} aria-label={`Move stage ${n} down`}>
            Down
          </button>
          <button type="button" onClick={props.remove} aria-label={`Remove stage ${n}`}>
            Remove
          </button>
        </div>
      )}
    </fieldset>
  );
}

/**
 * Edits a stream; the API's 400 details show next to the field or the stage they name. Choosing the source
 * sets the type it goes with (an upstream stream is computed, purchases and uploads are simple).
 */
function StreamEditor({ ctx, stream, saved }: { ctx: Ctx; stream: Stream | null; saved: (s: Stream) => void }) {
  const [d, setD] = useState<StreamDraft>(toDraft(stream));
  const [addType, setAddType] = useState<string>('rate');
  const [error, setError] = useState<unknown>(null);
  const writable = canWrite(ctx.session);
  const set = (k: 'id' | 'kind' | 'type' | 'upstreamAccount' | 'upstreamStream' | 'currency') => (v: string) => setD({ ...d, [k]: v });
  const setStages = (stages: StageDraft[]) => setD({ ...d, stages });
  const move = (i: number, by: -1 | 1) => {
    const stages = [...d.stages];
    const [moved] = stages.splice(i, 1);
    stages.splice(i + by, 0, moved!);
    setStages(stages);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const stages: Stage[] = [];
    const notJson: string[] = [];
    d.stages.forEach((s, i) => {
      try {
        const fields = JSON.parse(s.settings) as unknown;
        if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new Error('not an object');
        stages.push({ ...(fields as object), type: s.type } as Stage);
      } catch {
        notJson.push(`stages.${i}: the fields are not a JSON object`);
      }
    });
    if (notJson.length > 0) {
      setError(new ApiError(400, 'invalid_input', 'A stage’s fields are not JSON', notJson));
      return;
    }
    try {
      const reply = ok(
        await ctx.client.PUT('/v1/accounts/{a}/streams/{id}', {
          params: { path: { a: ctx.a, id: d.id } },
          body: { kind: d.kind as Stream['kind'], type: d.type as Stream['type'], source: sourceOf(d), currency: d.currency, stages },
        }),
      );
      saved(reply);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  const sourceError = Object.entries(errors)
    .filter(([k]) => k === 'source' || k.startsWith('source.'))
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return (
    <WriteForm session={ctx.session} class="editor stream-editor" onSubmit={submit} label={stream ? `Edit stream ${stream.id}` : 'New stream'}>
      <h2>{stream ? `Stream ${stream.id}` : 'New stream'}</h2>
      {!stream && <Field label="Stream id" name="stream-id" value={d.id} onInput={set('id')} error={errors.id} required />}
      <Select label="Kind" name="stream-kind" value={d.kind} options={['billing', 'pricing']} onInput={set('kind')} />
      <Select label="Type" name="stream-type" value={d.type} options={['simple', 'computed']} onInput={set('type')} />
      <Select
        label="Source"
        name="stream-source"
        value={d.sourceKind}
        options={['purchases', 'upload', 'upstream']}
        onInput={(v) => setD({ ...d, sourceKind: v as SourceKind, type: v === 'upstream' ? 'computed' : 'simple' })}
      />
      {d.sourceKind === 'upstream' && (
        <>
          <Field label="Upstream account" name="stream-upstream-account" value={d.upstreamAccount} onInput={set('upstreamAccount')} required />
          <Field label="Upstream stream" name="stream-upstream-stream" value={d.upstreamStream} onInput={set('upstreamStream')} required />
        </>
      )}
      {sourceError && <p class="field-error">{sourceError}</p>}
      {errors.kind && <p class="field-error">kind: {errors.kind}</p>}
      {errors.type && <p class="field-error">type: {errors.type}</p>}
      <Field label="Currency" name="stream-currency" value={d.currency} onInput={set('currency')} error={errors.currency} required />
      <h3>Stages (applied in order)</h3>
      {d.stages.length === 0 && <p class="hint">No stages: the rows pass as they come.</p>}
      {errors.stages && <p class="field-error">stages: {errors.stages}</p>}
      {d.stages.map((s, i) => (
        <StageEditor
          key={s.key}
          index={i}
          count={d.stages.length}
          stage={s}
          error={stageMessages(errors, i)}
          writable={writable}
          change={(stage) => setStages(d.stages.map((x, j) => (j === i ? stage : x)))}
          move={(by) => move(i, by)}
          remove={() => setStages(d.stages.filter((_, j) => j !== i))}
        />
      ))}
      {writable && (
        <div class="filters">
          <Select label="New stage type" name="stream-add-type" value={addType} options={STAGE_TYPES} onInput={setAddType} />
          <button type="button" onClick={() => setStages([...d.stages, stageDraft(addType as StageType, STAGE_TEMPLATES[addType as StageType])])}>
            Add stage
          </button>
        </div>
      )}
      {writable && <button type="submit">Save stream</button>}
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** The CSV an upload stream runs on: pasted or read from a file, then stored with PUT /upload. */
function Upload({ ctx, stream }: { ctx: Ctx; stream: Stream }) {
  const [csv, setCsv] = useState('');
  const [done, setDone] = useState<Schemas['StreamUpload'] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      setDone(
        ok(
          await ctx.client.PUT('/v1/accounts/{a}/streams/{id}/upload', {
            params: { path: { a: ctx.a, id: stream.id } },
            body: csv,
            bodySerializer: (body: string) => body,
            headers: { 'content-type': 'text/csv' },
          }),
        ),
      );
    } catch (err) {
      setError(err);
    }
  };
  const readFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (file) setCsv(await file.text());
  };
  return (
    <section aria-labelledby="upload-h" class="card">
      <h3 id="upload-h">Upload the rows</h3>
      <WriteForm session={ctx.session} onSubmit={submit} label="Upload the rows">
        <div class="field">
          <label for="upload-file">CSV file</label>
          <input id="upload-file" type="file" accept=".csv,text/csv" onChange={readFile} />
        </div>
        <Field label="CSV (header first; columns may be typed name:decimal)" name="upload-csv" value={csv} onInput={setCsv} multiline required />
        <button type="submit">Upload CSV</button>
      </WriteForm>
      {done && (
        <Notice>
          Uploaded {done.bytes} bytes: {(done.columns ?? []).map((c) => `${c.name}:${c.type}`).join(', ')}. The next run reads it.
        </Notice>
      )}
      <ErrorBox error={error} />
    </section>
  );
}

/** A run for a period: answers its batch at once, which the batch panel follows until it is a draft or failed. */
function Run({ ctx, stream, started }: { ctx: Ctx; stream: Stream; started: (batch: string) => void }) {
  const [periodStart, setPeriodStart] = useState('');
  const [periodEnd, setPeriodEnd] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const run = ok(
        await ctx.client.POST('/v1/accounts/{a}/streams/{id}/runs', {
          params: { path: { a: ctx.a, id: stream.id } },
          body: { periodStart, periodEnd },
        }),
      );
      started(run.batch);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <section aria-labelledby="run-h" class="card">
      <h3 id="run-h">Run the stream</h3>
      <WriteForm session={ctx.session} class="filters" onSubmit={submit} label="Run the stream">
        <Field
          label="Run period start"
          name="run-start"
          type="date"
          value={periodStart}
          onInput={setPeriodStart}
          error={errors.periodStart}
          required
        />
        <Field
          label="Run period end (exclusive)"
          name="run-end"
          type="date"
          value={periodEnd}
          onInput={setPeriodEnd}
          error={errors.periodEnd}
          required
        />
        <button type="submit">Run</button>
      </WriteForm>
      <ErrorBox error={error} />
    </section>
  );
}

/** The stream's batches, newest first, one page at a time; opening one shows it below. */
function Batches({ ctx, stream, open, opened, tick }: { ctx: Ctx; stream: Stream; open: (id: string) => void; opened: string | null; tick: number }) {
  const list = usePaged(
    async (cursor) =>
      ok(
        await ctx.client.GET('/v1/accounts/{a}/streams/{id}/batches', {
          params: { path: { a: ctx.a, id: stream.id }, query: { limit: 10, cursor } },
        }),
      ),
    [ctx.a, stream.id, tick],
  );
  return (
    <section aria-labelledby="batches-h">
      <h3 id="batches-h">Batches of {stream.id}</h3>
      <ErrorBox error={list.error} />
      <table class="wide" data-testid="stream-batches">
        <thead>
          <HeaderRow columns={['Batch', 'Period', 'Status', 'Rows', 'Errors', 'Totals', 'Created', '']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((b) => (
            <tr key={b.id} aria-current={b.id === opened ? 'true' : undefined}>
              <td>{b.id}</td>
              <td>
                {b.periodStart} → {b.periodEnd}
              </td>
              <td>
                <span class={`status ${b.status}`}>{b.status}</span>
              </td>
              <td class="num">{b.rows ?? 0}</td>
              <td class="num">{b.errors ?? 0}</td>
              <td>
                <Totals totals={b.totals} />
              </td>
              <td>{b.createdAt?.slice(0, 19).replace('T', ' ')}</td>
              <td>
                <button type="button" onClick={() => open(b.id!)} aria-label={`Open batch ${b.id}`}>
                  Open
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.page && list.page.items.length === 0 && <p class="hint">No batch yet: run the stream.</p>}
      <Pager list={list} label={`Pages of batches of ${stream.id}`} />
    </section>
  );
}

/** One stream: its definition, its upload, a run, and its batches. */
function StreamDetail({ ctx, stream, saved }: { ctx: Ctx; stream: Stream; saved: (s: Stream) => void }) {
  const [batch, setBatch] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((t) => t + 1);
  const writable = canWrite(ctx.session);
  return (
    <>
      <StreamEditor key={`${stream.id}-${stream.updatedAt}`} ctx={ctx} stream={stream} saved={saved} />
      {writable && 'upload' in stream.source && <Upload ctx={ctx} stream={stream} />}
      {writable && (
        <Run
          ctx={ctx}
          stream={stream}
          started={(id) => {
            setBatch(id);
            refresh();
          }}
        />
      )}
      <Batches ctx={ctx} stream={stream} open={setBatch} opened={batch} tick={tick} />
      {batch && <BatchDetail key={batch} ctx={ctx} id={batch} changed={refresh} />}
    </>
  );
}

export function Streams({ ctx, param }: { ctx: Ctx; param: string }) {
  const [message, setMessage] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const list = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/streams', { params: { path: { a: ctx.a }, query: { limit: 20, cursor } } })),
    [ctx.a, tick],
  );
  const id = param && param !== 'new' ? param : null;
  const opened = useLoad(
    async () => (id ? ok(await ctx.client.GET('/v1/accounts/{a}/streams/{id}', { params: { path: { a: ctx.a, id } } })) : null),
    [ctx.a, id, tick],
  );
  const saved = (s: Stream) => {
    setMessage(`Stream ${s.id} saved.`);
    setTick((t) => t + 1);
    ctx.go(`streams/${s.id}`);
  };
  const stream = opened.data && opened.data.id === id ? opened.data : null;
  return (
    <section aria-labelledby="streams-h">
      <h1 id="streams-h">Streams</h1>
      {canWrite(ctx.session) && (
        <button
          type="button"
          onClick={() => {
            setMessage(null);
            ctx.go('streams/new');
          }}
        >
          New stream
        </button>
      )}
      <ErrorBox error={list.error ?? opened.error} />
      <table class="wide">
        <thead>
          <HeaderRow columns={['Stream', 'Kind', 'Type', 'Source', 'Currency', 'Stages', 'Updated']} />
        </thead>
        <tbody>
          {(list.page?.items ?? []).map((s) => (
            <tr key={s.id}>
              <td>
                <a href={`#/streams/${s.id}`} aria-current={s.id === id ? 'true' : undefined} onClick={() => setMessage(null)}>
                  {s.id}
                </a>
              </td>
              <td>{s.kind}</td>
              <td>{s.type}</td>
              <td>{'account' in s.source ? `${s.source.account} / ${s.source.stream}` : sourceKindOf(s.source)}</td>
              <td>{s.currency}</td>
              <td>{s.stages.map((st) => st.type).join(' → ') || 'none'}</td>
              <td>{s.updatedAt.slice(0, 19).replace('T', ' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.page && list.page.items.length === 0 && <p class="hint">No stream yet.</p>}
      <Pager list={list} label="Pages of streams" />
      {message && <Notice>{message}</Notice>}
      {param === 'new' && canWrite(ctx.session) && <StreamEditor key="new" ctx={ctx} stream={null} saved={saved} />}
      {stream && <StreamDetail key={stream.id} ctx={ctx} stream={stream} saved={saved} />}
    </section>
  );
}
