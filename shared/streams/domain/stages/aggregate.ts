import type Decimal from 'decimal.js';
import { z } from 'zod';
import { D } from '../../../kernel/money';
import { ColumnSet, decimalOf, read, type Row, type Value } from '../columns';
import { keyText } from '../tables';
import { checked, reads } from './checks';
import { distinctColumns } from './fields';
import type { BarrierStage } from './types';

export interface AggregateStage {
  readonly type: 'aggregate';
  readonly groupBy: readonly string[];
  readonly sum: readonly string[];
}

export const aggregateSchema = z
  .strictObject({ type: z.literal('aggregate'), groupBy: distinctColumns(0, 20), sum: distinctColumns(1, 20) })
  .superRefine((stage, ctx) => {
    stage.sum.forEach((name, i) => {
      if (stage.groupBy.includes(name)) ctx.addIssue({ code: 'custom', path: ['sum', i], message: `'${name}' is also a groupBy column` });
      if (name === 'currency') ctx.addIssue({ code: 'custom', path: ['sum', i], message: "'currency' cannot be summed" });
    });
  });

interface Group {
  readonly keys: Value[];
  readonly sums: Decimal[];
}

const ZERO = new D(0);

/** Length-prefixed so that no two different key tuples share an encoding. */
function encodeKey(value: Value): string {
  if (value === null) return 'n';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = typeof value === 'string' ? value : keyText(value);
  return `${typeof value === 'string' ? 's' : 'd'}${text.length}:${text}`;
}

/**
 * Groups rows and sums columns. A barrier: it holds one entry per group (the group's key values and its
 * running sums) and nothing per row, so its memory is O(groups), whatever the number of rows.
 * Amounts in different currencies are never added up: `currency` is always part of the group key
 * (and of the output) even when `groupBy` does not name it. An empty sum value counts as nothing; a
 * value that is not a decimal makes the row an error row (the group does not include it).
 */
export function aggregateStage(stage: AggregateStage, index: number): BarrierStage {
  const keyColumns = stage.groupBy.includes('currency') ? [...stage.groupBy] : [...stage.groupBy, 'currency'];
  const sumColumns = stage.sum;
  const k = keyColumns.length;
  const s = sumColumns.length;
  const addends: (Decimal | null)[] = new Array(s).fill(null);
  const sums: Decimal[] = new Array(s).fill(ZERO);
  let groups = new Map<string, Group>();
  return {
    index,
    type: 'aggregate',
    barrier: true,
    declare(columns, issues) {
      const out = new ColumnSet();
      stage.groupBy.forEach((name, i) => {
        reads(columns, name, `groupBy.${i}`, index, issues);
        out.set(name, columns.type(name) ?? 'string');
      });
      out.set('currency', columns.type('currency') ?? 'string');
      sumColumns.forEach((name, i) => {
        reads(columns, name, `sum.${i}`, index, issues);
        const type = columns.type(name);
        if (type === 'boolean' || type === 'date') issues.push(`stages.${index}.sum.${i}: '${name}' is a ${type} column, not a number`);
        out.set(name, 'decimal');
      });
      return out;
    },
    add(row) {
      for (let i = 0; i < s; i++) addends[i] = decimalOf(read(row, sumColumns[i]!), sumColumns[i]!);
      let key = '';
      for (let i = 0; i < k; i++) key += encodeKey(read(row, keyColumns[i]!));
      const group = groups.get(key);
      // Every new sum first: a row that would take one out of range is an error row and adds nothing.
      for (let i = 0; i < s; i++) {
        const addend = addends[i];
        const sum = group?.sums[i] ?? ZERO;
        sums[i] = addend === null || addend === undefined ? sum : checked(sum.plus(addend), `sum of ${sumColumns[i]!}`);
      }
      if (group === undefined) groups.set(key, { keys: keyColumns.map((c) => read(row, c)), sums: sums.slice() });
      else for (let i = 0; i < s; i++) group.sums[i] = sums[i]!;
    },
    *drain() {
      const drained = groups;
      groups = new Map();
      for (const group of drained.values()) {
        const row: Row = {};
        for (let i = 0; i < k; i++) row[keyColumns[i]!] = group.keys[i]!;
        for (let i = 0; i < s; i++) row[sumColumns[i]!] = group.sums[i]!;
        yield row;
      }
    },
  };
}
