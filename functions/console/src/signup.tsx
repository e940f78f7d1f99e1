import { useRef, useState } from 'preact/hooks';
import { fieldErrors, makeClient, ok, type Schemas } from './api';
import { type Session, signIn } from './session';
import { ErrorBox, Field, Notice } from './ui';

type AccountRole = Schemas['NewAccount']['roles'][number];
const ACCOUNT_ROLES: readonly AccountRole[] = ['vendor', 'distributor', 'reseller'];

/** The account just made and its first admin key: held in this component only, shown once. */
interface Created {
  readonly accountId: string;
  readonly key: string;
}

/**
 * A new user's first step: with the platform admin key `npm start` prints, create an account
 * (`POST /v1/accounts`) and issue its first admin key (`POST /v1/accounts/{a}/keys`), then sign in with that
 * key. The platform admin key lives in this form's state for the two requests and is dropped once they
 * succeed: it is never written to session storage, local storage or the URL.
 */
export function CreateAccount({ baseUrl, onSignedIn }: { baseUrl: string; onSignedIn: (s: Session) => void }) {
  const [adminKey, setAdminKey] = useState('');
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<readonly AccountRole[]>(['vendor']);
  const [currency, setCurrency] = useState('EUR');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // An account made whose key could not be issued: a second try issues the key only (creating it again is a 409).
  const [made, setMade] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);

  const toggle = (role: AccountRole, on: boolean) => setRoles(ACCOUNT_ROLES.filter((r) => (r === role ? on : roles.includes(r))));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const a = id.trim();
    try {
      const platform = makeClient(baseUrl, adminKey.trim());
      if (made !== a) {
        ok(await platform.POST('/v1/accounts', { body: { id: a, name: name.trim(), roles: [...roles], currency: currency.trim() } }));
        setMade(a);
      }
      const issued = ok(await platform.POST('/v1/accounts/{a}/keys', { params: { path: { a } }, body: { role: 'admin' } }));
      setAdminKey('');
      setCreated({ accountId: a, key: issued.key ?? '' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (created) return <NewAccountKey baseUrl={baseUrl} created={created} onSignedIn={onSignedIn} />;

  const errors = fieldErrors(error);
  const rolesError = errors.roles ?? Object.entries(errors).find(([field]) => field.startsWith('roles.'))?.[1];
  return (
    <form onSubmit={submit} aria-label="Create an account">
      <h2>Create an account</h2>
      <p class="hint">
        New here? Use the platform admin key that <code>npm start</code> printed. It is used for these two requests only and never kept.
      </p>
      <Field label="Platform admin key" name="signup-admin-key" type="password" value={adminKey} onInput={setAdminKey} required />
      <Field
        label="New account's id"
        name="signup-id"
        value={id}
        onInput={setId}
        error={errors.id}
        placeholder="lowercase letters, digits and dashes"
        required
      />
      <Field label="Account name" name="signup-name" value={name} onInput={setName} error={errors.name} required />
      <fieldset class={rolesError ? 'roles invalid' : 'roles'} aria-describedby={rolesError ? 'signup-roles-error' : undefined}>
        <legend>Roles in the supply chain</legend>
        {ACCOUNT_ROLES.map((role) => (
          <label key={role} class="check">
            <input
              type="checkbox"
              name="signup-roles"
              value={role}
              checked={roles.includes(role)}
              onChange={(e) => toggle(role, (e.currentTarget as HTMLInputElement).checked)}
            />
            {role}
          </label>
        ))}
        {rolesError && (
          <span class="field-error" id="signup-roles-error">
            {rolesError}
          </span>
        )}
      </fieldset>
      <Field label="Currency" name="signup-currency" value={currency} onInput={setCurrency} error={errors.currency} placeholder="EUR" required />
      <button type="submit" disabled={busy}>
        Create account
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

/** The new account's admin key, shown this once with a Copy button, and the way on: sign in with it. */
function NewAccountKey({ baseUrl, created, onSignedIn }: { baseUrl: string; created: Created; onSignedIn: (s: Session) => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('Copied to the clipboard.');
    } catch {
      // No clipboard access (an insecure origin, a denied permission): the key is selected for Ctrl+C instead.
      field.current?.select();
      setCopied('The key is selected: press Ctrl+C (⌘C) to copy it.');
    }
  };
  const proceed = async () => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(baseUrl, created.accountId, created.key));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="created-title">
      <h2 id="created-title">Account {created.accountId} created</h2>
      <Notice>
        <strong>Copy this admin key now: it is not shown again.</strong> Only its hash is stored; sign in with it, and issue more keys under API keys.
      </Notice>
      <div class="field">
        <label for="signup-new-key">Admin key of {created.accountId}</label>
        <div class="copy-row">
          <input id="signup-new-key" type="text" readOnly value={created.key} ref={field} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={copy}>
            Copy
          </button>
        </div>
      </div>
      {copied && (
        <p class="hint" role="status">
          {copied}
        </p>
      )}
      <button type="button" onClick={proceed} disabled={busy}>
        Continue signed in
      </button>
      <ErrorBox error={error} />
    </section>
  );
}
