import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startStackProcess, type StackProcess } from './stack-process';

/** The one stack of a jest run and how many projects' global setups use it (integration, browser). */
export type SharedStack = { __billstreamStack?: StackProcess; __billstreamStackUsers?: number };

/**
 * One local stack for the integration and browser projects: `npm start` in a child process on a random
 * port with a temporary data dir, a known admin key and DynamoDB Local in memory. Tests reach it through
 * BILLSTREAM_TEST_* (see harness.ts); its output is in <data dir>/stack.log. Whichever project's setup
 * runs first starts it (jest orders projects by their tests' past durations), the other uses the same one,
 * and the last teardown stops it (global-teardown.ts).
 */
export default async function globalSetup(): Promise<void> {
  const shared = globalThis as SharedStack;
  shared.__billstreamStackUsers = (shared.__billstreamStackUsers ?? 0) + 1;
  if (shared.__billstreamStack) return;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-it-'));
  const adminKey = `bs_admin_${randomBytes(32).toString('base64url')}`;
  // Its DynamoDB Local keeps the tables in memory: nothing of this stack outlives the run, and the tests of
  // what survives a stop or a SIGKILL (restart, queue-durability, recovery, faults) start their own stacks on disk.
  const stack = await startStackProcess({
    dataDir,
    adminKey,
    logFile: path.join(dataDir, 'stack.log'),
    env: { BILLSTREAM_DYNAMODB_IN_MEMORY: '1' },
  });
  process.env.BILLSTREAM_TEST_URL = stack.url;
  process.env.BILLSTREAM_TEST_ADMIN_KEY = adminKey;
  process.env.BILLSTREAM_TEST_DATA_DIR = dataDir;
  shared.__billstreamStack = stack;
}
