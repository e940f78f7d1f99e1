import { z } from 'zod';

/** The bodies billing's requests are checked against (the periods in them by `parseBillingPeriod`). */

/**
 * `PUT /billing-schedule`: one day of the month (1–28), or `"customers"`: every day on which a billing
 * period of one of the account's customers ends (customers' billing days).
 */
export const scheduleSchema = z.strictObject({
  dayOfMonth: z.union(
    [
      z
        .number({ error: 'must be a whole number from 1 to 28' })
        .int('must be a whole number from 1 to 28')
        .min(1, 'must be from 1 to 28')
        .max(28, 'must be from 1 to 28'),
      z.literal('customers'),
    ],
    { error: "must be a whole number from 1 to 28, or 'customers'" },
  ),
});

/** `POST /exports`. */
export const exportSchema = z.strictObject({
  kind: z.enum(['invoices', 'lines'], { error: 'must be invoices or lines' }),
  format: z.enum(['csv', 'jsonl'], { error: 'must be csv or jsonl' }),
  periodStart: z.unknown(),
  periodEnd: z.unknown(),
});
