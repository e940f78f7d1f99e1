import integrationTeardown from '../integration/global-teardown';

/** The stack is stopped by the last of the integration and browser teardowns. */
export default async function globalTeardown(): Promise<void> {
  await integrationTeardown();
}
