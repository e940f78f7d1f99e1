import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import {
  addRejection,
  csvHeaderProblems,
  csvRecordToPurchase,
  emptyDropResult,
  parseDropKey,
  parseJsonLine,
  type DropFormat,
  type DropResult,
} from '../domain/drop';
import type { CandidateRow } from '../domain/ingest';
import { MAX_PURCHASES_PER_REQUEST } from '../domain/ingest';
import type { AccountStore } from '../../platform/ports';
import type { DropFiles, DropLedger } from '../ports';
import type { IngestService } from './ingest';

type Row = { line: number; raw: unknown } | { line: number; error: string };

/** How many chunks of one drop may be on their way to the pipeline at once. */
const CHUNKS_IN_FLIGHT = 4;

/**
 * Streams a dropped file through the same acceptance as the HTTP path, 1,000 rows at a time, so that
 * a file of any size goes through in bounded memory. A redelivered event for a finished file is skipped.
 * A drop that stopped half-way (a crash, a timeout) is run again by the recovery: its chunks keep their ids
 * (derived from the drop and its first start), so what an earlier run claimed counts as accepted again,
 * never as a duplicate of itself, and the result is the file's whole truth.
 */
export class DropService {
  constructor(
    private readonly ingest: IngestService,
    private readonly files: DropFiles,
    private readonly ledger: DropLedger,
    private readonly accounts: AccountStore,
  ) {}

  async process(key: string, etag: string): Promise<DropResult | null> {
    const drop = parseDropKey(key);
    if (!drop) return null;
    const begun = await this.ledger.begin(drop.accountId, key, etag, new Date().toISOString());
    if (!begun) return null; // finished by an earlier delivery
    const result = emptyDropResult();
    if (!(await this.accounts.get(drop.accountId))) {
      result.error = `account '${drop.accountId}' does not exist`;
    } else {
      const stream = await this.files.open(key);
      if (!stream) result.error = 'the file was deleted before it could be read';
      else await this.ingestRows({ ...drop, key, etag, startedAt: begun.startedAt }, rowsOf(stream, drop.format), result);
    }
    await this.files.writeResult(drop.accountId, drop.name, result);
    await this.ledger.markDone(drop.accountId, key, etag, { ...result, rejected: [] });
    return result;
  }

  /** Runs again every drop that made no progress for `olderThanMs`; returns how many. */
  async recoverStale(olderThanMs: number, now = new Date()): Promise<number> {
    const stale = (await this.ledger.open()).filter((d) => Date.parse(d.progressAt) < now.getTime() - olderThanMs);
    for (const d of stale) await this.process(d.key, d.etag);
    return stale.length;
  }

  private async ingestRows(drop: RunningDrop, rows: AsyncIterable<Row>, result: DropResult): Promise<void> {
    const pending: Promise<void>[] = [];
    let chunk: CandidateRow[] = [];
    let chunks = 0;
    const submit = async () => {
      const rows = chunk;
      const chunkId = dropChunkId(drop, chunks++);
      chunk = [];
      pending.push(
        this.ingest
          .accept(
            drop.accountId,
            rows.map((r) => ({ at: r.at, raw: r.raw })),
            `drop:${drop.name}`,
            { chunkId },
          )
          .then(async (triage) => {
            result.accepted += triage.accepted.length;
            result.duplicates += triage.duplicates.length;
            for (const x of triage.rejected) addRejection(result, { line: x.at, reference: x.reference, code: x.code, errors: x.errors });
            await this.ledger.progress(drop.accountId, drop.key, drop.etag, new Date().toISOString());
          }),
      );
      if (pending.length >= CHUNKS_IN_FLIGHT) await pending.shift();
    };
    try {
      for await (const row of rows) {
        result.rows += 1;
        if ('error' in row) addRejection(result, { line: row.line, reference: null, code: 'invalid', errors: [row.error] });
        else chunk.push({ at: row.line, raw: row.raw });
        if (chunk.length === MAX_PURCHASES_PER_REQUEST) await submit();
      }
    } catch (error) {
      if (!(error instanceof FileError)) throw error;
      result.error = error.message;
    }
    if (chunk.length) await submit();
    await Promise.all(pending);
    result.rejected.sort((a, b) => a.line - b.line);
  }
}

interface RunningDrop {
  accountId: string;
  name: string;
  key: string;
  etag: string;
  startedAt: string;
}

/**
 * The id of the drop's n-th chunk: the same in every run of the drop (its first start, a hash of object key
 * and ETag, the chunk's number), and sortable by the time the drop began like every chunk id.
 */
export function dropChunkId(drop: Pick<RunningDrop, 'key' | 'etag' | 'startedAt'>, n: number): string {
  const time = Date.parse(drop.startedAt).toString(36).padStart(9, '0');
  return `${time}-${createHash('sha256').update(`${drop.key}#${drop.etag}`).digest('base64url').slice(0, 8)}-${String(n).padStart(6, '0')}`;
}

class FileError extends Error {}

function rowsOf(stream: Readable, format: DropFormat): AsyncIterable<Row> {
  return format === 'csv' ? csvRows(stream) : jsonlRows(stream);
}

async function* jsonlRows(stream: Readable): AsyncIterable<Row> {
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    yield { line, ...parseJsonLine(text, line) };
  }
}

async function* csvRows(stream: Readable): AsyncIterable<Row> {
  const skipped: Row[] = [];
  let header: string[] | null = null;
  const parser = stream.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      info: true,
      on_skip: (error) => {
        if (error) skipped.push({ line: (error as { lines?: number }).lines ?? 0, error: `line: ${error.message}` });
      },
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length) yield skipped.shift() as Row;
    if (!header) {
      header = record;
      const problems = csvHeaderProblems(header);
      if (problems.length) throw new FileError(`unreadable header: ${problems.join('; ')}`);
      continue;
    }
    if (record.length !== header.length) {
      yield { line: info.lines, error: `line: has ${record.length} columns, the header has ${header.length}` };
      continue;
    }
    const fields: Record<string, string> = {};
    for (const [i, column] of header.entries()) fields[column] = record[i];
    yield { line: info.lines, raw: csvRecordToPurchase(fields) };
  }
  while (skipped.length) yield skipped.shift() as Row;
  if (!header) throw new FileError('the file is empty: expected a header line');
}
