/**
 * Builds the console (Preact + the typed client) with esbuild: `console.js` (one ES module, minified),
 * `console.css` and `index.html`. The local stack serves the result from memory at /console/
 * (infra/local/console.ts); the CDK construct (infra/constructs/console.ts) writes it to a folder that
 * BucketDeployment uploads.
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const DIR = __dirname;

export interface ConsoleFile {
  readonly body: Buffer;
  readonly contentType: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

export const contentTypeOf = (name: string) => TYPES[path.extname(name)] ?? 'application/octet-stream';

const options: esbuild.BuildOptions = {
  entryPoints: { console: path.join(DIR, 'src/main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
};

/** The built console in memory: file name (relative to /console/) → bytes and content type. */
export async function buildConsole(): Promise<Map<string, ConsoleFile>> {
  const result = await esbuild.build({ ...options, write: false, outdir: '/console' });
  return collect(result.outputFiles);
}

/** The same, synchronously into `outDir` (CDK asset bundling runs synchronously). */
export function buildConsoleSync(outDir: string): void {
  const result = esbuild.buildSync({ ...options, write: false, outdir: '/console' });
  for (const [name, file] of collect(result.outputFiles)) fs.writeFileSync(path.join(outDir, name), file.body);
}

function collect(outputs: esbuild.OutputFile[]): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  for (const out of outputs) {
    const name = path.basename(out.path);
    files.set(name, { body: Buffer.from(out.contents), contentType: contentTypeOf(name) });
  }
  files.set('index.html', { body: fs.readFileSync(path.join(DIR, 'index.html')), contentType: contentTypeOf('index.html') });
  return files;
}

if (require.main === module) {
  const out = process.argv[2] ?? path.join(DIR, 'dist');
  fs.mkdirSync(out, { recursive: true });
  buildConsoleSync(out);
  for (const name of fs.readdirSync(out)) console.log(`${name} ${fs.statSync(path.join(out, name)).size} bytes`);
}
