import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const READY = /billstream listening on (http:\/\/127\.0\.0\.1:\d+)/;

export interface StackProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then the exit code (null if it had to be killed). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface StackProcessOptions {
  readonly dataDir: string;
  /** BILLSTREAM_ADMIN_KEY; omitted: unset, so the stack uses (or generates) `<dataDir>/admin-key`. */
  readonly adminKey?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  readonly logFile: string;
  readonly timeoutMs?: number;
  /** Extra environment (e.g. a PATH without java). */
  readonly env?: Record<string, string>;
}

/** `node --import tsx infra/local/start.ts`, what `npm start` runs. */
export function spawnStart(opts: Omit<StackProcessOptions, 'logFile' | 'timeoutMs'>): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, PORT: String(opts.port ?? 0), BILLSTREAM_DATA_DIR: opts.dataDir, ...opts.env };
  if (opts.adminKey) env.BILLSTREAM_ADMIN_KEY = opts.adminKey;
  else delete env.BILLSTREAM_ADMIN_KEY;
  return spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'infra/local/start.ts')], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Runs `npm start` (infra/local/start.ts) as a child process, exactly as a user does, and resolves when it
 * prints that it is listening. Its output goes to `logFile` (and is kept for error messages).
 */
export function startStackProcess(opts: StackProcessOptions): Promise<StackProcess> {
  const log = fs.createWriteStream(opts.logFile, { flags: 'a' });
  const child = spawnStart(opts);
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    log.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => log.end());

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the local stack did not start within ${opts.timeoutMs ?? 180_000} ms:\n${output}`));
    }, opts.timeoutMs ?? 180_000);
    const onData = () => {
      const match = READY.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        url: match[1]!,
        child,
        output: () => output,
        async stop(timeoutMs = 30_000) {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the local stack exited with ${code} before listening:\n${output}`));
    });
  });
}
