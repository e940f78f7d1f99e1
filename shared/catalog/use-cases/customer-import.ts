import { mapLimit } from '../../kernel/concurrency';
import { logger } from '../../kernel/logger';
import { DomainError, ValidationError } from '../../kernel/errors';
import { MAX_PARENT_CHAIN } from '../domain/catalog';
import {
  checkLine,
  checkLinks,
  emptyImportResult,
  errorsOf,
  type ImportFormat,
  type ImportLine,
  type ImportResult,
  type Link,
  parseCustomerDropKey,
  parseImport,
  type ValidLine,
} from '../domain/customer-import';
import type { AccountStore } from '../../platform/ports';
import type { CatalogStore, CustomerDropFiles, CustomerRecord, CustomerWrite, VersionCheck, WaitingPurchases } from '../ports';
import { type CatalogService, reevaluates } from './catalog';
import { type CustomerBody, customerBody, linksAnew, sameCustomer } from './customer-records';

/** DynamoDB's limit on the items (writes and checks) of one transaction. */
const TRANSACTION_ITEMS = 100;
/** Transactions of one import in flight at once. */
const TRANSACTIONS_IN_FLIGHT = 8;

/** A line that changes its customer: what is stored, what it becomes, and the chain above it when it links anew. */
interface Planned {
  line: ValidLine;
  held: CustomerRecord | null;
  body: CustomerBody;
  chain: string[];
}

/**
 * `POST /customers/import` and the customer drop (docs/api.md "Customer import"). Every line is checked as
 * `PUT /customers/{code}` checks its body; a bad line is rejected with its number and the others still apply.
 * The whole file is read with batched consistent gets (the customers it names, then the chains above new
 * parents), lines that change nothing are counted `unchanged` and written nowhere, and the others are written
 * in transactions of up to 100 items: every customer on the version read (or only if it is new), and every
 * customer on a new parent chain still at the version read (ConditionChecks), parents before children. A
 * transaction refused because something changed meanwhile is done again line by line through the PUT's
 * own path (fresh read, chain check, retries). So an import gives the same guarantees as PUTs (no lost
 * change, no loop even against concurrent writers), and importing the same file again writes nothing.
 */
