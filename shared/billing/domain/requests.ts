import { z } from 'zod';

/** The bodies billing's requests are checked against (the periods in them by `parseBillingPeriod`). */

/** `PUT /billing-schedule`. */
export const scheduleSchema = z.strictObject({
  dayOfMonth: z
    .number({ error: 'must be a whole number from 1 to 28' })
    .int('must be a whole number from 1 to 28')
    .min(1, 'must be from 1 to 28')
    .max(28, 'must be from 1 to 28'),
});

/** `POST /exports`. */
export const exportSchema = z.strictObject({
  kind: z.enum(['invoices', 'lines'], { error: 'must be invoices or lines' }),
  format: z.enum(['csv', 'jsonl'], { error: 'must be csv or jsonl' }),
  periodStart: z.unknown(),
  periodEnd: z.unknown(),
});
