import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a message was sent with, as local-aws-sqs receives it (`Queue.setRecord` input). */
export interface SentMessage {
  readonly MessageBody: string;
  readonly MessageAttributes?: Record<string, unknown>;
  readonly MessageSystemAttributes?: Record<string, unknown>;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
}

/** One line of the log. `send` also records a move to a dead-letter queue (same id, `from` the source). */
export type QueueLogEntry =
  | {
      readonly op: 'send';
      readonly queue: string;
      readonly id: string;
      readonly at: number;
      readonly delay: number;
      readonly message: SentMessage;
      readonly from?: string;
    }
  | { readonly op: 'delete'; readonly queue: string; readonly id: string }
  | { readonly op: 'purge'; readonly queue: string };

/** A message the log holds: sent and neither deleted nor purged since (visible, in flight or delayed). */
export interface LiveMessage {
  readonly queue: string;
  readonly id: string;
  /** When it was sent (or moved to its dead-letter queue), epoch ms. */
  readonly at: number;
  /** Delay in seconds from `at`. */
  readonly delay: number;
  readonly message: SentMessage;
}

export interface QueueLogOptions {
  /** Compact while running once the file is this big and four times the live messages (default 64 MiB). */
  readonly compactAtBytes?: number;
  readonly log?: (line: string) => void;
}

const FILE = 'queue-log.jsonl';

/**
 * A write-ahead log of the local queues (`<dir>/queue-log.jsonl`, one JSON entry a line): every send, move to
 * a dead-letter queue, delete and purge, in the order the engine applied them. Appends are buffered and
 * written with one `fdatasync` per group (`durable()` resolves once everything appended so far is on disk),
 * so a request that sends ten messages, or twenty requests at once, cost one sync. Opening the log replays
 * it into the live set and rewrites the file as that set alone (a torn last line, from a crash in the middle
 * of a write that nobody was answered for, is dropped); while running it is compacted the same way once it
 * outgrows the live set.
 */
