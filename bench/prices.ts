import type { MeterCounts } from '../shared/storage/meter';

/** us-east-1 list prices (on-demand), as published by AWS when these figures were taken. */
export const PRICES = {
  lambdaPerRequest: 0.2 / 1e6,
  lambdaPerGbSecond: 0.0000133334,
  sqsPerRequest: 0.4 / 1e6,
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  s3PerPut: 0.005 / 1000,
  s3PerGet: 0.0004 / 1000,
} as const;

export interface CostLine {
  kind: string;
  count: number;
  dollars: number;
}

/** Turns counted requests into list-price dollars, line by line. */
export function costOf(c: MeterCounts): { lines: CostLine[]; total: number } {
  const lines: CostLine[] = [
    { kind: 'DynamoDB write units', count: c.dynamoWriteUnits, dollars: c.dynamoWriteUnits * PRICES.dynamoPerWriteUnit },
    { kind: 'DynamoDB read units', count: c.dynamoReadUnits, dollars: c.dynamoReadUnits * PRICES.dynamoPerReadUnit },
    { kind: 'SQS requests (64 KiB each)', count: c.sqsRequests, dollars: c.sqsRequests * PRICES.sqsPerRequest },
    { kind: 'S3 PUT/LIST requests', count: c.s3Puts, dollars: c.s3Puts * PRICES.s3PerPut },
    { kind: 'S3 GET requests', count: c.s3Gets, dollars: c.s3Gets * PRICES.s3PerGet },
    { kind: 'Lambda invocations', count: c.lambdaInvocations, dollars: c.lambdaInvocations * PRICES.lambdaPerRequest },
    { kind: 'Lambda GB-seconds (arm64)', count: c.lambdaGbSeconds, dollars: c.lambdaGbSeconds * PRICES.lambdaPerGbSecond },
  ];
  return { lines, total: lines.reduce((sum, l) => sum + l.dollars, 0) };
}

export function scaled(c: MeterCounts, factor: number): MeterCounts {
  const out = { ...c };
  for (const key of Object.keys(out) as (keyof MeterCounts)[]) out[key] = out[key] * factor;
  return out;
}
