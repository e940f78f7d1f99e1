import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Decimal from 'decimal.js';
import { ClusterTree } from '../../../shared/catalog/domain/clusters';
import { D } from '../../../shared/kernel/money';
import { parseChargeModel, type ChargeModel } from '../../../shared/pricing/domain/charge-models';
import { parsePriceRule, type ClusterTrees, type PriceRule, type RoutingRule } from '../../../shared/pricing/domain/rules';

/** Test-data builders: each test states only what matters to it. */

export const dec = (value: string | number): Decimal => new D(value);

/** A tree from `{ child: parent }`; null marks a root. */
export function tree(parents: Record<string, string | null>): ClusterTree {
  return new ClusterTree(Object.entries(parents).map(([id, parent]) => ({ id, parent })));
}

/**
 * Customers: all → nl → reseller-x → shop; all → de. Products: products → usage → voice → roaming;
 * products → usage → data; products → fees.
 */
export function sampleTrees(): ClusterTrees {
  return {
    customers: tree({ all: null, nl: 'all', 'reseller-x': 'nl', shop: 'reseller-x', de: 'all' }),
    products: tree({ products: null, usage: 'products', voice: 'usage', roaming: 'voice', data: 'usage', fees: 'products' }),
  };
}

export function model(wire: unknown): ChargeModel {
  return parseChargeModel(wire);
}

export const standard = (unitPrice: string): ChargeModel => model({ type: 'standard', unitPrice });

export function priceRule(id: string, overrides: Record<string, unknown> = {}): PriceRule {
  return parsePriceRule(id, {
    productCluster: 'products',
    currency: 'EUR',
    validFrom: '2026-01-01',
    model: { type: 'standard', unitPrice: '1' },
    ...overrides,
  });
}

export function routingRule(id: string, customerCluster: string, productCluster: string, targetCustomer = 'payer'): RoutingRule {
  return { id, customerCluster, productCluster, targetCustomer };
}

export interface ChargeModelFixtures {
  graduated: ModelCases;
  graduated_fractional_edges: ModelCases;
  volume: ModelCases;
  package: ModelCases[];
  percentage: ModelCases[];
  graduated_percentage: ModelCases;
  standard: ModelCases;
  proration: { cases: { billingDay: number; start: string; line: string }[] };
}

export interface ModelCases {
  model: { type: string } & Record<string, unknown>;
  cases: [quantity: string, amount: string][];
}

export function chargeModelFixtures(): ChargeModelFixtures {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/charge-models.json'), 'utf8')) as ChargeModelFixtures;
}
