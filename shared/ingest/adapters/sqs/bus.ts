import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageBus, PipelineMessage } from '../../ports';

/** Sends pipeline messages in batches of ten, retrying the entries SQS reports as failed. */
export class SqsMessageBus implements MessageBus {
  constructor(
    private readonly client: SQSClient,
    private readonly queues: { remap?: string },
  ) {}

  async send(queue: 'remap', messages: readonly PipelineMessage[]): Promise<void> {
    const url = this.queues[queue];
    if (!url) throw new Error(`this function has no ${queue} queue configured`);
    for (let i = 0; i < messages.length; i += 10) {
      let entries = messages.slice(i, i + 10).map((m, n) => ({ Id: String(n), MessageBody: JSON.stringify(m) }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        if (attempt >= 5) throw new Error(`SQS refused ${entries.length} message(s) for the ${queue} queue`);
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  }
}
