import { App, Duration, Stack } from 'aws-cdk-lib';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BillstreamFunction, PDFKIT_FONTS } from '../../infra/constructs/function';

/** One real esbuild bundle, as `cdk synth` and the local stack make them (the other infra tests skip bundling). */
describe('BillstreamFunction bundling', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-bundle-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('one CommonJS file with the AWS SDK inside, a source map, and the requested files beside it', () => {
    const app = new App({ outdir });
    const stack = new Stack(app, 'BundleTest');
    const fn = new BillstreamFunction(stack, 'Sweeper', {
      entry: 'functions/ingest/recovery.ts',
      timeout: Duration.seconds(60),
      bundleFiles: PDFKIT_FONTS,
    });
    const assembly = app.synth();
    const template = assembly.getStackByName('BundleTest').template as { Resources: Record<string, { Properties: { Code: { S3Key: string } } }> };
    const key = template.Resources[stack.getLogicalId(fn.node.defaultChild as never)]!.Properties.Code.S3Key;
    const dir = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);

    const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(code).not.toMatch(/require\(["']@aws-sdk\/(client|lib)-/);
    expect(code).toContain('SendMessageBatch'); // the SQS client is in the bundle
    expect(code).toMatch(/sourceMappingURL=index\.js\.map/);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'index.js.map'), 'utf8')).sources).toEqual(
      expect.arrayContaining([expect.stringMatching(/functions\/ingest\/recovery\.ts$/)]),
    );
    expect(fs.existsSync(path.join(dir, 'data', 'Helvetica.afm'))).toBe(true);
    // Loadable as Lambda loads it: CommonJS exporting `handler` (configuration is read at cold start).
    const env = { TABLE_NAME: 't', BUCKET_NAME: 'b', BILLING_QUEUE_URL: 'http://127.0.0.1:1/q', AWS_REGION: 'us-east-1' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const loaded = require(path.join(dir, 'index.js')) as { handler?: unknown };
      expect(typeof loaded.handler).toBe('function');
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });
});
