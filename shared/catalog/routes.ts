import { z } from 'zod';
import { identifier } from '../kernel/fields';
import { pageOf, routeTable } from '../edge/routes';
import { addressSchema, customerClusterSchema, customerSchema, INVOICING, productClusterSchema } from './domain/catalog';
import { MAX_IMPORT_LINES } from './domain/customer-import';
import { accountProfileSchema } from './domain/profile';
import { billingDayChangeSchema } from './domain/billing-days';

/** Catalog operations: customer clusters, customers and product clusters (PUT creates or replaces; GET one or a page). */

const updatedAt = z.string().meta({ description: 'ISO 8601 date-time of the last change' });

const customerClusterInput = customerClusterSchema.meta({ id: 'CustomerClusterInput' });
const customerCluster = z
  .object({ id: identifier, name: z.string(), parent: identifier.nullable(), updatedAt })
  .meta({ id: 'CustomerCluster', description: 'a node of the account’s customer cluster tree' });

const address = addressSchema.meta({ id: 'Address' });
const customerInput = customerSchema.meta({ id: 'CustomerInput' });
const customer = z
  .object({
    code: identifier,
    name: z.string(),
    cluster: identifier,
    currency: z.string(),
    partnerAccount: identifier
      .nullable()
      .meta({ description: 'the account of this customer on the platform, whom published batches are shared with' }),
    billingDay: z.int().min(1).max(28).meta({ description: 'the billing day in force today' }),
    billingDays: z
      .array(
        z
          .object({
            from: z.string().nullable().meta({ description: 'the date the day applies from (a period starts then); null for the first entry' }),
            billingDay: z.int().min(1).max(28),
          })
          .meta({ id: 'BillingDayChange' }),
      )
      .meta({ description: 'the billing-day history, oldest first, scheduled changes included' }),
    onHold: z.boolean(),
    taxRate: z.string().nullable().meta({ description: 'percent, a decimal as a string' }),
    country: z.string().nullable(),
    parent: identifier.nullable().meta({ description: 'the customer above this one (same account); a chain never loops' }),
    invoicing: z.enum(INVOICING).meta({ description: "`parent`: this customer's charges go on its parent's invoice" }),
    legalName: z.string().nullable(),
    address: address.nullable(),
    vatId: z.string().nullable(),
    email: z.string().nullable(),
    paymentTermsDays: z.int().meta({ description: 'days from issue to due date (default 30)' }),
    updatedAt,
  })
  .meta({ id: 'Customer' });

const accountProfileInput = accountProfileSchema.meta({ id: 'AccountProfileInput' });
const accountProfile = z
  .object({ legalName: z.string(), address, vatId: z.string().nullable(), invoicePrefix: z.string(), updatedAt })
  .meta({ id: 'AccountProfile', description: 'what the account’s invoices show of the seller, and the prefix of its invoice numbers' });

const importResult = z
  .object({
    rows: z.int().meta({ description: 'lines read (a CSV header is not one)' }),
    created: z.int(),
    updated: z.int(),
    unchanged: z.int().meta({ description: 'lines that would change nothing: nothing is written for them' }),
    rejected: z.array(
      z.object({
        line: z.int().meta({ description: 'the line in the file, 1-based (a CSV header is line 1)' }),
        code: z.string().nullable().meta({ description: 'the customer code of the line, when it has one' }),
        errors: z.array(z.string()).meta({ description: 'each bad field, as a PUT /customers/{code} would name it' }),
      }),
    ),
  })
  .meta({ id: 'CustomerImportResult' });

const productClusterInput = productClusterSchema.meta({ id: 'ProductClusterInput' });
const productCluster = z
  .object({
    id: identifier,
    name: z.string(),
    parent: identifier.nullable(),
    aliases: z.array(identifier).meta({ description: 'product labels that map to this cluster, unique per account (409 alias_taken)' }),
    updatedAt,
  })
  .meta({ id: 'ProductCluster' });

const saved = (schema: z.ZodType, what: string) => ({
  200: { description: `the ${what}, replaced`, schema },
  201: { description: `the ${what}, created`, schema },
});

