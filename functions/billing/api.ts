import { parseBillingPeriod } from '../../shared/kernel/periods';
import { parseInput } from '../../shared/kernel/validation';
import { accountResolver, httpApi } from '../../shared/edge/http';
import { pageRequest } from '../../shared/edge/pagination';
import { bindRoutes } from '../../shared/edge/routes';
import { billingRoutes as routes } from '../../shared/billing/routes';
import { exportView } from '../../shared/billing/use-cases/exports';
import { billingCycleService, exportService, invoiceService, scheduleService } from '../../shared/billing/wiring';
import { platformService } from '../../shared/platform/wiring';

const platform = platformService();
const cycles = billingCycleService();
const invoices = invoiceService();
const schedules = scheduleService();
const exports = exportService();

/** Billing cycles, invoices and their documents, credit notes, the billing schedule and exports. */
export const handler = httpApi(
  bindRoutes(
    routes,
    {
      startBillingCycle: async (r) => ({ status: 202, body: await cycles.start(r.account, parseBillingPeriod(r.body)) }),
      listBillingCycles: async (r) => ({ status: 200, body: await cycles.list(r.account, pageRequest(r)) }),
      getBillingCycle: async (r) => ({ status: 200, body: await cycles.get(r.account, r.params.id) }),
      regenerateBillingCycle: async (r) => ({ status: 202, body: await cycles.regenerate(r.account, r.params.id) }),
      troubleshootCustomer: async (r) => ({ status: 200, body: await cycles.troubleshoot(r.account, r.params.id, r.params.code) }),
      listInvoices: async (r) => {
        const { customer, periodStart, status, kind } = r.query;
        const filter = parseInput(
          routes.listInvoices.query,
          { customer: customer || undefined, periodStart: periodStart || undefined, status: status || undefined, kind: kind || undefined },
          'query',
        );
        return { status: 200, body: await invoices.list(r.account, filter, pageRequest(r)) };
      },
      getInvoice: async (r) => ({ status: 200, body: await invoices.get(r.account, r.params.id) }),
      approveInvoice: async (r) => ({ status: 200, body: await invoices.approve(r.account, r.params.id) }),
      voidInvoice: async (r) => ({ status: 200, body: await invoices.void(r.account, r.params.id) }),
      getInvoiceDocument: async (r) => {
        const { format } = parseInput(routes.getInvoiceDocument.query, { format: r.query.format }, 'query');
        const doc = await invoices.document(r.account, r.params.id, format);
        return {
          status: 200,
          raw: { content: format === 'pdf' ? doc.content : doc.content.toString('utf8'), contentType: doc.contentType },
          headers: { 'content-disposition': `attachment; filename="${doc.filename}"` },
        };
      },
      createCreditNote: async (r) => {
        const { reason } = parseInput(routes.createCreditNote.body, r.body);
        return { status: 201, body: await invoices.creditNote(r.account, r.params.id, reason) };
      },
      putBillingSchedule: async (r) => {
        const saved = await schedules.put(r.account, r.body);
        return { status: saved.created ? 201 : 200, body: saved.schedule };
      },
      getBillingSchedule: async (r) => ({ status: 200, body: await schedules.get(r.account) }),
      deleteBillingSchedule: async (r) => {
        await schedules.delete(r.account);
        return { status: 204 };
      },
      createExport: async (r) => ({ status: 201, body: await exports.create(r.account, r.body) }),
      getExport: async (r) => {
        const { record, content, contentType } = await exports.download(r.account, r.params.id);
        if (!content) return { status: 202, body: exportView(record) }; // still being written
        return {
          status: 200,
          raw: { content: content.toString('utf8'), contentType },
          headers: { 'content-disposition': `attachment; filename="${record.id}.${record.format}"` },
        };
      },
    },
    accountResolver(platform),
  ),
  (key) => platform.authenticate(key),
);
