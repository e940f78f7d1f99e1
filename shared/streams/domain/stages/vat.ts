import type Decimal from 'decimal.js';
import { z } from 'zod';
import { D } from '../../../kernel/money';
import { columnName, describeValue, read, requiredText, StageRowError } from '../columns';
import { EffectiveSeries, InstantCache } from '../tables';
import { EU_STANDARD_VAT_RATES, type VatRateEntry } from '../vat-rates';
import { notADate, reads } from './checks';
import { optionalColumn } from './fields';
import type { RowStage, StageDeps } from './types';

export interface VatStage {
  readonly type: 'vat';
  readonly country: string;
  readonly into: string;
  /** The date column that picks the rate (default purchaseDate; an empty date takes the current rate). */
  readonly date?: string;
}

export const vatSchema = z.strictObject({ type: z.literal('vat'), country: columnName, into: columnName, date: optionalColumn });

export type VatTable = ReadonlyMap<string, EffectiveSeries<Decimal>>;

export function vatTable(entries: readonly VatRateEntry[] = EU_STANDARD_VAT_RATES): VatTable {
  const grouped = new Map<string, { validFrom: string; value: Decimal }[]>();
  for (const entry of entries) {
    let list = grouped.get(entry.country);
    if (list === undefined) {
      list = [];
      grouped.set(entry.country, list);
    }
    list.push({ validFrom: entry.validFrom, value: new D(entry.rate) });
  }
  return new Map([...grouped].map(([country, list]) => [country, new EffectiveSeries(list)]));
}

let defaultVat: VatTable | undefined;

/** The built-in EU standard rates, built on first use and kept for the process. */
function defaultVatTable(): VatTable {
  defaultVat ??= vatTable();
  return defaultVat;
}

export function vatStage(stage: VatStage, index: number, deps: StageDeps): RowStage {
  const rates = deps.vatRates ?? defaultVatTable();
  const { country, into } = stage;
  const date = stage.date ?? 'purchaseDate';
  const instants = deps.instants ?? new InstantCache();
  return {
    index,
    type: 'vat',
    barrier: false,
    declare(columns, issues) {
      reads(columns, country, 'country', index, issues);
      if (stage.date !== undefined) reads(columns, date, 'date', index, issues);
      columns.set(into, 'decimal');
      return columns;
    },
    apply(row) {
      const value = read(row, country);
      const code = requiredText(value, country).trim().toUpperCase();
      const series = rates.get(code);
      if (series === undefined) throw new StageRowError(`${country}: no standard VAT rate for country ${describeValue(value)}`);
      const dateValue = read(row, date);
      let rate: Decimal | undefined;
      if (dateValue === null || dateValue === '') rate = series.latest();
      else {
        const at = typeof dateValue === 'string' ? instants.of(dateValue) : NaN;
        if (Number.isNaN(at)) throw notADate(date, dateValue);
        rate = series.at(at) ?? series.first();
      }
      row[into] = rate!;
      return true;
    },
  };
}
