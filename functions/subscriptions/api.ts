import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi, saved } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { subscriptionRoutes as routes } from '../../shared/subscriptions/routes';
import { offerService, subscriptionService } from '../../shared/subscriptions/wiring';
import { platformService } from '../../shared/platform/wiring';

const platform = platformService();
const offers = offerService();
const subscriptions = subscriptionService();

/** Catalogues, offers and subscriptions with their operations (changes, pause, resume, cancel). */
export const handler = httpApi(
  bindRoutes(
    routes,
    {
      putCatalogue: async (r) => saved(await offers.putCatalogue(r.account, r.params.id, parseInput(routes.putCatalogue.body, r.body))),
      getCatalogue: async (r) => ({ status: 200, body: await offers.getCatalogue(r.account, r.params.id) }),
      listCatalogues: async (r) => ({ status: 200, body: await offers.listCatalogues(r.account, pageRequest(r)) }),
      putOffer: async (r) => saved(await offers.putOffer(r.account, r.params.id, r.body)),
      getOffer: async (r) => ({ status: 200, body: await offers.getOffer(r.account, r.params.id) }),
      listOffers: async (r) => {
        const filter = parseInput(routes.listOffers.query, { catalogue: r.query.catalogue || undefined }, 'query');
        return { status: 200, body: await offers.listOffers(r.account, filter, pageRequest(r)) };
      },
      putSubscription: async (r) => saved(await subscriptions.putSubscription(r.account, r.params.id, r.body)),
      getSubscription: async (r) => ({ status: 200, body: await subscriptions.getSubscription(r.account, r.params.id) }),
      listSubscriptions: async (r) => {
        const filter = parseInput(
          routes.listSubscriptions.query,
          { customer: r.query.customer || undefined, status: r.query.status || undefined },
          'query',
        );
        return { status: 200, body: await subscriptions.listSubscriptions(r.account, filter, pageRequest(r)) };
      },
      changeSubscription: async (r) => ({ status: 200, body: await subscriptions.change(r.account, r.params.id, r.body) }),
      pauseSubscription: async (r) => ({ status: 200, body: await subscriptions.pause(r.account, r.params.id, r.body) }),
      resumeSubscription: async (r) => ({ status: 200, body: await subscriptions.resume(r.account, r.params.id, r.body) }),
      cancelSubscription: async (r) => ({ status: 200, body: await subscriptions.cancel(r.account, r.params.id, r.body) }),
    },
    accountResolver(platform),
  ),
  (key) => platform.authenticate(key),
);
