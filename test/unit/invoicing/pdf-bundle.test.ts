import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

/**
 * The deployment contract of shared/billing/documents/pdf.ts: bundled the way BillstreamFunction bundles
 * handlers (esbuild, CommonJS, node22, minified, nothing external) and run from a folder with no
 * node_modules, rendering works exactly when pdfkit's `js/data` folder sits next to the bundle as `data/`.
 */

const root = join(__dirname, '../../..');
const run = promisify(execFile);

let dir: string;

beforeAll(async () => {
  // Prepare: a tiny handler-like entry, bundled into a folder of its own
  dir = mkdtempSync(join(tmpdir(), 'billstream-pdf-bundle-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `
import { renderInvoicePdf, checkPdfFonts } from ${JSON.stringify(join(root, 'shared/billing/documents/pdf'))};
import { buildInvoice } from ${JSON.stringify(join(root, 'shared/billing/domain/invoice'))};
import { D } from ${JSON.stringify(join(root, 'shared/kernel/money'))};

async function main() {
  try {
    checkPdfFonts();
    const invoice = buildInvoice({
      id: 'inv-1', accountId: 'a', customer: { code: 'c', name: 'C', taxRate: '21', currency: 'EUR', country: 'NL' },
      seller: { id: 'a', name: 'A' }, periodStart: '2026-10-01', periodEnd: '2026-11-01', currency: 'EUR',
      lines: [{ description: 'Voice', productCluster: 'voice', quantity: new D(1), unitPrice: new D(10), amount: new D('10.00'), group: null, priceRule: null }],
    });
    const pdf = await renderInvoicePdf(invoice, { seller: { name: 'A' }, customer: { name: 'C' } });
    console.log(JSON.stringify({ head: pdf.subarray(0, 5).toString('latin1'), bytes: pdf.length }));
  } catch (error) {
    console.log(JSON.stringify({ error: (error as Error).name, message: (error as Error).message }));
  }
}
main();
`,
  );
  await build({
    entryPoints: [entry],
    outfile: join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    sourcemap: true,
    external: [],
    logLevel: 'error',
  });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function runBundle(): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [join(dir, 'index.js')], { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
  return JSON.parse(stdout.trim()) as Record<string, unknown>;
}

test('without pdfkit data next to the bundle, rendering fails with a clear error naming the path', async () => {
  // Act
  const result = await runBundle();

  // Assess
  expect(result.error).toBe('PdfFontsMissingError');
  expect(result.message).toContain(join(dir, 'data', 'Helvetica.afm'));
  expect(result.message).toContain('afterBundling');
});

test('with node_modules/pdfkit/js/data copied to <bundle>/data, the bundled renderer works', async () => {
  // Prepare: what commandHooks.afterBundling does
  cpSync(join(root, 'node_modules/pdfkit/js/data'), join(dir, 'data'), { recursive: true });

  // Act
  const result = await runBundle();

  // Assess
  expect(result).toEqual({ head: '%PDF-', bytes: expect.any(Number) });
  expect(result.bytes).toBeGreaterThan(1_000);
});
