import { billingDayOn } from '../../kernel/proration';
import { historyOf, replacedBillingDays, sameHistory } from '../domain/billing-days';
import { type CustomerInput, customerLinksOf, DEFAULT_PAYMENT_TERMS_DAYS, MAX_PARENT_CHAIN, parentChain } from '../domain/catalog';
import type { CatalogStore, CustomerRecord, PayerMove, VersionCheck } from '../ports';

/** A customer as a write stores it, before its version and time. */
export type CustomerBody = Omit<CustomerRecord, 'version' | 'updatedAt'>;

/**
 * What `PUT /customers/{code}` (or an import line) makes of the stored customer `held` (or none): the body
 * replaces every field; the billing-day history is kept (see `replacedBillingDays`).
 */
export function customerBody(code: string, input: CustomerInput, held: CustomerRecord | null, today: string): CustomerBody {
  const billingDays = held ? replacedBillingDays(historyOf(held), input.billingDay, today) : [{ from: null, billingDay: input.billingDay }];
  return {
    code,
    name: input.name,
    cluster: input.cluster,
    currency: input.currency,
    partnerAccount: input.partnerAccount ?? null,
    billingDay: billingDayOn(billingDays, today),
    billingDays,
    onHold: input.onHold,
    taxRate: input.taxRate,
    country: input.country ?? null,
    ...customerLinksOf({
      parent: input.parent ?? null,
      invoicing: input.invoicing ?? 'self',
      legalName: input.legalName ?? null,
      address: input.address ?? null,
      vatId: input.vatId ?? null,
      email: input.email ?? null,
      paymentTermsDays: input.paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS,
    }),
  };
}

/** Whether writing `body` over `held` would change anything a reader sees (records written before links count as their defaults). */
export function sameCustomer(held: CustomerRecord, body: CustomerBody): boolean {
  return (
    held.name === body.name &&
    held.cluster === body.cluster &&
    held.currency === body.currency &&
    held.partnerAccount === body.partnerAccount &&
    held.onHold === body.onHold &&
    held.taxRate === body.taxRate &&
    (held.country ?? null) === body.country &&
    sameHistory(historyOf(held), historyOf(body)) &&
    JSON.stringify(customerLinksOf(held)) === JSON.stringify(customerLinksOf(body))
  );
}

/** The parent a customer's charges go to (`invoicing: parent`), or null when it invoices itself. */
const invoicedTo = (c: Pick<CustomerRecord, 'parent' | 'invoicing'>) => (c.invoicing === 'parent' ? (c.parent ?? null) : null);

/** The customers whose payer link a write changed (who they are invoiced to), each with its links before it. */
export function payerMoves(written: ReadonlyArray<{ previous: CustomerRecord | null; record: CustomerRecord }>): PayerMove[] {
  return written.flatMap(({ previous, record }) =>
    previous && invoicedTo(previous) !== invoicedTo(record)
      ? [{ code: record.code, previous: { parent: previous.parent ?? null, invoicing: previous.invoicing ?? 'self' } }]
      : [],
  );
}

/** Whether the write gives the customer a parent it did not have: only such a write can close a loop. */
export function linksAnew(held: CustomerRecord | null, body: CustomerBody): boolean {
  return body.parent != null && body.parent !== (held?.parent ?? null);
}

/**
 * The chain above `code` once its parent is `parent`, read from the store one customer at a time (at most
 * MAX_PARENT_CHAIN + 1 reads), and the version each of them must still have when the write commits.
 * Throws as `parentChain` does (400 missing parent, 409 `parent_loop`, 400 too deep).
 */
export async function storedChain(catalog: CatalogStore, accountId: string, code: string, parent: string): Promise<VersionCheck[]> {
  const read = new Map<string, CustomerRecord>();
  for (let at: string | null = parent; at !== null && at !== code && !read.has(at) && read.size <= MAX_PARENT_CHAIN; ) {
    const record = await catalog.getCustomer(accountId, at);
    if (!record) break;
    read.set(at, record);
    at = record.parent ?? null;
  }
  const chain = parentChain(code, parent, (c) => {
    const record = read.get(c);
    return record ? (record.parent ?? null) : undefined;
  });
  return chain.map((c) => ({ code: c, version: read.get(c)!.version ?? 0 }));
}
