import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The import rules of the context-first layout (docs/architecture.md, "Import rules"), checked on the
 * source itself so that a shortcut across contexts fails the build instead of eroding the design:
 *
 * - a context's domain imports only itself, the kernel, the domains of the contexts upstream of it, and
 *   a short list of pure libraries; never the AWS SDK, use cases, adapters, storage or the edge;
 * - the kernel imports only itself and pure libraries (and its logger the structured JSON logger);
 * - adapters never import use cases;
 * - no context imports another context's adapters: only composition roots (`wiring.ts`) do;
 * - the upstream relation between contexts' domains has no cycle (a context map, not a web).
 */

const root = resolve(__dirname, '../..');

/** Which contexts' domains a context's domain may use (its upstream contexts). */
const UPSTREAM: Readonly<Record<string, readonly string[]>> = {
  platform: [],
  catalog: [],
  pricing: ['catalog'],
  ingest: ['catalog', 'pricing'],
  streams: ['catalog', 'pricing'],
  billing: ['catalog', 'pricing', 'ingest', 'subscriptions'],
  subscriptions: ['catalog', 'pricing'],
  quotes: ['catalog', 'pricing', 'subscriptions'],
};
const SHARED_FOLDERS = new Set(['kernel', 'storage', 'edge']);

/** Libraries a domain (or the kernel) may import: pure computation, no I/O. */
const PURE_LIBRARIES = new Set(['decimal.js', 'zod', 're2js', 'node:crypto', 'csv-parse/sync']);

interface Import {
  from: string;
  /** Repository-relative path without extension for relative imports, else the package name. */
  target: string;
  relative: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|(?:^|\n)\s*import\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g),
  ].map((m) => m[1] ?? m[2] ?? m[3]);
  return specs.map((spec) => {
    if (!spec.startsWith('.')) return { from: file, target: spec, relative: false };
    const target = relative(root, resolve(dirname(file), spec))
      .replace(/\.(ts|js)$/, '')
      .replace(/\/index$/, '');
    return { from: file, target, relative: true };
  });
}

/** `shared/<context>/<layer>/…` → context and layer (`domain`, `use-cases`, `adapters`, or the file name at the context root). */
function place(path: string): { context: string; layer: string } | null {
  const parts = path.split('/');
  if (parts[0] !== 'shared' || parts.length < 3) return null;
  return { context: parts[1], layer: parts.length > 3 ? parts[2] : parts[2].replace(/\.ts$/, '') };
}

const files = [...sourceFiles(join(root, 'shared')), ...sourceFiles(join(root, 'functions'))];
const imports = files.flatMap(importsOf).map((i) => ({ ...i, from: relative(root, i.from) }));

function violations(rule: (i: (typeof imports)[number]) => string | null): string[] {
  return imports.map(rule).filter((v): v is string => v !== null);
}

describe('import rules of the context-first layout', () => {
  it('finds the source and its imports (the rules below read something)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(imports.filter((i) => i.relative).length).toBeGreaterThan(300);
    for (const context of ['platform', 'catalog', 'ingest', 'pricing', 'billing', 'streams']) {
      expect(files.some((f) => f.includes(`/shared/${context}/domain/`) || f.includes(`/shared/${context}/use-cases/`))).toBe(true);
    }
  });

  it('every folder under shared/ is a known context or a shared folder', () => {
    const folders = readdirSync(join(root, 'shared')).filter((n) => statSync(join(root, 'shared', n)).isDirectory());
    expect(folders.filter((f) => !SHARED_FOLDERS.has(f) && !(f in UPSTREAM))).toEqual([]);
  });

  it("a context's domain imports only itself, the kernel, its upstream contexts' domains and pure libraries", () => {
    const found = violations((i) => {
      const from = place(i.from);
      if (!from || SHARED_FOLDERS.has(from.context) || from.layer !== 'domain') return null;
      if (!i.relative) return PURE_LIBRARIES.has(i.target) ? null : `${i.from} imports the library ${i.target}`;
      const to = place(`${i.target}.ts`) ?? place(i.target);
      if (to?.context === 'kernel') return null;
      if (to && to.layer === 'domain' && (to.context === from.context || UPSTREAM[from.context]?.includes(to.context))) return null;
      return `${i.from} imports ${i.target}`;
    });
    expect(found).toEqual([]);
  });

  it('the kernel imports only itself and pure libraries (its logger: the structured logger)', () => {
    const found = violations((i) => {
      if (place(i.from)?.context !== 'kernel') return null;
      if (i.from === 'shared/kernel/logger.ts' && i.target === '@aws-lambda-powertools/logger') return null;
      if (!i.relative) return PURE_LIBRARIES.has(i.target) ? null : `${i.from} imports the library ${i.target}`;
      return i.target.startsWith('shared/kernel/') ? null : `${i.from} imports ${i.target}`;
    });
    expect(found).toEqual([]);
  });

  it('adapters never import use cases', () => {
    const found = violations((i) => {
      if (place(i.from)?.layer !== 'adapters' || !i.relative) return null;
      return place(`${i.target}.ts`)?.layer === 'use-cases' ? `${i.from} imports ${i.target}` : null;
    });
    expect(found).toEqual([]);
  });

  it("no context imports another context's adapters; only composition roots (wiring.ts) reach into adapters", () => {
    const found = violations((i) => {
      if (!i.relative) return null;
      const to = place(`${i.target}.ts`);
      if (to?.layer !== 'adapters') return null;
      const from = place(i.from);
      if (from?.layer === 'wiring') return null;
      return from?.context === to.context && from.layer === 'adapters' ? null : `${i.from} imports ${i.target}`;
    });
    expect(found).toEqual([]);
  });

  it('no domain, use case or kernel file imports the AWS SDK', () => {
    const found = violations((i) => {
      const from = place(i.from);
      if (!from || (!['domain', 'use-cases'].includes(from.layer) && from.context !== 'kernel')) return null;
      return i.target.startsWith('@aws-sdk/') ? `${i.from} imports ${i.target}` : null;
    });
    expect(found).toEqual([]);
  });

  it('the upstream relation between contexts is acyclic', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycle = (context: string, path: string[]): string[] | null => {
      if (done.has(context)) return null;
      if (visiting.has(context)) return [...path, context];
      visiting.add(context);
      for (const up of UPSTREAM[context] ?? []) {
        const found = cycle(up, [...path, context]);
        if (found) return found;
      }
      visiting.delete(context);
      done.add(context);
      return null;
    };
    for (const context of Object.keys(UPSTREAM)) expect(cycle(context, [])).toBeNull();
  });
});
