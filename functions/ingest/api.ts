import { z } from 'zod';
import { identifier, isoDate } from '../../shared/kernel/fields';
import { MAX_PURCHASES_PER_REQUEST } from '../../shared/ingest/domain/ingest';
import { PURCHASE_STATUSES } from '../../shared/ingest/domain/purchase';
import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { ingestService } from '../../shared/ingest/wiring';
import { platformService } from '../../shared/platform/wiring';

const platform = platformService();
const ingest = ingestService();

const base = '/v1/accounts/{a}';

const batchSchema = z.object(
  {
    purchases: z
      .array(z.unknown(), { error: (i) => (i.input === undefined ? 'required' : 'must be an array of purchases') })
      .min(1, 'must hold at least one purchase')
      .max(MAX_PURCHASES_PER_REQUEST, `at most ${MAX_PURCHASES_PER_REQUEST} purchases per request`),
  },
  { error: 'body must be a JSON object {"purchases":[...]}' },
);

const listSchema = z.object({
  status: z.enum(PURCHASE_STATUSES, { error: `must be one of ${PURCHASE_STATUSES.join(', ')}` }).optional(),
  customer: identifier.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});

const account = accountResolver(platform);

/** Purchases: accept a batch (202, asynchronous mapping), read one, list them. */
export const handler = httpApi(
  {
    [`POST ${base}/purchases`]: {
      handle: async (r) => {
        const accountId = await account(r, 'write');
        const { purchases } = parseInput(batchSchema, r.body);
        const triage = await ingest.accept(accountId, purchases.map((raw, at) => ({ at, raw })), 'api');
        return {
          status: 202,
          body: {
            accepted: triage.accepted.map((p) => p.reference),
            duplicates: triage.duplicates,
            rejected: triage.rejected.map((x) => ({ index: x.at, reference: x.reference, code: x.code, errors: x.errors })),
          },
        };
      },
    },
    [`GET ${base}/purchases/{reference}`]: {
      handle: async (r) => ({ status: 200, body: await ingest.get(await account(r, 'read'), r.params.reference) }),
    },
    [`GET ${base}/purchases`]: {
      handle: async (r) => {
        const accountId = await account(r, 'read');
        const filter = parseInput(listSchema, { status: r.query.status, customer: r.query.customer, from: r.query.from, to: r.query.to }, 'query');
        return { status: 200, body: await ingest.list(accountId, filter, pageRequest(r)) };
      },
    },
  },
  (key) => platform.authenticate(key),
);
