import { parseBillingPeriod } from '../../shared/kernel/periods';
import { accountResolver, httpApi, saved } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { usageService } from '../../shared/billing/wiring';
import { platformService } from '../../shared/platform/wiring';
import { pricingRoutes } from '../../shared/pricing/routes';
import { pricePreview, rulesService } from '../../shared/pricing/wiring';

const platform = platformService();
const rules = rulesService();
const usage = usageService();
const preview = pricePreview();

/** Price rules, routing rules and the usage preview of a customer. */
export const handler = httpApi(
  bindRoutes(
    pricingRoutes,
    {
      putPriceRule: async (r) => saved(await rules.putPriceRule(r.account, r.params.id, r.body)),
      getPriceRule: async (r) => ({ status: 200, body: await rules.getPriceRule(r.account, r.params.id) }),
      listPriceRules: async (r) => ({ status: 200, body: await rules.listPriceRules(r.account, pageRequest(r)) }),
      putRoutingRule: async (r) => saved(await rules.putRoutingRule(r.account, r.params.id, r.body)),
      getRoutingRule: async (r) => ({ status: 200, body: await rules.getRoutingRule(r.account, r.params.id) }),
      listRoutingRules: async (r) => ({ status: 200, body: await rules.listRoutingRules(r.account, pageRequest(r)) }),
      previewPrice: async (r) => ({ status: 200, body: await preview.preview(r.account, r.body) }),
      getUsage: async (r) => {
        const period = parseBillingPeriod({ periodStart: r.query.periodStart, periodEnd: r.query.periodEnd });
        return { status: 200, body: await usage.preview(r.account, r.params.code, period) };
      },
    },
    accountResolver(platform),
  ),
  (key) => platform.authenticate(key),
);
