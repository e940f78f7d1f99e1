import { z } from 'zod';
import { parseInput } from '../domain/validation';
import type { PageRequest } from '../ports';

const pageSchema = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, 'must be from 1 to 1000')
    .optional(),
  cursor: z.string().max(4096, 'not a cursor this API returned').optional(),
});

/** `?limit=` (1–1000, default 100) and the opaque `?cursor=` of API.md's list convention. */
export function pageRequest(query: Record<string, string>): PageRequest {
  const { limit, cursor } = parseInput(pageSchema, { limit: query.limit, cursor: query.cursor }, 'query');
  return { limit: limit ?? 100, cursor: cursor || undefined };
}
