import type Decimal from 'decimal.js';
import { D } from '../../../shared/kernel/money';
import { parseChargeModel } from '../../../shared/pricing/domain/charge-models';
import { buildInvoice, type Invoice, type InvoiceCustomer, type InvoiceInput } from '../../../shared/billing/domain/invoice';
import type { InvoiceLine, InvoiceRule, RatedRow, RuleLookup } from '../../../shared/billing/domain/lines';

/** Test-data builders: each test states only what matters to it. */

export const dec = (value: string | number): Decimal => new D(value);

let sequence = 0;

/** A rated CDR of customer `c-1` in EUR, priced per purchase by rule `per-cdr`. */
export function row(overrides: Partial<RatedRow> = {}): RatedRow {
  sequence += 1;
  return {
    reference: `r-${sequence}`,
    productLabel: 'voice-out',
    customerCode: 'c-1',
    usedBy: 'c-1',
    quantity: dec(1),
    purchaseDate: '2026-10-05',
    endDate: null,
    unitPrice: dec('0.0004'),
    amount: dec('0.0004'),
    currency: 'EUR',
    productCluster: 'voice',
    priceRule: 'per-cdr',
    metadata: {},
    ...overrides,
  };
}

export function rows(count: number, overrides: Partial<RatedRow> = {}): RatedRow[] {
  return Array.from({ length: count }, () => row(overrides));
}

export function rule(overrides: Omit<Partial<InvoiceRule>, 'model'> & { model?: unknown } = {}): InvoiceRule {
  const { model, ...rest } = overrides;
  return {
    productCluster: 'voice',
    scope: 'purchase',
    groupBy: null,
    ...rest,
    model: parseChargeModel(model ?? { type: 'standard', unitPrice: '0.0004' }),
  };
}

export function rules(entries: Record<string, InvoiceRule> = {}): RuleLookup {
  return new Map(Object.entries({ 'per-cdr': rule(), ...entries }));
}

export function line(overrides: Partial<InvoiceLine> = {}): InvoiceLine {
  return {
    description: 'Voice',
    productCluster: 'voice',
    quantity: dec(1),
    unitPrice: dec('10'),
    amount: dec('10.00'),
    group: null,
    priceRule: 'per-cdr',
    ...overrides,
  };
}

export function customer(overrides: Partial<InvoiceCustomer> = {}): InvoiceCustomer {
  return { code: 'c-1', name: 'Shop One', taxRate: '21', currency: 'EUR', country: 'NL', ...overrides };
}

export function invoice(overrides: Partial<InvoiceInput> = {}): Invoice {
  return buildInvoice({
    id: 'inv-1',
    accountId: 'acc-v',
    customer: customer(),
    seller: { id: 'acc-v', name: 'Vendor V' },
    periodStart: '2026-10-01',
    periodEnd: '2026-11-01',
    currency: 'EUR',
    lines: [line()],
    ...overrides,
  });
}
