/** The invoicing domain: pure (no I/O), decimal.js throughout. Documents (PDF, CSV) are in shared/billing/documents. */
export * from '../../kernel/periods';
export * from './lines';
export * from './invoice';
export * from './report';
export * from './recurring';
