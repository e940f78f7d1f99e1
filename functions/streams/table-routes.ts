import { z } from 'zod';
import { identifier } from '../../shared/kernel/fields';
import { parseInput } from '../../shared/kernel/validation';
import { saved, type AccountResolver, type RouteSpec } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { streamTablesService } from '../../shared/streams/wiring';

const tables = streamTablesService();

const base = '/v1/accounts/{a}';
const idParam = z.object({ id: identifier });

/** Exchange rates and lookup tables of an account. */
export function tableRoutes(account: AccountResolver): Record<string, RouteSpec> {
  return {
    [`PUT ${base}/exchange-rates/{pair}`]: {
      handle: async (r) => saved(await tables.putExchangeRate(await account(r, 'write'), r.params.pair, r.body)),
    },
    [`GET ${base}/exchange-rates/{pair}`]: {
      handle: async (r) => ({ status: 200, body: await tables.getExchangeRates(await account(r, 'read'), r.params.pair) }),
    },
    [`GET ${base}/exchange-rates`]: {
      handle: async (r) => ({ status: 200, body: await tables.listExchangeRates(await account(r, 'read'), pageRequest(r)) }),
    },
    [`PUT ${base}/lookup-tables/{id}`]: {
      handle: async (r) => {
        const accountId = await account(r, 'write');
        const { id } = parseInput(idParam, r.params, 'path');
        return saved(await tables.putLookupTable(accountId, id, r.body));
      },
    },
    [`GET ${base}/lookup-tables/{id}`]: {
      handle: async (r) => ({ status: 200, body: await tables.getLookupTable(await account(r, 'read'), r.params.id) }),
    },
    [`GET ${base}/lookup-tables`]: {
      handle: async (r) => ({ status: 200, body: await tables.listLookupTables(await account(r, 'read'), pageRequest(r)) }),
    },
  };
}
