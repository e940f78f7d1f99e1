import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Client, ok, type Schemas } from './api';

type Customer = Schemas['Customer'];

/** Customers offered per page of suggestions (`GET /customers` has no search: its pages are read on demand). */
const SUGGESTIONS_PAGE = 500;

/**
 * A customer picked by its code, however many the account has: the input suggests the customers read so far
 * (a first page when it gets the focus, the next one on "More customers"), and any code typed is checked with
 * `GET /customers/{code}`: the customer's name is shown under it, or that the account has no such customer.
 * `error` shows the API's message for this field; an empty value is "(any)" or "(none)" as the form means it.
 * `notUnder` is the customer whose parent is picked: neither it nor a customer under it (as far as the
 * suggestions read show) is suggested, since that parent would loop (the API refuses it with 409 `parent_loop`).
 */
export function CustomerField(props: {
  client: Client;
  account: string;
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  error?: string;
  required?: boolean;
  notUnder?: string;
}) {
  const id = `f-${props.name}`;
  const listId = `${id}-customers`;
  const noteId = `${id}-note`;
  const [known, setKnown] = useState<Customer[]>([]);
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [listError, setListError] = useState<unknown>(null);
  const [checked, setChecked] = useState<{ code: string; customer: Customer | null } | null>(null);
  const code = props.value.trim();

  const more = async () => {
    if (loading || next === null) return;
    setLoading(true);
    setListError(null);
    try {
      const page = ok(
        await props.client.GET('/v1/accounts/{a}/customers', {
          params: { path: { a: props.account }, query: { limit: SUGGESTIONS_PAGE, cursor: next } },
        }),
      );
      setKnown((before) => [...before, ...page.items]);
      setNext(page.next);
    } catch (e) {
      setListError(e);
    } finally {
      setLoading(false);
    }
  };

  // A code typed (or pasted) that is not among the suggestions read so far is looked up by itself.
  useEffect(() => {
    if (!code || known.some((c) => c.code === code)) return;
    let live = true;
    const timer = setTimeout(async () => {
      const reply = await props.client.GET('/v1/accounts/{a}/customers/{code}', { params: { path: { a: props.account, code } } });
      if (!live) return;
      if (reply.response.status === 404 || reply.response.status === 400) setChecked({ code, customer: null });
      else
        try {
          setChecked({ code, customer: ok(reply) });
        } catch (e) {
          setListError(e);
        }
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [code, props.account]);

  const offered = props.notUnder ? outside(known, props.notUnder) : known;
  const customer = known.find((c) => c.code === code) ?? (checked?.code === code ? checked.customer : undefined);
  const unknown = !!code && checked?.code === code && checked.customer === null && !known.some((c) => c.code === code);
  const error = props.error ?? (unknown ? `no customer '${code}' in this account` : undefined);
  const failed = listError instanceof ApiError ? listError.message : listError ? String(listError) : null;
  return (
    <div class="field customer-field">
      <label for={id}>{props.label}</label>
      <input
        type="text"
        id={id}
        name={props.name}
        value={props.value}
        list={listId}
        autocomplete="off"
        required={props.required}
        aria-invalid={error ? true : undefined}
        aria-describedby={noteId}
        onFocus={() => next === undefined && void more()}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      <datalist id={listId}>
        {offered.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name}
          </option>
        ))}
      </datalist>
      <span id={noteId} class={error ? 'field-error' : 'hint'} data-testid={`${props.name}-note`}>
        {error ?? (customer ? `${customer.name} (${customer.currency})` : (failed ?? ''))}
      </span>
      {next && (
        <button type="button" class="secondary" onClick={() => void more()} disabled={loading}>
          More customers ({known.length} read)
        </button>
      )}
    </div>
  );
}

/** The customers neither `root` nor under it, following the parents among `customers`. */
function outside(customers: readonly Customer[], root: string): Customer[] {
  const under = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of customers)
      if (c.parent && under.has(c.parent) && !under.has(c.code)) {
        under.add(c.code);
        grew = true;
      }
  }
  return customers.filter((c) => !under.has(c.code));
}
