/**
 * Stream stage throughput on one core (docs/product.md §5): rows per second through
 * rate (standard and graduated models, through a rater like the one wired to price rules)
 * → formula `markup(amount, 20)` → convert-currency EUR→USD (effective-dated, rate changes mid-month)
 * → copy `customerCode ← meta.reseller`. Target: ≥ 100,000 rows/s.
 *
 * Every row has its own date-time (CDR-like), so the rate lookup cannot lean on a repeated date.
 * Rows are built before timing; each round compiles a fresh pipeline and pushes every row.
 *
 * Run: `npx tsx bench/stage-pipeline.ts` (optional argument: rows per round).
 */
import { D } from '../shared/kernel/money';
import { parseChargeModel, rate, type ChargeModel } from '../shared/pricing/domain/charge-models';
import type { Row } from '../shared/streams/domain/columns';
import { compilePipeline, type PipelineDeps } from '../shared/streams/domain/pipeline';
import type { Rater } from '../shared/streams/domain/stages/types';
import { parseStreamDefinition } from '../shared/streams/domain/stream';

export interface StagePipelineBench {
  rowsPerSec: number;
}

const STREAM = {
  kind: 'billing',
  type: 'simple',
  source: { purchases: true },
  currency: 'USD',
  stages: [
    { type: 'rate' },
    { type: 'formula', column: 'amount', expression: 'markup(amount, 20)' },
    { type: 'convert-currency', columns: ['unitPrice', 'amount'], to: 'USD' },
    { type: 'copy', columns: { customerCode: 'meta.reseller' } },
  ],
};

function rater(): Rater {
  const models = new Map<string, ChargeModel>([
    ['voice', parseChargeModel({ type: 'standard', unitPrice: '0.0437' })],
    [
      'data',
      parseChargeModel({
        type: 'graduated',
        tiers: [
          { upTo: '10', unitPrice: '10', flatFee: '2' },
          { upTo: '20', unitPrice: '5', flatFee: '3' },
          { upTo: null, unitPrice: '0.0004', flatFee: '3' },
        ],
      }),
    ],
  ]);
  return ({ product, quantity }) => {
    const model = models.get(product);
    if (model === undefined) return { error: `no-price-rule: nothing prices '${product}'` };
    return { unitPrice: model.type === 'standard' ? model.unitPrice : null, amount: rate(model, { quantity }), currency: 'EUR', priceRule: product };
  };
}

/** Deterministic CDR-like rows over March 2026, each with its own second. */
function rows(n: number): Row[] {
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  const start = Date.UTC(2026, 2, 1);
  return Array.from(
    { length: n },
    (_, i): Row => ({
      reference: `cdr-${i}`,
      productLabel: i % 2 === 0 ? 'voice' : 'data',
      customerCode: 'DIST',
      usedBy: `END-${i % 500}`,
      quantity: new D(next() % 3_000_000).div(10 ** (next() % 5)).div(1000),
      purchaseDate: new Date(start + (next() % (31 * 86_400)) * 1000).toISOString().replace('.000Z', 'Z'),
      endDate: null,
      unitPrice: null,
      amount: null,
      currency: null,
      'meta.reseller': `R${i % 7}`,
    }),
  );
}

function seconds(body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function benchStagePipeline(n = 200_000, rounds = 5): Promise<StagePipelineBench> {
  const { stages } = parseStreamDefinition(STREAM);
  const deps: PipelineDeps = {
    rater: rater(),
    exchangeRates: [
      { from: 'EUR', to: 'USD', rate: '1.0850', validFrom: '2026-01-01' },
      { from: 'EUR', to: 'USD', rate: '1.0987', validFrom: '2026-03-16' },
    ],
  };
  const input = rows(n);

  // Right before fast: one known row, checked by hand (12.5 min × 0.0437 × 1.2 × 1.0850).
  const check = compilePipeline(stages, deps).push({
    ...input[0]!,
    productLabel: 'voice',
    quantity: new D('12.5'),
    purchaseDate: '2026-03-10T10:00:00Z',
  });
  if (check.kind !== 'row' || (check.row.amount as InstanceType<typeof D>).toFixed() !== '0.7112175' || check.row.customerCode !== 'R0') {
    throw new Error(`stage pipeline computed the wrong row: ${JSON.stringify(check)}`);
  }

  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let out = 0;
    const elapsed = seconds(() => {
      const pipeline = compilePipeline(stages, deps);
      for (let i = 0; i < n; i++) if (pipeline.push(input[i]!).kind === 'row') out++;
      pipeline.finish();
    });
    if (out !== n) throw new Error(`expected ${n} rows out, got ${out}`);
    best = Math.min(best, elapsed);
    await new Promise((resolve) => setImmediate(resolve)); // let the event loop and GC breathe between rounds
  }
  return { rowsPerSec: Math.round(n / best) };
}

if (typeof require !== 'undefined' && require.main === module) {
  const n = Number(process.argv[2] ?? 200_000);
  benchStagePipeline(n).then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      if (result.rowsPerSec < 100_000) process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