export const catalogRoutes = routeTable({
  putCustomerCluster: {
    method: 'PUT',
    path: '/v1/accounts/{a}/customer-clusters/{id}',
    summary: 'Create or replace a customer cluster',
    description: 'Its parent must exist, and the tree must stay a tree (409 `cluster_cycle`).',
    auth: 'account-write',
    body: customerClusterInput,
    responses: { ...saved(customerCluster, 'customer cluster'), 409: { description: 'the parent would make a cycle' } },
  },
  getCustomerCluster: {
    method: 'GET',
    path: '/v1/accounts/{a}/customer-clusters/{id}',
    summary: 'Read a customer cluster',
    auth: 'account-read',
    responses: { 200: { description: 'the customer cluster', schema: customerCluster } },
  },
  listCustomerClusters: {
    method: 'GET',
    path: '/v1/accounts/{a}/customer-clusters',
    summary: 'List customer clusters',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of customer clusters', schema: pageOf(customerCluster) } },
  },
  putCustomer: {
    method: 'PUT',
    path: '/v1/accounts/{a}/customers/{code}',
    summary: 'Create or replace a customer',
    description:
      '`parent` must be a customer of the account (400 naming `parent` otherwise) and the chain above must not come back to this customer ' +
      '(409 `parent_loop` naming the chain, also when concurrent writes would close a loop together); `invoicing: "parent"` needs a parent (400).',
    auth: 'account-write',
    body: customerInput,
    responses: { ...saved(customer, 'customer'), 409: { description: '`parent_loop`: the parent chain would loop; `customer_busy`' } },
  },
  importCustomers: {
    method: 'POST',
    path: '/v1/accounts/{a}/customers/import',
    summary: 'Create or update customers from a CSV or JSON Lines file',
    description:
      `Up to ${MAX_IMPORT_LINES.toLocaleString('en')} customers, one per line: \`text/csv\` (a header naming the fields: \`code\`, the fields of PUT /customers/{code}, ` +
      'the address as `address.line1`, `address.line2`, `address.postalCode`, `address.city`, `address.country`; empty cells are absent fields) or ' +
      'JSON Lines (`application/x-ndjson`, `application/jsonl`: one PUT body plus `code` per line). Each line is checked like the PUT; a bad line is ' +
      'listed in `rejected` with its number and the others still apply. A line that changes nothing writes nothing, so the same file again is all `unchanged`.',
    auth: 'account-write',
    body: z.string().meta({ description: 'the CSV or JSON Lines file' }),
    bodyType: 'text/csv',
    responses: { 200: { description: 'what the import did', schema: importResult }, 413: { description: 'the body is larger than 6 MB' } },
  },
  putAccountProfile: {
    method: 'PUT',
    path: '/v1/accounts/{a}/profile',
    summary: "Create or replace the account's profile",
    description: 'Legal name, address and VAT id as invoices show the seller, and `invoicePrefix` (1–12 of A–Z, 0–9, `-`) of the invoice numbers.',
    auth: 'account-admin',
    body: accountProfileInput,
    responses: saved(accountProfile, 'profile'),
  },
  getAccountProfile: {
    method: 'GET',
    path: '/v1/accounts/{a}/profile',
    summary: "Read the account's profile",
    auth: 'account-read',
    responses: { 200: { description: 'the profile (404 until one is put)', schema: accountProfile } },
  },
  changeBillingDay: {
    method: 'POST',
    path: '/v1/accounts/{a}/customers/{code}/billing-day',
    summary: "Change a customer's billing day from a date",
    description:
      'From `effectiveDate` (default: the end of the current billing period) periods are anchored on `billingDay`; the period up to the new day is a stub. ' +
      'An `effectiveDate` before the start of the current period is a 400 (those periods may be invoiced); the day already in force is 200 unchanged.',
    auth: 'account-write',
    body: billingDayChangeSchema.meta({ id: 'BillingDayChangeInput' }),
    responses: {
      200: { description: 'the customer with its billing-day history', schema: customer },
      409: { description: '`customer_busy`: the customer kept changing while the change was written' },
    },
  },
  getCustomer: {
    method: 'GET',
    path: '/v1/accounts/{a}/customers/{code}',
    summary: 'Read a customer',
    auth: 'account-read',
    responses: { 200: { description: 'the customer', schema: customer } },
  },
  listCustomers: {
    method: 'GET',
    path: '/v1/accounts/{a}/customers',
    summary: 'List customers',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of customers', schema: pageOf(customer) } },
  },
  putProductCluster: {
    method: 'PUT',
    path: '/v1/accounts/{a}/product-clusters/{id}',
    summary: 'Create or replace a product cluster',
    description: 'Its aliases are unique per account (409 `alias_taken`); its parent must exist and the tree stay a tree (409 `cluster_cycle`).',
    auth: 'account-write',
    body: productClusterInput,
    responses: { ...saved(productCluster, 'product cluster'), 409: { description: 'an alias is taken, or the parent would make a cycle' } },
  },
  getProductCluster: {
    method: 'GET',
    path: '/v1/accounts/{a}/product-clusters/{id}',
    summary: 'Read a product cluster',
    auth: 'account-read',
    responses: { 200: { description: 'the product cluster', schema: productCluster } },
  },
  listProductClusters: {
    method: 'GET',
    path: '/v1/accounts/{a}/product-clusters',
    summary: 'List product clusters',
    auth: 'account-read',
    page: true,
    responses: { 200: { description: 'a page of product clusters', schema: pageOf(productCluster) } },
  },
});
