import { ConflictError, ValidationError } from '../../kernel/errors';
import { parseDecimal, toWire } from '../../kernel/money';
import type { Page, PageRequest } from '../../kernel/page';
import type { CatalogStore, CustomerRecord } from '../../catalog/ports';
import { PERIOD_MONTHS, type OfferRecord } from '../domain/offer';
import {
  cancelSchema,
  changeSchema,
  checkOperation,
  parseBody,
  pauseSchema,
  subscriptionSchema,
  subscriptionStatus,
  termEnd,
  pricesKey,
  termsKey,
  termsOn,
  type SubscriptionTerms,
  type HistoryEntry,
  type SubscriptionRecord,
  type SubscriptionStatus,
  offersOf,
} from '../domain/subscription';
import type { Reevaluations } from '../../ingest/use-cases/reevaluation';
import type { SubscriptionStore } from '../ports';
import { found, type Saved } from './offers';

/** How often an operation is tried again when another operation on the same subscription was written first. */
const OPERATION_ATTEMPTS = 10;

/** A subscription as the API shows it: its terms in force today, its status today and its whole history. */
export interface WireSubscription {
  id: string;
  customer: string;
  offer: string;
  quantity: string;
  startDate: string;
  endDate: string | null;
  status: SubscriptionStatus;
  chargedThrough: string | null;
  parameters: Record<string, string>;
  /** Negotiated unit prices per charge id (from an accepted quote); null: the offer's prices. */
  prices: Record<string, string> | null;
  history: HistoryEntry[];
}

export type Operation = 'change' | 'pause' | 'resume' | 'cancel';

/**
 * Subscriptions: created once per id (a conditional write; the same terms again answer 200 unchanged,
 * other terms 409 `subscription_exists`), then changed only by operations appended to their history. An
 * operation is written on the version it read (optimistic concurrency): when another operation came first
 * it is read again, checked again against the new history and written again, so none is ever lost and
 * none is checked against a stale state.
 */
export class SubscriptionService {
  constructor(
    private readonly store: SubscriptionStore,
    private readonly catalog: Pick<CatalogStore, 'getCustomer'>,
    private readonly now: () => Date = () => new Date(),
    /** Re-rates the subscriber's purchases after a subscription is created or changed (its usage charges and parameters price them). */
    private readonly reevaluations: Pick<Reevaluations, 'start'> = { start: async () => [] },
  ) {}

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  /**
   * The subscriber's open purchases (its own and those routed to it) are re-rated: a subscription's usage
   * charges and parameters price them on its days. Also after a create answered unchanged, so a retried PUT
   * finishes what a failed one started. A subscription none of whose offers has a usage charge or parameters,
   * and that has no parameters of its own, changes no rating: nothing is re-rated (10,000 plain subscriptions
   * created at once start no re-evaluation).
   */
  private async rerate(accountId: string, sub: Pick<SubscriptionRecord, 'customer' | 'offer' | 'history' | 'parameters'>): Promise<void> {
    const offers = await this.store.getOffers(accountId, offersOf(sub));
    const rates = Object.keys(sub.parameters ?? {}).length > 0 || [...offers.values()].some(ratesPurchases);
    if (!rates) return;
    await this.reevaluations.start(accountId, [{ kind: 'reevaluate', scope: { customers: [sub.customer], followRouting: true } }]);
  }

  async putSubscription(accountId: string, id: string, body: unknown): Promise<Saved<WireSubscription>> {
    const terms = parseBody(subscriptionSchema, body, 'subscription');
    const [customer, offer] = await Promise.all([this.catalog.getCustomer(accountId, terms.customer), this.store.getOffer(accountId, terms.offer)]);
    const problems: string[] = [];
    if (!customer) problems.push(`customer: customer '${terms.customer}' does not exist`);
    if (!offer) problems.push(`offer: offer '${terms.offer}' does not exist`);
    if (problems.length) throw new ValidationError('invalid subscription', problems);
    checkCurrency(offer!, customer!, 'offer');
    const at = this.now().toISOString();
    const record: SubscriptionRecord = { id, ...terms, chargedThrough: null, history: [], version: 1, createdAt: at, updatedAt: at };
    const held = await this.store.createSubscription(accountId, record);
    if (held === null) {
      await this.rerate(accountId, record);
      return { created: true, record: this.wire(record, offer!.trialDays) };
    }
    if (termsKey(held) !== termsKey(terms)) {
      throw new ConflictError(
        'subscription_exists',
        `subscription '${id}' exists with other terms; change it with its operations (changes, pause, resume, cancel)`,
        [`id: subscription '${id}' exists (customer '${held.customer}', offer '${held.offer}', startDate ${held.startDate})`],
      );
    }
    await this.rerate(accountId, held);
    return { created: false, record: await this.wireOne(accountId, held) };
  }

