import { z } from 'zod';
import { strictErrors } from '../../kernel/validation';
import { addressSchema, vatIdSchema } from './catalog';

/**
 * The account's own profile: what its invoices print about the seller (legal name, address, VAT id) and
 * the prefix of its invoice numbers (`<prefix>-<year>-<sequence>`, docs/api.md "Invoices as legal documents").
 */
export const accountProfileSchema = z.strictObject(
  {
    legalName: z
      .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') })
      .trim()
      .min(1, 'must not be empty')
      .max(500, 'must be at most 500 characters'),
    address: addressSchema,
    vatId: vatIdSchema.nullish().transform((v) => v ?? null),
    invoicePrefix: z
      .string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') })
      .regex(/^[A-Z0-9-]{1,12}$/, 'must be 1 to 12 capital letters, digits or dashes'),
  },
  strictErrors,
);
export type AccountProfile = z.output<typeof accountProfileSchema>;
