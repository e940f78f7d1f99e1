import type Decimal from 'decimal.js';
import { z } from 'zod';
import { calendarDate, decimal, identifier } from '../../kernel/fields';
import { ConflictError, ValidationError } from '../../kernel/errors';
import { D, roundMoney, toWire, toWireMoney } from '../../kernel/money';
import { describeIssues, strictErrors } from '../../kernel/validation';
import { recurringPriceOn, type Charge, type OfferRecord } from '../../subscriptions/domain/offer';

/**
 * Quotes (docs/product.md §6, docs/api.md "Quotes"): a living document for one customer and one offer.
 * Every edit (`PUT /quotes/{id}` with a body that differs from the latest version) is a new **version**
 * (1, 2, …) in `draft`; the same body again changes nothing. A line prices one charge of the offer:
 *
 * - only `recurring` and `one-off` charges can be quoted: they have a unit price to negotiate. A `usage`
 *   charge is priced by its charge model and a `minimum` is a spend, not a unit price: a line naming one
 *   is a 400 (`lines.<i>.charge`), as is an unknown charge or a charge quoted twice. Charges a quote does
 *   not list are billed at the offer's prices once the quote becomes a subscription.
 * - the **list price** is the charge's `listPrice`, else its `price`, else (effective-dated `prices`) the
 *   price in force on the day the version is priced.
 * - a line gives a `discount` (percent of the list price) or a negotiated `unitPrice`, or neither (list
 *   price); not both. `unitPrice = listPrice × (1 − discount/100)` is kept exact (never rounded: it is the
 *   price the subscription bills); a given unitPrice shows its discount, rounded half-up to 4 places.
 * - `amount = unitPrice × quantity`, rounded half-up once, to the currency's minor unit; `total` is the
 *   sum of the amounts. A recurring line's amount is per period of the charge.
 * - a quote becomes one subscription, whose quantity multiplies every charge (billing's rule), so all
 *   lines of a quote share one quantity (400 `lines.<i>.quantity` otherwise).
 *
 * Decisions at submit (`submitDecision`), compared exactly on prices, never on the rounded discount:
 * a unit price under the charge's `floorPrice`, or a discount over its `maxDiscount`, is 409 `below_floor`
 * naming the line; else a discount over `approvalAbove` on any line → `pending-approval` (an admin
 * approves), else `approved`.
 */

// ------------------------------------------------------------------------------------------ records

export type QuoteStatus = 'draft' | 'pending-approval' | 'approved' | 'accepted' | 'declined' | 'expired';
export const QUOTE_STATUSES: readonly QuoteStatus[] = ['draft', 'pending-approval', 'approved', 'accepted', 'declined', 'expired'];
/** What is stored; `expired` is read from `validUntil` and the day asked about (`statusOn`). */
export type StoredStatus = Exclude<QuoteStatus, 'expired'>;

export interface LineInput {
  charge: string;
  /** Decimal wire text (> 0). */
  quantity: string;
  discount: string | null;
  unitPrice: string | null;
}

/** What `PUT /quotes/{id}` sets; one version per distinct body. */
export interface QuoteTerms {
  customer: string;
  offer: string;
  /** The last day the quote can be accepted (inclusive). */
  validUntil: string;
  lines: LineInput[];
  notes: string | null;
}

export interface PricedLine {
  charge: string;
  quantity: string;
  listPrice: string;
  /** Percent of the list price (given, or implied by a negotiated unitPrice, 4 places). */
  discount: string;
  /** Exact; the unit price the subscription bills. */
  unitPrice: string;
  /** unitPrice × quantity, rounded once to the currency's minor unit. */
  amount: string;
}

/** One version: the body as given, its lines priced against the offer when it was made. */
export interface QuoteVersion {
  version: number;
  terms: QuoteTerms;
  lines: PricedLine[];
  total: string;
  currency: string;
  createdAt: string;
}

export interface Acceptance {
  subscription: string;
  startDate: string;
  acceptedAt: string;
}

