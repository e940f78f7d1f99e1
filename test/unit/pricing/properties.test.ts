import type Decimal from 'decimal.js';
import fc from 'fast-check';
import { D, roundMoney, toWire } from '../../../shared/kernel/money';
import { parseChargeModel, rate, toWireModel, type ChargeModel } from '../../../shared/pricing/domain/charge-models';
import { RatingError } from '../../../shared/pricing/domain/errors';

/**
 * Properties of the charge models over random models and quantities (fast-check). Each property is
 * something a billing operations team relies on without thinking about it.
 */

/** Non-negative decimals with up to 6 decimals, up to 10^9. */
const amount = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 6 }))
  .map(([units, scale]) => new D(units.toString()).div(new D(10).pow(scale)));
const positive = amount.filter((d) => d.gt(0));
const quantity = fc.oneof(
  amount,
  fc.integer({ min: 0, max: 200 }).map((n) => new D(n)),
  fc.constant(new D(0)),
);
const decimalText = (d: Decimal) => toWire(d);

/** 1–5 tiers with strictly increasing bounds, the last one open. */
const wireTiers = (priceKey: 'unitPrice' | 'rate') =>
  fc.array(fc.record({ width: positive, price: amount, flatFee: amount }), { minLength: 1, maxLength: 5 }).map((tiers) => {
    let bound = new D(0);
    return tiers.map((t, i) => {
      bound = bound.plus(t.width);
      return { upTo: i === tiers.length - 1 ? null : decimalText(bound), [priceKey]: decimalText(t.price), flatFee: decimalText(t.flatFee) };
    });
  });

const standardModel = amount.map((unitPrice) => ({ type: 'standard', unitPrice: decimalText(unitPrice) }));
const graduatedModel = wireTiers('unitPrice').map((tiers) => ({ type: 'graduated', tiers }));
const volumeModel = wireTiers('unitPrice').map((tiers) => ({ type: 'volume', tiers }));
const packageModel = fc.record({ packageSize: positive, packagePrice: amount, freeUnits: amount }).map((m) => ({
  type: 'package',
  packageSize: decimalText(m.packageSize),
  packagePrice: decimalText(m.packagePrice),
  freeUnits: decimalText(m.freeUnits),
}));
const percentageModel = fc.record({ rate: amount, fixedFee: amount, min: fc.option(amount), max: fc.option(amount) }).map((m) => {
  const [min, max] = m.min !== null && m.max !== null && m.min.gt(m.max) ? [m.max, m.min] : [m.min, m.max];
  return {
    type: 'percentage',
    rate: decimalText(m.rate),
    base: 'quantity',
    fixedFee: decimalText(m.fixedFee),
    minPerPurchase: min && decimalText(min),
    maxPerPurchase: max && decimalText(max),
  };
});
const graduatedPercentageModel = wireTiers('rate').map((tiers) => ({ type: 'graduated_percentage', base: 'quantity', tiers }));

const monotoneModel = fc.oneof(standardModel, graduatedModel, packageModel, percentageModel, graduatedPercentageModel).map(parseChargeModel);
const anyModel = fc.oneof(standardModel, graduatedModel, volumeModel, packageModel, percentageModel, graduatedPercentageModel).map(parseChargeModel);

/**
 * rate() on a generated model and quantity. Their product can pass the bounds every stored amount keeps
 * (|x| < 10^30); rate() refuses such an amount (bounds.test.ts), and the property skips that run.
 */
const price = (model: ChargeModel, q: Decimal): Decimal => {
  try {
    return rate(model, { quantity: q, metadata: {} });
  } catch (error) {
    if (error instanceof RatingError && error.message.includes('out of range')) fc.pre(false);
    throw error;
  }
};

/** The textbook definition, tier by tier, to check the precomputed bands against. */
function referenceGraduated(model: ChargeModel, q: Decimal): Decimal {
  if (model.type !== 'graduated') throw new Error('graduated only');
  let total = new D(0);
  let from = new D(0);
  for (const tier of model.tiers) {
    if (!q.gt(from)) break;
    const to = tier.upTo === null ? q : D.min(q, tier.upTo);
    total = total.plus(to.minus(from).times(tier.unitPrice)).plus(tier.flatFee);
    if (tier.upTo === null) break;
    from = tier.upTo;
  }
  return total;
}

function referenceVolume(model: ChargeModel, q: Decimal): Decimal {
  if (model.type !== 'volume') throw new Error('volume only');
  if (q.isZero()) return new D(0);
  const tier = model.tiers.find((t) => t.upTo === null || q.lte(t.upTo))!;
  return q.times(tier.unitPrice).plus(tier.flatFee);
}

