import * as fs from 'node:fs';
import type { SharedStack } from './global-setup';

/**
 * The last project's teardown stops the stack (SIGTERM, as Ctrl-C does). The data dir is removed unless
 * the stop was not clean.
 */
export default async function globalTeardown(): Promise<void> {
  const shared = globalThis as SharedStack;
  shared.__billstreamStackUsers = Math.max(0, (shared.__billstreamStackUsers ?? 1) - 1);
  const stack = shared.__billstreamStack;
  if (!stack || shared.__billstreamStackUsers > 0) return;
  shared.__billstreamStack = undefined;
  const code = await stack.stop();
  const dataDir = process.env.BILLSTREAM_TEST_DATA_DIR;
  if (code !== 0) {
    process.stderr.write(`\nthe local stack did not stop cleanly (exit ${code}); its data and stack.log are in ${dataDir}\n`);
    process.exitCode = 1;
  } else if (dataDir && !process.env.BILLSTREAM_TEST_KEEP) {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
