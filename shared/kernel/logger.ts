import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per container; the level comes from LOG_LEVEL (default INFO). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'billstream' });
