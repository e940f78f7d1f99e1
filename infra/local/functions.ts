import { meter, meterEnabled } from '../../shared/storage/meter';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Resolver } from './intrinsics';
import { props, resourcesOfType, type CfnTemplate } from './template';

/** A Lambda function of the template, with its bundle in the cloud assembly. */
export interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Directory of the esbuild bundle (`cdk.out/asset.<hash>`). */
  readonly codeDir: string;
  /** `index.handler` → file `index.js`, export `handler`. */
  readonly handler: string;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  /** Resolved environment (NODE_OPTIONS excluded: the in-process equivalent is applied once). */
  readonly environment: Readonly<Record<string, string>>;
}

type Handler = (event: unknown, context: LambdaContext, callback?: (error: unknown, result?: unknown) => void) => unknown;

export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  getRemainingTimeInMillis(): number;
}

/** Variables the Lambda runtime reserves, or which make no sense in-process. */
const NOT_APPLIED = new Set(['NODE_OPTIONS']);

/**
 * Reads the Lambda functions of the template whose code is a bundled asset (CDK's deploy-time helpers,
 * e.g. the bucket-notifications handler, have inline code and no local role; neither has the Python handler
 * of the console's BucketDeployment).
 */
export function readFunctions(template: CfnTemplate, resolver: Resolver, assets: ReadonlyMap<string, string>): LocalFunction[] {
  const functions: LocalFunction[] = [];
  for (const [id, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const p = props(resource);
    const code = p.Code as { S3Key?: unknown; ZipFile?: unknown } | undefined;
    if (!code || code.ZipFile !== undefined || code.S3Key === undefined) continue;
    // Deploy-time helpers in other runtimes (the console's BucketDeployment is Python) have no local role either.
    if (p.Runtime !== undefined && !String(p.Runtime).startsWith('nodejs')) continue;
    const key = resolver.resolveString(code.S3Key, `${id}.Code.S3Key`);
    const codeDir = assets.get(key);
    if (!codeDir) throw new Error(`${id}: no bundle for asset ${key} in the cloud assembly (synthesize again)`);
    const variables = (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables)) {
      if (!NOT_APPLIED.has(name)) environment[name] = resolver.resolveString(value, `${id}.Environment.${name}`);
    }
    const name = resolver.resolveString({ Ref: id }, id);
    functions.push({
      logicalId: id,
      name,
      arn: resolver.resolveString({ 'Fn::GetAtt': [id, 'Arn'] }, id),
      codeDir,
      handler: String(p.Handler ?? 'index.handler'),
      timeoutMs: Number(p.Timeout ?? 3) * 1000,
      memoryMb: Number(p.MemorySize ?? 128),
      environment,
    });
  }
  return functions;
}

/**
 * Runs the handlers in this process. All functions share one process environment: at start it is set
 * to the union of their variables, which is why one name must have one value across functions (checked
 * here). While a bundle is first loaded (`require`, synchronous: handlers read their configuration at
 * module scope), the variables of the other functions are hidden, so a handler reading a variable its
 * function was not given fails at cold start, as it would on AWS.
 */
export class FunctionHost {
  private readonly byId = new Map<string, LocalFunction>();
  private readonly loaded = new Map<string, Handler>();
  private readonly union: Record<string, string> = {};
  private readonly previousEnv = new Map<string, string | undefined>();
  private running = 0;
  private runningChanged: Array<() => void> = [];

  constructor(
    functions: readonly LocalFunction[],
    private readonly log: (line: string) => void,
  ) {
    const owner = new Map<string, string>();
    for (const fn of functions) {
      this.byId.set(fn.logicalId, fn);
      for (const [name, value] of Object.entries(fn.environment)) {
        if (name in this.union && this.union[name] !== value) {
          throw new Error(
            `environment variable ${name} is '${this.union[name]}' for ${owner.get(name)} but '${value}' for ${fn.logicalId}: ` +
              'the local stack runs every function in one process, so a name must have one value',
          );
        }
        this.union[name] = value;
        owner.set(name, fn.logicalId);
      }
    }
  }

  get functions(): LocalFunction[] {
    return [...this.byId.values()];
  }

  /** Number of invocations in progress. */
  get busy(): number {
    return this.running;
  }

