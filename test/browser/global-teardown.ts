import integrationTeardown from '../integration/global-teardown';

/** Stops the stack only when the browser project started it (else the integration project's teardown does). */
export default async function globalTeardown(): Promise<void> {
  if ((globalThis as { __billstreamBrowserOwnsStack?: boolean }).__billstreamBrowserOwnsStack) await integrationTeardown();
}