describe('charge model properties', () => {
  test('amounts never decrease as the quantity grows (standard, graduated, package, percentage, graduated_percentage)', () => {
    fc.assert(
      fc.property(monotoneModel, quantity, quantity, (model, a, b) => {
        const [low, high] = a.lte(b) ? [a, b] : [b, a];
        expect(price(model, low).lte(price(model, high))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test('monotone through credits too: -q costs no more than q', () => {
    fc.assert(
      fc.property(monotoneModel, quantity, (model, q) => {
        expect(price(model, q.neg()).lte(price(model, q))).toBe(true);
      }),
    );
  });

  test('a credit costs exactly minus the charge, for every model but expressions', () => {
    fc.assert(
      fc.property(anyModel, positive, (model, q) => {
        expect(price(model, q.neg()).eq(price(model, q).neg())).toBe(true);
      }),
    );
  });

  test('package amounts are whole multiples of the package price', () => {
    fc.assert(
      fc.property(packageModel.map(parseChargeModel), quantity, (model, q) => {
        if (model.type !== 'package') return;
        const amountCharged = price(model, q);
        if (model.packagePrice.isZero()) expect(amountCharged.isZero()).toBe(true);
        else expect(amountCharged.div(model.packagePrice).isInteger()).toBe(true);
        // and never more than one package beyond what the billable units need
        const billable = D.max(q.minus(model.freeUnits), 0);
        expect(amountCharged.lt(billable.div(model.packageSize).plus(1).times(model.packagePrice)) || model.packagePrice.isZero()).toBe(true);
      }),
    );
  });

  test('graduated: the precomputed bands agree with the tier-by-tier definition', () => {
    fc.assert(
      fc.property(graduatedModel.map(parseChargeModel), quantity, (model, q) => {
        expect(toWire(price(model, q))).toBe(toWire(referenceGraduated(model, q)));
      }),
      { numRuns: 1000 },
    );
  });

  test('volume: agrees with the definition (the tier the total falls in, plus its fee)', () => {
    fc.assert(
      fc.property(volumeModel.map(parseChargeModel), quantity, (model, q) => {
        expect(toWire(price(model, q))).toBe(toWire(referenceVolume(model, q)));
      }),
      { numRuns: 1000 },
    );
  });

  test('zero units cost nothing under graduated, volume, package and graduated_percentage models', () => {
    fc.assert(
      fc.property(fc.oneof(graduatedModel, volumeModel, packageModel, graduatedPercentageModel).map(parseChargeModel), (model) => {
        expect(price(model, new D(0)).isZero()).toBe(true);
      }),
    );
  });

  test('period rating: splitting the period quantity into many purchases leaves the period charge unchanged', () => {
    // Period-scope rules sum the purchases' quantities first, then rate once. Decimal sums are exact,
    // so however the usage was cut into purchases (and in whatever order they arrive) the charge is the same.
    fc.assert(
      fc.property(graduatedModel.map(parseChargeModel), fc.array(amount, { minLength: 1, maxLength: 50 }), (model, parts) => {
        const total = parts.reduce((sum, q) => sum.plus(q), new D(0));
        const reversed = [...parts].reverse().reduce((sum, q) => sum.plus(q), new D(0));
        const oneBigPurchase = price(model, total);
        expect(price(model, reversed).eq(oneBigPurchase)).toBe(true);
        // and the period charge equals the tier-by-tier definition on the summed quantity
        expect(oneBigPurchase.eq(referenceGraduated(model, total))).toBe(true);
      }),
    );
  });

  test('with falling unit prices and no fees, rating the period sum never costs more than rating each purchase alone', () => {
    // With non-increasing unit prices and no flat fees, volume discounts make the period sum the cheaper option.
    const fallingPrices = fc.array(fc.record({ width: positive, price: amount }), { minLength: 1, maxLength: 4 }).map((tiers) => {
      const prices = tiers.map((t) => t.price).sort((a, b) => b.cmp(a));
      let bound = new D(0);
      return parseChargeModel({
        type: 'graduated',
        tiers: tiers.map((t, i) => {
          bound = bound.plus(t.width);
          return { upTo: i === tiers.length - 1 ? null : toWire(bound), unitPrice: toWire(prices[i]!) };
        }),
      });
    });
    fc.assert(
      fc.property(fallingPrices, fc.array(amount, { minLength: 1, maxLength: 20 }), (model, parts) => {
        const separately = parts.reduce((sum, q) => sum.plus(price(model, q)), new D(0));
        const together = price(
          model,
          parts.reduce((sum, q) => sum.plus(q), new D(0)),
        );
        expect(together.lte(separately)).toBe(true);
      }),
    );
  });

  test('percentage amounts stay within [minPerPurchase, maxPerPurchase]', () => {
    fc.assert(
      fc.property(percentageModel.map(parseChargeModel), quantity, (model, q) => {
        if (model.type !== 'percentage') return;
        const charged = price(model, q);
        if (model.minPerPurchase) expect(charged.gte(model.minPerPurchase)).toBe(true);
        if (model.maxPerPurchase) expect(charged.lte(model.maxPerPurchase)).toBe(true);
      }),
    );
  });

  test('the wire form parses back to a model that prices identically', () => {
    fc.assert(
      fc.property(anyModel, quantity, (model, q) => {
        const again = parseChargeModel(JSON.parse(JSON.stringify(toWireModel(model))));
        expect(toWireModel(again)).toEqual(toWireModel(model));
        expect(price(again, q).eq(price(model, q))).toBe(true);
      }),
    );
  });

  test('invoice rounding after exact rating: a line of many CDRs rounds the sum, not each CDR', () => {
    // 10,000 calls at 0.0004 each: 4.00 EUR, where rounding each CDR first would give 0.00
    const cdr = parseChargeModel({ type: 'standard', unitPrice: '0.0004' });
    const amounts = Array.from({ length: 10_000 }, () => price(cdr, new D(1)));
    const line = roundMoney(
      amounts.reduce((sum, a) => sum.plus(a), new D(0)),
      'EUR',
    );
    expect(line.toFixed(2)).toBe('4.00');
    expect(roundMoney(amounts[0]!, 'EUR').isZero()).toBe(true);
  });
});
