/** Streams, stages and batches (docs/product.md §5): pure, no I/O. */
export * from './columns';
export * from './tables';
export * from './vat-rates';
export * from './stages';
export * from './stream';
export * from './pipeline';
export * from './rows';
export * from './batch-format';
export * from './row-rating';
export * from './batch';
export * from './price-list';
