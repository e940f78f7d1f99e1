import { z } from 'zod';
import { calendarDate, identifier } from '../../shared/kernel/fields';
import { parseBillingPeriod } from '../../shared/kernel/periods';
import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { exportView } from '../../shared/billing/use-cases/exports';
import { billingCycleService, exportService, invoiceService, scheduleService } from '../../shared/billing/wiring';
import { platformService } from '../../shared/platform/wiring';

const platform = platformService();
const cycles = billingCycleService();
const invoices = invoiceService();
const schedules = scheduleService();
const exports = exportService();

const base = '/v1/accounts/{a}';

const listSchema = z.object({
  customer: identifier.optional(),
  periodStart: calendarDate.optional(),
});
const documentSchema = z.object({ format: z.enum(['pdf', 'csv'], { error: 'must be pdf or csv' }) });
const creditSchema = z.strictObject({ reason: z.string({ error: (i) => (i.input === undefined ? 'required' : 'must be a string') }) });

const account = accountResolver(platform);

/** Billing cycles, invoices and their documents, credit notes, the billing schedule and exports. */
export const handler = httpApi(
  {
    [`POST ${base}/billing-cycles`]: {
      handle: async (r) => {
        const accountId = await account(r, 'write');
        return { status: 202, body: await cycles.start(accountId, parseBillingPeriod(r.body)) };
      },
    },
    [`GET ${base}/billing-cycles`]: {
      handle: async (r) => ({ status: 200, body: await cycles.list(await account(r, 'read'), pageRequest(r)) }),
    },
    [`GET ${base}/billing-cycles/{id}`]: {
      handle: async (r) => ({ status: 200, body: await cycles.get(await account(r, 'read'), r.params.id) }),
    },
    [`POST ${base}/billing-cycles/{id}/regenerate`]: {
      handle: async (r) => ({ status: 202, body: await cycles.regenerate(await account(r, 'write'), r.params.id) }),
    },
    [`GET ${base}/billing-cycles/{id}/customers/{code}`]: {
      handle: async (r) => ({ status: 200, body: await cycles.troubleshoot(await account(r, 'read'), r.params.id, r.params.code) }),
    },
    [`GET ${base}/invoices`]: {
      handle: async (r) => {
        const accountId = await account(r, 'read');
        const filter = parseInput(listSchema, { customer: r.query.customer || undefined, periodStart: r.query.periodStart || undefined }, 'query');
        return { status: 200, body: await invoices.list(accountId, filter, pageRequest(r)) };
      },
    },
    [`GET ${base}/invoices/{id}`]: {
      handle: async (r) => ({ status: 200, body: await invoices.get(await account(r, 'read'), r.params.id) }),
    },
    [`POST ${base}/invoices/{id}/approve`]: {
      handle: async (r) => ({ status: 200, body: await invoices.approve(await account(r, 'write'), r.params.id) }),
    },
    [`GET ${base}/invoices/{id}/document`]: {
      handle: async (r) => {
        const accountId = await account(r, 'read');
        const { format } = parseInput(documentSchema, { format: r.query.format }, 'query');
        const doc = await invoices.document(accountId, r.params.id, format);
        return {
          status: 200,
          raw: { content: format === 'pdf' ? doc.content : doc.content.toString('utf8'), contentType: doc.contentType },
          headers: { 'content-disposition': `attachment; filename="${doc.filename}"` },
        };
      },
    },
    [`POST ${base}/invoices/{id}/credit-notes`]: {
      handle: async (r) => {
        const accountId = await account(r, 'write');
        const { reason } = parseInput(creditSchema, r.body);
        return { status: 201, body: await invoices.creditNote(accountId, r.params.id, reason) };
      },
    },
    [`PUT ${base}/billing-schedule`]: {
      handle: async (r) => {
        const saved = await schedules.put(await account(r, 'write'), r.body);
        return { status: saved.created ? 201 : 200, body: saved.schedule };
      },
    },
    [`GET ${base}/billing-schedule`]: {
      handle: async (r) => ({ status: 200, body: await schedules.get(await account(r, 'read')) }),
    },
    [`DELETE ${base}/billing-schedule`]: {
      handle: async (r) => {
        await schedules.delete(await account(r, 'write'));
        return { status: 204 };
      },
    },
    [`POST ${base}/exports`]: {
      handle: async (r) => ({ status: 201, body: await exports.create(await account(r, 'write'), r.body) }),
    },
    [`GET ${base}/exports/{id}`]: {
      handle: async (r) => {
        const { record, content, contentType } = await exports.download(await account(r, 'read'), r.params.id);
        if (!content) return { status: 202, body: exportView(record) }; // still being written
        return {
          status: 200,
          raw: { content: content.toString('utf8'), contentType },
          headers: { 'content-disposition': `attachment; filename="${record.id}.${record.format}"` },
        };
      },
    },
  },
  (key) => platform.authenticate(key),
);
