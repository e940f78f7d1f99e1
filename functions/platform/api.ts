import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { platformRoutes } from '../../shared/platform/routes';
import { auditService, platformService } from '../../shared/platform/wiring';
import { apiDocument } from './openapi';

const platform = platformService();
const audit = auditService();

/** Health, the OpenAPI description, accounts, API keys, the audit log, and the catch-all 404. */
export const handler = httpApi(
  bindRoutes(
    platformRoutes,
    {
      getHealth: async () => ({ status: 200, body: { status: 'ok' } }),
      getOpenApi: async () => ({ status: 200, body: apiDocument() }),
      createAccount: async ({ principal, body }) => ({
        status: 201,
        body: await platform.createAccount(principal, parseInput(platformRoutes.createAccount.body, body)),
      }),
      createKey: async ({ principal, params, body }) => {
        const issued = await platform.createKey(principal, params.a, parseInput(platformRoutes.createKey.body, body).role);
        // the log names the new key, never its secret
        return { status: 201, body: issued, audit: { after: { id: issued.id, role: issued.role } } };
      },
      listKeys: async ({ principal, params }) => ({ status: 200, body: { items: await platform.listKeys(principal, params.a) } }),
      revokeKey: async ({ principal, params }) => {
        await platform.revokeKey(principal, params.a, params.id);
        return { status: 204 };
      },
      listAudit: async (r) => ({
        status: 200,
        body: await audit.list(r.account, parseInput(platformRoutes.listAudit.query, r.query, 'query'), pageRequest(r)),
      }),
    },
    accountResolver(platform),
  ),
  (key) => platform.authenticate(key),
);
