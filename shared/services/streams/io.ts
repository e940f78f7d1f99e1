import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { BATCH_CSV_PARSE_OPTIONS } from '../../domain/streams/batch-format';
import type { UploadStream } from '../../ports';

/** Lines of a byte stream (`\n` or `\r\n`), one at a time. */
export async function* linesOf(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  for await (const line of createInterface({ input: Readable.from(bytes), crlfDelay: Infinity })) yield line;
}

/** CSV records of a byte stream, parsed as batch files are (an unquoted empty field is null). */
export function csvRecords(bytes: AsyncIterable<Buffer>): AsyncIterable<(string | null)[]> {
  return Readable.from(bytes).pipe(parse(BATCH_CSV_PARSE_OPTIONS));
}

/** Collects small writes into parts of about 256 KiB before they reach the upload. */
export class BufferedUpload {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly upload: UploadStream) {}

  async write(text: string): Promise<void> {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size >= 256 * 1024) await this.flush();
  }

  async close(): Promise<number> {
    await this.flush();
    return this.upload.close();
  }

  abort(): Promise<void> {
    return this.upload.abort();
  }

  private async flush(): Promise<void> {
    if (!this.chunks.length) return;
    const text = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    await this.upload.write(text);
  }
}