export class QueueLog {
  private readonly live = new Map<string, { entry: LiveMessage & { from?: string }; line: string }>();
  private liveBytes = 0;
  private fd: number;
  private fileBytes = 0;
  private buffer: string[] = [];
  private appended = 0;
  private synced = 0;
  private writing = false;
  private closed = false;
  private failure: Error | null = null;
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (error: Error) => void }> = [];
  private readonly compactAtBytes: number;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly dir: string,
    opts: QueueLogOptions,
  ) {
    this.compactAtBytes = opts.compactAtBytes ?? 64 * 1024 * 1024;
    this.log = opts.log ?? (() => undefined);
    fs.mkdirSync(dir, { recursive: true });
    this.replay();
    this.fd = this.rewrite();
  }

  /** Opens (or creates) the log in `dir`: replays it and compacts it to the live messages. */
  static open(dir: string, opts: QueueLogOptions = {}): QueueLog {
    return new QueueLog(dir, opts);
  }

  get file(): string {
    return path.join(this.dir, FILE);
  }

  /** The messages sent and not deleted, in the order they were first sent. */
  messages(): LiveMessage[] {
    return [...this.live.values()].map((v) => v.entry);
  }

  has(id: string): LiveMessage | undefined {
    return this.live.get(id)?.entry;
  }

  get size(): number {
    return this.live.size;
  }

  /**
   * Records an entry (applied to the live set at once, on disk by the next `durable()`). After `close()`
   * nothing is recorded: the engine's own timers (a visibility timeout ending in a DLQ move) may still fire
   * while the process stops, and the next start restores the state as it was at the close.
   */
  append(entry: QueueLogEntry): void {
    if (this.closed) return;
    const line = `${JSON.stringify(entry)}\n`;
    this.apply(entry, line);
    this.buffer.push(line);
    this.appended += 1;
    if (this.buffer.length === 1) setImmediate(() => this.flush());
  }

  /** How many entries were appended so far (to tell whether a request appended any). */
  get position(): number {
    return this.appended;
  }

  /** Resolves once every entry appended so far is written and synced; rejects if writing failed. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.synced >= this.appended) return Promise.resolve();
    const upTo = this.appended;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
    this.flush();
    return done;
  }

  /** Writes what is buffered, compacts and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.durable().catch(() => undefined);
    while (this.writing) await new Promise((r) => setImmediate(r));
    this.closed = true;
    fs.closeSync(this.fd);
    fs.closeSync(this.rewrite());
  }

  private flush(): void {
    if (this.writing || this.closed || !this.buffer.length) return;
    const lines = this.buffer;
    this.buffer = [];
    const upTo = this.appended;
    const data = Buffer.from(lines.join(''));
    this.writing = true;
    writeAll(this.fd, data)
      .then(() => new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (error) => (error ? reject(error) : resolve()))))
      .then(
        () => {
          this.fileBytes += data.length;
          this.synced = upTo;
          this.writing = false;
          if (this.fileBytes > this.compactAtBytes && this.fileBytes > 4 * this.liveBytes) this.compactNow();
          this.settle();
          this.flush();
        },
        (error: Error) => {
          this.writing = false;
          this.failure = new Error(`the queue log ${this.file} could not be written: ${error.message}`);
          this.log(`sqs: ${this.failure.message}`);
          this.settle();
        },
      );
  }

  /**
   * Rewrites the file as the live set, which already includes every entry appended so far (written or
   * still buffered): the buffer is then on disk too. Synchronous, so nothing is appended meanwhile.
   */
  private compactNow(): void {
    const before = this.fileBytes;
    fs.closeSync(this.fd);
    this.buffer = [];
    this.fd = this.rewrite();
    this.synced = this.appended;
    this.log(`sqs: queue log compacted from ${before} to ${this.fileBytes} bytes (${this.live.size} messages)`);
  }

  private settle(): void {
    const pending = this.waiters;
    this.waiters = [];
    for (const w of pending) {
      if (this.synced >= w.upTo) w.resolve();
      else if (this.failure) w.reject(this.failure);
      else this.waiters.push(w);
    }
  }

  /** `line` is the entry as written; a send's line is what compaction writes for it. */
  private apply(entry: QueueLogEntry, line: string): void {
    switch (entry.op) {
      case 'send': {
        this.remove(entry.id);
        this.live.set(entry.id, { entry, line });
        this.liveBytes += line.length;
        return;
      }
      case 'delete':
        if (this.live.get(entry.id)?.entry.queue === entry.queue) this.remove(entry.id);
        return;
      case 'purge':
        for (const [id, v] of this.live) if (v.entry.queue === entry.queue) this.remove(id);
        return;
    }
  }

  private remove(id: string): void {
    const old = this.live.get(id);
    if (!old) return;
    this.liveBytes -= old.line.length;
    this.live.delete(id);
  }

  private replay(): void {
    const file = this.file;
    if (!fs.existsSync(file)) return;
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines;
    let skipped = 0;
    complete.forEach((line, index) => {
      if (!line) return;
      let entry: QueueLogEntry;
      try {
        entry = JSON.parse(line) as QueueLogEntry;
      } catch {
        // The last line of a crashed write is expected; anything else is worth telling.
        if (index < complete.length - 1 || text.endsWith('\n')) skipped += 1;
        return;
      }
      if (!isEntry(entry)) {
        skipped += 1;
        return;
      }
      this.apply(entry, `${line}\n`);
    });
    if (skipped) this.log(`sqs: ${skipped} unreadable line(s) of ${file} skipped`);
  }

  /** Writes the live set to a new file, syncs it, renames it over the log; returns the new file, for appending. */
  private rewrite(): number {
    const file = this.file;
    const tmp = `${file}.tmp`;
    const data = Buffer.from([...this.live.values()].map((v) => v.line).join(''));
    const out = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(out, data);
      fs.fdatasyncSync(out);
    } finally {
      fs.closeSync(out);
    }
    fs.renameSync(tmp, file);
    syncDirectory(this.dir);
    this.fileBytes = data.length;
    return fs.openSync(file, 'a');
  }
}

function isEntry(value: unknown): value is QueueLogEntry {
  const e = value as Partial<Record<string, unknown>> | null;
  if (!e || typeof e !== 'object' || typeof e.queue !== 'string') return false;
  if (e.op === 'purge') return true;
  if (typeof e.id !== 'string') return false;
  if (e.op === 'delete') return true;
  return (
    e.op === 'send' &&
    typeof e.at === 'number' &&
    typeof e.delay === 'number' &&
    typeof (e.message as SentMessage | undefined)?.MessageBody === 'string'
  );
}

async function writeAll(fd: number, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await new Promise<number>((resolve, reject) =>
      fs.write(fd, data, offset, data.length - offset, null, (error, written) => (error ? reject(error) : resolve(written))),
    );
  }
}

/** A rename is durable once its directory is synced (not supported everywhere: then best effort). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // e.g. Windows cannot open a directory
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
