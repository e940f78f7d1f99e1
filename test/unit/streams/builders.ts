import type Decimal from 'decimal.js';
import { D, toWire } from '../../../shared/kernel/money';
import { parseChargeModel, rate, type ChargeModel } from '../../../shared/pricing/domain/charge-models';
import type { Row, Value } from '../../../shared/streams/domain/columns';
import type { ErrorRow } from '../../../shared/streams/domain/pipeline';
import type { Rater } from '../../../shared/streams/domain/stages/types';
import { parseStreamDefinition, type StreamDefinition } from '../../../shared/streams/domain/stream';
import type { ExchangeRate } from '../../../shared/streams/domain/tables';

/** Test-data builders: each test states only what matters to it. */

export const dec = (value: string | number): Decimal => new D(value);

/** A purchase-sourced row with sensible defaults. */
export function row(overrides: Record<string, Value> = {}): Row {
  return {
    reference: 'r1',
    productLabel: 'voice',
    customerCode: 'DIST',
    usedBy: 'END-1',
    quantity: dec('10'),
    purchaseDate: '2026-03-10',
    endDate: null,
    unitPrice: null,
    amount: null,
    currency: null,
    ...overrides,
  };
}

/**
 * A real rater over charge models keyed by product label (standard and graduated models as the price
 * rules would hold them); an unknown product is `no-price-rule`.
 */
export function modelRater(models: Record<string, unknown>, currency = 'EUR'): Rater {
  const parsed = new Map<string, ChargeModel>(Object.entries(models).map(([label, wire]) => [label, parseChargeModel(wire)]));
  return ({ product, quantity }) => {
    const model = parsed.get(product);
    if (model === undefined) return { error: `no-price-rule: nothing prices product '${product}'` };
    return {
      unitPrice: model.type === 'standard' ? model.unitPrice : null,
      amount: rate(model, { quantity }),
      currency,
      priceRule: `rule-${product}`,
    };
  };
}

export function eurUsd(entries: [validFrom: string, rate: string][]): ExchangeRate[] {
  return entries.map(([validFrom, r]) => ({ from: 'EUR', to: 'USD', rate: r, validFrom }));
}

export function stream(stages: unknown[], overrides: Record<string, unknown> = {}): StreamDefinition {
  return parseStreamDefinition({ kind: 'billing', type: 'simple', source: { purchases: true }, currency: 'EUR', stages, ...overrides });
}

/** A row in wire form (decimals as strings), for exact comparisons. */
export function wire(r: Readonly<Row>): Record<string, string | boolean | null> {
  const out: Record<string, string | boolean | null> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v instanceof D ? toWire(v) : (v as string | boolean | null);
  return out;
}

export function reasons(errors: readonly ErrorRow[]): [number, string, string][] {
  return errors.map((e) => [e.stage, e.type, e.reason]);
}

/** The ValidationError details a function throws (fails the test if it does not throw). */
export function detailsOf(act: () => unknown): string[] {
  try {
    act();
  } catch (error) {
    if (error instanceof Error && 'details' in error) return (error as { details: string[] }).details;
    throw error;
  }
  throw new Error('expected a ValidationError');
}
