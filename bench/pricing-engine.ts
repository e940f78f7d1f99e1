/**
 * Rating throughput on one core: `rate()` with a 3-tier graduated model against bare decimal.js code
 * computing the same amounts inline. The engine's overhead (dispatch, sign and clone checks, band
 * lookup through the model) must stay below 20 %: ratio = engine / bare ≥ 0.8.
 *
 * Two bare loops are measured:
 * - `bareDecimalPerSec`: the same arithmetic as the engine (band search, base + (q − from) × price, with the
 *   constants hoisted), i.e. the fastest hand-written code; `ratio` is taken against this one, so it
 *   measures engine overhead alone.
 * - `naiveTierLoopPerSec`: the textbook per-tier loop (min, minus, times, plus per tier) a developer
 *   would write inline; for reference only.
 *
 * Run: `npx tsx bench/pricing-engine.ts` (optional argument: purchases per round).
 */
import type Decimal from 'decimal.js';
import { D } from '../shared/kernel/money';
import { parseChargeModel, rate, type Band, type RateInput } from '../shared/pricing/domain/charge-models';

export interface PricingEngineBench {
  engineRatesPerSec: number;
  bareDecimalPerSec: number;
  ratio: number;
  naiveTierLoopPerSec: number;
}

const MODEL = {
  type: 'graduated',
  tiers: [
    { upTo: '10', unitPrice: '10', flatFee: '2' },
    { upTo: '20', unitPrice: '5', flatFee: '3' },
    { upTo: null, unitPrice: '0.0004', flatFee: '3' },
  ],
};

/** Deterministic quantities over all three tiers, with 0–4 decimals (CDR-like), zero included. */
function quantities(n: number): Decimal[] {
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  return Array.from({ length: n }, () => new D(next() % 3_000_000).div(10 ** (next() % 5)).div(1000));
}

function seconds(body: () => void): number {
  const start = process.hrtime.bigint();
  body();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export async function benchPricingEngine(n = 200_000, rounds = 7): Promise<PricingEngineBench> {
  const model = parseChargeModel(MODEL);
  const qs = quantities(n);
  const inputs: RateInput[] = qs.map((quantity) => ({ quantity, metadata: {} }));
  const out: Decimal[] = new Array(n);

  // Constants a hand-written loop would hoist, taken from the same tiers.
  const bands: readonly Band[] = model.type === 'graduated' ? model.bands : [];
  const [b0, b1, b2] = bands as [Band, Band, Band];
  const upTo0 = b0.upTo!;
  const upTo1 = b1.upTo!;
  const tiers = [
    { upTo: new D(10) as Decimal | null, price: new D(10), fee: new D(2) },
    { upTo: new D(20) as Decimal | null, price: new D(5), fee: new D(3) },
    { upTo: null, price: new D('0.0004'), fee: new D(3) },
  ];
  const zero = new D(0);

  const engine = () => {
    for (let i = 0; i < n; i++) out[i] = rate(model, inputs[i]!);
  };
  const bare = () => {
    for (let i = 0; i < n; i++) {
      const q = qs[i]!;
      if (q.isZero()) {
        out[i] = zero;
        continue;
      }
      const band = q.lte(upTo0) ? b0 : q.lte(upTo1) ? b1 : b2;
      out[i] = q.minus(band.from).times(band.price).plus(band.base);
    }
  };
  const naive = () => {
    for (let i = 0; i < n; i++) {
      const q = qs[i]!;
      let amount = zero;
      let from = zero;
      for (const t of tiers) {
        if (!q.gt(from)) break;
        const units = (t.upTo === null ? q : D.min(q, t.upTo)).minus(from);
        amount = amount.plus(units.times(t.price)).plus(t.fee);
        if (t.upTo === null) break;
        from = t.upTo;
      }
      out[i] = amount;
    }
  };

  // Same results first: a fast wrong engine is no result.
  engine();
  const engineOut = out.slice();
  bare();
  naive();
  for (let i = 0; i < n; i++) {
    if (!engineOut[i]!.eq(out[i]!)) throw new Error(`engine and bare loop disagree on quantity ${qs[i]!.toFixed()}`);
  }

  // Interleaved rounds so drift (thermal, GC) hits both alike; best round of each.
  let engineSeconds = Infinity;
  let bareSeconds = Infinity;
  let naiveSeconds = Infinity;
  for (let r = 0; r < rounds; r++) {
    engineSeconds = Math.min(engineSeconds, seconds(engine));
    bareSeconds = Math.min(bareSeconds, seconds(bare));
    naiveSeconds = Math.min(naiveSeconds, seconds(naive));
    await new Promise((resolve) => setImmediate(resolve)); // let the event loop breathe between rounds
  }
  const engineRatesPerSec = Math.round(n / engineSeconds);
  const bareDecimalPerSec = Math.round(n / bareSeconds);
  return {
    engineRatesPerSec,
    bareDecimalPerSec,
    ratio: Number((engineRatesPerSec / bareDecimalPerSec).toFixed(3)),
    naiveTierLoopPerSec: Math.round(n / naiveSeconds),
  };
}

if (typeof require !== 'undefined' && require.main === module) {
  const n = Number(process.argv[2] ?? 200_000);
  benchPricingEngine(n).then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      if (result.ratio < 0.8) process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
