import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BillstreamStack, STACK_NAME } from './stack';

export interface BuildAppOptions {
  /** Cloud assembly directory (default: the CDK CLI's, or `cdk.out`). */
  readonly outdir?: string;
  /** Extra context, e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling in tests. */
  readonly context?: Record<string, unknown>;
  /** cdk-nag AwsSolutions checks (default true): synthesis fails on an unacknowledged error. */
  readonly nag?: boolean;
}

/** Feature flags the constructs rely on, set here so tests, the CLI and the local stack agree. */
const FEATURE_FLAGS: Record<string, unknown> = {
  // The access-log bucket admits S3 logging through its bucket policy (ACLs stay disabled).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
};

export function buildApp(opts: BuildAppOptions = {}): { app: App; stack: BillstreamStack } {
  const app = new App({ outdir: opts.outdir, context: { ...FEATURE_FLAGS, ...opts.context } });
  const stack = new BillstreamStack(app, STACK_NAME);
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (require.main === module) {
  buildApp().app.synth();
}
