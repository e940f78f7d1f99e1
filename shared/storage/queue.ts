import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Sends JSON messages to one queue in batches of ten, retrying the entries SQS reports as failed. */
export class SqsJsonBus<M extends { type: string }> {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly name: string,
  ) {}

  async send(messages: readonly M[], options: { delaySeconds?: number } = {}): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      let entries = messages.slice(i, i + 10).map((m, n) => ({ Id: String(n), MessageBody: JSON.stringify(m), DelaySeconds: options.delaySeconds }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        if (attempt >= 5) throw new Error(`SQS refused ${entries.length} ${this.name} message(s)`);
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  }
}
