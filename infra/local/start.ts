/**
 * `npm start`: Billstream on this machine. PORT (default 4000), BILLSTREAM_DATA_DIR (default ./.billstream),
 * BILLSTREAM_ADMIN_KEY (default: generated once and kept in the data dir).
 */
import { LocalStackError } from './errors';
import { startLocalStack, type LocalStack } from './stack';

async function main(): Promise<void> {
  const started = Date.now();
  const port = process.env.PORT === undefined || process.env.PORT === '' ? 4000 : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new LocalStackError(`PORT must be a port number (got '${process.env.PORT}')`, 'BAD_PORT');
  const dataDir = process.env.BILLSTREAM_DATA_DIR || './.billstream';
  const log = (line: string) => console.log(line);

  let stack: LocalStack | null = null;
  let stopping = false;
  const shutdown = (signal: string, exitCode = 0) => {
    if (stopping) {
      // A second Ctrl-C: do not wait for running handlers any longer.
      console.error(`${signal} again: exiting without a clean stop`);
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: stopping…`);
    const done = stack ? stack.stop() : Promise.resolve();
    done.then(
      () => process.exit(exitCode),
      (error: unknown) => {
        console.error(`stop failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // A bug in an engine or a handler must not lose the queues: log it, stop cleanly, exit 1.
  const fatal = (error: unknown) => {
    console.error(`fatal: ${(error as Error).stack ?? String(error)}`);
    shutdown('fatal error', 1);
  };
  process.on('uncaughtException', fatal);
  // On AWS this fails one invocation and recycles its container; here it is reported, not fatal.
  process.on('unhandledRejection', (reason: unknown) => {
    console.error(`unhandled promise rejection (on Lambda: Runtime.UnhandledPromiseRejection): ${(reason as Error)?.stack ?? String(reason)}`);
  });

  stack = await startLocalStack({ port, dataDir, log });
  if (stopping) {
    await stack.stop();
    process.exit(0);
  }
  if (stack.adminKeyGenerated) {
    log(`platform admin key (generated, kept in ${dataDir}/admin-key): ${stack.adminKey}`);
  }
  log(`drops folder: ${stack.dropsDir}/<accountId>/`);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  log(`billstream listening on ${stack.url}`);
}

main().catch((error: unknown) => {
  if (error instanceof LocalStackError) console.error(error.message);
  else console.error(`billstream failed to start: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
