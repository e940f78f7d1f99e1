import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import * as path from 'node:path';

/** Repository root: entries are given relative to it (`functions/ingest/api.ts`). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface BillstreamFunctionProps {
  /** Handler entry relative to the repository root, e.g. `functions/ingest/api.ts`. */
  readonly entry: string;
  readonly description?: string;
  /** Default 1024 MB. */
  readonly memorySize?: number;
  readonly timeout: Duration;
  /** The only configuration a handler reads. Give each function just what it uses. */
  readonly environment?: Record<string, string>;
  /** Default: disabled (X-Ray needs `xray:Put*` on `*`, which we only grant when asked for). */
  readonly tracing?: Tracing;
  /**
   * Folders copied next to `index.js` after bundling, for dependencies that read files beside their code
   * at run time: bundle-relative target → repository-relative source (see `PDFKIT_FONTS`).
   */
  readonly bundleFiles?: Readonly<Record<string, string>>;
}

/** pdfkit reads its standard fonts' metrics from `__dirname + '/data'` (shared/billing/documents/pdf.ts). */
export const PDFKIT_FONTS: Readonly<Record<string, string>> = { data: 'node_modules/pdfkit/js/data' };

/**
 * The project's Lambda function: Node.js 22 on arm64, one esbuild bundle per handler (AWS SDK included,
 * so the local stack runs exactly the bytes we ship), source maps, a log group with one month retention
 * and an execution role that may only write to that log group until a context grants it more.
 */
export class BillstreamFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: BillstreamFunctionProps) {
    // Our own role instead of AWSLambdaBasicExecutionRole: that managed policy allows logs:CreateLogGroup
    // and writes to every log group of the account.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.entry}`,
    });
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      description: props.description ?? props.entry,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout,
      role,
      logGroup,
      tracing: props.tracing ?? Tracing.DISABLED,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        sourceMap: true,
        minify: true,
        externalModules: [],
        logLevel: LogLevel.ERROR,
        commandHooks: props.bundleFiles ? copyAfterBundling(props.bundleFiles) : undefined,
      },
    });
    logGroup.grantWrite(role);
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned on purpose: the toolchain, tests and the local stack run that major (package.json engines, README prerequisites); a runtime upgrade is a planned change.',
    });
  }
}

function copyAfterBundling(files: Readonly<Record<string, string>>): ICommandHooks {
  const quote = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      Object.entries(files).map(([to, from]) => `cp -R ${quote(path.join(inputDir, from))} ${quote(path.join(outputDir, to))}`),
  };
}
