import integrationSetup from '../integration/global-setup';

type Globals = { __billstreamStack?: unknown; __billstreamBrowserOwnsStack?: boolean };

/**
 * The local stack for the browser tests: the integration project's global setup (`npm start` on a random
 * port, BILLSTREAM_TEST_*). In a run of every project (`npm test`) the integration project has already
 * started one, and the console is served by that same server, so it is reused rather than started twice.
 */
export default async function globalSetup(): Promise<void> {
  const g = globalThis as Globals;
  if (g.__billstreamStack) return;
  await integrationSetup();
  g.__billstreamBrowserOwnsStack = true;
}
