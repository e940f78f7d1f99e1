import { createSqsServer } from 'local-aws-sqs';
import type { AddressInfo } from 'node:net';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../template';

export interface SqsEngine {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** local-aws-sqs, in-process, on a free 127.0.0.1 port. Its queues live in memory (see queue-store.ts). */
export async function startSqs(log: (line: string) => void): Promise<SqsEngine> {
  const server = await createSqsServer({ port: 0, hostname: '127.0.0.1', region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  log(`local SQS on ${endpoint}`);
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
