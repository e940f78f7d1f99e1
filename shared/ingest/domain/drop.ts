/**
 * The shape of an S3 drop (docs/api.md "S3 drop"): a CSV whose header names the purchase fields plus any
 * `meta.<key>` columns, or JSON Lines with one purchase object per line.
 */

export const REQUIRED_COLUMNS = ['reference', 'productLabel', 'customerCode', 'quantity', 'purchaseDate'] as const;
const OPTIONAL_COLUMNS = new Set(['endDate']);

export type DropFormat = 'csv' | 'jsonl';

export interface DropObject {
  accountId: string;
  name: string;
  format: DropFormat;
}

/** Recognises `drops/<account>/<name>.csv|.jsonl`; anything else (results, sub-folders) is not a drop. */
export function parseDropKey(key: string): DropObject | null {
  const m = /^drops\/([^/]+)\/([^/]+)\.(csv|jsonl)$/.exec(key);
  return m ? { accountId: m[1], name: m[2], format: m[3] as DropFormat } : null;
}

/** Problems with a CSV header that make the whole file unreadable. */
export function csvHeaderProblems(header: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column)) problems.push(`column '${column}' appears twice`);
    seen.add(column);
    const known = (REQUIRED_COLUMNS as readonly string[]).includes(column) || OPTIONAL_COLUMNS.has(column) || /^meta\..+/.test(column);
    if (!known) problems.push(`unknown column '${column}' (expected ${REQUIRED_COLUMNS.join(', ')}, endDate and meta.<key> columns)`);
  }
  for (const column of REQUIRED_COLUMNS) if (!seen.has(column)) problems.push(`missing column '${column}'`);
  return problems;
}

/** Turns one CSV record (already split by the header) into the purchase object the API would receive. */
export function csvRecordToPurchase(record: Readonly<Record<string, string>>): Record<string, unknown> {
  const purchase: Record<string, unknown> = {};
  const metadata: Record<string, string> = {};
  for (const [column, value] of Object.entries(record)) {
    if (column.startsWith('meta.')) {
      if (value !== '') metadata[column.slice(5)] = value;
    } else if (value !== '') {
      purchase[column] = value;
    }
  }
  if (Object.keys(metadata).length) purchase.metadata = metadata;
  return purchase;
}

/** One line of a JSON Lines drop: the purchase object, or why the line is not one. */
export type JsonLine = { raw: unknown } | { error: string };

/**
 * Reads line `line` (1-based) of a JSON Lines drop. A UTF-8 byte-order mark before the first line is
 * dropped, as csv-parse does for CSV drops (editors on Windows write one), instead of making that line
 * invalid JSON.
 */
export function parseJsonLine(text: string, line: number): JsonLine {
  const json = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { raw: JSON.parse(json) };
  } catch {
    return { error: 'line: not valid JSON' };
  }
}

export interface DropRejection {
  line: number;
  reference: string | null;
  code: string;
  errors: string[];
}

/** The results object of a drop; rejected lines beyond MAX_LISTED_REJECTIONS are counted, not listed. */
export interface DropResult {
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: DropRejection[];
  rejectedCount: number;
  error?: string;
}

export const MAX_LISTED_REJECTIONS = 10_000;

export function emptyDropResult(): DropResult {
  return { rows: 0, accepted: 0, duplicates: 0, rejected: [], rejectedCount: 0 };
}

export function addRejection(result: DropResult, rejection: DropRejection): void {
  result.rejectedCount += 1;
  if (result.rejected.length < MAX_LISTED_REJECTIONS) result.rejected.push(rejection);
}
