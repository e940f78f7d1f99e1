import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsJsonBus } from '../../../storage/queue';
import type { BillingBus, BillingMessage } from '../../ports';

/** The BillingQueue. */
export class SqsBillingBus extends SqsJsonBus<BillingMessage> implements BillingBus {
  constructor(client: SQSClient, queueUrl: string) {
    super(client, queueUrl, 'billing');
  }
}
