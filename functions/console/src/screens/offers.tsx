import { useEffect, useState } from 'preact/hooks';
import { ApiError, fieldErrors, ok, type Schemas } from '../api';
import type { Ctx } from '../main';
import { canWrite } from '../session';
import { ErrorBox, Field, HeaderRow, Notice, Pager, Select, useLoad, usePaged, useReloadOnReturn, WriteForm } from '../ui';

type Catalogue = Schemas['Catalogue'];
type Offer = Schemas['Offer'];
type Charge = Offer['charges'][number];
type ChargeType = Charge['type'];

const CHARGE_TYPES: readonly ChargeType[] = ['recurring', 'one-off', 'usage', 'minimum'];

/** What a new charge of each type starts from: the fields the API asks for, with example values. */
const TEMPLATES: Record<ChargeType, object> = {
  recurring: { id: 'base', type: 'recurring', productCluster: '', price: '0.00', period: 'month', timing: 'in-advance' },
  'one-off': { id: 'setup', type: 'one-off', productCluster: '', price: '0.00' },
  usage: { id: 'usage', type: 'usage', productCluster: '', model: { type: 'standard', unitPrice: '0.00' }, scope: 'purchase' },
  minimum: { id: 'commit', type: 'minimum', amount: '0.00' },
};

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Catalogues read per page by the offer editor's select: enough for most accounts, more on demand. */
const CATALOGUE_PAGE = 50;

/**
 * The account's catalogues as a select's options, read page by page with the API's cursor: the first page
 * on opening, each further one when asked (`more`), appended, so an account with many catalogues never
 * waits for all of them.
 */
function useCatalogueOptions(ctx: Ctx) {
  const [items, setItems] = useState<Catalogue[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const read = async (cursor: string | undefined) => {
    setLoading(true);
    setError(null);
    try {
      const page = ok(
        await ctx.client.GET('/v1/accounts/{a}/catalogues', { params: { path: { a: ctx.a }, query: { limit: CATALOGUE_PAGE, cursor } } }),
      );
      setItems((before) => (cursor ? [...before, ...page.items] : page.items));
      setNext(page.next);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void read(undefined);
  }, [ctx.a]);
  return { items, error, loading, hasMore: next !== null, more: () => next && void read(next) };
}

/** The API's messages about one field and what is inside it (`charges.1`: `charges.1.price`, `charges.1.model.tiers`), as one line. */
function errorsUnder(errors: Record<string, string>, own: string): string | undefined {
  const messages = Object.entries(errors)
    .filter(([field]) => field === own || field.startsWith(`${own}.`))
    .map(([field, message]) => `${field}: ${message}`);
  return messages.length ? messages.join('; ') : undefined;
}

function CatalogueEditor({ ctx, catalogue, saved }: { ctx: Ctx; catalogue: Catalogue | null; saved: (id: string) => void }) {
  const [id, setId] = useState(catalogue?.id ?? '');
  const [name, setName] = useState(catalogue?.name ?? '');
  const [description, setDescription] = useState(catalogue?.description ?? '');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/catalogues/{id}', {
          params: { path: { a: ctx.a, id } },
          body: { name, description: description || null },
        }),
      );
      saved(id);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="editor" onSubmit={submit} label={catalogue ? `Edit catalogue ${catalogue.id}` : 'New catalogue'}>
      <h2>{catalogue ? `Catalogue ${catalogue.id}` : 'New catalogue'}</h2>
      {!catalogue && <Field label="Catalogue id" name="catalogue-id" value={id} onInput={setId} error={errors.id} required />}
      <Field label="Catalogue name" name="catalogue-name" value={name} onInput={setName} error={errors.name} required />
      <Field label="Description" name="catalogue-description" value={description} onInput={setDescription} error={errors.description} />
      <button type="submit">Save catalogue</button>
      <ErrorBox error={error} />
    </WriteForm>
  );
}

interface OfferDraft {
  id: string;
  catalogue: string;
  name: string;
  currency: string;
  trialDays: string;
  parameters: string;
  charges: string[];
}

const toDraft = (offer: Offer | null, catalogue: string): OfferDraft => ({
  id: offer?.id ?? '',
  catalogue: offer?.catalogue ?? catalogue,
  name: offer?.name ?? '',
  currency: offer?.currency ?? 'EUR',
  trialDays: String(offer?.trialDays ?? 0),
  parameters: offer?.parameters && Object.keys(offer.parameters).length ? json(offer.parameters) : '',
  charges: (offer?.charges ?? []).map(json),
});

/**
 * Edits one offer: its fields and one JSON editor per charge. The API checks everything and names each bad
 * field by its place (`charges.1.price`), so each message is shown next to the field or charge it names.
 */
