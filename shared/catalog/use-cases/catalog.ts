import type { CustomerClusterInput, CustomerInput, ProductClusterInput } from '../domain/catalog';
import { checkClusterParent, type CustomerLinksOfRecord, customerLinksOf } from '../domain/catalog';
import { type BillingDayChangeInput, changeBillingDay, historyOf, sameHistory } from '../domain/billing-days';
import { mapLimit } from '../../kernel/concurrency';
import { type CustomerBody, customerBody, linksAnew, payerMoves, sameCustomer, storedChain } from './customer-records';
import { type BillingDayChange, billingDayOn } from '../../kernel/proration';
import { ConflictError, NotFoundError, ValidationError } from '../../kernel/errors';
import type { AccountStore } from '../../platform/ports';
import type { AccountProfile } from '../domain/profile';
import type { AccountProfileRecord, CatalogStore, CustomerClusterRecord, CustomerRecord, PayerMoveListener, ProductClusterRecord } from '../ports';
import type { Page, PageRequest } from '../../kernel/page';
import type { ReevaluationWork } from '../../ingest/ports';
import type { Reevaluations } from '../../ingest/use-cases/reevaluation';

/** How often a customer write is tried again when another write of the same customer came first. */
const SAVE_ATTEMPTS = 10;
/** Re-evaluations started per call (each is a record and a message), and calls in flight, when many customers changed at once. */
const REEVALUATIONS_PER_START = 100;
const STARTS_IN_FLIGHT = 4;

/** Whether a change of customer decides prices or mapping again: its cluster, currency or hold. */
export function reevaluates(previous: CustomerRecord, record: CustomerRecord): boolean {
  return previous.cluster !== record.cluster || previous.currency !== record.currency || previous.onHold !== record.onHold;
}

/** A customer as the API shows it (no version; the billing day in force today and the history; links and legal data with their defaults). */
export type CustomerView = Omit<CustomerRecord, 'version' | 'billingDays'> & { billingDays: BillingDayChange[] } & Required<CustomerLinksOfRecord>;

export interface Saved<T> {
  created: boolean;
  record: T;
}

/**
 * Customer clusters, customers and product clusters. Whenever a change can map purchases that were
 * waiting (a new customer code, a new alias), a remap is started for exactly that key; a change that can
 * alter decisions starts a re-evaluation. Both are tracked re-evaluations (`Reevaluations`).
 */
export class CatalogService {
  constructor(
    private readonly catalog: CatalogStore,
    private readonly accounts: AccountStore,
    private readonly reevaluations: Pick<Reevaluations, 'start'>,
    private readonly now: () => Date = () => new Date(),
    /** Billing, told of payer-link changes (null where the function has no billing queue). */
    private readonly payers: PayerMoveListener | null = null,
  ) {}

  async putCustomerCluster(accountId: string, id: string, input: CustomerClusterInput): Promise<Saved<CustomerClusterRecord>> {
    const tree = await this.catalog.allCustomerClusters(accountId);
    checkClusterParent(tree, id, input.parent ?? null, 'customer cluster');
    const record: CustomerClusterRecord = { id, name: input.name, parent: input.parent ?? null, updatedAt: this.now().toISOString() };
    const previous = tree.find((n) => n.id === id);
    await this.catalog.putCustomerCluster(accountId, record);
    // Moving a cluster moves its customers: re-route and re-price what they (and whoever routes to them) bought.
    if (previous && previous.parent !== record.parent) {
      await this.reevaluations.start(accountId, [{ kind: 'reevaluate', scope: { customerClusters: [id], followRouting: true } }]);
    }
    return { created: !previous, record };
  }

  async getCustomerCluster(accountId: string, id: string): Promise<CustomerClusterRecord> {
    return found(await this.catalog.getCustomerCluster(accountId, id), `customer cluster '${id}'`);
  }

  /**
   * Creates or replaces a customer, keeping its billing-day history (a new `billingDay` applies from the end
   * of the current period, see `replacedBillingDays`). Written on the version read, again on a fresh read
   * when another write came first, so a concurrent billing-day change is never lost. A write that gives the
   * customer a new parent also holds only while every customer on the chain above is still at the version
   * read (one transaction): of two concurrent writes that would close a loop together, one fails its
   * condition, reads again and is refused (409 `parent_loop`).
   */
  async putCustomer(accountId: string, code: string, input: CustomerInput): Promise<Saved<CustomerView>> {
    await this.checkCustomerReferences(accountId, input);
    const { previous, record } = await this.saveCustomer(accountId, code, (held, today) => customerBody(code, input, held, today));
    await this.customersChanged(accountId, previous ? [] : [code], previous && reevaluates(previous, record) ? [code] : []);
    await this.payerLinksChanged(accountId, [{ previous, record }]);
    return { created: !previous, record: this.view(record) };
  }

