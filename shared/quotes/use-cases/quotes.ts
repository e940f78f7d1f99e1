import { ConflictError, isRefusal, NotFoundError, ValidationError } from '../../kernel/errors';
import type { Page, PageRequest } from '../../kernel/page';
import {
  acceptSchema,
  checkTransition,
  parseBody,
  priceLines,
  quoteSchema,
  statusOn,
  submitDecision,
  termsKey,
  type PricedLine,
  type QuoteRecord,
  type QuoteStatus,
  type QuoteVersion,
  type StoredStatus,
  type Transition,
} from '../domain/quote';
import { renderQuotePdf } from '../documents/pdf';
import type { CustomerReader, OfferReader, QuoteStore, StoredVersion, SubscriptionMaker } from '../ports';

/** How often a write is tried again when another write on the same quote came first. */
const ATTEMPTS = 10;

/** A quote (or one version of it) as the API shows it. */
export interface WireQuote {
  id: string;
  version: number;
  status: QuoteStatus;
  customer: string;
  offer: string;
  validUntil: string;
  notes: string | null;
  lines: PricedLine[];
  total: string;
  currency: string;
  /** The subscription an accepted quote became (null before). */
  subscription: string | null;
  createdAt: string;
}

export interface Saved<T> {
  created: boolean;
  record: T;
}

const found = <T>(value: T | null, what: string): T => {
  if (value === null) throw new NotFoundError(`${what} not found`);
  return value;
};

/**
 * Quotes: versions and status changes written conditionally on the revision read (optimistic
 * concurrency: the loser reads again and decides again), so concurrent edits each become a version, two
 * submits decide once, and exactly one accept claims the quote. Accepting claims the quote first
 * (`approved` → `accepted`, naming the subscription id and start date), then creates the subscription
 * (a conditional create of that id with the quoted unit prices): an accept retried, or racing the winner,
 * finds the quote accepted and answers that same subscription (creating it if the winner stopped before
 * it did); if the create is refused (the id belongs to another subscription), the claim is undone.
 */