export interface QuoteRecord {
  id: string;
  /** The latest version. */
  latest: QuoteVersion;
  status: StoredStatus;
  /** The admin decision on a pending quote, or the decline (who and when). */
  decidedAt: string | null;
  submittedAt: string | null;
  acceptance: Acceptance | null;
  /** Bumped by every write; every write is conditional on the revision read. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

// ------------------------------------------------------------------------------------------ bodies

const positive = decimal.refine((q) => q.gt(0), 'must be a decimal greater than 0');
const percent = decimal.refine((v) => !v.isNeg() && v.lte(100), 'must be a percentage from 0 to 100');
const nonNegative = decimal.refine((v) => !v.isNeg(), 'must not be negative');

const lineSchema = z.strictObject(
  { charge: identifier, quantity: positive, discount: percent.optional(), unitPrice: nonNegative.optional() },
  strictErrors,
);

export const quoteSchema = z
  .strictObject(
    {
      customer: identifier,
      offer: identifier,
      validUntil: calendarDate,
      lines: z.array(lineSchema, { error: 'must be an array of lines' }).min(1, 'must hold at least one line').max(100, 'at most 100 lines'),
      notes: z.string({ error: 'must be a string' }).max(4000, 'must be at most 4000 characters').nullish(),
    },
    strictErrors,
  )
  .transform((input, ctx): QuoteTerms => {
    const seen = new Map<string, number>();
    for (const [i, line] of input.lines.entries()) {
      if (line.discount !== undefined && line.unitPrice !== undefined) {
        ctx.issues.push({ code: 'custom', message: 'give a discount or a unitPrice, not both', path: ['lines', i, 'unitPrice'], input: line });
      }
      const first = seen.get(line.charge);
      if (first !== undefined) {
        ctx.issues.push({
          code: 'custom',
          message: `charge '${line.charge}' is also lines.${first}`,
          path: ['lines', i, 'charge'],
          input: line.charge,
        });
      } else seen.set(line.charge, i);
      if (!line.quantity.eq(input.lines[0]!.quantity)) {
        ctx.issues.push({
          code: 'custom',
          message: `must be lines.0.quantity (${toWire(input.lines[0]!.quantity)}): a quote becomes one subscription, whose quantity every line shares`,
          path: ['lines', i, 'quantity'],
          input: toWire(line.quantity),
        });
      }
    }
    return {
      customer: input.customer,
      offer: input.offer,
      validUntil: input.validUntil,
      lines: input.lines.map((l) => ({
        charge: l.charge,
        quantity: toWire(l.quantity),
        discount: l.discount === undefined ? null : toWire(l.discount),
        unitPrice: l.unitPrice === undefined ? null : toWire(l.unitPrice),
      })),
      notes: input.notes ?? null,
    };
  });

export const acceptSchema = z.strictObject({ startDate: calendarDate, subscription: identifier.optional() }, strictErrors);
export type AcceptInput = z.output<typeof acceptSchema>;

export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw new ValidationError(`invalid ${what}`, describeIssues(result.error.issues));
  return result.data;
}

/** The terms as one canonical text: the same body again (`"10"` or `"10.0"`, keys in any order) is the same version. */
export function termsKey(terms: QuoteTerms): string {
  return JSON.stringify([
    terms.customer,
    terms.offer,
    terms.validUntil,
    terms.lines.map((l) => [l.charge, l.quantity, l.discount, l.unitPrice]),
    terms.notes,
  ]);
}

// ------------------------------------------------------------------------------------------ pricing

type Quotable = Extract<Charge, { type: 'recurring' | 'one-off' }>;

/** The charge's list price on `day` (listPrice, price, or the effective-dated price then), or null. */
export function listPriceOf(charge: Quotable, day: string): Decimal | null {
  if (charge.listPrice !== null) return new D(charge.listPrice);
  if (charge.type === 'one-off') return new D(charge.price);
  return recurringPriceOn(charge, day);
}

/**
 * Prices every line of `terms` against `offer` on `day`; throws ValidationError naming each line whose
 * charge is unknown, not quotable, or without a list price that day.
 */
export function priceLines(terms: QuoteTerms, offer: OfferRecord, day: string): { lines: PricedLine[]; total: string } {
  const problems: string[] = [];
  const lines: PricedLine[] = [];
  let total = new D(0);
  for (const [i, line] of terms.lines.entries()) {
    const charge = offer.charges.find((c) => c.id === line.charge);
    if (!charge) {
      problems.push(`lines.${i}.charge: offer '${offer.id}' has no charge '${line.charge}'`);
      continue;
    }
    if (charge.type !== 'recurring' && charge.type !== 'one-off') {
      problems.push(`lines.${i}.charge: charge '${charge.id}' is a ${charge.type} charge; a quote prices recurring and one-off charges only`);
      continue;
    }
    const list = listPriceOf(charge, day);
    if (list === null) {
      problems.push(`lines.${i}.charge: charge '${charge.id}' has no price on ${day} and no listPrice`);
      continue;
    }
    const unit = line.unitPrice !== null ? new D(line.unitPrice) : list.times(new D(100).minus(line.discount ?? 0)).div(100);
    const discount =
      line.discount !== null ? new D(line.discount) : list.isZero() ? new D(0) : list.minus(unit).div(list).times(100).toDecimalPlaces(4);
    const amount = roundMoney(unit.times(line.quantity), offer.currency);
    total = total.plus(amount);
    lines.push({
      charge: line.charge,
      quantity: line.quantity,
      listPrice: toWire(list),
      discount: toWire(discount),
      unitPrice: toWire(unit),
      amount: toWireMoney(amount, offer.currency),
    });
  }
  if (problems.length) throw new ValidationError('invalid quote', problems);
  return { lines, total: toWireMoney(total, offer.currency) };
}

// ------------------------------------------------------------------------------------------ decisions

/**
 * The decision of a submit: 409 `below_floor` naming every line under the charge's floor price or over its
 * maximum discount (exact comparisons on prices); else `pending-approval` when a line's discount is over
 * its `approvalAbove`, else `approved`. Limits are read from the offer as it is now.
 */
export function submitDecision(version: QuoteVersion, offer: OfferRecord): 'approved' | 'pending-approval' {
  const refused: string[] = [];
  let needsApproval = false;
  for (const [i, line] of version.lines.entries()) {
    const charge = offer.charges.find((c) => c.id === line.charge);
    if (!charge) {
      refused.push(`lines.${i}.charge: offer '${offer.id}' no longer has charge '${line.charge}'`);
      continue;
    }
    const list = new D(line.listPrice);
    const unit = new D(line.unitPrice);
    // discount over p percent ⇔ unit price under list × (1 − p/100)
    const under = (p: string) => unit.lt(list.times(new D(100).minus(p)).div(100));
    if (charge.floorPrice !== null && unit.lt(charge.floorPrice)) {
      refused.push(`lines.${i}: unit price ${line.unitPrice} of charge '${line.charge}' is under its floor price ${charge.floorPrice}`);
    } else if (charge.maxDiscount !== null && under(charge.maxDiscount)) {
      refused.push(`lines.${i}: discount ${line.discount} % on charge '${line.charge}' is over its maximum discount ${charge.maxDiscount} %`);
    } else if (charge.approvalAbove !== null && under(charge.approvalAbove)) needsApproval = true;
  }
  if (refused.length)
    throw new ConflictError('below_floor', `the quote prices ${refused.length === 1 ? 'a line' : 'lines'} below what the offer allows`, refused);
  return needsApproval ? 'pending-approval' : 'approved';
}

/** The status on `today`: a quote not yet accepted or declined is `expired` after its validUntil. */
export function statusOn(quote: Pick<QuoteRecord, 'status' | 'latest'>, today: string): QuoteStatus {
  if (quote.status === 'accepted' || quote.status === 'declined') return quote.status;
  return today > quote.latest.terms.validUntil ? 'expired' : quote.status;
}

export type Transition = 'submit' | 'approve' | 'decline' | 'accept';

/**
 * Whether `transition` may start from `status` (after expiry is applied): throws 409 with a code naming why
 * not. `same` tells an idempotent repeat (submit of a submitted quote, approve of an approved one, decline of
 * a declined one), which changes nothing.
 */
export function checkTransition(status: QuoteStatus, transition: Transition): { same: boolean } {
  if (status === 'expired') throw new ConflictError('quote_expired', `the quote is past its validUntil; a ${transition} needs a new version`);
  if (status === 'accepted' && transition !== 'accept') throw new ConflictError('quote_accepted', 'the quote is accepted; nothing about it changes');
  switch (transition) {
    case 'submit':
      if (status === 'declined') throw new ConflictError('quote_declined', 'the quote is declined; submit a new version');
      return { same: status !== 'draft' };
    case 'approve':
      if (status === 'approved') return { same: true };
      if (status !== 'pending-approval')
        throw new ConflictError('quote_not_pending', `the quote is ${status}; only a pending-approval quote is approved`);
      return { same: false };
    case 'decline':
      return { same: status === 'declined' };
    default:
      if (status === 'accepted') return { same: true };
      if (status !== 'approved') throw new ConflictError('quote_not_approved', `the quote is ${status}; only an approved quote is accepted`);
      return { same: false };
  }
}
