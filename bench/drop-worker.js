// Runs the drop handler bundle (the very bytes deployed to Lambda) in a process of its own, as a Lambda
// container would, so that its peak RSS is its own. Usage: node drop-worker.js <bundle> <bucket> <key>
// with the handler's environment (endpoints, TABLE_NAME …) inherited from the benchmark.
const [bundle, bucket, key] = process.argv.slice(2);
const { handler } = require(bundle);
const started = process.hrtime.bigint();
handler({
  Records: [
    {
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key), eTag: 'bench' } },
    },
  ],
})
  .then(() => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, meter: globalThis.__billstreamMeter ?? null })}\n`);
  })
  .catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
