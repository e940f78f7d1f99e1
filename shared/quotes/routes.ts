import { z } from 'zod';
import { identifier } from '../kernel/fields';
import { pageOf, routeTable } from '../edge/routes';
import { subscription } from '../subscriptions/api-schemas';
import { QUOTE_STATUSES, type QuoteStatus } from './domain/quote';
import { acceptInput, binary, quote, quoteInput } from './api-schemas';

/** Quotes (docs/api.md "Quotes"). */

const base = '/v1/accounts/{a}';

const moved = (what: string, conflicts: string) => ({
  200: { description: `the quote, ${what}`, schema: quote },
  409: { description: conflicts },
});

export const quoteRoutes = routeTable({
  putQuote: {
    method: 'PUT',
    path: `${base}/quotes/{id}`,
    summary: 'Create a quote or a new version of it',
    description:
      'A body that differs from the latest version makes a new version in `draft` (201 for the first, 200 after); the same body again changes nothing (200, same version). Lines price recurring and one-off charges of the offer only; 409 `quote_accepted` once accepted, `currency_mismatch` when the offer is not in the customer’s currency.',
    auth: 'account-write',
    body: quoteInput,
    responses: {
      200: { description: 'a new version, or the same one unchanged', schema: quote },
      201: { description: 'the quote, created (version 1)', schema: quote },
      409: { description: '`quote_accepted`, `currency_mismatch` or `quote_busy`' },
    },
  },
  getQuote: {
    method: 'GET',
    path: `${base}/quotes/{id}`,
    summary: 'Read a quote (its latest version)',
    auth: 'account-read',
    responses: { 200: { description: 'the quote', schema: quote } },
  },
  listQuoteVersions: {
    method: 'GET',
    path: `${base}/quotes/{id}/versions`,
    summary: 'List the versions of a quote, oldest first',
    description: 'An older version shows the status it had when a newer one replaced it.',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of versions', schema: pageOf(quote) } },
  },
  listQuotes: {
    method: 'GET',
    path: `${base}/quotes`,
    summary: 'List quotes, of one customer and/or with one status today',
    auth: 'account-read',
    page: true,
    query: z.object({
      customer: identifier.optional(),
      status: z.enum(QUOTE_STATUSES as [QuoteStatus, ...QuoteStatus[]], { error: `must be one of ${QUOTE_STATUSES.join(', ')}` }).optional(),
    }),
    responses: { 200: { description: 'a page of quotes', schema: pageOf(quote) } },
  },
  submitQuote: {
    method: 'POST',
    path: `${base}/quotes/{id}/submit`,
    summary: 'Submit a quote for approval',
    description:
      '`approved` when every discount is within its charge’s `approvalAbove`, else `pending-approval`; 409 `below_floor` naming each line under its `floorPrice` or over its `maxDiscount`. Submitting a submitted quote changes nothing.',
    auth: 'account-write',
    responses: moved('approved or pending approval', '`below_floor`, `quote_declined`, `quote_accepted` or `quote_expired`'),
  },
  approveQuote: {
    method: 'POST',
    path: `${base}/quotes/{id}/approve`,
    summary: 'Approve a pending quote (an admin key only)',
    description: 'A billing or viewer key is 403.',
    auth: 'account-admin',
    responses: moved('approved', '`quote_not_pending`, `quote_accepted` or `quote_expired`'),
  },
  declineQuote: {
    method: 'POST',
    path: `${base}/quotes/{id}/decline`,
    summary: 'Decline a quote (an admin key only)',
    description: 'A billing or viewer key is 403. A declined quote takes a new version to go on.',
    auth: 'account-admin',
    responses: moved('declined', '`quote_accepted` or `quote_expired`'),
  },
  acceptQuote: {
    method: 'POST',
    path: `${base}/quotes/{id}/accept`,
    summary: 'Accept an approved quote: it becomes a subscription with the quoted unit prices',
    description:
      '409 `quote_not_approved` unless approved, `quote_expired` after validUntil. The same acceptance again answers the same subscription (200); another one of an accepted quote is 409 `quote_accepted`.',
    auth: 'account-write',
    body: acceptInput,
    responses: {
      200: { description: 'the subscription the quote already became', schema: subscription },
      201: { description: 'the subscription, created', schema: subscription },
      409: { description: '`quote_not_approved`, `quote_expired`, `quote_accepted` or `subscription_exists`' },
    },
  },
  getQuoteDocument: {
    method: 'GET',
    path: `${base}/quotes/{id}/document`,
    summary: 'The quote as a PDF',
    auth: 'account-read',
    query: z.object({ format: z.enum(['pdf'], { error: 'must be pdf' }) }),
    responses: { 200: { description: 'the document', content: { 'application/pdf': binary } } },
  },
});
