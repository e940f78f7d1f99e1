import { z } from 'zod';
import { ValidationError } from '../../shared/kernel/errors';
import { identifier } from '../../shared/kernel/fields';
import { parseInput } from '../../shared/kernel/validation';
import { saved, type AccountResolver, type RouteSpec } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { streamService } from '../../shared/streams/wiring';

const streams = streamService();

const base = '/v1/accounts/{a}';
const idParam = z.object({ id: identifier });
const rowsQuery = z.object({ format: z.enum(['csv', 'json'], { error: 'must be csv or json' }).default('json') });

/** Streams, their runs and batches, publishing and inbound batches (API.md "Streams and batches"). */
export function streamRoutes(account: AccountResolver): Record<string, RouteSpec> {
  return {
    [`PUT ${base}/streams/{id}`]: {
      handle: async (r) => {
        const accountId = await account(r, 'write');
        const { id } = parseInput(idParam, r.params, 'path');
        return saved(await streams.putStream(accountId, id, r.body));
      },
    },
    [`GET ${base}/streams/{id}`]: {
      handle: async (r) => ({ status: 200, body: await streams.getStream(await account(r, 'read'), r.params.id) }),
    },
    [`GET ${base}/streams`]: {
      handle: async (r) => ({ status: 200, body: await streams.listStreams(await account(r, 'read'), pageRequest(r)) }),
    },
    [`PUT ${base}/streams/{id}/upload`]: {
      handle: async (r) => {
        const accountId = await account(r, 'write');
        if (typeof r.body !== 'string') throw new ValidationError('invalid upload', ['body: send the CSV itself with content-type: text/csv']);
        return { status: 200, body: await streams.upload(accountId, r.params.id, r.body) };
      },
    },
    [`POST ${base}/streams/{id}/runs`]: {
      handle: async (r) => ({ status: 202, body: await streams.startRun(await account(r, 'write'), r.params.id, r.body) }),
    },
    [`GET ${base}/streams/{id}/batches`]: {
      handle: async (r) => ({ status: 200, body: await streams.streamBatches(await account(r, 'read'), r.params.id, pageRequest(r)) }),
    },
    [`GET ${base}/batches/{id}`]: {
      handle: async (r) => ({ status: 200, body: await streams.getBatch(await account(r, 'read'), r.params.id) }),
    },
    [`GET ${base}/batches/{id}/rows`]: {
      handle: async (r) => {
        const accountId = await account(r, 'read');
        const { format } = parseInput(rowsQuery, { format: r.query.format }, 'query');
        if (format === 'csv') {
          const csv = await streams.rowsCsv(accountId, r.params.id);
          return { status: 200, raw: { content: csv, contentType: 'text/csv; charset=utf-8' }, headers: { 'content-disposition': `attachment; filename="${r.params.id}.csv"` } };
        }
        return { status: 200, body: await streams.rowsJson(accountId, r.params.id, pageRequest(r)) };
      },
    },
    [`GET ${base}/batches/{id}/errors`]: {
      handle: async (r) => ({ status: 200, body: await streams.errors(await account(r, 'read'), r.params.id, pageRequest(r)) }),
    },
    [`POST ${base}/batches/{id}/publish`]: {
      handle: async (r) => ({ status: 200, body: await streams.publish(await account(r, 'write'), r.params.id) }),
    },
    [`POST ${base}/batches/{id}/apply`]: {
      handle: async (r) => ({ status: 200, body: await streams.apply(await account(r, 'write'), r.params.id) }),
    },
    [`GET ${base}/inbound-batches`]: {
      handle: async (r) => ({ status: 200, body: await streams.inbound(await account(r, 'read'), pageRequest(r)) }),
    },
    [`POST ${base}/inbound-batches/{id}/apply`]: {
      handle: async (r) => ({ status: 200, body: await streams.applyInbound(await account(r, 'write'), r.params.id) }),
    },
    [`GET ${base}/inbound-batches/{id}/rows`]: {
      handle: async (r) => ({ status: 200, body: await streams.inboundRows(await account(r, 'read'), r.params.id, pageRequest(r)) }),
    },
  };
}
