import type Decimal from 'decimal.js';
import { z } from 'zod';
import { currency } from '../../../kernel/fields';
import { decimalOf, read, requiredText, StageRowError } from '../columns';
import { InstantCache, type EffectiveSeries } from '../tables';
import { checked, notADate, reads } from './checks';
import { distinctColumns, optionalColumn } from './fields';
import type { RowStage, StageDeps } from './types';

export interface ConvertCurrencyStage {
  readonly type: 'convert-currency';
  readonly columns: readonly string[];
  readonly to: string;
  /** The date column that picks the rate (default purchaseDate). */
  readonly date?: string;
}

export const convertSchema = z
  .strictObject({ type: z.literal('convert-currency'), columns: distinctColumns(1, 20), to: currency, date: optionalColumn })
  .superRefine((stage, ctx) => {
    const i = stage.columns.indexOf('currency');
    if (i >= 0) ctx.addIssue({ code: 'custom', path: ['columns', i], message: "'currency' is set by the stage itself" });
  });

export function convertStage(stage: ConvertCurrencyStage, index: number, deps: StageDeps): RowStage {
  const { to } = stage;
  const targets = stage.columns;
  const n = targets.length;
  const date = stage.date ?? 'purchaseDate';
  const table = deps.exchangeRates;
  const converted: (Decimal | null)[] = new Array(n).fill(null);
  const instants = deps.instants ?? new InstantCache();
  // The series of the last source currency seen: a run mostly converts from one or two currencies.
  let lastFrom: string | null = null;
  let lastSeries: EffectiveSeries<Decimal> | undefined;
  return {
    index,
    type: 'convert-currency',
    barrier: false,
    declare(columns, issues) {
      reads(columns, 'currency', 'to', index, issues);
      reads(columns, date, 'date', index, issues);
      targets.forEach((name, i) => {
        reads(columns, name, `columns.${i}`, index, issues);
        const type = columns.type(name);
        if (type === 'boolean' || type === 'date') issues.push(`stages.${index}.columns.${i}: '${name}' is a ${type} column, not an amount`);
        columns.set(name, 'decimal');
      });
      columns.set('currency', 'string');
      return columns;
    },
    apply(row) {
      const current = read(row, 'currency');
      if (current === to) return true;
      const from = requiredText(current, 'currency');
      const dateValue = read(row, date);
      const at = typeof dateValue === 'string' ? instants.of(dateValue) : NaN;
      if (Number.isNaN(at)) throw notADate(date, dateValue);
      if (from !== lastFrom) {
        lastFrom = from;
        lastSeries = table?.series(from, to);
      }
      const rate = lastSeries?.at(at);
      if (rate === undefined) throw new StageRowError(`no exchange rate ${from}-${to} valid on ${dateValue as string}`);
      for (let i = 0; i < n; i++) {
        const name = targets[i]!;
        const amount = decimalOf(read(row, name), name);
        converted[i] = amount === null ? null : checked(amount.times(rate), name);
      }
      for (let i = 0; i < n; i++) row[targets[i]!] = converted[i]!;
      row.currency = to;
      return true;
    },
  };
}
