import { parseInput } from '../../shared/kernel/validation';
import { httpApi } from '../../shared/edge/http';
import { bindRoutes } from '../../shared/edge/routes';
import { platformRoutes } from '../../shared/platform/routes';
import { platformService } from '../../shared/platform/wiring';
import { apiDocument } from './openapi';

const platform = platformService();

/** Health, the OpenAPI description, accounts and API keys, and the catch-all 404. */
export const handler = httpApi(
  bindRoutes(platformRoutes, {
    getHealth: async () => ({ status: 200, body: { status: 'ok' } }),
    getOpenApi: async () => ({ status: 200, body: apiDocument() }),
    createAccount: async ({ principal, body }) => ({
      status: 201,
      body: await platform.createAccount(principal, parseInput(platformRoutes.createAccount.body, body)),
    }),
    createKey: async ({ principal, params, body }) => ({
      status: 201,
      body: await platform.createKey(principal, params.a, parseInput(platformRoutes.createKey.body, body).role),
    }),
  }),
  (key) => platform.authenticate(key),
);
