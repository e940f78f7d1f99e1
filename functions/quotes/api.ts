import { ForbiddenError } from '../../shared/kernel/errors';
import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi, saved, type ApiRequest } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { quoteRoutes as routes } from '../../shared/quotes/routes';
import { quoteService } from '../../shared/quotes/wiring';
import { platformService } from '../../shared/platform/wiring';

const platform = platformService();
const quotes = quoteService();

/** The account of an admin-only route: the account as for a write, then an `admin` key (or the platform key) only; a billing key is 403. */
async function adminAccount(r: ApiRequest): Promise<string> {
  const account = await platform.account(r.principal, r.params.a, 'write');
  if (r.principal.kind === 'account' && r.principal.role !== 'admin') {
    throw new ForbiddenError(`role '${r.principal.role}' may not approve or decline quotes; an admin key may`);
  }
  return account.id;
}

/** Quotes: versions, submit, approve / decline (admin), accept into a subscription, the PDF. */
export const handler = httpApi(
  bindRoutes(
    routes,
    {
      putQuote: async (r) => saved(await quotes.putQuote(r.account, r.params.id, r.body)),
      getQuote: async (r) => ({ status: 200, body: await quotes.getQuote(r.account, r.params.id) }),
      listQuoteVersions: async (r) => ({ status: 200, body: await quotes.listVersions(r.account, r.params.id, pageRequest(r)) }),
      listQuotes: async (r) => {
        const filter = parseInput(routes.listQuotes.query, { customer: r.query.customer || undefined, status: r.query.status || undefined }, 'query');
        return { status: 200, body: await quotes.listQuotes(r.account, filter, pageRequest(r)) };
      },
      submitQuote: async (r) => ({ status: 200, body: await quotes.submit(r.account, r.params.id) }),
      approveQuote: async (r) => ({ status: 200, body: await quotes.approve(await adminAccount(r), r.params.id) }),
      declineQuote: async (r) => ({ status: 200, body: await quotes.decline(await adminAccount(r), r.params.id) }),
      acceptQuote: async (r) => saved(await quotes.accept(r.account, r.params.id, r.body)),
      getQuoteDocument: async (r) => {
        parseInput(routes.getQuoteDocument.query, { format: r.query.format }, 'query');
        return { status: 200, raw: { content: await quotes.document(r.account, r.params.id), contentType: 'application/pdf' } };
      },
    },
    accountResolver(platform),
  ),
  (key) => platform.authenticate(key),
);
