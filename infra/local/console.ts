import { buildConsole, type ConsoleFile } from '../../functions/console/build';

/** What the local HTTP server answers for a path under /console/, or null when the path is not the console's. */
export type ConsoleResponder = (method: string, rawPath: string) => ConsoleReply | null;
export interface ConsoleReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * Served with every console file: the console talks only to this origin. It frames only blob URLs it made
 * itself: an invoice's PDF, fetched with the key, previewed in the page (the key never goes in a URL).
 */
const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-src blob:; frame-ancestors 'none'",
};

/**
 * The console built in memory at start-up (esbuild, ~0.1 s) and served at GET /console/: `index.html`, its
 * assets, and `config.json` with an empty API URL (locally the API is the same origin; on AWS the
 * deployment writes the API's URL there). `/console` redirects to `/console/`.
 */
export async function localConsole(): Promise<ConsoleResponder> {
  const files = new Map<string, ConsoleFile>(await buildConsole());
  files.set('config.json', { body: Buffer.from(JSON.stringify({ apiUrl: '' })), contentType: 'application/json' });
  return (method, rawPath): ConsoleReply | null => {
    if (rawPath !== '/console' && !rawPath.startsWith('/console/')) return null;
    if (method !== 'GET' && method !== 'HEAD') return null;
    if (rawPath === '/console') return { status: 308, headers: { location: '/console/' }, body: Buffer.alloc(0) };
    const name = rawPath.slice('/console/'.length) || 'index.html';
    const file = files.get(name);
    if (!file) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', ...HEADERS }, body: Buffer.from('Not found\n') };
    return { status: 200, headers: { 'content-type': file.contentType, ...HEADERS }, body: method === 'HEAD' ? Buffer.alloc(0) : file.body };
  };
}