function OfferEditor({ ctx, offer, catalogue, saved }: { ctx: Ctx; offer: Offer | null; catalogue: string; saved: (id: string) => void }) {
  const [d, setD] = useState<OfferDraft>(toDraft(offer, catalogue));
  const [newType, setNewType] = useState<ChargeType>('recurring');
  const [error, setError] = useState<unknown>(null);
  const writer = canWrite(ctx.session);
  const catalogues = useCatalogueOptions(ctx);
  // The offer's own catalogue is an option even before the page that holds it is read.
  const catalogueIds = catalogues.items.map((c) => c.id);
  const catalogueOptions = ['', ...(d.catalogue && !catalogueIds.includes(d.catalogue) ? [d.catalogue] : []), ...catalogueIds];
  const catalogueNames = new Map(catalogues.items.map((c) => [c.id, c.name]));
  const set = (k: 'id' | 'catalogue' | 'name' | 'currency' | 'trialDays' | 'parameters') => (v: string) => setD({ ...d, [k]: v });
  const setCharge = (i: number) => (v: string) => setD({ ...d, charges: d.charges.map((c, n) => (n === i ? v : c)) });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const notJson: string[] = [];
    const charges = d.charges.map((text, i) => {
      try {
        return JSON.parse(text) as Charge;
      } catch {
        notJson.push(`charges.${i}: not valid JSON`);
        return null;
      }
    });
    let parameters: Record<string, string> | undefined;
    try {
      parameters = d.parameters.trim() ? (JSON.parse(d.parameters) as Record<string, string>) : undefined;
    } catch {
      notJson.push('parameters: not valid JSON');
    }
    if (notJson.length) {
      setError(new ApiError(400, 'invalid_input', 'Some fields are not JSON', notJson));
      return;
    }
    try {
      ok(
        await ctx.client.PUT('/v1/accounts/{a}/offers/{id}', {
          params: { path: { a: ctx.a, id: d.id } },
          body: {
            catalogue: d.catalogue,
            name: d.name,
            currency: d.currency,
            // A whole number goes as one; anything else as typed, for the API to name it.
            trialDays: (/^\d+$/.test(d.trialDays.trim()) ? Number(d.trialDays) : d.trialDays) as number,
            ...(parameters ? { parameters } : {}),
            charges: charges as Charge[],
          },
        }),
      );
      saved(d.id);
    } catch (err) {
      setError(err);
    }
  };
  const errors = fieldErrors(error);
  return (
    <WriteForm session={ctx.session} class="editor offer-editor" onSubmit={submit} label={offer ? `Edit offer ${offer.id}` : 'New offer'}>
      <h2>{offer ? `Offer ${offer.id}` : 'New offer'}</h2>
      {!offer && <Field label="Offer id" name="offer-id" value={d.id} onInput={set('id')} error={errors.id} required />}
      <div class="filters">
        <Select
          label="Catalogue"
          name="offer-catalogue"
          value={d.catalogue}
          options={catalogueOptions}
          optionLabel={(id) => (id === '' ? '(choose a catalogue)' : catalogueNames.has(id) ? `${id} (${catalogueNames.get(id)})` : id)}
          onInput={set('catalogue')}
          error={errors.catalogue}
          required
        />
        {writer && catalogues.hasMore && (
          <button type="button" onClick={catalogues.more} disabled={catalogues.loading}>
            More catalogues
          </button>
        )}
      </div>
      <ErrorBox error={catalogues.error} />
      <Field label="Offer name" name="offer-name" value={d.name} onInput={set('name')} error={errors.name} required />
      <Field label="Currency" name="offer-currency" value={d.currency} onInput={set('currency')} error={errors.currency} required />
      <Field label="Trial days" name="offer-trial-days" value={d.trialDays} onInput={set('trialDays')} error={errors.trialDays} />
      <Field
        label="Parameters (JSON, optional)"
        name="offer-parameters"
        value={d.parameters}
        onInput={set('parameters')}
        error={errorsUnder(errors, 'parameters')}
        multiline
      />
      <fieldset class="charges">
        <legend>Charges</legend>
        {errors.charges && <p class="field-error">charges: {errors.charges}</p>}
        {d.charges.map((text, i) => (
          <div class="charge" key={i}>
            <Field
              label={`Charge ${i + 1} (JSON)`}
              name={`offer-charge-${i}`}
              value={text}
              onInput={setCharge(i)}
              error={errorsUnder(errors, `charges.${i}`)}
              multiline
            />
            {writer && (
              <button type="button" onClick={() => setD({ ...d, charges: d.charges.filter((_, n) => n !== i) })}>
                Remove charge {i + 1}
              </button>
            )}
          </div>
        ))}
        {d.charges.length === 0 && <p>No charge yet.</p>}
        {writer && (
          <div class="filters">
            <Select
              label="New charge type"
              name="offer-new-charge"
              value={newType}
              options={CHARGE_TYPES}
              onInput={(v) => setNewType(v as ChargeType)}
            />
            <button type="button" onClick={() => setD({ ...d, charges: [...d.charges, json(TEMPLATES[newType])] })}>
              Add charge
            </button>
          </div>
        )}
      </fieldset>
      {writer && <button type="submit">Save offer</button>}
      <ErrorBox error={error} />
    </WriteForm>
  );
}

