import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsJsonBus } from '../../../storage/queue';
import type { StreamBus, StreamMessage } from '../../ports';

/** The StreamsQueue. */
export class SqsStreamBus extends SqsJsonBus<StreamMessage> implements StreamBus {
  constructor(client: SQSClient, queueUrl: string) {
    super(client, queueUrl, 'stream');
  }
}
