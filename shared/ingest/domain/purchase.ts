import { createHash } from 'node:crypto';
import { z } from 'zod';
import { dateKey, decimal, identifier, instant, isoDate, isIsoDate } from '../../kernel/fields';
import type { RatingDecision } from './rating';
import { describeIssues } from '../../kernel/validation';

/** docs/product.md §2. `received` lasts only until the ingest pipeline has mapped the purchase. */
export const PURCHASE_STATUSES = ['received', 'unmapped', 'not-invoiced', 'rated', 'invoiced', 'completed'] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];
export type PurchaseReason = 'unknown-customer' | 'unknown-product' | 'future-date' | 'no-price-rule' | 'on-hold';

/** Metadata values as stored: numbers become decimal strings so that no precision is lost. */
export type MetadataValue = string | boolean;
export type Metadata = Record<string, MetadataValue>;

/** A purchase as a client sent it, validated and normalised. Decimals are canonical strings. */
export interface PurchaseInput {
  reference: string;
  productLabel: string;
  customerCode: string;
  quantity: string;
  purchaseDate: string;
  endDate: string | null;
  metadata: Metadata;
}

const METADATA_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const MAX_METADATA_KEYS = 50;

const metadataSchema = z
  .record(
    z.string(),
    z.union([z.string().max(1000, 'must be at most 1000 characters'), z.number(), z.boolean()], {
      error: 'must be a string, number, boolean or ISO date',
    }),
    {
      error: 'must be an object of string, number or ISO-date values',
    },
  )
  .superRefine((m, ctx) => {
    const keys = Object.keys(m);
    if (keys.length > MAX_METADATA_KEYS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_METADATA_KEYS} keys` });
    for (const key of keys) {
      if (!METADATA_KEY.test(key))
        ctx.addIssue({ code: 'custom', path: [key], message: 'key must be a letter or _ followed by letters, digits, _ . - (at most 64)' });
      const value = m[key];
      if (typeof value === 'number' && !Number.isFinite(value)) ctx.addIssue({ code: 'custom', path: [key], message: 'not a finite number' });
    }
  })
  .transform((m): Metadata => {
    const out: Metadata = {};
    for (const key of Object.keys(m).sort()) {
      const value = m[key];
      out[key] = typeof value === 'number' ? String(value) : value;
    }
    return out;
  });

export const purchaseSchema = z
  .object(
    {
      reference: identifier,
      productLabel: identifier,
      customerCode: identifier,
      quantity: decimal,
      purchaseDate: isoDate,
      endDate: isoDate.nullish(),
      metadata: metadataSchema.nullish(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object' : undefined) },
  )
  .strict()
  .superRefine((p, ctx) => {
    if (p.endDate && isIsoDate(p.endDate) && isIsoDate(p.purchaseDate) && instant(p.endDate) < instant(p.purchaseDate)) {
      ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'must not be before purchaseDate' });
    }
  })
  .transform(
    (p): PurchaseInput => ({
      reference: p.reference,
      productLabel: p.productLabel,
      customerCode: p.customerCode,
      quantity: p.quantity.toFixed(),
      purchaseDate: p.purchaseDate.trim(),
      endDate: p.endDate?.trim() ?? null,
      metadata: p.metadata ?? {},
    }),
  );

export type PurchaseCheck = { ok: true; purchase: PurchaseInput } | { ok: false; reference: string | null; errors: string[] };

/** Validates one purchase row; errors read `"<field>: <what is wrong>"`. */
export function checkPurchase(raw: unknown): PurchaseCheck {
  const result = purchaseSchema.safeParse(raw);
  if (result.success) return { ok: true, purchase: result.data };
  const reference = typeof (raw as { reference?: unknown })?.reference === 'string' ? (raw as { reference: string }).reference : null;
  return { ok: false, reference, errors: describeIssues(result.error.issues) };
}

/**
 * The idempotency fingerprint of a purchase: everything the client sent, canonically ordered.
 * Sending the same reference with the same hash is a duplicate; with another hash, a conflict.
 */
export function contentHash(p: PurchaseInput): string {
  const canonical = JSON.stringify([p.reference, p.productLabel, p.customerCode, p.quantity, p.purchaseDate, p.endDate, Object.entries(p.metadata)]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 32);
}

/** The calendar month (`YYYY-MM`) of a purchase's date: its home in the journal. */
export function purchaseMonth(p: Pick<PurchaseInput, 'purchaseDate'>): string {
  return dateKey(p.purchaseDate).slice(0, 7);
}

/**
 * Every month a purchase covers: its own, plus for a purchase with an endDate each month up to the one
 * holding the last day before endDate. A period reads only its own months and still sees such purchases.
 */
export function journalMonths(p: Pick<PurchaseInput, 'purchaseDate' | 'endDate'>): string[] {
  const first = purchaseMonth(p);
  if (!p.endDate) return [first];
  const lastDay = new Date(instant(p.endDate) - 1);
  const last = lastDay.getTime() < instant(p.purchaseDate) ? first : lastDay.toISOString().slice(0, 7);
  const months: string[] = [];
  let [y, m] = first.split('-').map(Number);
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > last) break;
    months.push(month);
    if (months.length > 120) break; // ten years is the most one purchase may span in the journal
    if (m === 12) {
      y += 1;
      m = 1;
    } else {
      m += 1;
    }
  }
  return months;
}

/** Where a purchase stands after mapping: who it is for and which product it is. */
export interface MappingDecision {
  status: PurchaseStatus;
  reason: PurchaseReason | null;
  customer: string | null;
  billedTo: string | null;
  productCluster: string | null;
}

/** A stored purchase: the input, its fingerprint and the pipeline's current decision about it. */
export interface PurchaseRecord extends PurchaseInput, RatingDecision {
  accountId: string;
  contentHash: string;
  invoice: string | null;
  chunkId: string;
  receivedAt: string;
  updatedAt: string;
  version: number;
}

/** The wire shape of GET /purchases/{reference} (docs/api.md). */
export function purchaseView(r: Omit<PurchaseRecord, 'accountId' | 'contentHash' | 'chunkId' | 'version' | 'receivedAt' | 'updatedAt'>) {
  // `pricing` and `ratingError` are shown only when they say something: how the amount is priced, and why it is not.
  return {
    reference: r.reference,
    productLabel: r.productLabel,
    customerCode: r.customerCode,
    quantity: r.quantity,
    purchaseDate: r.purchaseDate,
    endDate: r.endDate,
    metadata: r.metadata,
    status: r.status,
    reason: r.reason,
    customer: r.customer,
    billedTo: r.billedTo,
    routingRule: r.routingRule,
    productCluster: r.productCluster,
    priceRule: r.priceRule,
    amount: r.amount,
    currency: r.currency,
    invoice: r.invoice,
    ...(r.pricing ? { pricing: r.pricing } : {}),
    ...(r.ratingError ? { ratingError: r.ratingError } : {}),
  };
}
