import { z } from 'zod';
import { currency, identifier, name } from '../../kernel/fields';
import { ConflictError, ValidationError } from '../../kernel/errors';
import { D } from '../../kernel/money';

/** Customer clusters and product clusters are trees per account; a node names its parent. */
export const customerClusterSchema = z.strictObject({
  name,
  parent: identifier.nullish(),
});
export type CustomerClusterInput = z.output<typeof customerClusterSchema>;

export const productClusterSchema = z.strictObject({
  name,
  parent: identifier.nullish(),
  aliases: z.array(identifier).max(1000, 'at most 1000 aliases').default([]),
});
export type ProductClusterInput = z.output<typeof productClusterSchema>;

export const customerSchema = z.strictObject({
  name,
  cluster: identifier,
  currency,
  partnerAccount: identifier.nullish(),
  billingDay: z
    .number({ error: 'must be a whole number from 1 to 28' })
    .int('must be a whole number from 1 to 28')
    .min(1, 'must be from 1 to 28')
    .max(28, 'must be from 1 to 28')
    .default(1),
  onHold: z.boolean({ error: 'must be true or false' }).default(false),
  taxRate: z
    .union([z.string(), z.number()], { error: 'must be a decimal percentage' })
    .nullish()
    .transform((v, ctx) => {
      if (v === null || v === undefined) return null;
      const text = String(v).trim();
      if (!/^\d+(\.\d+)?$/.test(text) || new D(text).gt(100)) {
        ctx.addIssue({ code: 'custom', message: 'must be a percentage from 0 to 100' });
        return z.NEVER;
      }
      return new D(text).toFixed();
    }),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as NL')
    .nullish(),
});
export type CustomerInput = z.output<typeof customerSchema>;

export interface ClusterNode {
  id: string;
  name: string;
  parent: string | null;
}

/**
 * Checks that `parent` exists and that making it the parent of `id` keeps the tree a tree.
 * `nodes` is the account's current tree (with or without `id` itself).
 */
export function checkClusterParent(nodes: readonly ClusterNode[], id: string, parent: string | null, kind: string): void {
  if (parent === null) return;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  if (!byId.has(parent)) throw new ValidationError(`invalid ${kind}`, [`parent: ${kind} '${parent}' does not exist`]);
  for (let at: string | null = parent, hops = 0; at !== null; hops++) {
    if (at === id || hops > byId.size) {
      throw new ConflictError('cluster_cycle', `${kind} '${id}' cannot be placed under '${parent}': that would make a cycle`);
    }
    at = byId.get(at)?.parent ?? null;
  }
}
