import './console.css';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Client, makeClient } from './api';
import { InboundBatches } from './screens/batches';
import { Customers } from './screens/customers';
import { Cycles } from './screens/cycles';
import { Invoices } from './screens/invoices';
import { Keys } from './screens/keys';
import { Offers } from './screens/offers';
import { Overview } from './screens/overview';
import { Purchases } from './screens/purchases';
import { Quotes } from './screens/quotes';
import { ReferenceData } from './screens/reference-data';
import { PriceRules } from './screens/rules';
import { RoutingRules } from './screens/routing';
import { Streams } from './screens/streams';
import { Subscriptions } from './screens/subscriptions';
import { loadSession, type Session, saveSession, signIn } from './session';
import { CreateAccount } from './signup';
import { ErrorBox, Field } from './ui';

/** What every screen gets: the typed client, who is signed in and the API's base URL. */
export interface Ctx {
  readonly client: Client;
  readonly session: Session;
  readonly baseUrl: string;
  readonly a: string;
  readonly go: (route: string) => void;
}

const SCREENS = [
  { route: 'overview', title: 'Overview', view: Overview },
  { route: 'purchases', title: 'Purchases', view: Purchases },
  { route: 'price-rules', title: 'Price rules', view: PriceRules },
  { route: 'routing-rules', title: 'Routing rules', view: RoutingRules },
  { route: 'cycles', title: 'Billing cycles', view: Cycles },
  { route: 'invoices', title: 'Invoices', view: Invoices },
  { route: 'offers', title: 'Offers', view: Offers },
  { route: 'subscriptions', title: 'Subscriptions', view: Subscriptions },
  { route: 'quotes', title: 'Quotes', view: Quotes },
  { route: 'streams', title: 'Streams', view: Streams },
  { route: 'inbound-batches', title: 'Inbound batches', view: InboundBatches },
  { route: 'reference-data', title: 'Reference data', view: ReferenceData },
  { route: 'customers', title: 'Customers', view: Customers },
  { route: 'keys', title: 'API keys', view: Keys },
] as const;

const currentRoute = () => location.hash.replace(/^#\/?/, '') || 'overview';

function SignIn({ baseUrl, onSignedIn }: { baseUrl: string; onSignedIn: (s: Session) => void }) {
  const [accountId, setAccountId] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(baseUrl, accountId.trim(), key.trim()));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>Billstream console</h1>
      <div class="signin-forms">
        <div class="card">
          <form onSubmit={submit} aria-label="Sign in">
            <h2>Sign in</h2>
            <Field label="Account id" name="account" value={accountId} onInput={setAccountId} required />
            <Field label="API key" name="key" type="password" value={key} onInput={setKey} required />
            <p class="hint">The key is kept in this tab’s session storage only.</p>
            <button type="submit" disabled={busy}>
              Sign in
            </button>
            <ErrorBox error={error} />
          </form>
        </div>
        <div class="card">
          <CreateAccount baseUrl={baseUrl} onSignedIn={onSignedIn} />
        </div>
      </div>
    </main>
  );
}

function App({ baseUrl }: { baseUrl: string }) {
  const [session, setSession] = useState<Session | null>(loadSession());
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const client = useMemo(() => (session ? makeClient(baseUrl, session.key) : null), [session, baseUrl]);
  if (!session || !client)
    return (
      <SignIn
        baseUrl={baseUrl}
        onSignedIn={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  const [name, ...rest] = route.split('/');
  const screen = SCREENS.find((s) => s.route === name) ?? SCREENS[0];
  const ctx: Ctx = { client, session, baseUrl, a: session.accountId, go: (r) => (location.hash = `#/${r}`) };
  const View = screen.view;
  return (
    <div class="app">
      <header>
        <span class="brand">Billstream</span>
        <nav aria-label="Screens">
          <ul>
            {SCREENS.map((s) => (
              <li key={s.route}>
                <a href={`#/${s.route}`} aria-current={s.route === screen.route ? 'page' : undefined}>
                  {s.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {session.accountId} · <span data-testid="role">{session.role}</span>
        </span>
        <button
          type="button"
          onClick={() => {
            saveSession(null);
            setSession(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main>
        <View ctx={ctx} param={rest.join('/')} />
      </main>
    </div>
  );
}

async function boot(): Promise<void> {
  // On AWS the deployment writes config.json with the API's URL; locally the API is this origin.
  let baseUrl = '';
  try {
    const config = (await (await fetch('config.json')).json()) as { apiUrl?: string };
    baseUrl = (config.apiUrl ?? '').replace(/\/$/, '');
  } catch {
    baseUrl = '';
  }
  render(<App baseUrl={baseUrl} />, document.getElementById('app')!);
}

void boot();
