import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi, saved } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { catalogRoutes as routes } from '../../shared/catalog/routes';
import { catalogService, customerImports } from '../../shared/catalog/wiring';
import { importFormatOf } from '../../shared/catalog/domain/customer-import';
import { ValidationError } from '../../shared/kernel/errors';
import { platformService } from '../../shared/platform/wiring';

const platform = platformService();
const catalog = catalogService();
const imports = customerImports(catalog);

/** Customer clusters, customers (and their import), product clusters, the account profile (PUT creates or replaces; GET one or a page). */
export const handler = httpApi(
  bindRoutes(
    routes,
    {
      putCustomerCluster: async (r) =>
        saved(await catalog.putCustomerCluster(r.account, r.params.id, parseInput(routes.putCustomerCluster.body, r.body))),
      getCustomerCluster: async (r) => ({ status: 200, body: await catalog.getCustomerCluster(r.account, r.params.id) }),
      listCustomerClusters: async (r) => ({ status: 200, body: await catalog.listCustomerClusters(r.account, pageRequest(r)) }),
      putCustomer: async (r) => saved(await catalog.putCustomer(r.account, r.params.code, parseInput(routes.putCustomer.body, r.body))),
      importCustomers: async (r) => {
        const format = importFormatOf(r.contentType);
        if (!format || typeof r.body !== 'string') {
          throw new ValidationError('invalid import', [
            'body: send the file itself with content-type: text/csv or application/x-ndjson (JSON Lines)',
          ]);
        }
        return { status: 200, body: await imports.importText(r.account, r.body, format) };
      },
      // Account admins only (the platform key or an admin key): the profile names the seller on every invoice.
      putAccountProfile: async (r) => {
        const account = (await platform.account(r.principal, r.params.a, 'manage-keys')).id;
        return saved(await catalog.putAccountProfile(account, parseInput(routes.putAccountProfile.body, r.body)));
      },
      getAccountProfile: async (r) => ({ status: 200, body: await catalog.getAccountProfile(r.account) }),
      changeBillingDay: async (r) => ({
        status: 200,
        body: await catalog.changeBillingDay(r.account, r.params.code, parseInput(routes.changeBillingDay.body, r.body)),
      }),
      getCustomer: async (r) => ({ status: 200, body: await catalog.getCustomer(r.account, r.params.code) }),
      listCustomers: async (r) => ({ status: 200, body: await catalog.listCustomers(r.account, pageRequest(r)) }),
      putProductCluster: async (r) =>
        saved(await catalog.putProductCluster(r.account, r.params.id, parseInput(routes.putProductCluster.body, r.body))),
      getProductCluster: async (r) => ({ status: 200, body: await catalog.getProductCluster(r.account, r.params.id) }),
      listProductClusters: async (r) => ({ status: 200, body: await catalog.listProductClusters(r.account, pageRequest(r)) }),
    },
    accountResolver(platform),
  ),
  (key) => platform.authenticate(key),
);
