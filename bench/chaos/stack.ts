/**
 * The local stack as `npm start` runs it (a child process, test/integration/stack-process.ts), and the
 * fault the suite injects: SIGKILL of that process and of every process it started (DynamoDB Local's
 * JVM included), as when the machine dies. It then starts again on the same data dir and port.
 */
import * as fs from 'node:fs';
import { startStackProcess, type StackProcess } from '../../test/integration/stack-process';
import type { StackControl } from './scenario';

export class ChaosStack implements StackControl {
  private constructor(
    private process: StackProcess,
    private readonly dataDir: string,
    private readonly adminKey: string,
    private readonly logFile: string,
    private readonly port: number,
  ) {}

  static async start(dataDir: string, adminKey: string, logFile: string): Promise<ChaosStack> {
    const process = await startStackProcess({ dataDir, adminKey, logFile });
    return new ChaosStack(process, dataDir, adminKey, logFile, Number(new URL(process.url).port));
  }

  get url(): string {
    return this.process.url;
  }

  async kill(): Promise<void> {
    const child = this.process.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const tree = descendants(child.pid!);
    child.kill('SIGKILL');
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await exited;
  }

  async restart(): Promise<number> {
    const start = Date.now();
    this.process = await startStackProcess({ dataDir: this.dataDir, adminKey: this.adminKey, logFile: this.logFile, port: this.port });
    return (Date.now() - start) / 1000;
  }

  stop(): Promise<number | null> {
    return this.process.stop();
  }
}

/** Every process below `root`, from /proc (Linux). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces and parentheses
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}