export class QuoteService {
  constructor(
    private readonly store: QuoteStore,
    private readonly offers: OfferReader,
    private readonly customers: CustomerReader,
    private readonly subscriptions: SubscriptionMaker,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  async putQuote(accountId: string, id: string, body: unknown): Promise<Saved<WireQuote>> {
    const terms = parseBody(quoteSchema, body, 'quote');
    const key = termsKey(terms);
    for (let attempt = 1; ; attempt++) {
      const held = await this.store.getQuote(accountId, id);
      if (held && termsKey(held.latest.terms) === key) return { created: false, record: this.wire(held) };
      if (held?.status === 'accepted') {
        throw new ConflictError(
          'quote_accepted',
          `quote '${id}' is accepted (subscription '${held.acceptance?.subscription}'); it takes no new version`,
        );
      }
      const [customer, offer] = await Promise.all([
        this.customers.getCustomer(accountId, terms.customer),
        this.offers.getOffer(accountId, terms.offer),
      ]);
      const problems: string[] = [];
      if (!customer) problems.push(`customer: customer '${terms.customer}' does not exist`);
      if (!offer) problems.push(`offer: offer '${terms.offer}' does not exist`);
      if (problems.length) throw new ValidationError('invalid quote', problems);
      if (offer!.currency !== customer!.currency) {
        throw new ConflictError(
          'currency_mismatch',
          `offer '${offer!.id}' is in ${offer!.currency}, customer '${customer!.code}' is billed in ${customer!.currency}`,
          [`offer: offer '${offer!.id}' is in ${offer!.currency}, not the customer's ${customer!.currency}`],
        );
      }
      const at = this.now().toISOString();
      const priced = priceLines(terms, offer!, this.today());
      const version: QuoteVersion = { version: (held?.latest.version ?? 0) + 1, terms, ...priced, currency: offer!.currency, createdAt: at };
      const next: QuoteRecord = {
        id,
        latest: version,
        status: 'draft',
        decidedAt: null,
        submittedAt: null,
        acceptance: null,
        revision: (held?.revision ?? 0) + 1,
        createdAt: held?.createdAt ?? at,
        updatedAt: at,
      };
      if (await this.store.saveVersion(accountId, next, held?.revision ?? null, held?.status ?? null))
        return { created: held === null, record: this.wire(next) };
      if (attempt >= ATTEMPTS) throw busy(id);
    }
  }

  async getQuote(accountId: string, id: string): Promise<WireQuote> {
    return this.wire(found(await this.store.getQuote(accountId, id), `quote '${id}'`));
  }

  async listVersions(accountId: string, id: string, page: PageRequest): Promise<Page<WireQuote>> {
    const quote = found(await this.store.getQuote(accountId, id), `quote '${id}'`);
    const result = await this.store.listVersions(accountId, id, page);
    return {
      items: result.items.map((v) => (v.version === quote.latest.version ? this.wire(quote) : this.wireVersion(quote, v))),
      next: result.next,
    };
  }

  async listQuotes(accountId: string, query: { customer?: string; status?: QuoteStatus }, page: PageRequest): Promise<Page<WireQuote>> {
    const today = this.today();
    const keep = query.status === undefined ? undefined : (q: QuoteRecord) => statusOn(q, today) === query.status;
    const result = await this.store.listQuotes(accountId, { customer: query.customer }, page, keep);
    return { items: result.items.map((q) => this.wire(q)), next: result.next };
  }

  /** `approved` when every discount is within its approvalAbove, else `pending-approval`; 409 `below_floor` naming the line. */
  submit(accountId: string, id: string): Promise<WireQuote> {
    return this.transition(accountId, id, 'submit', async (quote) => {
      const offer = found(await this.offers.getOffer(accountId, quote.latest.terms.offer), `offer '${quote.latest.terms.offer}'`);
      return { status: submitDecision(quote.latest, offer), submittedAt: this.now().toISOString() };
    });
  }

  /** An admin's approval of a pending quote (the role is the edge's to check). */
  approve(accountId: string, id: string): Promise<WireQuote> {
    return this.transition(accountId, id, 'approve', async () => ({ status: 'approved', decidedAt: this.now().toISOString() }));
  }

  decline(accountId: string, id: string): Promise<WireQuote> {
    return this.transition(accountId, id, 'decline', async () => ({ status: 'declined', decidedAt: this.now().toISOString() }));
  }

  /**
   * The customer's acceptance: 201 with the new subscription (its id `subscription`, default the quote's id,
   * quantity the lines' quantity, `prices` the quoted unit prices); the same accept again answers the same
   * subscription (200). 409 unless the quote is `approved` and today is not past its validUntil.
   */
  async accept(accountId: string, id: string, body: unknown): Promise<Saved<{ id: string }>> {
    const input = parseBody(acceptSchema, body, 'acceptance');
    const wanted = input.subscription ?? id;
    for (let attempt = 1; ; attempt++) {
      const quote = found(await this.store.getQuote(accountId, id), `quote '${id}'`);
      const status = statusOn(quote, this.today());
      if (status === 'accepted') {
        const held = quote.acceptance!;
        if (held.subscription !== wanted || held.startDate !== input.startDate) {
          throw new ConflictError('quote_accepted', `quote '${id}' is accepted as subscription '${held.subscription}' from ${held.startDate}`, [
            `subscription: quote '${id}' became subscription '${held.subscription}' (startDate ${held.startDate})`,
          ]);
        }
        return this.subscribe(accountId, quote);
      }
      checkTransition(status, 'accept');
      const at = this.now().toISOString();
      const claimed: QuoteRecord = {
        ...quote,
        status: 'accepted',
        acceptance: { subscription: wanted, startDate: input.startDate, acceptedAt: at },
        revision: quote.revision + 1,
        updatedAt: at,
      };
      if (await this.store.updateQuote(accountId, claimed, quote.revision)) {
        try {
          return await this.subscribe(accountId, claimed);
        } catch (error) {
          // the subscription cannot be made (its id is taken, the customer is gone): give the claim back
          if (isRefusal(error))
            await this.store.updateQuote(accountId, { ...quote, revision: claimed.revision + 1, updatedAt: at }, claimed.revision);
          throw error;
        }
      }
      if (attempt >= ATTEMPTS) throw busy(id);
    }
  }

  /** The subscription of an accepted quote, created if it is not there yet (the create is conditional and repeatable). */
  private subscribe(accountId: string, quote: QuoteRecord): Promise<Saved<{ id: string }>> {
    const { terms, lines } = quote.latest;
    const acceptance = quote.acceptance!;
    return this.subscriptions.createFromQuote(
      accountId,
      acceptance.subscription,
      {
        customer: terms.customer,
        offer: terms.offer,
        quantity: lines[0]!.quantity,
        startDate: acceptance.startDate,
        endDate: null,
        parameters: {},
      },
      Object.fromEntries(lines.map((l) => [l.charge, l.unitPrice])),
    );
  }

  /** The quote's latest version as a PDF. */
  async document(accountId: string, id: string): Promise<Buffer> {
    const quote = await this.getQuote(accountId, id);
    const customer = await this.customers.getCustomer(accountId, quote.customer);
    return renderQuotePdf({ ...quote, customer: { code: quote.customer, name: customer?.name ?? quote.customer } });
  }

  private async transition(
    accountId: string,
    id: string,
    transition: Transition,
    change: (quote: QuoteRecord) => Promise<Partial<Pick<QuoteRecord, 'submittedAt' | 'decidedAt'>> & { status: StoredStatus }>,
  ): Promise<WireQuote> {
    for (let attempt = 1; ; attempt++) {
      const quote = found(await this.store.getQuote(accountId, id), `quote '${id}'`);
      const { same } = checkTransition(statusOn(quote, this.today()), transition);
      if (same) return this.wire(quote);
      const next: QuoteRecord = { ...quote, ...(await change(quote)), revision: quote.revision + 1, updatedAt: this.now().toISOString() };
      if (await this.store.updateQuote(accountId, next, quote.revision)) return this.wire(next);
      if (attempt >= ATTEMPTS) throw busy(id);
    }
  }

  private wire(quote: QuoteRecord): WireQuote {
    return { ...this.wireVersion(quote, quote.latest), status: statusOn(quote, this.today()), subscription: quote.acceptance?.subscription ?? null };
  }

  private wireVersion(quote: QuoteRecord, v: QuoteVersion & { status?: StoredStatus }): WireQuote {
    return {
      id: quote.id,
      version: v.version,
      status: v.status ?? 'draft',
      customer: v.terms.customer,
      offer: v.terms.offer,
      validUntil: v.terms.validUntil,
      notes: v.terms.notes,
      lines: v.lines,
      total: v.total,
      currency: v.currency,
      subscription: null,
      createdAt: v.createdAt,
    };
  }
}

const busy = (id: string) => new ConflictError('quote_busy', `quote '${id}' kept changing while this was written; try again`);

export type { StoredVersion };
