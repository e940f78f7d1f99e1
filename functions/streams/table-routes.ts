import { saved, type AccountResolver, type RouteSpec } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { tableRoutes } from '../../shared/streams/routes';
import { streamTablesService } from '../../shared/streams/wiring';

const tables = streamTablesService();

/** Exchange rates and lookup tables of an account. */
export function tableHandlers(account: AccountResolver): Record<string, RouteSpec> {
  return bindRoutes(
    tableRoutes,
    {
      putExchangeRate: async (r) => saved(await tables.putExchangeRate(r.account, r.params.pair, r.body)),
      getExchangeRates: async (r) => ({ status: 200, body: await tables.getExchangeRates(r.account, r.params.pair) }),
      listExchangeRates: async (r) => ({ status: 200, body: await tables.listExchangeRates(r.account, pageRequest(r)) }),
      putLookupTable: async (r) => saved(await tables.putLookupTable(r.account, r.params.id, r.body)),
      getLookupTable: async (r) => ({ status: 200, body: await tables.getLookupTable(r.account, r.params.id) }),
      listLookupTables: async (r) => ({ status: 200, body: await tables.listLookupTables(r.account, pageRequest(r)) }),
    },
    account,
  );
}
