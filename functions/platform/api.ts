import { newAccountSchema, newKeySchema } from '../../shared/platform/domain/access';
import { parseInput } from '../../shared/kernel/validation';
import { httpApi } from '../../shared/edge/http';
import { openApiDocument } from '../../shared/edge/openapi/document';
import { platformService } from '../../shared/platform/wiring';

const platform = platformService();

/** Health, the OpenAPI description, accounts and API keys, and the catch-all 404. */
export const handler = httpApi(
  {
    'GET /v1/health': { auth: false, handle: async () => ({ status: 200, body: { status: 'ok' } }) },
    'GET /v1/openapi.json': { auth: false, handle: async () => ({ status: 200, body: openApiDocument }) },
    'POST /v1/accounts': {
      handle: async ({ principal, body }) => ({ status: 201, body: await platform.createAccount(principal, parseInput(newAccountSchema, body)) }),
    },
    'POST /v1/accounts/{a}/keys': {
      handle: async ({ principal, params, body }) => ({
        status: 201,
        body: await platform.createKey(principal, params.a, parseInput(newKeySchema, body).role),
      }),
    },
  },
  (key) => platform.authenticate(key),
);
