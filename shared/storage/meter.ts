/**
 * Counts the AWS requests a process makes, by kind, so that `npm run bench` can turn real request
 * counts into list-price dollars. Off unless BILLSTREAM_METER=1; the counters live on globalThis so
 * that every handler bundle loaded in one process adds to the same tally.
 */
export interface MeterCounts {
  dynamoWriteUnits: number;
  dynamoReadUnits: number;
  dynamoRequests: number;
  sqsRequests: number;
  s3Puts: number;
  s3Gets: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
}

const GLOBAL_KEY = '__billstreamMeter';

export function meter(): MeterCounts {
  const g = globalThis as unknown as Record<string, MeterCounts | undefined>;
  g[GLOBAL_KEY] ??= {
    dynamoWriteUnits: 0,
    dynamoReadUnits: 0,
    dynamoRequests: 0,
    sqsRequests: 0,
    s3Puts: 0,
    s3Gets: 0,
    lambdaInvocations: 0,
    lambdaGbSeconds: 0,
  };
  return g[GLOBAL_KEY];
}

export function meterEnabled(): boolean {
  return process.env.BILLSTREAM_METER === '1';
}

export function resetMeter(): MeterCounts {
  const counts = meter();
  for (const key of Object.keys(counts) as (keyof MeterCounts)[]) counts[key] = 0;
  timings().clear();
  return counts;
}

/** Calls and summed wall time per `<service> <command>` (calls in flight together each count their own time). */
export interface CallTiming {
  calls: number;
  ms: number;
}

const TIMINGS_KEY = '__billstreamTimings';

export function timings(): Map<string, CallTiming> {
  const g = globalThis as unknown as Record<string, Map<string, CallTiming> | undefined>;
  g[TIMINGS_KEY] ??= new Map();
  return g[TIMINGS_KEY];
}

export function countTime(service: string, command: string, ms: number): void {
  const key = `${service} ${command.replace(/Command$/, '')}`;
  const t = timings().get(key) ?? { calls: 0, ms: 0 };
  t.calls += 1;
  t.ms += ms;
  timings().set(key, t);
}

interface CapacityLike {
  CapacityUnits?: number;
  WriteCapacityUnits?: number;
  ReadCapacityUnits?: number;
}

/** Commands whose units are writes. BatchExecuteStatement carries only INSERTs in this code base (the purchase claims). */
const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
  'BatchExecuteStatementCommand',
]);

/** Adds the capacity DynamoDB reports (ReturnConsumedCapacity) for one call to the tally. */
export function countDynamo(command: string, consumed: CapacityLike | CapacityLike[] | undefined): void {
  const counts = meter();
  counts.dynamoRequests += 1;
  const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  for (const c of list) {
    const units = c.CapacityUnits ?? (c.WriteCapacityUnits ?? 0) + (c.ReadCapacityUnits ?? 0);
    if (WRITE_COMMANDS.has(command)) counts.dynamoWriteUnits += units;
    else counts.dynamoReadUnits += units;
  }
}

/** SQS bills each started 64 KiB of a request as one request. */
export function countSqs(payloadBytes: number): void {
  meter().sqsRequests += Math.max(1, Math.ceil(payloadBytes / 65536));
}

const S3_GET_CLASS = new Set(['GetObjectCommand', 'HeadObjectCommand']);

export function countS3(command: string): void {
  const counts = meter();
  if (S3_GET_CLASS.has(command)) counts.s3Gets += 1;
  else if (command !== 'DeleteObjectCommand') counts.s3Puts += 1; // PUT, COPY, POST, LIST are billed alike; DELETE is free
}
