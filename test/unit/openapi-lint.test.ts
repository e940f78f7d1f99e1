import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiDocument } from '../../functions/platform/openapi';

/** The served OpenAPI document passes `redocly lint` (the recommended rules of redocly.yaml) without a problem, offline. */
describe('the OpenAPI document', () => {
  test('redocly lint: 0 errors, 0 warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(apiDocument(), null, 1));
      const cli = require.resolve('@redocly/cli/bin/cli.js');
      const run = spawnSync(process.execPath, [cli, 'lint', file, '--config', join(__dirname, '../../redocly.yaml'), '--format', 'json'], {
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        timeout: 60_000,
      });
      const report = JSON.parse(run.stdout) as {
        totals: { errors: number; warnings: number };
        problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>;
      };
      const problems = report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
      expect(problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('operations have an operationId and a tag, responses a description; components are referenced', () => {
    const doc = apiDocument();
    const text = JSON.stringify(doc);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(
        item as Record<string, { operationId?: string; tags?: string[]; responses: Record<string, { description?: string; $ref?: string }> }>,
      )) {
        expect([method, path, typeof op.operationId, op.tags?.length]).toEqual([method, path, 'string', 1]);
        for (const [status, r] of Object.entries(op.responses))
          expect([method, path, status, Boolean(r.description ?? r.$ref)]).toEqual([method, path, status, true]);
      }
    }
    for (const name of Object.keys(doc.components.schemas)) expect([name, text.includes(`"#/components/schemas/${name}"`)]).toEqual([name, true]);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Error', 'Customer', 'PriceRule', 'Purchase', 'Invoice', 'Stream', 'Batch']),
    );
  });
});
