import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { ingestRoutes as routes, purchaseBatch, purchaseRange } from '../../shared/ingest/routes';
import { ingestService, purchaseCounts } from '../../shared/ingest/wiring';
import { platformService } from '../../shared/platform/wiring';

const platform = platformService();
const ingest = ingestService();
const counts = purchaseCounts();

/**
 * A request claims for at most this long (below the recovery's 15 s, so the recovery never finishes a
 * chunk whose claims are still being written); what is left is answered `not_processed`.
 */
const CLAIM_WINDOW_MS = 10_000;
/** Claims stop at least this long before the deadline: time for the batches in flight and the journal. */
const CLAIM_RESERVE_MS = 12_000;
/** The answer leaves before the invocation's deadline by this much; the completion goes on, or the recovery does it. */
const ANSWER_MARGIN_MS = 1_000;

/** Purchases: accept a batch (202, asynchronous mapping), read one, list and count them. */
export const handler = httpApi(
  bindRoutes(
    routes,
    {
      submitPurchases: async (r) => {
        const { purchases } = parseInput(purchaseBatch, r.body);
        const triage = await ingest.accept(
          r.account,
          purchases.map((raw, at) => ({ at, raw })),
          'api',
          {
            claimUntil: Math.min(Date.now() + CLAIM_WINDOW_MS, (r.deadline ?? Number.POSITIVE_INFINITY) - CLAIM_RESERVE_MS),
            ...(r.deadline === undefined ? {} : { answerBy: r.deadline - ANSWER_MARGIN_MS }),
          },
        );
        return {
          status: 202,
          body: {
            accepted: triage.accepted.map((p) => p.reference),
            duplicates: triage.duplicates,
            rejected: triage.rejected.map((x) => ({ index: x.at, reference: x.reference, code: x.code, errors: x.errors })),
          },
        };
      },
      getPurchase: async (r) => ({ status: 200, body: await ingest.get(r.account, r.params.reference) }),
      listPurchases: async (r) => {
        const { status, customer, from, to } = r.query;
        return {
          status: 200,
          body: await ingest.list(r.account, parseInput(routes.listPurchases.query, { status, customer, from, to }, 'query'), pageRequest(r)),
        };
      },
      countPurchases: async (r) => {
        const { from, to } = r.query;
        return { status: 200, body: await counts.counts(r.account, parseInput(purchaseRange, { from, to }, 'query')) };
      },
    },
    accountResolver(platform),
  ),
  (key) => platform.authenticate(key),
);
