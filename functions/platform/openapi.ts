import { openApiDocument, type ApiSection } from '../../shared/edge/openapi/document';
import { billingRoutes } from '../../shared/billing/routes';
import { catalogRoutes } from '../../shared/catalog/routes';
import { ingestRoutes } from '../../shared/ingest/routes';
import { platformRoutes } from '../../shared/platform/routes';
import { pricingRoutes } from '../../shared/pricing/routes';
import { quoteRoutes } from '../../shared/quotes/routes';
import { streamRoutes, tableRoutes } from '../../shared/streams/routes';
import { subscriptionRoutes } from '../../shared/subscriptions/routes';

/** Every route table of the API, by section of the document (and the function that serves it). */
export const API_SECTIONS = [
  { tag: 'platform', description: 'Health, this description, accounts and API keys.', routes: platformRoutes, entry: 'functions/platform/api.ts' },
  { tag: 'catalog', description: 'Customer clusters, customers and product clusters.', routes: catalogRoutes, entry: 'functions/catalog/api.ts' },
  {
    tag: 'pricing',
    description: 'Price rules, routing rules and the usage preview of a customer.',
    routes: pricingRoutes,
    entry: 'functions/pricing/api.ts',
  },
  {
    tag: 'purchases',
    description: 'Purchases: submitted in batches, mapped, routed and rated asynchronously.',
    routes: ingestRoutes,
    entry: 'functions/ingest/api.ts',
  },
  {
    tag: 'billing',
    description: 'Billing cycles, invoices and their documents, credit notes, the billing schedule and exports.',
    routes: billingRoutes,
    entry: 'functions/billing/api.ts',
  },
  {
    tag: 'streams',
    description: 'Streams, their runs and batches, publishing and inbound batches.',
    routes: streamRoutes,
    entry: 'functions/streams/api.ts',
  },
  {
    tag: 'subscriptions',
    description: 'Catalogues, offers and subscriptions, with their changes, pauses, resumes and cancellations.',
    routes: subscriptionRoutes,
    entry: 'functions/subscriptions/api.ts',
  },
  {
    tag: 'quotes',
    description: 'Quotes: versions, submission, approval, acceptance into a subscription, and their PDF.',
    routes: quoteRoutes,
    entry: 'functions/quotes/api.ts',
  },
  { tag: 'tables', description: 'Exchange rates and lookup tables that stream stages read.', routes: tableRoutes, entry: 'functions/streams/api.ts' },
] as const satisfies ReadonlyArray<ApiSection & { entry: string }>;

let document: ReturnType<typeof openApiDocument> | undefined;

/** The OpenAPI document served at `GET /v1/openapi.json`, generated from the route tables once per process. */
export function apiDocument() {
  document ??= openApiDocument(API_SECTIONS, {
    title: 'Billstream API',
    version: '1.0.0',
    description: 'Billing, rating and pricing for multi-tier supply chains.',
  });
  return document;
}
