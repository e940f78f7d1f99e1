// Runs the stream run consumer bundle (the very bytes deployed to Lambda) in a process of its own, as a
// Lambda container would, so that its peak RSS is its own. Usage: node stream-worker.js <bundle> <account> <batch>
// with the handler's environment (endpoints, TABLE_NAME …) inherited from the benchmark. The event is the
// StreamsQueue message the API sent for that batch, as the SQS poller would deliver it the first time.
const [bundle, accountId, batchId] = process.argv.slice(2);
const { handler } = require(bundle);
const record = {
  messageId: `bench-${batchId}`,
  receiptHandle: 'bench',
  body: JSON.stringify({ type: 'stream-run', accountId, batchId }),
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(Date.now()),
    SenderId: 'bench',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
  awsRegion: 'us-east-1',
};
const context = { functionName: 'StreamsRunConsumer', awsRequestId: 'bench', getRemainingTimeInMillis: () => 15 * 60_000 };
const started = process.hrtime.bigint();
handler({ Records: [record] }, context)
  .then((result) => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const failures = result?.batchItemFailures ?? [];
    if (failures.length) throw new Error(`the run consumer reported the message as failed: ${JSON.stringify(failures)}`);
    process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, meter: globalThis.__billstreamMeter ?? null })}\n`);
  })
  .catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
