import * as fs from 'node:fs';
import type { StackProcess } from './stack-process';

/** Stops the stack (SIGTERM, as Ctrl-C does). The data dir is removed unless the stop was not clean. */
export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __billstreamStack?: StackProcess }).__billstreamStack;
  if (!stack) return;
  const code = await stack.stop();
  const dataDir = process.env.BILLSTREAM_TEST_DATA_DIR;
  if (code !== 0) {
    process.stderr.write(`\nthe local stack did not stop cleanly (exit ${code}); its data and stack.log are in ${dataDir}\n`);
    process.exitCode = 1;
  } else if (dataDir && !process.env.BILLSTREAM_TEST_KEEP) {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
