import type { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../../infra/app';
import { NO_BUNDLING } from './template';

interface Report {
  pluginReports: Array<{
    pluginName: string;
    violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }>;
  }>;
}

/**
 * cdk-nag 3 runs as a CDK policy-validation plugin: an unacknowledged error fails `app.synth()` and is
 * written to `validation-report.json` in the cloud assembly.
 */
function synthWithNag(mutate?: (stack: Stack) => void): { error: Error | null; report: Report } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-nag-'));
  try {
    const { app, stack } = buildApp({ outdir, nag: true, context: NO_BUNDLING });
    mutate?.(stack);
    let error: Error | null = null;
    try {
      app.synth();
    } catch (e) {
      error = e as Error;
    }
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as Report;
    return { error, report };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const errorsOf = (report: Report) =>
  report.pluginReports.flatMap((p) =>
    p.violations.filter((v) => v.severity === 'error').map((v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
  );

describe('cdk-nag AwsSolutions', () => {
  test('the stack synthesizes with no unacknowledged finding', () => {
    const { error, report } = synthWithNag();
    expect(errorsOf(report)).toEqual([]);
    expect(report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName))).toEqual([]);
    expect(error).toBeNull();
  });

  test('the check is live: a bucket without access logs or TLS enforcement fails synthesis', () => {
    const { error, report } = synthWithNag((stack) => {
      new s3.Bucket(stack, 'CarelessBucket', { enforceSSL: false });
    });
    expect(error?.message).toMatch(/AwsSolutions-S1\b/);
    const errors = errorsOf(report);
    expect(errors.some((e) => e.startsWith('AwsSolutions-S1 ') && e.includes('CarelessBucket'))).toBe(true);
    expect(errors.some((e) => e.startsWith('AwsSolutions-S10 ') && e.includes('CarelessBucket'))).toBe(true);
  });
});
