import { requireEnv } from '../kernel/config';

/**
 * The two stores every context's wiring names: the single table and the data bucket. Read when a service
 * is built, so a function missing one fails at cold start.
 */
export const tableName = (): string => requireEnv('TABLE_NAME');
export const bucketName = (): string => requireEnv('BUCKET_NAME');