/** One offer opened from the list (`#/offers/<id>`): read, then edited in place. */
function OfferDetail({ ctx, id, saved }: { ctx: Ctx; id: string; saved: (id: string) => void }) {
  const offer = useLoad(async () => ok(await ctx.client.GET('/v1/accounts/{a}/offers/{id}', { params: { path: { a: ctx.a, id } } })), [ctx.a, id]);
  return (
    <section aria-label={`Offer ${id}`} data-testid="offer-detail">
      <ErrorBox error={offer.error} />
      {offer.data && (
        <OfferEditor
          key={offer.data.updatedAt}
          ctx={ctx}
          offer={offer.data}
          catalogue={offer.data.catalogue}
          saved={(savedId) => {
            offer.reload();
            saved(savedId);
          }}
        />
      )}
    </section>
  );
}

export function Offers({ ctx, param }: { ctx: Ctx; param: string }) {
  const writer = canWrite(ctx.session);
  const [catalogue, setCatalogue] = useState('');
  const [editingCatalogue, setEditingCatalogue] = useState<Catalogue | 'new' | null>(null);
  const [newOffer, setNewOffer] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const catalogues = usePaged(
    async (cursor) => ok(await ctx.client.GET('/v1/accounts/{a}/catalogues', { params: { path: { a: ctx.a }, query: { limit: 50, cursor } } })),
    [ctx.a],
  );
  const offers = usePaged(
    async (cursor) =>
      ok(
        await ctx.client.GET('/v1/accounts/{a}/offers', {
          params: { path: { a: ctx.a }, query: { limit: 50, cursor, ...(catalogue ? { catalogue } : {}) } },
        }),
      ),
    [ctx.a, catalogue],
  );
  useReloadOnReturn('offers', () => {
    catalogues.reload();
    offers.reload();
  });
  const offerSaved = (id: string) => {
    setNewOffer(false);
    setMessage(`Offer ${id} saved.`);
    offers.reload();
    ctx.go(`offers/${id}`);
  };
  return (
    <section aria-labelledby="offers-h">
      <h1 id="offers-h">Offers</h1>
      {!writer && <Notice>Read-only: this key’s role is viewer.</Notice>}
      {message && <Notice>{message}</Notice>}
      <section aria-labelledby="catalogues-h" class="card">
        <h2 id="catalogues-h">Catalogues</h2>
        {writer && (
          <button type="button" onClick={() => setEditingCatalogue('new')}>
            New catalogue
          </button>
        )}
        <ErrorBox error={catalogues.error} />
        <table class="wide">
          <thead>
            <HeaderRow columns={['Id', 'Name', 'Description', '']} />
          </thead>
          <tbody>
            {(catalogues.page?.items ?? []).map((c) => (
              <tr key={c.id} aria-current={c.id === catalogue ? 'true' : undefined}>
                <td>{c.id}</td>
                <td>{c.name}</td>
                <td>{c.description ?? ''}</td>
                <td>
                  <button type="button" onClick={() => setCatalogue(c.id)} aria-label={`Show offers of catalogue ${c.id}`}>
                    Offers
                  </button>
                  {writer && (
                    <button type="button" onClick={() => setEditingCatalogue(c)} aria-label={`Edit catalogue ${c.id}`}>
                      Edit
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {catalogues.page?.items.length === 0 && <p>No catalogue yet.</p>}
        <Pager list={catalogues} label="Pages of catalogues" />
        {editingCatalogue && (
          <CatalogueEditor
            key={editingCatalogue === 'new' ? 'new' : editingCatalogue.id}
            ctx={ctx}
            catalogue={editingCatalogue === 'new' ? null : editingCatalogue}
            saved={(id) => {
              setEditingCatalogue(null);
              setMessage(`Catalogue ${id} saved.`);
              setCatalogue(id);
              catalogues.reload();
            }}
          />
        )}
      </section>
      <section aria-labelledby="offer-list-h" class="card">
        <h2 id="offer-list-h">{catalogue ? `Offers of catalogue ${catalogue}` : 'All offers'}</h2>
        <div class="actions">
          {catalogue && (
            <button type="button" onClick={() => setCatalogue('')}>
              Show all offers
            </button>
          )}
          {writer && (
            <button type="button" onClick={() => setNewOffer(true)}>
              New offer
            </button>
          )}
        </div>
        <ErrorBox error={offers.error} />
        <table class="wide">
          <thead>
            <HeaderRow columns={['Offer', 'Name', 'Catalogue', 'Currency', 'Trial days', 'Charges']} />
          </thead>
          <tbody>
            {(offers.page?.items ?? []).map((o) => (
              <tr key={o.id}>
                <td>
                  <a href={`#/offers/${o.id}`}>{o.id}</a>
                </td>
                <td>{o.name}</td>
                <td>{o.catalogue}</td>
                <td>{o.currency}</td>
                <td class="num">{o.trialDays}</td>
                <td>{o.charges.map((c) => `${c.id} (${c.type})`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {offers.page?.items.length === 0 && <p>No offer yet.</p>}
        <Pager list={offers} label="Pages of offers" />
      </section>
      {newOffer && <OfferEditor ctx={ctx} offer={null} catalogue={catalogue} saved={offerSaved} />}
      {param && !newOffer && <OfferDetail key={param} ctx={ctx} id={param} saved={offerSaved} />}
    </section>
  );
}
