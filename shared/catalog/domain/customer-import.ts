import { parse } from 'csv-parse/sync';
import { DomainError, ValidationError } from '../../kernel/errors';
import { identifier } from '../../kernel/fields';
import { describeIssues } from '../../kernel/validation';
import { addressSchema, type CustomerInput, customerSchema, type ParentOf, parentChain } from './catalog';

/**
 * Customer imports (docs/api.md "Customer import"): a CRM export as CSV (a header of field names, the
 * address as `address.<field>` columns) or JSON Lines (one customer object per line), each line the body
 * of `PUT /customers/{code}` plus its `code`. Parsing and the checks of one line are pure; what the lines
 * do to the stored catalogue is the use case's.
 */

export const MAX_IMPORT_LINES = 10_000;

export type ImportFormat = 'csv' | 'jsonl';

/** One line of an import: its number in the file (1-based; a CSV header is line 1), the customer code if it has one, and either the body or why not. */
export type ImportLine =
  | { line: number; code: string | null; raw: Record<string, unknown> }
  | { line: number; code: string | null; errors: string[] };

/** A line that passed the checks of `PUT /customers/{code}` on its own. */
export interface ValidLine {
  line: number;
  code: string;
  input: CustomerInput;
}

export interface ImportRejection {
  line: number;
  code: string | null;
  errors: string[];
}

/** Lines read, customers created, updated and left as they were, lines refused (by line number). */
export interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: ImportRejection[];
  /** Why the whole file could not be read (a drop of an unreadable file); absent otherwise. */
  error?: string;
}

const ADDRESS_FIELDS = Object.keys(addressSchema.shape);
const FIELDS = Object.keys(customerSchema.shape);
/** The CSV columns an import knows: `code`, the customer fields, the address as `address.<field>`. */
export const IMPORT_COLUMNS = ['code', ...FIELDS.filter((f) => f !== 'address'), ...ADDRESS_FIELDS.map((f) => `address.${f}`)];
const WHOLE_NUMBERS = new Set(['billingDay', 'paymentTermsDays']);
const BOOLEANS = new Set(['onHold']);

/** The import format of a Content-Type (`text/csv`; `application/x-ndjson`, `application/jsonl`, `application/x-jsonlines`), or null. */
export function importFormatOf(contentType: string | undefined): ImportFormat | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'].includes(type))
    return 'jsonl';
  return null;
}

/** The lines of an import file; a file that cannot be read at all (no header, unknown columns, too many lines) is a ValidationError. */
export function parseImport(text: string, format: ImportFormat): ImportLine[] {
  const lines = format === 'csv' ? csvLines(text) : jsonLines(text);
  if (lines.length > MAX_IMPORT_LINES) {
    throw new ValidationError('too many customers', [
      `body: at most ${MAX_IMPORT_LINES.toLocaleString('en')} customers per import, found ${lines.length}`,
    ]);
  }
  return lines;
}

function jsonLines(text: string): ImportLine[] {
  const out: ImportLine[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const json = i === 0 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (json.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      out.push({ line: i + 1, code: null, errors: ['line: not valid JSON'] });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.push({ line: i + 1, code: null, errors: ['line: must be a JSON object'] });
      continue;
    }
    const record = value as Record<string, unknown>;
    out.push({ line: i + 1, code: typeof record.code === 'string' ? record.code : null, raw: record });
  }
  return out;
}

function csvLines(text: string): ImportLine[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof records;
  } catch (error) {
    throw new ValidationError('unreadable CSV', [`body: ${(error as Error).message}`]);
  }
  const [head, ...rows] = records;
  if (!head) throw new ValidationError('empty import', ['body: expected a header line naming the columns']);
  const header = head.record;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column)) problems.push(`header: column '${column}' appears twice`);
    else if (!IMPORT_COLUMNS.includes(column)) problems.push(`header: unknown column '${column}' (known: ${IMPORT_COLUMNS.join(', ')})`);
    seen.add(column);
  }
  if (!seen.has('code')) problems.push("header: missing column 'code'");
  if (problems.length) throw new ValidationError('unreadable CSV header', problems);
  return rows.map(({ record, info }) => {
    const code = record[header.indexOf('code')] || null;
    if (record.length !== header.length) {
      return { line: info.lines, code, errors: [`line: has ${record.length} columns, the header has ${header.length}`] };
    }
    return { line: info.lines, code, raw: csvRecord(header, record) };
  });
}

