/**
 * `npx tsx demo/counts-at-scale.ts [purchases]`: seeds an account with N purchases (default 100,000) through
 * `POST /purchases` (1,000 per request, 2 requests in flight; a request that fails is sent again, which only reports duplicates) on the local stack, then times
 * `GET /purchase-counts` (the overview's numbers: the purchases that wait) and checks them against what was sent. Starts the embedded
 * stack in a temporary data directory, or uses a running one (BILLSTREAM_URL and BILLSTREAM_ADMIN_KEY).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../infra/local/stack';
import { client, ok } from './client';

const out = (line = '') => process.stdout.write(`${line}\n`);
const BATCH = 1000;
const IN_FLIGHT = 2;

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 100_000);
  let url = process.env.BILLSTREAM_URL;
  let adminKey = process.env.BILLSTREAM_ADMIN_KEY;
  let stop = async (): Promise<void> => {};
  if (!url || !adminKey) {
    const dataDir = mkdtempSync(join(tmpdir(), 'billstream-counts-'));
    const stack = await startLocalStack({ port: 0, dataDir, log: () => undefined, environmentOverrides: { LOG_LEVEL: 'WARN' } });
    url = stack.url;
    adminKey = stack.adminKey;
    stop = async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  try {
    const platform = client(url, adminKey);
    const id = `counts-${Date.now().toString(36)}`;
    ok(await platform.POST('/v1/accounts', { body: { id, name: 'Counts at scale', roles: ['vendor'], currency: 'EUR' } }));
    const key = ok(await platform.POST('/v1/accounts/{a}/keys', { params: { path: { a: id } }, body: { role: 'admin' } })).key!;
    const api = client(url, key);
    const a = { a: id };
    ok(await api.PUT('/v1/accounts/{a}/customer-clusters/{id}', { params: { path: { ...a, id: 'all' } }, body: { name: 'All' } }));
    for (let c = 0; c < 50; c++) {
      ok(
        await api.PUT('/v1/accounts/{a}/customers/{code}', {
          params: { path: { ...a, code: `C${c}` } },
          body: { name: `Customer ${c}`, cluster: 'all', currency: 'EUR', billingDay: 1, onHold: c === 49 },
        }),
      );
    }
    ok(
      await api.PUT('/v1/accounts/{a}/product-clusters/{id}', {
        params: { path: { ...a, id: 'voice' } },
        body: { name: 'Voice', aliases: ['voice-min'] },
      }),
    );
    ok(
      await api.PUT('/v1/accounts/{a}/price-rules/{id}', {
        params: { path: { ...a, id: 'voice' } },
        body: {
          productCluster: 'voice',
          currency: 'EUR',
          validFrom: '2026-01-01',
          priority: 0,
          scope: 'purchase',
          model: { type: 'standard', unitPrice: '0.01' },
        },
      }),
    );

    // Every 100th purchase names an unknown customer, every 250th an unknown label; C49 is on hold.
    const purchase = (i: number) => ({
      reference: `p${i}`,
      productLabel: i % 250 === 7 ? 'satellite' : 'voice-min',
      customerCode: i % 100 === 3 ? 'NOBODY' : `C${i % 50}`,
      quantity: String(1 + (i % 60)),
      purchaseDate: `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
    });
    const expected = { unmapped: 0, onHold: 0, rated: 0 };
    for (let i = 0; i < total; i++) {
      const p = purchase(i);
      if (p.customerCode === 'NOBODY' || p.productLabel === 'satellite') expected.unmapped++;
      else if (p.customerCode === 'C49') expected.onHold++;
      else expected.rated++;
    }
    const seeding = Date.now();
    let next = 0;
    let accepted = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < total) {
          const from = next;
          next += BATCH;
          const purchases = Array.from({ length: Math.min(BATCH, total - from) }, (_, k) => purchase(from + k));
          for (let attempt = 1; ; attempt++) {
            const reply = await api.POST('/v1/accounts/{a}/purchases', { params: { path: a }, body: { purchases } });
            if (reply.response.ok || attempt === 5) {
              const result = ok(reply);
              accepted += (result.accepted?.length ?? 0) + (result.duplicates?.length ?? 0);
              break;
            }
            out(`  request of purchases ${from}… answered ${reply.response.status}; sending it again`);
          }
          if (accepted % 10_000 === 0) out(`  ${accepted} purchases accepted (${((Date.now() - seeding) / 1000).toFixed(0)} s)`);
        }
      }),
    );
    out(`seeded ${accepted} purchases in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);

    for (const run of [1, 2, 3]) {
      const started = performance.now();
      const counts = ok(await api.GET('/v1/accounts/{a}/purchase-counts', { params: { path: a } }));
      const ms = performance.now() - started;
      out(`GET /purchase-counts #${run}: ${ms.toFixed(0)} ms → ${JSON.stringify(counts)}`);
      // Rated purchases wait for nothing and are not counted: the counts are the unmapped and the held ones.
      const right =
        counts.total === expected.unmapped + expected.onHold &&
        counts.byStatus.unmapped === expected.unmapped &&
        counts.byStatus['not-invoiced'] === expected.onHold &&
        counts.byReason['on-hold'] === expected.onHold;
      if (!right) throw new Error(`counts differ from what was sent: expected ${JSON.stringify(expected)}`);
    }
    const started = performance.now();
    const week = ok(await api.GET('/v1/accounts/{a}/purchase-counts', { params: { path: a, query: { from: '2026-10-01', to: '2026-10-08' } } }));
    out(`GET /purchase-counts?from=2026-10-01&to=2026-10-08: ${(performance.now() - started).toFixed(0)} ms → total ${week.total}`);
  } finally {
    await stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
