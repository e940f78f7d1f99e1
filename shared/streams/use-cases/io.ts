import { StringDecoder } from 'node:string_decoder';
import { pipeline, Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { BATCH_CSV_PARSE_OPTIONS, BatchReader } from '../domain/batch-format';
import type { Row } from '../domain/columns';
import type { UploadStream } from '../../billing/ports';

/**
 * Lines of a byte stream (`\n` or `\r\n`), one at a time. Stopping early (return, throw) ends the
 * iteration of `bytes`, which closes the underlying stream (an S3 body's connection).
 */
export async function* linesOf(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of bytes) {
    rest += decoder.write(chunk);
    let start = 0;
    for (let end = rest.indexOf('\n'); end >= 0; end = rest.indexOf('\n', start)) {
      yield rest.charCodeAt(end - 1) === 13 && end > start ? rest.slice(start, end - 1) : rest.slice(start, end);
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.end();
  if (rest) yield rest;
}

/**
 * CSV records of a byte stream, parsed as batch files are (an unquoted empty field is null). Joined with
 * `pipeline`: a failing download fails the parse, and a reader that stops early closes the download.
 */
export function csvRecords(bytes: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncIterable<(string | null)[]> & { destroy(): void } {
  const parser = parse(BATCH_CSV_PARSE_OPTIONS);
  pipeline(Readable.from(bytes), parser, () => undefined); // an error reaches the reader through the parser
  return parser;
}

/**
 * The typed rows of a batch file we wrote (typed header first): a record that does not read back is a
 * defect, not a row's problem, so it fails the read. `reader.columns` is known after the first row.
 */
export async function* batchFileRows(bytes: AsyncIterable<Buffer>, name: string, reader = new BatchReader()): AsyncGenerator<Row> {
  for await (const record of csvRecords(bytes)) {
    const read = reader.read(record);
    if (read === null) continue;
    if (!read.ok) throw new Error(`${name} record ${read.record} cannot be read back: ${read.reason}`);
    yield read.row;
  }
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