  /** The cluster and partner account a customer names must exist (400 naming them). */
  private async checkCustomerReferences(accountId: string, input: CustomerInput): Promise<void> {
    const cluster = await this.catalog.getCustomerCluster(accountId, input.cluster);
    const problems: string[] = [];
    if (!cluster) problems.push(`cluster: customer cluster '${input.cluster}' does not exist`);
    if (input.partnerAccount) {
      if (input.partnerAccount === accountId) problems.push('partnerAccount: must be another account than the owner');
      else if (!(await this.accounts.get(input.partnerAccount))) problems.push(`partnerAccount: account '${input.partnerAccount}' does not exist`);
    }
    if (problems.length) throw new ValidationError('invalid customer', problems);
  }

  /**
   * After customers were written: new codes re-map the purchases waiting for them, a changed cluster,
   * currency or hold re-evaluates what the customers (and whoever routes to them) bought. With `waiting`
   * (many new codes at once, an import), the first new code's remap is started first: it counts a
   * re-evaluation, so any acceptance rating meanwhile rates once more (see IngestService.complete); then
   * only the codes with purchases already waiting get a remap of their own.
   */
  async customersChanged(
    accountId: string,
    created: readonly string[],
    reevaluated: readonly string[],
    waiting?: (codes: readonly string[]) => Promise<Set<string>>,
  ): Promise<void> {
    let remapped = created;
    if (waiting && created.length > 1) {
      await this.reevaluations.start(accountId, [{ kind: 'remap', waitingFor: { customer: created[0]! } }]);
      const rest = created.slice(1);
      const found = await waiting(rest);
      remapped = rest.filter((c) => found.has(c));
    }
    const works: ReevaluationWork[] = remapped.map((customer) => ({ kind: 'remap', waitingFor: { customer } }));
    if (reevaluated.length) works.push({ kind: 'reevaluate', scope: { customers: [...reevaluated], followRouting: true } });
    const groups: ReevaluationWork[][] = [];
    for (let i = 0; i < works.length; i += REEVALUATIONS_PER_START) groups.push(works.slice(i, i + REEVALUATIONS_PER_START));
    await mapLimit(groups, STARTS_IN_FLIGHT, (group) => this.reevaluations.start(accountId, group));
  }

  /**
   * After customers were written: those now invoiced to another payer (a child that invoices itself, or
   * now its parent) have billing rebuild the open drafts that billed them to the former payer.
   */
  async payerLinksChanged(accountId: string, written: ReadonlyArray<{ previous: CustomerRecord | null; record: CustomerRecord }>): Promise<void> {
    const moves = payerMoves(written);
    if (moves.length && this.payers) await this.payers.notice(accountId, moves);
  }

  /**
   * POST /customers/{code}/billing-day: changes the billing day from `effectiveDate` (default: the end of the
   * current period; see `changeBillingDay`). The same history again is 200 unchanged, nothing written. A billing
   * day decides no price or mapping, so nothing is re-evaluated.
   */
  async changeBillingDay(accountId: string, code: string, input: BillingDayChangeInput): Promise<CustomerView> {
    for (let attempt = 1; ; attempt++) {
      const held = found(await this.catalog.getCustomer(accountId, code), `customer '${code}'`);
      const today = this.today();
      const before = historyOf(held);
      const billingDays = changeBillingDay(before, input, today);
      if (sameHistory(before, billingDays)) return this.view(held);
      const version = held.version ?? 0;
      const record: CustomerRecord = {
        ...held,
        billingDay: billingDayOn(billingDays, today),
        billingDays,
        version: version + 1,
        updatedAt: this.now().toISOString(),
      };
      if (await this.catalog.saveCustomer(accountId, record, version)) return this.view(record);
      if (attempt >= SAVE_ATTEMPTS) throw busy(code);
    }
  }

  async getCustomer(accountId: string, code: string): Promise<CustomerView> {
    return this.view(found(await this.catalog.getCustomer(accountId, code), `customer '${code}'`));
  }

