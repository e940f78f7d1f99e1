import { z } from 'zod';
import { identifier } from '../kernel/fields';
import { pageOf, routeTable } from '../edge/routes';
import { catalogueSchema } from './domain/offer';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from './domain/subscription';
import { cancelInput, catalogue, changeInput, effectiveInput, offer, offerInput, subscription, subscriptionInput } from './api-schemas';

/** Catalogue, offers and subscriptions (docs/api.md "Catalogue, offers, subscriptions"). */

const base = '/v1/accounts/{a}';

const saved = (schema: z.ZodType, what: string) => ({
  200: { description: `the ${what}, replaced (or unchanged)`, schema },
  201: { description: `the ${what}, created`, schema },
});

const operated = (what: string) => ({
  200: { description: `the subscription with the ${what} in its history`, schema: subscription },
  409: { description: 'the transition is not allowed then (already paused, not paused, after the cancellation or end), or a currency mismatch' },
});

export const subscriptionRoutes = routeTable({
  putCatalogue: {
    method: 'PUT',
    path: `${base}/catalogues/{id}`,
    summary: 'Create or replace a catalogue',
    auth: 'account-write',
    body: catalogueSchema.meta({ id: 'CatalogueInput', description: 'a catalogue: name and description' }),
    responses: saved(catalogue, 'catalogue'),
  },
  getCatalogue: {
    method: 'GET',
    path: `${base}/catalogues/{id}`,
    summary: 'Read a catalogue',
    auth: 'account-read',
    responses: { 200: { description: 'the catalogue', schema: catalogue } },
  },
  listCatalogues: {
    method: 'GET',
    path: `${base}/catalogues`,
    summary: 'List catalogues',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of catalogues', schema: pageOf(catalogue) } },
  },
  putOffer: {
    method: 'PUT',
    path: `${base}/offers/{id}`,
    summary: 'Create or replace an offer',
    description:
      'Its catalogue and the product clusters of its charges must exist; every field is checked and each bad one named (`charges.1.price: …`).',
    auth: 'account-write',
    body: offerInput,
    responses: saved(offer, 'offer'),
  },
  getOffer: {
    method: 'GET',
    path: `${base}/offers/{id}`,
    summary: 'Read an offer',
    auth: 'account-read',
    responses: { 200: { description: 'the offer', schema: offer } },
  },
  listOffers: {
    method: 'GET',
    path: `${base}/offers`,
    summary: 'List offers, of one catalogue or all',
    auth: 'account-read',
    page: true,
    query: z.object({ catalogue: identifier.optional() }),
    responses: { 200: { description: 'a page of offers', schema: pageOf(offer) } },
  },
  putSubscription: {
    method: 'PUT',
    path: `${base}/subscriptions/{id}`,
    summary: 'Subscribe a customer to an offer',
    description:
      'The customer and the offer must exist and the offer be in the customer’s currency (409 `currency_mismatch`). The same body again answers 200 unchanged; another body for an existing id is 409 `subscription_exists` (changes go through the operations).',
    auth: 'account-write',
    body: subscriptionInput,
    responses: { ...saved(subscription, 'subscription'), 409: { description: '`subscription_exists` or `currency_mismatch`' } },
  },
  getSubscription: {
    method: 'GET',
    path: `${base}/subscriptions/{id}`,
    summary: 'Read a subscription',
    description: 'Its status and terms (offer, quantity) as of today, and its whole history.',
    auth: 'account-read',
    responses: { 200: { description: 'the subscription', schema: subscription } },
  },
  listSubscriptions: {
    method: 'GET',
    path: `${base}/subscriptions`,
    summary: 'List subscriptions, of one customer and/or with one status today',
    auth: 'account-read',
    page: true,
    query: z.object({
      customer: identifier.optional(),
      status: z
        .enum(SUBSCRIPTION_STATUSES as [SubscriptionStatus, ...SubscriptionStatus[]], { error: `must be one of ${SUBSCRIPTION_STATUSES.join(', ')}` })
        .optional(),
    }),
    responses: { 200: { description: 'a page of subscriptions', schema: pageOf(subscription) } },
  },
  changeSubscription: {
    method: 'POST',
    path: `${base}/subscriptions/{id}/changes`,
    summary: 'Change the offer and/or quantity of a subscription',
    description: '`immediate`: from effectiveDate; `end-of-term`: from the end of the term that contains it.',
    auth: 'account-write',
    body: changeInput,
    responses: operated('change'),
  },
  pauseSubscription: {
    method: 'POST',
    path: `${base}/subscriptions/{id}/pause`,
    summary: 'Pause a subscription from a date',
    auth: 'account-write',
    body: effectiveInput,
    responses: operated('pause'),
  },
  resumeSubscription: {
    method: 'POST',
    path: `${base}/subscriptions/{id}/resume`,
    summary: 'Resume a paused subscription from a date',
    auth: 'account-write',
    body: effectiveInput,
    responses: operated('resume'),
  },
  cancelSubscription: {
    method: 'POST',
    path: `${base}/subscriptions/{id}/cancel`,
    summary: 'Cancel a subscription',
    description: '`immediate`: service ends on effectiveDate; `end-of-term`: at the end of the term that contains it.',
    auth: 'account-write',
    body: cancelInput,
    responses: operated('cancellation'),
  },
});
