import { D, toWire } from '../../../shared/kernel/money';
import { ExpressionError } from '../../../shared/pricing/domain/errors';
import { compileExpression, type Scope } from '../../../shared/pricing/domain/expression';
import { dec } from './builders';

/** Evaluates and renders the value the way the tests compare it: decimals as wire strings. */
export function run(source: string, scope: Scope = {}): string | boolean | null {
  const value = compileExpression(source).evaluate(scope);
  return value instanceof D ? toWire(value) : (value as string | boolean | null);
}

export function compileError(source: string): ExpressionError {
  try {
    compileExpression(source);
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error(`'${source}' compiled`);
}

export const purchase: Scope = {
  quantity: dec('12.5'),
  amount: dec('100'),
  purchaseDate: '2026-03-15T10:00:00Z',
  'metadata.roaming': 'yes',
  'metadata.country': 'NL',
  'metadata.msisdn': '0612345678',
  'metadata.minutes': '90',
  'meta.reseller': 'R1',
};