  /**
   * Writes what `build` makes of the stored customer (or none) on the version read; reads again when another
   * write came first. A new parent is checked on the stored chain, and the chain's versions go with the write.
   * `unchangedToo: false` writes nothing when the body changes nothing (an import line), answering `written: false`.
   */
  async saveCustomer(
    accountId: string,
    code: string,
    build: (held: CustomerRecord | null, today: string) => CustomerBody,
    unchangedToo = true,
  ): Promise<{ previous: CustomerRecord | null; record: CustomerRecord; written: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const held = await this.catalog.getCustomer(accountId, code);
      const expected = held ? (held.version ?? 0) : null;
      const body = build(held, this.today());
      if (held && !unchangedToo && sameCustomer(held, body)) return { previous: held, record: held, written: false };
      const record: CustomerRecord = { ...body, version: (expected ?? 0) + 1, updatedAt: this.now().toISOString() };
      const checks = linksAnew(held, body) ? await storedChain(this.catalog, accountId, code, body.parent!) : [];
      const saved = checks.length
        ? await this.catalog.saveCustomers(accountId, [{ customer: record, expectedVersion: expected }], checks)
        : await this.catalog.saveCustomer(accountId, record, expected);
      if (saved) return { previous: held, record, written: true };
      if (attempt >= SAVE_ATTEMPTS) throw busy(code);
    }
  }

  /** The customer on the wire: `billingDay` is the day in force today, `billingDays` the whole history. */
  private view(record: CustomerRecord): CustomerView {
    const { version: _version, ...rest } = record;
    const billingDays = historyOf(record);
    return { ...rest, ...customerLinksOf(record), billingDay: billingDayOn(billingDays, this.today()), billingDays };
  }

  private today(): string {
    return this.now().toISOString().slice(0, 10);
  }

  /**
   * Aliases are claimed one by one with a conditional write, so two clusters can never hold the same
   * label; if one is taken the labels claimed by this call are given back and nothing changes.
   */
  async putProductCluster(accountId: string, id: string, input: ProductClusterInput): Promise<Saved<ProductClusterRecord>> {
    const aliases = [...new Set(input.aliases)];
    const tree = await this.catalog.allProductClusters(accountId);
    checkClusterParent(tree, id, input.parent ?? null, 'product cluster');
    const previous = tree.find((n) => n.id === id) ?? null;
    const held = new Set(previous?.aliases ?? []);
    const added = aliases.filter((a) => !held.has(a));

    const claimed: string[] = [];
    for (const label of added) {
      const holder = await this.catalog.claimAlias(accountId, label, id);
      if (holder !== null) {
        await Promise.all(claimed.map((l) => this.catalog.releaseAlias(accountId, l, id)));
        throw new ConflictError('alias_taken', `alias '${label}' belongs to product cluster '${holder}'`, [
          `aliases: '${label}' is an alias of '${holder}'`,
        ]);
      }
      claimed.push(label);
    }
    const record: ProductClusterRecord = { id, name: input.name, parent: input.parent ?? null, aliases, updatedAt: this.now().toISOString() };
    await this.catalog.putProductCluster(accountId, record);
    const kept = new Set(aliases);
    const removed = [...held].filter((a) => !kept.has(a));
    await Promise.all(removed.map((label) => this.catalog.releaseAlias(accountId, label, id)));
    const works: ReevaluationWork[] = added.map((label) => ({ kind: 'remap', waitingFor: { label } }));
    // Labels that moved here or left, and a moved subtree, change the mapping and pricing of mapped purchases too.
    const moved = previous !== null && previous.parent !== record.parent;
    if (added.length || removed.length) works.push({ kind: 'reevaluate', scope: { labels: [...added, ...removed] } });
    if (moved) works.push({ kind: 'reevaluate', scope: { productClusters: [id] } });
    await this.reevaluations.start(accountId, works);
    return { created: !previous, record };
  }

  /** PUT /v1/accounts/{a}/profile: replaces the account's profile. */
  async putAccountProfile(accountId: string, input: AccountProfile): Promise<Saved<AccountProfileRecord>> {
    const previous = await this.catalog.getAccountProfile(accountId);
    const record: AccountProfileRecord = { ...input, updatedAt: this.now().toISOString() };
    await this.catalog.putAccountProfile(accountId, record);
    return { created: !previous, record };
  }

  async getAccountProfile(accountId: string): Promise<AccountProfileRecord> {
    return found(await this.catalog.getAccountProfile(accountId), `profile of account '${accountId}'`);
  }

  listCustomerClusters(accountId: string, page: PageRequest): Promise<Page<CustomerClusterRecord>> {
    return this.catalog.listCustomerClusters(accountId, page);
  }

  async listCustomers(accountId: string, page: PageRequest): Promise<Page<CustomerView>> {
    const out = await this.catalog.listCustomers(accountId, page);
    return { ...out, items: out.items.map((c) => this.view(c)) };
  }

  listProductClusters(accountId: string, page: PageRequest): Promise<Page<ProductClusterRecord>> {
    return this.catalog.listProductClusters(accountId, page);
  }

  async getProductCluster(accountId: string, id: string): Promise<ProductClusterRecord> {
    return found(await this.catalog.getProductCluster(accountId, id), `product cluster '${id}'`);
  }
}

function busy(code: string): ConflictError {
  return new ConflictError('customer_busy', `customer '${code}' kept changing while this change was written; try again`);
}

function found<T>(value: T | null, what: string): T {
  if (value === null) throw new NotFoundError(`${what} not found`);
  return value;
}
