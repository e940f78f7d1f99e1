/**
 * What every scenario needs, built over the public API only: tenants with a small billable catalogue,
 * purchases, paging through lists, waiting for purchases to settle and for cycles to finish.
 */
import Decimal from 'decimal.js';
import { ConnectionError, mapLimit, must, sleep, type Client } from './http';
import type { CycleView, Page, StoredPurchase, WireInvoice } from './wire';

export const OCTOBER = { periodStart: '2026-10-01', periodEnd: '2026-11-01' } as const;
/** One standard price for the one product: every amount is exact, so an invoice total is a plain sum. */
export const UNIT_PRICE = '0.5';
export const LABEL = 'voice-min';

export interface Tenant {
  readonly id: string;
  readonly key: string;
  /** `/v1/accounts/<id>` */
  readonly base: string;
}

export interface PurchaseInput {
  reference: string;
  productLabel: string;
  customerCode: string;
  quantity: string;
  purchaseDate: string;
  metadata?: Record<string, string>;
}

let sequence = 0;

/** A unique account id (lower case, short) with `prefix`. */
export function accountId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${(sequence++).toString(36)}`;
}

export async function newTenant(client: Client, adminKey: string, id: string): Promise<Tenant> {
  await must(client.request('POST', '/v1/accounts', { id, name: `Chaos ${id}`, roles: ['vendor'], currency: 'EUR' }, adminKey), `account ${id}`);
  const { key } = await must<{ key: string }>(client.request('POST', `/v1/accounts/${id}/keys`, { role: 'admin' }, adminKey), `key of ${id}`);
  return { id, key, base: `/v1/accounts/${id}` };
}

/**
 * A billable catalogue: cluster `all`, customers C0…C<n-1> (EUR, no tax), product cluster `voice` with
 * the alias `voice-min`, and the price rule `voice` (standard, 0.5 EUR).
 */
export async function billableCatalogue(client: Client, t: Tenant, customers: number): Promise<void> {
  await must(client.request('PUT', `${t.base}/customer-clusters/all`, { name: 'All' }, t.key), 'cluster');
  await mapLimit(
    Array.from({ length: customers }, (_, i) => i),
    16,
    (i) =>
      must(client.request('PUT', `${t.base}/customers/C${i}`, { name: `Customer ${i}`, cluster: 'all', currency: 'EUR' }, t.key), `customer C${i}`),
  );
  await must(client.request('PUT', `${t.base}/product-clusters/voice`, { name: 'Voice', aliases: [LABEL] }, t.key), 'product cluster');
  const rule = { productCluster: 'voice', currency: 'EUR', validFrom: '2026-01-01', model: { type: 'standard', unitPrice: UNIT_PRICE } };
  await must(client.request('PUT', `${t.base}/price-rules/voice`, rule, t.key), 'price rule');
}

/** Purchase `n` of a run: October 2026, customer C(n mod customers), quantity 1…40. */
export function purchaseOf(prefix: string, n: number, customers: number): PurchaseInput {
  return {
    reference: `${prefix}-${n}`,
    productLabel: LABEL,
    customerCode: `C${n % customers}`,
    quantity: String((n % 40) + 1),
    purchaseDate: `2026-10-${String((n % 28) + 1).padStart(2, '0')}T${String(n % 24).padStart(2, '0')}:00:00Z`,
    metadata: { line: String(n) },
  };
}

export const enc = encodeURIComponent;

/** Every item of a list route (`?limit=1000`, following `next`). */
export async function listAll<T>(client: Client, t: Tenant, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await must<Page<T>>(
      client.request('GET', `${t.base}${path}${sep}limit=1000${cursor ? `&cursor=${enc(cursor)}` : ''}`, undefined, t.key),
      `list ${path}`,
    );
    items.push(...page.items);
    if (!page.next) return items;
    cursor = page.next;
  }
}

export interface ReadBack {
  /** reference → the stored purchase (absent: 404). */
  readonly stored: Map<string, StoredPurchase>;
  readonly missing: string[];
}

/** `GET /purchases/{reference}` of each reference, 16 at a time. */
export async function readPurchases(client: Client, t: Tenant, references: readonly string[]): Promise<ReadBack> {
  const stored = new Map<string, StoredPurchase>();
  const missing: string[] = [];
  await mapLimit(references, 16, async (reference) => {
    const r = await client.request('GET', `${t.base}/purchases/${enc(reference)}`, undefined, t.key);
    if (r.status === 200) stored.set(reference, r.body as StoredPurchase);
    else if (r.status === 404) missing.push(reference);
    else throw new Error(`GET purchase ${reference}: ${r.status} ${r.text.slice(0, 200)}`);
  });
  return { stored, missing };
}

/**
 * Polls the references until none reads `received`. Resolves with the seconds it took, or null if some
 * were still `received` after `timeoutMs`. A round reads the waiting references in slices of 64 and stops
 * at the first slice with one still in flight, so the poll itself does not load the stack it measures;
 * unanswered requests (a stack that is still starting) count as in flight.
 */
export async function settle(
  client: Client,
  t: Tenant,
  references: readonly string[],
  timeoutMs: number,
  pollMs = 500,
): Promise<{ seconds: number | null; stillReceived: string[] }> {
  const start = Date.now();
  let waiting = [...references];
  const inFlight = async (reference: string) => {
    try {
      const r = await client.request('GET', `${t.base}/purchases/${enc(reference)}`, undefined, t.key, undefined, 10_000);
      return r.status !== 200 || (r.body as StoredPurchase).status === 'received';
    } catch (error) {
      if (!(error instanceof ConnectionError)) throw error;
      return true;
    }
  };
  for (;;) {
    const still: string[] = [];
    let i = 0;
    for (; i < waiting.length; i += 64) {
      const slice = waiting.slice(i, i + 64);
      const flags = await mapLimit(slice, 16, inFlight);
      still.push(...slice.filter((_, j) => flags[j]));
      if (flags.some(Boolean)) break;
    }
    waiting = [...still, ...waiting.slice(i + 64)];
    if (!waiting.length) return { seconds: (Date.now() - start) / 1000, stillReceived: [] };
    if (Date.now() - start > timeoutMs) {
      const left = await mapLimit(waiting, 16, inFlight);
      const stillReceived = waiting.filter((_, j) => left[j]);
      return { seconds: stillReceived.length ? null : (Date.now() - start) / 1000, stillReceived };
    }
    await sleep(pollMs);
  }
}

/**
 * Like `settle`, from the list: polls `GET /purchases` (every page) until each reference is listed and none
 * reads `received`. A purchase is listed once its acceptance is journaled (what a cycle bills from), so this
 * waits for the whole acceptance, recovery included; one pass reads a thousand purchases a page, where
 * `settle` reads one a request and, over thousands, would time its own reads rather than the stack.
 * A pass the stack does not answer (still starting) counts as one that found nothing.
 */
export async function settleListed(
  client: Client,
  t: Tenant,
  references: readonly string[],
  timeoutMs: number,
  pollMs = 500,
): Promise<{ seconds: number | null; stillReceived: string[] }> {
  const start = Date.now();
  const listedSettled = async (): Promise<Set<string> | null> => {
    const out = new Set<string>();
    let cursor: string | null = null;
    for (;;) {
      let page: Page<StoredPurchase>;
      try {
        const r = await client.request(
          'GET',
          `${t.base}/purchases?limit=1000${cursor ? `&cursor=${enc(cursor)}` : ''}`,
          undefined,
          t.key,
          undefined,
          30_000,
        );
        if (r.status !== 200) return null;
        page = r.body as Page<StoredPurchase>;
      } catch (error) {
        if (!(error instanceof ConnectionError)) throw error;
        return null;
      }
      for (const p of page.items) if (p.status !== 'received') out.add(p.reference);
      if (!page.next) return out;
      cursor = page.next;
    }
  };
  for (;;) {
    const seen = await listedSettled();
    const waiting = seen ? references.filter((r) => !seen.has(r)) : [...references];
    if (!waiting.length) return { seconds: (Date.now() - start) / 1000, stillReceived: [] };
    if (Date.now() - start > timeoutMs) return { seconds: null, stillReceived: waiting };
    await sleep(pollMs);
  }
}

/** Polls a cycle until it is `completed` or `failed`; null status after `timeoutMs`. */
export async function waitCycle(
  client: Client,
  t: Tenant,
  cycleId: string,
  timeoutMs: number,
): Promise<{ seconds: number; cycle: (CycleView & { timedOut?: true }) | null }> {
  const start = Date.now();
  let last: CycleView | null = null;
  for (;;) {
    try {
      const r = await client.request('GET', `${t.base}/billing-cycles/${enc(cycleId)}`, undefined, t.key, undefined, 10_000);
      if (r.status === 200) {
        last = r.body as CycleView;
        if (last.status === 'completed' || last.status === 'failed') return { seconds: (Date.now() - start) / 1000, cycle: last };
      }
    } catch (error) {
      if (!(error instanceof ConnectionError)) throw error;
    }
    if (Date.now() - start > timeoutMs) return { seconds: (Date.now() - start) / 1000, cycle: last && { ...last, timedOut: true } };
    await sleep(500);
  }
}

export interface InvoiceCheck {
  /** Customers with billable purchases but no invoice of the period. */
  readonly missing: string[];
  /** Invoices beyond the first per customer and currency. */
  readonly duplicated: number;
  /** Customers whose invoice total or quantity is not the sum of the first-accepted purchases. */
  readonly mismatched: string[];
  readonly invoices: number;
}

/**
 * The period's invoices against what should be billed: per customer, the sum of the first-accepted
 * quantities × UNIT_PRICE (every amount exact, no tax).
 */
export async function checkInvoices(
  client: Client,
  t: Tenant,
  expected: ReadonlyMap<string, Decimal>,
): Promise<InvoiceCheck & { byCustomer: Map<string, WireInvoice[]> }> {
  const all = (await listAll<WireInvoice>(client, t, `/invoices?periodStart=${OCTOBER.periodStart}`)).filter(
    (i) => !i.creditOf && !String(i.id).startsWith('cn_'),
  );
  const byCustomer = new Map<string, WireInvoice[]>();
  for (const invoice of all) byCustomer.set(`${invoice.customer}`, [...(byCustomer.get(invoice.customer) ?? []), invoice]);
  let duplicated = 0;
  for (const list of byCustomer.values()) {
    const currencies = new Map<string, number>();
    for (const i of list) currencies.set(i.currency, (currencies.get(i.currency) ?? 0) + 1);
    for (const n of currencies.values()) duplicated += n - 1;
  }
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const [customer, quantity] of expected) {
    const invoices = byCustomer.get(customer) ?? [];
    if (!invoices.length) {
      missing.push(customer);
      continue;
    }
    const total = invoices.reduce((sum, i) => sum.plus(i.total), new Decimal(0));
    const billed = invoices.flatMap((i) => i.lines).reduce((sum, l) => sum.plus(l.quantity), new Decimal(0));
    if (!total.eq(quantity.times(UNIT_PRICE)) || !billed.eq(quantity)) mismatched.push(customer);
  }
  for (const customer of byCustomer.keys()) if (!expected.has(customer)) mismatched.push(customer);
  return { missing, duplicated, mismatched, invoices: all.length, byCustomer };
}

/** Quantity per customer of the given purchases (the content a client had accepted). */
export function quantityPerCustomer(purchases: Iterable<PurchaseInput>): Map<string, Decimal> {
  const out = new Map<string, Decimal>();
  for (const p of purchases) out.set(p.customerCode, (out.get(p.customerCode) ?? new Decimal(0)).plus(p.quantity));
  return out;
}
