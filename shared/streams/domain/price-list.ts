import { ValidationError } from '../../kernel/errors';
import { InvalidDecimalError, parseDecimal, toWire } from '../../kernel/money';
import type { Row, Value } from './columns';

/**
 * A pricing batch applied as price rules (docs/product.md §5, "a published pricing batch can be applied as the
 * receiving account's price rules"). One row is one standard price rule:
 *
 * | column | |
 * |---|---|
 * | `productCluster` | required: the product cluster the price is for |
 * | `unitPrice` | required, decimal |
 * | `customerCluster` | optional: narrows the rule to a customer cluster |
 * | `currency` | optional: defaults to the stream's currency |
 * | `validFrom` / `validTo` | optional dates: default the batch's period start / open-ended |
 * | `priceRule` | optional rule id; default `<stream>-<productCluster>[-<customerCluster>]` |
 */
export interface PriceListRule {
  id: string;
  body: Record<string, unknown>;
}

const text = (value: Value | undefined): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

export function priceRulesFromRows(
  rows: readonly Readonly<Row>[],
  options: { stream: string; currency: string; validFrom: string },
): PriceListRule[] {
  const problems: string[] = [];
  const rules: PriceListRule[] = [];
  const ids = new Map<string, number>();
  rows.forEach((row, i) => {
    const productCluster = text(row.productCluster);
    if (productCluster === null) problems.push(`rows.${i}.productCluster: required`);
    const unitPrice = unitPriceOf(row.unitPrice, i, problems);
    if (productCluster === null || unitPrice === null) return;
    const customerCluster = text(row.customerCluster);
    const id = text(row.priceRule) ?? [options.stream, productCluster, customerCluster].filter(Boolean).join('-');
    const earlier = ids.get(id);
    if (earlier !== undefined) {
      problems.push(`rows.${i}: price rule '${id}' is also made by row ${earlier}`);
      return;
    }
    ids.set(id, i);
    const validTo = text(row.validTo);
    rules.push({
      id,
      body: {
        productCluster,
        ...(customerCluster ? { customerCluster } : {}),
        currency: text(row.currency) ?? options.currency,
        validFrom: text(row.validFrom) ?? options.validFrom,
        ...(validTo ? { validTo } : {}),
        model: { type: 'standard', unitPrice },
      },
    });
  });
  if (problems.length) throw new ValidationError('the pricing batch cannot be applied as price rules', problems.slice(0, 50));
  return rules;
}

/**
 * The row's unit price as wire text, or null once its problem is noted. Checked here, with every other
 * row, because the rules are saved one by one: a bad price found while saving would leave the rows
 * before it applied and the rest not.
 */
function unitPriceOf(value: Value | undefined, i: number, problems: string[]): string | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    problems.push(`rows.${i}.unitPrice: required`);
    return null;
  }
  try {
    return toWire(parseDecimal(value, `rows.${i}.unitPrice`));
  } catch (error) {
    if (!(error instanceof InvalidDecimalError)) throw error;
    problems.push(error.message);
    return null;
  }
}
