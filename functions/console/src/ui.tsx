import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { canWrite, type Session } from './session';

/** An error as the user reads it: a 403 says the role may not do this; never swallowed. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const status = error instanceof ApiError ? error.status : 0;
  const title = status === 403 ? 'Not allowed for this key’s role (403)' : status ? `The API refused (${status})` : 'Something went wrong';
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div class="error" role="alert">
      <strong>{title}</strong>: {(error as Error).message ?? String(error)}
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={String(d)}>{String(d)}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * A form that changes something. A key whose role may not write sees what it holds but can change nothing:
 * its controls sit in a disabled fieldset, so the browser disables every input, select, textarea and button
 * in it (the screens leave the write buttons out for such a key as well).
 */
export function WriteForm(props: { session: Session; label: string; onSubmit: (e: Event) => void; class?: string; children: ComponentChildren }) {
  return (
    <form class={props.class} onSubmit={props.onSubmit} aria-label={props.label}>
      <fieldset class="form-body" disabled={!canWrite(props.session)}>
        {props.children}
      </fieldset>
    </form>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/** A labelled input; `error` shows the API's message for this field next to it. */
export function Field(props: {
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'password' | 'date';
  error?: string;
  required?: boolean;
  placeholder?: string;
  multiline?: boolean;
}) {
  const id = `f-${props.name}`;
  const errorId = `${id}-error`;
  const common = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    placeholder: props.placeholder,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': props.error ? errorId : undefined,
    onInput: (e: Event) => props.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.multiline ? (
        <textarea rows={5} {...common} />
      ) : props.type === 'password' ? (
        <input type="password" {...common} />
      ) : props.type === 'date' ? (
        <input type="date" {...common} />
      ) : (
        <input type="text" {...common} />
      )}
      {props.error && (
        <span class="field-error" id={errorId}>
          {props.error}
        </span>
      )}
    </div>
  );
}

/**
 * A labelled select; `optionLabel` words an option (default: the value, '' as "(any)"), `error` shows the
 * API's message for this field.
 */
export function Select(props: {
  label: string;
  name: string;
  value: string;
  options: readonly string[];
  onInput: (value: string) => void;
  optionLabel?: (option: string) => string;
  error?: string;
  required?: boolean;
}) {
  const id = `f-${props.name}`;
  const errorId = `${id}-error`;
  const word = props.optionLabel ?? ((o: string) => (o === '' ? '(any)' : o));
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? errorId : undefined}
        onChange={(e) => props.onInput((e.currentTarget as HTMLSelectElement).value)}
      >
        {props.options.map((o) => (
          <option key={o} value={o}>
            {word(o)}
          </option>
        ))}
      </select>
      {props.error && (
        <span class="field-error" id={errorId}>
          {props.error}
        </span>
      )}
    </div>
  );
}

export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * A list read page by page with the API's cursors: `load(cursor)` fetches one page; the component keeps the
 * cursors of the pages before so Previous works without the API going backwards.
 */
export function usePaged<T>(load: (cursor: string | undefined) => Promise<Page<T>>, deps: readonly unknown[]) {
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [loading, setLoading] = useState(false);
  const fetchPage = useCallback(async (cursor: string | undefined) => {
    setLoading(true);
    setError(null);
    try {
      setPage(await load(cursor));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, deps);
  useEffect(() => {
    setCursors([undefined]);
    void fetchPage(undefined);
  }, deps);
  const next = () => {
    if (!page?.next) return;
    setCursors([...cursors, page.next]);
    void fetchPage(page.next);
  };
  const previous = () => {
    if (cursors.length < 2) return;
    const before = cursors.slice(0, -1);
    setCursors(before);
    void fetchPage(before[before.length - 1]);
  };
  const reload = () => void fetchPage(cursors[cursors.length - 1]);
  return { page, error, loading, next, previous, reload, pageNumber: cursors.length };
}

/**
 * Calls `reload` when the user comes back to `route` (`#/<route>`, the screen's list) while the screen stays
 * mounted: from one of its items through the nav link, or a click on the link of the list already shown
 * (no hashchange then). Mounting the screen loads its lists by itself, so the first load is not doubled.
 */
export function useReloadOnReturn(route: string, reload: () => void) {
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    const target = `#/${route}`;
    const onHash = () => location.hash === target && latest.current();
    const onClick = (e: MouseEvent) => {
      const link = (e.target as Element | null)?.closest?.('a');
      if (link?.getAttribute('href') === target && location.hash === target) latest.current();
    };
    addEventListener('hashchange', onHash);
    document.addEventListener('click', onClick);
    return () => {
      removeEventListener('hashchange', onHash);
      document.removeEventListener('click', onClick);
    };
  }, [route]);
}

/**
 * Previous and next page of a list. `label` names the pages of that list ("Pages of invoices"): a screen may
 * show several lists, and each navigation landmark needs a name of its own.
 */
/** Previous / next over a `usePaged` list; `label` names the list (two pagers on a screen need two names). */
export function Pager({
  list,
  label,
}: {
  list: Pick<ReturnType<typeof usePaged>, 'pageNumber' | 'page' | 'next' | 'previous' | 'loading'>;
  label: string;
}) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" onClick={list.previous} disabled={list.pageNumber < 2 || list.loading}>
        Previous page
      </button>
      <span>Page {list.pageNumber}</span>
      <button type="button" onClick={list.next} disabled={!list.page?.next || list.loading}>
        Next page
      </button>
    </nav>
  );
}

/** Loads once per change of `deps`. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    load().then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

export const money = (amount: string | null | undefined, currency?: string | null) =>
  amount == null ? '—' : `${amount}${currency ? ` ${currency}` : ''}`;

/** A table's header row: one `th scope="col"` per column. */
export function HeaderRow({ columns }: { columns: readonly string[] }) {
  return (
    <tr>
      {columns.map((h) => (
        <th scope="col" key={h}>
          {h}
        </th>
      ))}
    </tr>
  );
}

/** An invoice or usage-preview line: description, product cluster, quantity, unit price and amount. */
export function LineRow({
  line,
}: {
  line: { description?: string; productCluster?: string; quantity?: string; unitPrice?: string; amount?: string };
}) {
  return (
    <tr>
      <td>{line.description}</td>
      <td>{line.productCluster}</td>
      <td class="num">{line.quantity}</td>
      <td class="num">{line.unitPrice}</td>
      <td class="num">{line.amount}</td>
    </tr>
  );
}
