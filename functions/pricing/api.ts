import { z } from 'zod';
import { identifier } from '../../shared/kernel/fields';
import { parseBillingPeriod } from '../../shared/kernel/periods';
import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi, saved } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { usageService } from '../../shared/billing/wiring';
import { platformService } from '../../shared/platform/wiring';
import { rulesService } from '../../shared/pricing/wiring';

const platform = platformService();
const rules = rulesService();
const usage = usageService();

const base = '/v1/accounts/{a}';
const idParam = z.object({ id: identifier });

const account = accountResolver(platform);

/** Price rules, routing rules and the usage preview of a customer. */
export const handler = httpApi(
  {
    [`PUT ${base}/price-rules/{id}`]: {
      handle: async (r) => {
        const { id } = parseInput(idParam, r.params, 'path');
        return saved(await rules.putPriceRule(await account(r, 'write'), id, r.body));
      },
    },
    [`GET ${base}/price-rules/{id}`]: {
      handle: async (r) => ({ status: 200, body: await rules.getPriceRule(await account(r, 'read'), r.params.id) }),
    },
    [`GET ${base}/price-rules`]: {
      handle: async (r) => ({ status: 200, body: await rules.listPriceRules(await account(r, 'read'), pageRequest(r)) }),
    },
    [`PUT ${base}/routing-rules/{id}`]: {
      handle: async (r) => {
        const { id } = parseInput(idParam, r.params, 'path');
        return saved(await rules.putRoutingRule(await account(r, 'write'), id, r.body));
      },
    },
    [`GET ${base}/routing-rules/{id}`]: {
      handle: async (r) => ({ status: 200, body: await rules.getRoutingRule(await account(r, 'read'), r.params.id) }),
    },
    [`GET ${base}/routing-rules`]: {
      handle: async (r) => ({ status: 200, body: await rules.listRoutingRules(await account(r, 'read'), pageRequest(r)) }),
    },
    [`GET ${base}/customers/{code}/usage`]: {
      handle: async (r) => {
        const accountId = await account(r, 'read');
        const period = parseBillingPeriod({ periodStart: r.query.periodStart, periodEnd: r.query.periodEnd });
        return { status: 200, body: await usage.preview(accountId, r.params.code, period) };
      },
    },
  },
  (key) => platform.authenticate(key),
);
