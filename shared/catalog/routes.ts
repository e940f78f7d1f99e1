import { z } from 'zod';
import { identifier } from '../kernel/fields';
import { pageOf, routeTable } from '../edge/routes';
import { customerClusterSchema, customerSchema, productClusterSchema } from './domain/catalog';
import { billingDayChangeSchema } from './domain/billing-days';

/** Catalog operations: customer clusters, customers and product clusters (PUT creates or replaces; GET one or a page). */

const updatedAt = z.string().meta({ description: 'ISO 8601 date-time of the last change' });

const customerClusterInput = customerClusterSchema.meta({ id: 'CustomerClusterInput' });
const customerCluster = z
  .object({ id: identifier, name: z.string(), parent: identifier.nullable(), updatedAt })
  .meta({ id: 'CustomerCluster', description: 'a node of the account’s customer cluster tree' });

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
    updatedAt,
  })
  .meta({ id: 'Customer' });

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
    auth: 'account-write',
    body: customerInput,
    responses: saved(customer, 'customer'),
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