export class CustomerImports {
  constructor(
    private readonly catalog: CatalogStore,
    private readonly customers: Pick<CatalogService, 'saveCustomer' | 'customersChanged' | 'payerLinksChanged'>,
    private readonly accounts: AccountStore,
    private readonly files: CustomerDropFiles | null,
    private readonly waiting: WaitingPurchases | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Imports a file's text; a file that cannot be read as a whole (header, size) is a ValidationError. */
  importText(accountId: string, text: string, format: ImportFormat): Promise<ImportResult> {
    return this.importLines(accountId, parseImport(text, format));
  }

  /**
   * An S3 ObjectCreated of `drops/<a>/customers/<name>.csv|.jsonl`: imports the file and writes its result
   * to `drops/<a>/customers/results/<name>.json` with the object's ETag. A redelivered event of a file
   * whose result already names that ETag does nothing (an import again would only answer all unchanged).
   */
  async processDrop(key: string, etag: string): Promise<ImportResult | null> {
    const drop = parseCustomerDropKey(key);
    if (!drop || !this.files) return null;
    const before = await this.files.readResult(drop.accountId, drop.name);
    if (before && before.etag === etag) return null;
    let result = emptyImportResult();
    if (!(await this.accounts.get(drop.accountId))) result.error = `account '${drop.accountId}' does not exist`;
    else {
      const text = await this.files.read(key);
      if (text === null) result.error = 'the file was deleted before it could be read';
      else {
        try {
          result = await this.importText(drop.accountId, text, drop.format);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          result.error = [error.message, ...error.details].join('; ');
        }
      }
    }
    await this.files.writeResult(drop.accountId, drop.name, { ...result, etag });
    return result;
  }

  async importLines(accountId: string, lines: readonly ImportLine[]): Promise<ImportResult> {
    const result: ImportResult = { ...emptyImportResult(), rows: lines.length };
    const started = Date.now();
    const phases: Record<string, number> = {};
    const phase = (name: string) => {
      phases[name] = Date.now() - started;
    };
    const reject = (line: number, code: string | null, errors: string[]) => result.rejected.push({ line, code, errors });

    // Each line on its own, then what it names: the cluster and the partner account.
    const alone: ValidLine[] = [];
    const firstLine = new Map<string, number>();
    for (const line of lines) {
      const checked = checkLine(line);
      if (!('input' in checked)) reject(checked.line, checked.code, checked.errors);
      else if (firstLine.has(checked.code))
        reject(checked.line, checked.code, [`code: '${checked.code}' is on line ${firstLine.get(checked.code)} already`]);
      else {
        firstLine.set(checked.code, checked.line);
        alone.push(checked);
      }
    }
    const valid = await this.withReferences(accountId, alone, reject);
    phase('checkedMs');

    // What each line makes of the stored customer; lines that change nothing are done.
    const stored = await this.catalog.getCustomers(
      accountId,
      valid.map((v) => v.code),
    );
    phase('readMs');
    const today = this.now().toISOString().slice(0, 10);
    const inFile = new Map<string, string | null>();
    const changing: Planned[] = [];
    for (const line of valid) {
      const held = stored.get(line.code) ?? null;
      let body: CustomerBody;
      try {
        body = customerBody(line.code, line.input, held, today);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        reject(line.line, line.code, errorsOf(error));
        continue;
      }
      inFile.set(line.code, body.parent ?? null);
      if (held && sameCustomer(held, body)) result.unchanged += 1;
      else changing.push({ line, held, body, chain: [] });
    }

    // New parent links: the chains above them, over the file and the catalogue; loops and missing parents are refused.
    const links: Link[] = changing
      .filter((p) => linksAnew(p.held, p.body))
      .map((p) => ({ line: p.line.line, code: p.line.code, parent: p.body.parent! }));
    await this.readChains(accountId, links, inFile, stored);
    const { chains, refused } = checkLinks(links, inFile, (c) => (stored.has(c) ? (stored.get(c)!.parent ?? null) : undefined));
    for (const [code, error] of refused) reject(firstLine.get(code)!, code, errorsOf(error));
    const planned = changing.filter((p) => !refused.has(p.line.code));
    for (const p of planned) p.chain = chains.get(p.line.code) ?? [];
    for (const code of refused.keys()) inFile.delete(code);

    phase('chainsMs');
    const { written, unchanged } = await this.write(accountId, planned, inFile, stored, reject);
    phase('writtenMs');
    for (const w of written) {
      if (w.previous) result.updated += 1;
      else result.created += 1;
    }
    result.unchanged += unchanged;
    await this.customers.customersChanged(
      accountId,
      written.filter((w) => !w.previous).map((w) => w.record.code),
      written.filter((w) => w.previous && reevaluates(w.previous, w.record)).map((w) => w.record.code),
      this.waiting ? (codes) => this.waiting!.customersWaiting(accountId, codes) : undefined,
    );
    await this.customers.payerLinksChanged(accountId, written);
    phase('reevaluationsMs');
    result.rejected.sort((a, b) => a.line - b.line);
    logger.info('customers imported', { accountId, rows: result.rows, created: result.created, updated: result.updated, ...phases });
    return result;
  }

  /** Lines whose cluster and partner account exist (as the PUT checks them); the others are rejected. */
  private async withReferences(
    accountId: string,
    lines: readonly ValidLine[],
    reject: (line: number, code: string | null, errors: string[]) => void,
  ): Promise<ValidLine[]> {
    if (!lines.length) return [];
    const clusters = new Set((await this.catalog.allCustomerClusters(accountId)).map((c) => c.id));
    const partners = [...new Set(lines.map((l) => l.input.partnerAccount).filter((p): p is string => !!p && p !== accountId))];
    const known = new Set((await mapLimit(partners, 8, async (p) => ((await this.accounts.get(p)) ? p : null))).filter((p) => p !== null));
    return lines.filter((l) => {
      const problems: string[] = [];
      if (!clusters.has(l.input.cluster)) problems.push(`cluster: customer cluster '${l.input.cluster}' does not exist`);
      const partner = l.input.partnerAccount;
      if (partner === accountId) problems.push('partnerAccount: must be another account than the owner');
      else if (partner && !known.has(partner)) problems.push(`partnerAccount: account '${partner}' does not exist`);
      if (problems.length) reject(l.line, l.code, problems);
      return problems.length === 0;
    });
  }

  /** Reads (batched, level by level) the stored customers above new parents that neither the file nor `stored` has yet. */
  private async readChains(
    accountId: string,
    links: readonly Link[],
    inFile: ReadonlyMap<string, string | null>,
    stored: Map<string, CustomerRecord>,
  ): Promise<void> {
    const asked = new Set<string>();
    let frontier = links.map((l) => l.parent);
    for (let level = 0; frontier.length && level <= MAX_PARENT_CHAIN + 1; level++) {
      const next: string[] = [];
      const unknown: string[] = [];
      for (const code of new Set(frontier)) {
        if (asked.has(code)) continue;
        asked.add(code);
        const known = inFile.has(code) || stored.has(code);
        if (inFile.has(code) && inFile.get(code)) next.push(inFile.get(code)!);
        if (stored.has(code) && stored.get(code)!.parent) next.push(stored.get(code)!.parent!);
        if (!known) unknown.push(code);
      }
      if (unknown.length) {
        const read = await this.catalog.getCustomers(accountId, unknown);
        for (const [code, record] of read) {
          stored.set(code, record);
          if (record.parent) next.push(record.parent);
        }
      }
      frontier = next;
    }
  }

  /**
   * Writes the planned lines, parents before children (a line's wave is the number of planned customers above
   * it), in transactions of up to 100 items; a refused transaction is written line by line through the PUT's path.
   */
  private async write(
    accountId: string,
    planned: readonly Planned[],
    inFile: ReadonlyMap<string, string | null>,
    stored: ReadonlyMap<string, CustomerRecord>,
    reject: (line: number, code: string | null, errors: string[]) => void,
  ): Promise<{ written: Array<{ previous: CustomerRecord | null; record: CustomerRecord }>; unchanged: number }> {
    const byCode = new Map(planned.map((p) => [p.line.code, p]));
    const parentOf = (c: string) => (inFile.has(c) ? inFile.get(c)! : (stored.get(c)?.parent ?? null));
    const waveOf = (p: Planned) => {
      let wave = 0;
      const seen = new Set([p.line.code]);
      for (let at = parentOf(p.line.code); at !== null && !seen.has(at) && seen.size <= MAX_PARENT_CHAIN + 1; at = parentOf(at)) {
        seen.add(at);
        if (byCode.has(at)) wave += 1;
      }
      return wave;
    };
    const waves: Planned[][] = [];
    for (const p of planned) {
      const wave = waves[waveOf(p)] ?? [];
      wave.push(p);
      waves[waveOf(p)] = wave;
    }

    const versions = new Map<string, number>();
    const versionOf = (code: string) => versions.get(code) ?? stored.get(code)?.version ?? 0;
    let unchanged = 0;
    const updatedAt = this.now().toISOString();
    const written: Array<{ previous: CustomerRecord | null; record: CustomerRecord }> = [];
    for (const wave of waves) {
      if (!wave) continue;
      const transactions = pack(wave, (p) => p.chain.map((code) => ({ code, version: versionOf(code) })));
      await mapLimit(transactions, TRANSACTIONS_IN_FLIGHT, async ({ lines, checks }) => {
        const writes: CustomerWrite[] = lines.map((p) => {
          const expectedVersion = p.held ? (p.held.version ?? 0) : null;
          return { customer: { ...p.body, version: (expectedVersion ?? 0) + 1, updatedAt }, expectedVersion };
        });
        if (await this.catalog.saveCustomers(accountId, writes, checks)) {
          for (const [i, p] of lines.entries()) {
            versions.set(p.line.code, writes[i]!.customer.version!);
            written.push({ previous: p.held, record: writes[i]!.customer });
          }
          return;
        }
        for (const p of lines) {
          try {
            const out = await this.customers.saveCustomer(
              accountId,
              p.line.code,
              (held, today) => customerBody(p.line.code, p.line.input, held, today),
              false,
            );
            if (out.written) written.push({ previous: out.previous, record: out.record });
            else unchanged += 1;
            versions.set(p.line.code, out.record.version ?? 0);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            reject(p.line.line, p.line.code, errorsOf(error));
          }
        }
      });
    }
    return { written, unchanged };
  }
}

/**
 * Packs lines into transactions of at most TRANSACTION_ITEMS items: one put per line and the checks of its
 * chain (a customer checked by several lines of a transaction is checked once).
 */
function pack(lines: readonly Planned[], checksOf: (p: Planned) => VersionCheck[]): Array<{ lines: Planned[]; checks: VersionCheck[] }> {
  const out: Array<{ lines: Planned[]; checks: VersionCheck[] }> = [];
  let current = { lines: [] as Planned[], checks: new Map<string, VersionCheck>() };
  const flush = () => {
    if (current.lines.length) out.push({ lines: current.lines, checks: [...current.checks.values()] });
    current = { lines: [], checks: new Map() };
  };
  for (const p of lines) {
    const checks = checksOf(p);
    const added = checks.filter((c) => !current.checks.has(c.code)).length;
    if (current.lines.length + current.checks.size + 1 + added > TRANSACTION_ITEMS) flush();
    current.lines.push(p);
    for (const c of checks) current.checks.set(c.code, c);
  }
  flush();
  return out;
}
