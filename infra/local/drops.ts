import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DROP_EXTENSIONS = ['.csv', '.jsonl'];
const POLL_MS = 500;
const RESULT_KEY = /^drops\/([^/]+)\/((?:customers\/)?results\/[^/]+\.json)$/;
/** Sub-folders of an account's drops folder that are drops of their own kind (customer imports: drops/<a>/customers/). */
const DROP_FOLDERS = ['', 'customers'];

/**
 * The local S3 drop: a file copied into `<dataDir>/drops/<accountId>/` is uploaded to `drops/<accountId>/
 * <name>` in the data bucket once its size has been stable across two polls, then moved to `processed/`.
 * The upload fires the bucket's S3 notification like any other object, so the drop runs exactly as on AWS.
 * Result objects (`drops/<acc>/results/<name>.json`) are copied back to `<dataDir>/drops/<acc>/results/`.
 * A file in `<dataDir>/drops/<accountId>/customers/` is a customer import: uploaded to `drops/<acc>/customers/<name>`,
 * its result copied back to `customers/results/`.
 */
export class DropsFolder {
  private timer: NodeJS.Timeout | null = null;
  private readonly seen = new Map<string, { size: number; mtimeMs: number }>();
  private readonly inflight = new Set<Promise<void>>();
  private waiting = 0;
  private polling: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly bucket: string,
    private readonly s3: S3Client,
    private readonly log: (line: string) => void,
  ) {}

  /** Files seen but not uploaded yet, plus uploads and result copies in progress. */
  get pending(): number {
    return this.waiting + this.inflight.size;
  }

  start(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const tick = () => {
      this.polling = this.poll().catch((error: unknown) => this.log(`drops: ${(error as Error).message}`));
      void this.polling.finally(() => {
        if (this.timer) this.timer = setTimeout(tick, POLL_MS);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
    await Promise.allSettled([...this.inflight]);
  }

  /** Called for every object created in the bucket: mirrors drop results into the folder. */
  onObjectCreated(bucket: string, key: string): void {
    if (bucket !== this.bucket) return;
    const match = RESULT_KEY.exec(key);
    if (!match) return;
    this.track(this.mirror(key, path.join(this.dir, match[1]!, ...match[2]!.split('/'))));
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.log(`drops: ${(error as Error).message}`));
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  private async poll(): Promise<void> {
    const present = new Set<string>();
    let waiting = 0;
    for (const account of await fs.promises.readdir(this.dir, { withFileTypes: true })) {
      if (!account.isDirectory() || account.name.startsWith('.')) continue;
      for (const folder of DROP_FOLDERS) {
        const accountDir = path.join(this.dir, account.name, folder);
        for (const file of await fs.promises.readdir(accountDir, { withFileTypes: true }).catch(() => [])) {
          if (!file.isFile() || file.name.startsWith('.') || !DROP_EXTENSIONS.some((ext) => file.name.endsWith(ext))) continue;
          const full = path.join(accountDir, file.name);
          const stat = await fs.promises.stat(full).catch(() => null);
          if (!stat) continue;
          present.add(full);
          const before = this.seen.get(full);
          this.seen.set(full, { size: stat.size, mtimeMs: stat.mtimeMs });
          if (before && before.size === stat.size && before.mtimeMs === stat.mtimeMs) {
            this.seen.delete(full);
            present.delete(full);
            await this.upload(account.name, folder ? `${folder}/${file.name}` : file.name, full, stat.size);
          } else {
            waiting += 1;
          }
        }
      }
    }
    for (const file of this.seen.keys()) if (!present.has(file)) this.seen.delete(file);
    this.waiting = waiting;
  }

  private async upload(accountId: string, name: string, file: string, size: number): Promise<void> {
    const key = `drops/${accountId}/${name}`;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: fs.createReadStream(file), ContentLength: size }));
    const processed = path.join(path.dirname(file), 'processed');
    await fs.promises.mkdir(processed, { recursive: true });
    await fs.promises.rename(file, path.join(processed, path.basename(name)));
    this.log(`drops: uploaded ${path.relative(this.dir, file)} to s3://${this.bucket}/${key}`);
  }

  private async mirror(key: string, target: string): Promise<void> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const body = await out.Body!.transformToByteArray();
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    await fs.promises.writeFile(temp, body);
    await fs.promises.rename(temp, target);
  }
}
