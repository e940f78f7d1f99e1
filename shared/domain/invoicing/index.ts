/** The invoicing domain: pure (no I/O), decimal.js throughout. Documents (PDF, CSV) are in shared/documents. */
export * from './periods';
export * from './lines';
export * from './invoice';
export * from './subscriptions';
export * from './report';
