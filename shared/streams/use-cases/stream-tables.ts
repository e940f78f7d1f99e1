import type Decimal from 'decimal.js';
import { NotFoundError } from '../../kernel/errors';
import { parseDecimal, toWire } from '../../kernel/money';
import { parseExchangeRate, parseLookupTable, type ExchangeRate, type LookupTable } from '../domain/tables';
import type { ExchangeRateRecord, LookupTableSummary, StreamTablesStore } from '../ports';
import type { Page, PageRequest } from '../../kernel/page';
import type { Saved } from '../../catalog/use-cases/catalog';

/** `GET /exchange-rates/{pair}`: the pair and its entries, oldest validFrom first. */
export interface ExchangeRatePair {
  pair: string;
  from: string;
  to: string;
  rates: { rate: string; validFrom: string }[];
}

/** `GET /lookup-tables/{id}`. */
export interface LookupTableRecord {
  id: string;
  key: string;
  rows: LookupTable['rows'];
  updatedAt: string;
}

/** What a stream run reads: every rate of the account, and the lookup tables its stages name. */
export interface RunTables {
  exchangeRates: ExchangeRate[];
  lookupTables: Map<string, LookupTable>;
}

/**
 * The owner's exchange rates and lookup tables (docs/api.md "Streams and batches"): validated by the pure
 * domain when saved, read whole by stream runs. A PUT creates or replaces; nothing else depends on them
 * until a run reads them, so a save sends no message.
 */
export class StreamTablesService {
  constructor(
    private readonly store: StreamTablesStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async putExchangeRate(accountId: string, pair: string, body: unknown): Promise<Saved<ExchangeRateRecord>> {
    const rate = parseExchangeRate(pair, body);
    const given = (body as { rate?: unknown }).rate;
    const record: ExchangeRateRecord = {
      pair: `${rate.from}-${rate.to}`,
      from: rate.from,
      to: rate.to,
      rate: rateText(parseDecimal(rate.rate, 'rate'), given),
      validFrom: rate.validFrom,
    };
    const { created } = await this.store.putExchangeRate(accountId, record);
    return { created, record };
  }

  async getExchangeRates(accountId: string, pair: string): Promise<ExchangeRatePair> {
    const entries = await this.store.exchangeRatesOf(accountId, pair);
    const first = entries[0];
    if (first === undefined) throw new NotFoundError(`no exchange rate for '${pair.slice(0, 20)}'`);
    return { pair: first.pair, from: first.from, to: first.to, rates: entries.map(({ rate, validFrom }) => ({ rate, validFrom })) };
  }

  listExchangeRates(accountId: string, page: PageRequest): Promise<Page<ExchangeRateRecord>> {
    return this.store.listExchangeRates(accountId, page);
  }

  /** Saves a table; the reply is its summary (the rows, up to 100,000, are not echoed). */
  async putLookupTable(accountId: string, id: string, body: unknown): Promise<Saved<LookupTableSummary>> {
    const table = parseLookupTable(body);
    const updatedAt = this.now().toISOString();
    const { created } = await this.store.putLookupTable(accountId, id, table, updatedAt);
    return { created, record: { id, key: table.key, rowCount: table.rows.length, updatedAt } };
  }

  async getLookupTable(accountId: string, id: string): Promise<LookupTableRecord> {
    const stored = await this.store.lookupTable(accountId, id);
    if (stored === null) throw new NotFoundError(`lookup table '${id}' not found`);
    return { id, key: stored.table.key, rows: stored.table.rows, updatedAt: stored.updatedAt };
  }

  listLookupTables(accountId: string, page: PageRequest): Promise<Page<LookupTableSummary>> {
    return this.store.listLookupTables(accountId, page);
  }

  /**
   * The tables a run of the account needs. A lookup table named but missing is absent from the map: the
   * pipeline's compile step reports it against the stage that names it.
   */
  async forRun(accountId: string, lookupTableIds: readonly string[]): Promise<RunTables> {
    const ids = [...new Set(lookupTableIds)];
    const [exchangeRates, tables] = await Promise.all([
      this.store.exchangeRates(accountId),
      Promise.all(ids.map((id) => this.store.lookupTable(accountId, id))),
    ]);
    const lookupTables = new Map<string, LookupTable>();
    ids.forEach((id, i) => {
      const stored = tables[i];
      if (stored) lookupTables.set(id, stored.table);
    });
    return { exchangeRates, lookupTables };
  }
}

/**
 * A rate as decimal text: as the client wrote it when that is plain decimal text, so the scale it chose
 * stays ("1.10"); otherwise (a JSON number, an exponent) the normalised wire form.
 */
function rateText(rate: Decimal, given: unknown): string {
  const text = typeof given === 'string' ? given.trim() : '';
  return /^(0|[1-9]\d*)(\.\d+)?$/.test(text) ? text : toWire(rate);
}
