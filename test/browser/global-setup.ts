import integrationSetup from '../integration/global-setup';

/**
 * The local stack for the browser tests: the one the integration project uses too (`npm start` on a random
 * port, BILLSTREAM_TEST_*); the console is served by that same server. Started by whichever setup runs first.
 */
export default async function globalSetup(): Promise<void> {
  await integrationSetup();
}
