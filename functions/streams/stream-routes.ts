import { ValidationError } from '../../shared/kernel/errors';
import { parseInput } from '../../shared/kernel/validation';
import { saved, type AccountResolver, type RouteSpec } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { streamRoutes as routes } from '../../shared/streams/routes';
import { streamService } from '../../shared/streams/wiring';

const streams = streamService();

/** Streams, their runs and batches, publishing and inbound batches. */
export function streamHandlers(account: AccountResolver): Record<string, RouteSpec> {
  return bindRoutes(
    routes,
    {
      putStream: async (r) => saved(await streams.putStream(r.account, r.params.id, r.body)),
      getStream: async (r) => ({ status: 200, body: await streams.getStream(r.account, r.params.id) }),
      listStreams: async (r) => ({ status: 200, body: await streams.listStreams(r.account, pageRequest(r)) }),
      uploadStreamCsv: async (r) => {
        if (typeof r.body !== 'string') throw new ValidationError('invalid upload', ['body: send the CSV itself with content-type: text/csv']);
        return { status: 200, body: await streams.upload(r.account, r.params.id, r.body) };
      },
      startStreamRun: async (r) => ({ status: 202, body: await streams.startRun(r.account, r.params.id, r.body) }),
      listStreamBatches: async (r) => ({ status: 200, body: await streams.streamBatches(r.account, r.params.id, pageRequest(r)) }),
      getBatch: async (r) => ({ status: 200, body: await streams.getBatch(r.account, r.params.id) }),
      getBatchRows: async (r) => {
        const { format } = parseInput(routes.getBatchRows.query, { format: r.query.format }, 'query');
        if (format === 'csv') {
          const csv = await streams.rowsCsv(r.account, r.params.id);
          return {
            status: 200,
            raw: { content: csv, contentType: 'text/csv; charset=utf-8' },
            headers: { 'content-disposition': `attachment; filename="${r.params.id}.csv"` },
          };
        }
        return { status: 200, body: await streams.rowsJson(r.account, r.params.id, pageRequest(r)) };
      },
      getBatchErrors: async (r) => ({ status: 200, body: await streams.errors(r.account, r.params.id, pageRequest(r)) }),
      publishBatch: async (r) => ({ status: 200, body: await streams.publish(r.account, r.params.id) }),
      applyBatch: async (r) => ({ status: 200, body: await streams.apply(r.account, r.params.id) }),
      listInboundBatches: async (r) => ({ status: 200, body: await streams.inbound(r.account, pageRequest(r)) }),
      getInboundBatch: async (r) => ({ status: 200, body: await streams.inboundBatch(r.account, r.params.id) }),
      applyInboundBatch: async (r) => ({ status: 200, body: await streams.applyInbound(r.account, r.params.id) }),
      getInboundBatchRows: async (r) => ({ status: 200, body: await streams.inboundRows(r.account, r.params.id, pageRequest(r)) }),
    },
    account,
  );
}