/** A CSV record as the JSON body would carry it: empty cells left out, whole numbers and booleans typed, `address.*` nested. */
function csvRecord(header: readonly string[], record: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const address: Record<string, string> = {};
  for (const [i, column] of header.entries()) {
    const value = record[i]!;
    if (value === '') continue;
    if (column.startsWith('address.')) address[column.slice(8)] = value;
    else if (WHOLE_NUMBERS.has(column) && /^-?\d+$/.test(value)) out[column] = Number(value);
    else if (BOOLEANS.has(column) && /^(true|false)$/i.test(value)) out[column] = value.toLowerCase() === 'true';
    else out[column] = value;
  }
  if (Object.keys(address).length) out.address = address;
  return out;
}

/** Checks one line as `PUT /customers/{code}` checks its body (and `code` as the path would). */
export function checkLine(line: ImportLine): ValidLine | ImportRejection {
  if ('errors' in line) return line;
  const { code, ...body } = line.raw;
  const errors: string[] = [];
  const codeCheck = identifier.safeParse(code);
  if (!codeCheck.success) errors.push(...describeIssues(codeCheck.error.issues).map((e) => `code: ${e}`));
  const input = customerSchema.safeParse(body);
  if (!input.success) errors.push(...describeIssues(input.error.issues));
  if (errors.length || !codeCheck.success || !input.success) return { line: line.line, code: typeof code === 'string' ? code : null, errors };
  return { line: line.line, code: codeCheck.data, input: input.data };
}

/** A line whose customer gets a new parent (or a new customer with one): its chain must be checked. */
export interface Link {
  line: number;
  code: string;
  parent: string;
}

/**
 * Checks the new parent links of an import against each other and the catalogue: `links` are the lines
 * that set a parent, `inFile` the parent of every line still in the import (including those), `stored`
 * the catalogue's. A line whose chain loops or reaches a missing customer is refused; lines refused take
 * their customer out of the file's view (a new one is then missing, a stored one keeps its stored parent),
 * so the check runs again until nothing more is refused. Answers the chain above each accepted link and
 * the errors of each refused one.
 */
export function checkLinks(
  links: readonly Link[],
  inFile: ReadonlyMap<string, string | null>,
  stored: ParentOf,
): { chains: Map<string, string[]>; refused: Map<string, DomainError> } {
  const file = new Map(inFile);
  const refused = new Map<string, DomainError>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const link of links) {
      if (refused.has(link.code)) continue;
      try {
        parentChain(link.code, link.parent, (c) => (file.has(c) ? file.get(c) : stored(c)));
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        refused.set(link.code, error);
        file.delete(link.code);
        changed = true;
      }
    }
  }
  const chains = new Map<string, string[]>();
  for (const link of links) {
    if (!refused.has(link.code))
      chains.set(
        link.code,
        parentChain(link.code, link.parent, (c) => (file.has(c) ? file.get(c) : stored(c))),
      );
  }
  return { chains, refused };
}

/** The errors of a refusal as a rejected line lists them: its details (the fields), or its message. */
export function errorsOf(error: DomainError): string[] {
  const conflict = error.kind === 'conflict' ? ` (${error.code})` : '';
  return error.details.length ? error.details.map((d) => `${d}${conflict}`) : [`${error.message}${conflict}`];
}

export interface CustomerDrop {
  accountId: string;
  name: string;
  format: ImportFormat;
}

/** Recognises `drops/<account>/customers/<name>.csv|.jsonl` (a purchase drop has no folder: see ingest's parseDropKey). */
export function parseCustomerDropKey(key: string): CustomerDrop | null {
  const m = /^drops\/([^/]+)\/customers\/([^/]+)\.(csv|jsonl)$/.exec(key);
  return m ? { accountId: m[1]!, name: m[2]!, format: m[3] as ImportFormat } : null;
}

export function emptyImportResult(): ImportResult {
  return { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
}
