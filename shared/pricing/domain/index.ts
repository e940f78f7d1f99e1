/** The pricing domain: pure (no I/O), decimal.js throughout. */
export * from './errors';
export * from './expression';
export * from './charge-models';
export * from '../../kernel/proration';
export * from './rules';