  /** Sets the union of the functions' variables in process.env (undone by `dispose`). */
  applyEnvironment(): void {
    for (const [name, value] of Object.entries(this.union)) {
      if (!this.previousEnv.has(name)) this.previousEnv.set(name, process.env[name]);
      process.env[name] = value;
    }
    // What NODE_OPTIONS=--enable-source-maps does for the bundles on AWS.
    process.setSourceMapsEnabled(true);
  }

  dispose(): void {
    for (const [name, value] of this.previousEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.previousEnv.clear();
  }

  /** The single function whose logical id starts with `prefix` (exact match wins). */
  find(prefix: string): LocalFunction {
    const exact = this.byId.get(prefix);
    if (exact) return exact;
    const matches = [...this.byId.keys()].filter((id) => id.startsWith(prefix));
    if (matches.length !== 1) {
      throw new Error(
        `${matches.length ? 'several' : 'no'} functions match '${prefix}'${matches.length ? `: ${matches.join(', ')}` : ` (functions: ${[...this.byId.keys()].join(', ')})`}`,
      );
    }
    return this.byId.get(matches[0]!)!;
  }

  /** The bundle file of a function (its handler's module). */
  bundleOf(logicalIdOrPrefix: string): string {
    const fn = this.find(logicalIdOrPrefix);
    return resolveModule(path.join(fn.codeDir, splitHandler(fn.handler)[0]));
  }

  /** Invokes like Lambda's RequestResponse: resolves with the handler's result, rejects with its error or a timeout. */
  async invoke(logicalIdOrPrefix: string, event: unknown): Promise<unknown> {
    const fn = this.find(logicalIdOrPrefix);
    this.running += 1;
    try {
      const handler = this.load(fn);
      const deadline = Date.now() + fn.timeoutMs;
      const context: LambdaContext = {
        callbackWaitsForEmptyEventLoop: true,
        functionName: fn.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: fn.arn,
        memoryLimitInMB: String(fn.memoryMb),
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/${fn.name}`,
        logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${fn.logicalId}: Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`)),
          fn.timeoutMs,
        );
      });
      const started = performance.now();
      try {
        return await Promise.race([call(handler, event, context), timeout]);
      } finally {
        clearTimeout(timer);
        if (meterEnabled()) {
          // Lambda bills each invocation and its duration (rounded up to the millisecond) times its memory.
          const counts = meter();
          counts.lambdaInvocations += 1;
          counts.lambdaGbSeconds += (Math.ceil(performance.now() - started) / 1000) * (fn.memoryMb / 1024);
        }
      }
    } finally {
      this.running -= 1;
      if (this.running === 0) for (const notify of this.runningChanged.splice(0)) notify();
    }
  }

  /** Resolves when no invocation is running. */
  whenIdle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.runningChanged.push(resolve));
  }

  private load(fn: LocalFunction): Handler {
    const cached = this.loaded.get(fn.logicalId);
    if (cached) return cached;
    const [file, exportName] = splitHandler(fn.handler);
    const modulePath = resolveModule(path.join(fn.codeDir, file));
    const hidden: Array<[string, string | undefined]> = [];
    for (const name of Object.keys(this.union)) {
      if (!(name in fn.environment)) {
        hidden.push([name, process.env[name]]);
        delete process.env[name];
      }
    }
    let exports: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exports = require(modulePath) as Record<string, unknown>;
    } finally {
      for (const [name, value] of hidden) if (value !== undefined) process.env[name] = value;
    }
    const handler = exports[exportName];
    if (typeof handler !== 'function') throw new Error(`${fn.logicalId}: ${fn.handler} does not export a function '${exportName}'`);
    this.loaded.set(fn.logicalId, handler as Handler);
    this.log(`cold start ${fn.logicalId} (${path.relative(process.cwd(), modulePath)})`);
    return handler as Handler;
  }
}

function call(handler: Handler, event: unknown, context: LambdaContext): Promise<unknown> {
  if (handler.length >= 3) {
    // Callback-style handler (still supported by the Node.js 22 runtime).
    return new Promise((resolve, reject) => {
      const result = handler(event, context, (error, value) => (error ? reject(error) : resolve(value)));
      if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`handler '${handler}' is not <file>.<export>`);
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

function resolveModule(base: string): string {
  for (const candidate of [`${base}.js`, `${base}.cjs`, base]) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`no bundle at ${base}.js`);
}