  /**
   * Creates a subscription with negotiated unit `prices` (charge id → decimal text; recurring and one-off
   * charges of the offer only), as an accepted quote does. Like a PUT it is a conditional create: the same
   * terms and prices again answer `created: false` with the stored subscription (an accept retried), other
   * terms or prices under the id are 409 `subscription_exists`.
   */
  async createFromQuote(accountId: string, id: string, terms: SubscriptionTerms, prices: Record<string, string>): Promise<Saved<WireSubscription>> {
    const [customer, offer] = await Promise.all([this.catalog.getCustomer(accountId, terms.customer), this.store.getOffer(accountId, terms.offer)]);
    const problems: string[] = [];
    if (!customer) problems.push(`customer: customer '${terms.customer}' does not exist`);
    if (!offer) problems.push(`offer: offer '${terms.offer}' does not exist`);
    if (problems.length) throw new ValidationError('invalid subscription', problems);
    checkCurrency(offer!, customer!, 'offer');
    const normalized: Record<string, string> = {};
    for (const [charge, price] of Object.entries(prices)) {
      const c = offer!.charges.find((x) => x.id === charge);
      if (!c || (c.type !== 'recurring' && c.type !== 'one-off')) {
        problems.push(`prices.${charge}: not a recurring or one-off charge of offer '${offer!.id}'`);
      } else {
        const value = parseDecimal(price, `prices.${charge}`);
        if (value.isNeg()) problems.push(`prices.${charge}: must not be negative`);
        else normalized[charge] = toWire(value);
      }
    }
    if (problems.length) throw new ValidationError('invalid subscription', problems);
    const at = this.now().toISOString();
    const record: SubscriptionRecord = {
      id,
      ...terms,
      prices: normalized,
      chargedThrough: null,
      history: [],
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    const held = await this.store.createSubscription(accountId, record);
    if (held === null) {
      await this.rerate(accountId, record);
      return { created: true, record: this.wire(record, offer!.trialDays) };
    }
    if (termsKey(held) !== termsKey(terms) || pricesKey(held.prices) !== pricesKey(normalized)) {
      throw new ConflictError('subscription_exists', `subscription '${id}' exists with other terms or prices`, [
        `subscription: subscription '${id}' exists (customer '${held.customer}', offer '${held.offer}', startDate ${held.startDate})`,
      ]);
    }
    await this.rerate(accountId, held);
    return { created: false, record: await this.wireOne(accountId, held) };
  }

  async getSubscription(accountId: string, id: string): Promise<WireSubscription> {
    return this.wireOne(accountId, found(await this.store.getSubscription(accountId, id), `subscription '${id}'`));
  }

  /** A page of subscriptions, of one customer and/or with one status today. */
  async listSubscriptions(
    accountId: string,
    query: { customer?: string; status?: SubscriptionStatus },
    page: PageRequest,
  ): Promise<Page<WireSubscription>> {
    const offers = new Map<string, OfferRecord | null>();
    const trialDays = async (records: SubscriptionRecord[]) => {
      const wanted = [...new Set(records.map((r) => r.offer))].filter((o) => !offers.has(o));
      if (wanted.length) {
        const loaded = await this.store.getOffers(accountId, wanted);
        for (const o of wanted) offers.set(o, loaded.get(o) ?? null);
      }
      return records.map((r) => offers.get(r.offer)?.trialDays ?? 0);
    };
    const today = this.today();
    const keep =
      query.status === undefined
        ? undefined
        : async (records: SubscriptionRecord[]) => {
            const days = await trialDays(records);
            return records.map((r, i) => subscriptionStatus(r, days[i]!, today) === query.status);
          };
    const result = await this.store.listSubscriptions(accountId, { customer: query.customer }, page, keep);
    const days = await trialDays(result.items);
    return { items: result.items.map((r, i) => this.wire(r, days[i]!)), next: result.next };
  }

  change(accountId: string, id: string, body: unknown): Promise<WireSubscription> {
    const input = parseBody(changeSchema, body, 'change');
    return this.operate(accountId, id, async (context) => {
      if (input.offer !== null) {
        const offer = await this.store.getOffer(accountId, input.offer);
        if (!offer) throw new ValidationError('invalid change', [`offer: offer '${input.offer}' does not exist`]);
        checkCurrency(offer, await context.customer(), 'offer');
      }
      const appliesFrom = input.policy === 'immediate' ? input.effectiveDate : await context.termEnd(input.effectiveDate);
      return {
        type: 'change',
        effectiveDate: input.effectiveDate,
        policy: input.policy,
        appliesFrom,
        offer: input.offer,
        quantity: input.quantity,
        recordedAt: context.at,
      };
    });
  }

  pause(accountId: string, id: string, body: unknown): Promise<WireSubscription> {
    const { effectiveDate } = parseBody(pauseSchema, body, 'pause');
    return this.operate(accountId, id, async (context) => ({ type: 'pause', effectiveDate, recordedAt: context.at }));
  }

  resume(accountId: string, id: string, body: unknown): Promise<WireSubscription> {
    const { effectiveDate } = parseBody(pauseSchema, body, 'resume');
    return this.operate(accountId, id, async (context) => ({ type: 'resume', effectiveDate, recordedAt: context.at }));
  }

  cancel(accountId: string, id: string, body: unknown): Promise<WireSubscription> {
    const input = parseBody(cancelSchema, body, 'cancel');
    return this.operate(accountId, id, async (context) => ({
      type: 'cancel',
      effectiveDate: input.effectiveDate,
      policy: input.policy,
      appliesFrom: input.policy === 'immediate' ? input.effectiveDate : await context.termEnd(input.effectiveDate),
      recordedAt: context.at,
    }));
  }

  /** Reads, checks and appends one history entry on the version read; tries again when another write came first. */
  private async operate(accountId: string, id: string, entryOf: (context: OperationContext) => Promise<HistoryEntry>): Promise<WireSubscription> {
    for (let attempt = 1; ; attempt++) {
      const sub = found(await this.store.getSubscription(accountId, id), `subscription '${id}'`);
      const at = this.now().toISOString();
      let customer: CustomerRecord | undefined;
      const context: OperationContext = {
        at,
        customer: async () => {
          customer ??= found(await this.catalog.getCustomer(accountId, sub.customer), `customer '${sub.customer}'`);
          return customer;
        },
        termEnd: async (date) => {
          const offer = await this.store.getOffer(accountId, termsOn(sub, date).offer);
          const months = Math.max(1, ...(offer?.charges ?? []).map((c) => (c.type === 'recurring' ? PERIOD_MONTHS[c.period] : 1)));
          return termEnd(sub.startDate, (await context.customer()).billingDay, months, date);
        },
      };
      const entry = await entryOf(context);
      checkOperation(sub, entry);
      const next: SubscriptionRecord = { ...sub, history: [...sub.history, entry], version: sub.version + 1, updatedAt: at };
      if (await this.store.updateSubscription(accountId, next, sub.version)) {
        await this.rerate(accountId, next);
        return this.wireOne(accountId, next);
      }
      if (attempt >= OPERATION_ATTEMPTS) {
        throw new ConflictError('subscription_busy', `subscription '${id}' kept changing while this ${entry.type} was written; try again`);
      }
    }
  }

  private async wireOne(accountId: string, sub: SubscriptionRecord): Promise<WireSubscription> {
    const offer = await this.store.getOffer(accountId, sub.offer);
    return this.wire(sub, offer?.trialDays ?? 0);
  }

  private wire(sub: SubscriptionRecord, trialDays: number): WireSubscription {
    const today = this.today();
    const terms = termsOn(sub, today);
    return {
      id: sub.id,
      customer: sub.customer,
      offer: terms.offer,
      quantity: terms.quantity,
      startDate: sub.startDate,
      endDate: sub.endDate,
      status: subscriptionStatus(sub, trialDays, today),
      chargedThrough: sub.chargedThrough,
      parameters: sub.parameters,
      prices: sub.prices ?? null,
      history: sub.history,
    };
  }
}

interface OperationContext {
  /** When the operation is recorded (ISO date-time). */
  readonly at: string;
  readonly customer: () => Promise<CustomerRecord>;
  /** The first day after the term containing `date`, for the offer in force then and the customer's billing day. */
  readonly termEnd: (date: string) => Promise<string>;
}

/** An offer's currency must be its subscriber's (409 `currency_mismatch`, naming the field). */
function checkCurrency(offer: OfferRecord, customer: CustomerRecord, field: string): void {
  if (offer.currency !== customer.currency) {
    throw new ConflictError(
      'currency_mismatch',
      `offer '${offer.id}' is in ${offer.currency}, customer '${customer.code}' is billed in ${customer.currency}`,
      [`${field}: offer '${offer.id}' is in ${offer.currency}, not the customer's ${customer.currency}`],
    );
  }
}

/** Whether an offer takes part in rating: a usage charge prices purchases, parameters are `subscription.<key>`. */
function ratesPurchases(offer: Pick<OfferRecord, 'charges' | 'parameters'>): boolean {
  return offer.charges.some((c) => c.type === 'usage') || Object.keys(offer.parameters ?? {}).length > 0;
}
