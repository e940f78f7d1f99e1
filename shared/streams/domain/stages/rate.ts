import { z } from 'zod';
import { D } from '../../../kernel/money';
import { read, requiredDecimal, requiredText, StageRowError } from '../columns';
import { InstantCache } from '../tables';
import { notADate, reads } from './checks';
import { optionalColumn } from './fields';
import type { RowStage, StageDeps } from './types';

/** `{"type":"rate"}`: columns default to productLabel, customerCode, quantity, purchaseDate. */
export interface RateStage {
  readonly type: 'rate';
  readonly product?: string;
  readonly customer?: string;
  readonly quantity?: string;
  readonly date?: string;
}

export const rateSchema = z.strictObject({
  type: z.literal('rate'),
  product: optionalColumn,
  customer: optionalColumn,
  quantity: optionalColumn,
  date: optionalColumn,
});

export function rateStage(stage: RateStage, index: number, deps: StageDeps): RowStage {
  const rater = deps.rater;
  if (rater === undefined) throw new Error(`stage ${index} (rate) needs a rater`);
  const product = stage.product ?? 'productLabel';
  const customer = stage.customer ?? 'customerCode';
  const quantity = stage.quantity ?? 'quantity';
  const date = stage.date ?? 'purchaseDate';
  const instants = deps.instants ?? new InstantCache();
  return {
    index,
    type: 'rate',
    barrier: false,
    declare(columns, issues) {
      reads(columns, product, 'product', index, issues);
      reads(columns, customer, 'customer', index, issues);
      reads(columns, quantity, 'quantity', index, issues);
      reads(columns, date, 'date', index, issues);
      columns.set('unitPrice', 'decimal');
      columns.set('amount', 'decimal');
      columns.set('currency', 'string');
      columns.set('priceRule', 'string');
      return columns;
    },
    apply(row) {
      const dateValue = read(row, date);
      if (typeof dateValue !== 'string' || Number.isNaN(instants.of(dateValue))) throw notADate(date, dateValue);
      const outcome = rater({
        product: requiredText(read(row, product), product),
        customer: requiredText(read(row, customer), customer),
        quantity: requiredDecimal(read(row, quantity), quantity),
        date: dateValue,
        row,
      });
      if ('error' in outcome) throw new StageRowError(outcome.error);
      if (!(outcome.amount instanceof D)) throw new TypeError('the rater must return the amount as a Decimal');
      row.unitPrice = outcome.unitPrice;
      row.amount = outcome.amount;
      row.currency = outcome.currency;
      row.priceRule = outcome.priceRule;
      return true;
    },
  };
}
