/**
 * `npm run demo`: the worked chain of docs/product.md §5 on the local stack. Starts the embedded stack in a
 * temporary data directory (or uses a running one: BILLSTREAM_URL and BILLSTREAM_ADMIN_KEY), creates a
 * vendor, a distributor and a reseller, runs and publishes each tier's stream, bills each tier and
 * prints the batch totals and invoices.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../infra/local/stack';
import { runWorkedChain, type ChainInvoice } from './chain';

const out = (line = '') => process.stdout.write(`${line}\n`);

function printInvoices(tier: string, invoices: ChainInvoice[]): void {
  for (const invoice of invoices) {
    out(
      `  ${tier.padEnd(11)} ${invoice.id}  to ${invoice.customer.padEnd(3)} ${invoice.currency}  subtotal ${invoice.subtotal.padStart(7)}  total ${invoice.total.padStart(7)}`,
    );
    for (const line of invoice.lines) out(`  ${''.padEnd(11)}   ${line.description}: ${line.quantity} × ${line.unitPrice} = ${line.amount}`);
  }
}

async function main(): Promise<void> {
  let url = process.env.BILLSTREAM_URL;
  let adminKey = process.env.BILLSTREAM_ADMIN_KEY;
  let stop = async (): Promise<void> => {};
  if (!url || !adminKey) {
    const dataDir = mkdtempSync(join(tmpdir(), 'billstream-demo-'));
    out('starting the local stack (DynamoDB Local, s3rver, local SQS) …');
    const stack = await startLocalStack({ port: 0, dataDir, log: () => undefined, environmentOverrides: { LOG_LEVEL: 'WARN' } });
    url = stack.url;
    adminKey = stack.adminKey;
    stop = async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  try {
    out(`billstream at ${url}\n`);
    const chain = await runWorkedChain(url, adminKey, `demo-${Date.now().toString(36)}`, (line) => out(`  ${line}`));
    out('\nbatch totals per tier (period 2026-10-01 … 2026-11-01)');
    for (const [tier, batch] of Object.entries(chain.batches))
      out(`  ${tier.padEnd(11)} ${batch.id}  ${batch.rows} rows  ${JSON.stringify(batch.totals)}`);
    out('\ninvoices per tier');
    printInvoices('vendor', chain.invoices.vendor);
    printInvoices('distributor', chain.invoices.distributor);
    printInvoices('reseller', chain.invoices.reseller);
  } finally {
    await stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
