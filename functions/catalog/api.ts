import { customerClusterSchema, customerSchema, productClusterSchema } from '../../shared/catalog/domain/catalog';
import { identifier } from '../../shared/kernel/fields';
import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi, saved } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { catalogService } from '../../shared/catalog/wiring';
import { platformService } from '../../shared/platform/wiring';
import { z } from 'zod';

const platform = platformService();
const catalog = catalogService();

const base = '/v1/accounts/{a}';
const idParam = z.object({ id: identifier });
const codeParam = z.object({ code: identifier });

const account = accountResolver(platform);

/** Customer clusters, customers and product clusters (PUT creates or replaces; GET one or a page). */
export const handler = httpApi(
  {
    [`PUT ${base}/customer-clusters/{id}`]: {
      handle: async (r) => {
        const { id } = parseInput(idParam, r.params, 'path');
        return saved(await catalog.putCustomerCluster(await account(r, 'write'), id, parseInput(customerClusterSchema, r.body)));
      },
    },
    [`GET ${base}/customer-clusters/{id}`]: {
      handle: async (r) => ({ status: 200, body: await catalog.getCustomerCluster(await account(r, 'read'), r.params.id) }),
    },
    [`GET ${base}/customer-clusters`]: {
      handle: async (r) => ({ status: 200, body: await catalog.listCustomerClusters(await account(r, 'read'), pageRequest(r)) }),
    },
    [`PUT ${base}/customers/{code}`]: {
      handle: async (r) => {
        const { code } = parseInput(codeParam, r.params, 'path');
        return saved(await catalog.putCustomer(await account(r, 'write'), code, parseInput(customerSchema, r.body)));
      },
    },
    [`GET ${base}/customers/{code}`]: {
      handle: async (r) => ({ status: 200, body: await catalog.getCustomer(await account(r, 'read'), r.params.code) }),
    },
    [`GET ${base}/customers`]: {
      handle: async (r) => ({ status: 200, body: await catalog.listCustomers(await account(r, 'read'), pageRequest(r)) }),
    },
    [`PUT ${base}/product-clusters/{id}`]: {
      handle: async (r) => {
        const { id } = parseInput(idParam, r.params, 'path');
        return saved(await catalog.putProductCluster(await account(r, 'write'), id, parseInput(productClusterSchema, r.body)));
      },
    },
    [`GET ${base}/product-clusters/{id}`]: {
      handle: async (r) => ({ status: 200, body: await catalog.getProductCluster(await account(r, 'read'), r.params.id) }),
    },
    [`GET ${base}/product-clusters`]: {
      handle: async (r) => ({ status: 200, body: await catalog.listProductClusters(await account(r, 'read'), pageRequest(r)) }),
    },
  },
  (key) => platform.authenticate(key),
);
