import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CfnTemplate } from './template';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const STACK = 'Billstream';
const STAMP = '.billstream-synth.json';
/** Unreferenced asset directories older than this are pruned after a synth (each is a few MB). */
const PRUNE_AFTER_MS = 60 * 60_000;

export interface SynthResult {
  readonly template: CfnTemplate;
  readonly outdir: string;
  /** Lambda `Code.S3Key` (`<hash>.zip`) → absolute directory of the bundle in the cloud assembly. */
  readonly assets: ReadonlyMap<string, string>;
  /** True when the previous synth was reused. */
  readonly cached: boolean;
  readonly ms: number;
}

export interface SynthOptions {
  readonly outdir?: string;
  /** Synthesize even when the sources have not changed. */
  readonly force?: boolean;
  readonly log?: (line: string) => void;
}

/**
 * Synthesizes the CDK app in-process (cdk-nag off: `cdk synth` and the infra tests run it) into
 * `<repo>/cdk.out`, bundling every handler with esbuild exactly as for a deployment. The result is reused
 * while nothing that shaped it changed (see `Stamp`).
 */
export async function synthesize(opts: SynthOptions = {}): Promise<SynthResult> {
  const started = Date.now();
  const outdir = opts.outdir ?? path.join(REPO_ROOT, 'cdk.out');
  const stampPath = path.join(outdir, STAMP);
  const configHash = hashFiles(configFiles());
  const reuse = (): SynthResult | null => {
    if (opts.force) return null;
    const previous = readJson<Stamp>(stampPath);
    if (previous?.configHash !== configHash || previous.inputsHash !== hashFiles(previous.inputs.map((f) => path.join(REPO_ROOT, f)))) return null;
    const reused = readAssembly(outdir);
    return reused ? { ...reused, outdir, cached: true, ms: Date.now() - started } : null;
  };
  const cached = reuse();
  if (cached) return cached;

  // `npm start` and `npm test` may synthesize into the same cdk.out at the same time.
  const release = await lock(path.join(outdir, '.billstream-synth.lock'));
  try {
    const meanwhile = reuse();
    if (meanwhile) return meanwhile;
    opts.log?.('synthesizing the CDK app (bundling handlers with esbuild)…');
    fs.rmSync(stampPath, { force: true });
    // Loaded lazily: a cached start never pays for loading aws-cdk-lib.
    const { buildApp } = await import('../app');
    buildApp({ outdir, nag: false }).app.synth();
    const assembly = readAssembly(outdir);
    if (!assembly) throw new Error(`synthesis did not produce ${STACK}.template.json in ${outdir}`);
    const inputs = bundleInputs([...new Set(assembly.assets.values())]);
    const stamp: Stamp = { configHash, inputs, inputsHash: hashFiles(inputs.map((f) => path.join(REPO_ROOT, f))), at: new Date().toISOString() };
    fs.writeFileSync(stampPath, JSON.stringify(stamp));
    pruneAssets(outdir, new Set([...assembly.assets.values()]));
    return { ...assembly, outdir, cached: false, ms: Date.now() - started };
  } finally {
    release();
  }
}

/** An exclusive lock file; one left by a crashed process is taken over after two minutes. */
async function lock(file: string): Promise<() => void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (;;) {
    try {
      fs.closeSync(fs.openSync(file, 'wx'));
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) fs.rmSync(file, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * What the previous synth depended on: the CDK app and the lockfile (`configHash`), and the project files
 * esbuild put into the bundles, read from their source maps (`inputs`). Editing a module no handler
 * imports yet does not trigger a new synth.
 */
interface Stamp {
  configHash: string;
  inputs: string[];
  inputsHash: string;
  at: string;
}

function readAssembly(outdir: string): { template: CfnTemplate; assets: Map<string, string> } | null {
  const template = readJson<CfnTemplate>(path.join(outdir, `${STACK}.template.json`));
  const manifest = readJson<{
    files?: Record<string, { source: { path: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }>;
  }>(path.join(outdir, `${STACK}.assets.json`));
  if (!template || !manifest) return null;
  const assets = new Map<string, string>();
  for (const file of Object.values(manifest.files ?? {})) {
    if (file.source.packaging !== 'zip') continue;
    const dir = path.join(outdir, file.source.path);
    if (!fs.existsSync(dir)) return null; // pruned or half-written: synthesize again
    for (const destination of Object.values(file.destinations)) assets.set(destination.objectKey, dir);
  }
  return { template, assets };
}

/** The CDK app (infra/ except this local runtime, which only reads the assembly) and the dependency pins. */
function configFiles(): string[] {
  const files: string[] = [];
  collect(path.join(REPO_ROOT, 'infra'), files);
  for (const file of ['package-lock.json', 'tsconfig.json']) files.push(path.join(REPO_ROOT, file));
  return files;
}

/** Project files (not node_modules) listed in the bundles' source maps, relative to the repository. */
function bundleInputs(assetDirs: string[]): string[] {
  const inputs = new Set<string>();
  for (const dir of assetDirs) {
    // Only the Lambda bundles: the console's files and CDK's own handler assets (BucketDeployment) have no index.js.
    if (!fs.existsSync(path.join(dir, 'index.js'))) continue;
    const map = readJson<{ sources?: string[] }>(path.join(dir, 'index.js.map'));
    if (!map?.sources) throw new Error(`no source map in ${dir}: the bundles must keep sourceMap: true`);
    for (const source of map.sources) {
      if (source.includes('node_modules')) continue;
      // esbuild writes them relative to its staging directory; they are repository files.
      const relative = source.replace(/^(\.\.\/)+/, '');
      if (fs.existsSync(path.join(REPO_ROOT, relative))) inputs.add(relative);
    }
  }
  return [...inputs].sort();
}

function hashFiles(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort()) {
    hash.update(path.relative(REPO_ROOT, file)).update('\0');
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : 'missing').update('\0');
  }
  return hash.digest('hex');
}

function collect(dir: string, into: string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    // The local runtime reads the assembly; it does not shape it.
    if (full === __dirname) continue;
    if (entry.isDirectory()) collect(full, into);
    else into.push(full);
  }
}

function pruneAssets(outdir: string, keep: Set<string>): void {
  for (const entry of fs.readdirSync(outdir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('asset.')) continue;
    const dir = path.join(outdir, entry.name);
    if (keep.has(dir)) continue;
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs > PRUNE_AFTER_MS) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // another process may prune it at the same time
    }
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}
